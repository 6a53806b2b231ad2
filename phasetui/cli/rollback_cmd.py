"""``phasetui rollback RUNBOOK --env NAME``: the runbook's [rollback] on the run's target."""

from __future__ import annotations

import sys
from typing import Any

import click

from phasetui.cli.options import as_option, audit_repo_option


@click.command()
@click.argument("runbook", type=click.Path(dir_okay=False))
@click.option("--env", "env", required=True, metavar="NAME", help="The environment to roll back.")
@audit_repo_option
@click.option("--run", "run_id", default=None, help="The run to roll back (default: the open one).")
@click.option("--yes", is_flag=True, help="Answer yes (no backup recorded, a failed snapshot).")
@click.option(
    "--yes-i-mean-production",
    "production",
    default=None,
    metavar="ENV",
    help="Confirm a production environment by its name.",
)
@click.option(
    "--override",
    default=None,
    metavar="REASON",
    help="Apply rollback SQL despite lint errors; the reason is recorded.",
)
@click.option("--no-snapshot", is_flag=True, help="Do not take a `rollback` backup first.")
@as_option
def rollback(runbook: str, env: str, audit_repo: str | None, run_id: str | None, yes: bool,
             production: str | None, override: str | None, no_snapshot: bool,
             as_name: str | None) -> None:  # fmt: skip
    """Roll back RUNBOOK's change on ENV: show the backup and its restore command, snapshot,
    run the rollback SQL through the apply gates, refresh the migration status, write the
    manual steps, and close the run as rolled back.

    Exit 0 rolled back and closed; 1 a part failed; 4 waiting on you (a gate)."""
    from phasetui.cli.step_run_cmd import EXIT, make_runner, print_result
    from phasetui.ops.rollback import run_rollback

    flags: dict[str, Any] = dict(yes=yes, production=production, override=override,
                                 offline=False, restart=False, init=False)  # fmt: skip
    runner = make_runner(runbook, audit_repo=audit_repo, run_id=run_id, as_name=as_name,
                         env=env, **flags)  # fmt: skip
    report = run_rollback(runner, runner.environment(env), snapshot=not no_snapshot)
    for part in report.parts:
        print_result(part)
    if report.closed:
        click.echo(f"run {runner.run_id} rolled back on {env} and closed")
        return
    last = report.parts[-1] if report.parts else None
    click.echo(f"rollback of run {runner.run_id} did not finish; the run stays open", err=True)
    failed = next((p for p in report.parts if p.status not in ("done", "skipped")), last)
    sys.exit((EXIT.get(failed.status) or 1) if failed else 1)
