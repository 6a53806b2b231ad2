"""``phasetui step lint|rehearse|apply|backfill|schema-diff RUNBOOK STEP``: one step, headless.

The same calls as the TUI's step screens, recorded in the same way in the run's folder.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from phasetui.cli.options import as_option, audit_path, audit_repo_option


def step_arguments(command: Callable[..., Any]) -> Callable[..., Any]:
    """RUNBOOK STEP, the audit repo, the run to record in, and who acts: every step verb."""
    for decorate in reversed(
        (
            click.argument("runbook", type=click.Path(dir_okay=False)),
            click.argument("step_id"),
            audit_repo_option,
            click.option(
                "--run",
                "run_id",
                default=None,
                help="The run to record in (default: the runbook's open run).",
            ),
            as_option,
            click.option(
                "--env",
                "env",
                default=None,
                metavar="NAME",
                help="The run's target, for steps that name no environment (a new run's).",
            ),
            click.option(
                "--init", is_flag=True, help="Create the audit repo if it does not exist."
            ),
        )
    ):
        command = decorate(command)
    return command


confirm_option = click.option(
    "--yes-i-mean-production",
    "confirm",
    default=None,
    metavar="ENV",
    help="Confirm a production environment by typing its name.",
)


def _open(
    runbook: str,
    step_id: str,
    kind: str,
    audit_repo: str | None,
    run_id: str | None,
    as_name: str | None,
    env: str | None = None,
    init: bool = False,
):
    """The runbook, its ``kind`` step, the audit repo, the run (open or new), who acts, and
    the step's environment (its own, else the run's target).

    The step is looked up first, so a mistyped step id never creates a run."""
    from phasetui.audit.identity import resolve_person
    from phasetui.audit.runs import open_run
    from phasetui.cli.step_run_cmd import check_env_name
    from phasetui.ops.runner import Runner
    from phasetui.runbook.loader import load_runbook

    rb = load_runbook(runbook)
    st = rb.step_of_kind(step_id, kind)
    check_env_name(rb, env)
    repo = _audit_repo(audit_repo, init)
    who = resolve_person(as_name)
    run = open_run(repo, rb, run_id=run_id, who=who, env=env).run_id
    target = Runner(rb, repo, run, who).environment_of(st)
    return rb, st, repo, run, who, target


def _audit_repo(audit_repo: str | None, init: bool):  # noqa: ANN202 - an AuditRepo
    """The audit repo; a missing one only with --init (a typo must not start a new trail)."""
    from phasetui.audit.repo import AuditRepo
    from phasetui.errors import BadInput

    path = audit_path(audit_repo)
    if not init and not (path / ".git").exists():
        raise BadInput(
            f"no audit repo at {path}",
            "give --audit-repo DIR of an existing one, or add --init to create it",
        )
    return AuditRepo.open(path, create=init)


def _open_run_target(rb, audit_repo: str | None, run_id: str | None) -> str:  # noqa: ANN001
    """The target of the run a step would record in (--run, else the open run), or ""."""
    from phasetui.audit.repo import AuditRepo

    path = audit_path(audit_repo)
    if not (path / ".git").exists():
        return ""
    repo = AuditRepo.open(path, create=False)
    run = run_id or repo.open_run_for(rb.id)
    return repo.state(run).target if run else ""


def _confirmed(env, confirm: str | None, verb: str) -> str | None:  # noqa: ANN001
    """Production writes need the environment's name typed back (flag or prompt)."""
    if env.production and not env.read_only and confirm is None:
        confirm = click.prompt(
            f"Type {env.name!r} to {verb} on production", default="", show_default=False
        )
    return confirm


@click.group()
def step() -> None:
    """Run one step of a runbook headless, recording the evidence in its run.

    `step run` runs any step kind through every gate; lint, rehearse, apply, backfill and
    schema-diff do one part of a step."""


def _add_run() -> None:
    from phasetui.cli.step_run_cmd import step_run

    step.add_command(step_run)


_add_run()


@step.command("lint")
@step_arguments
@click.option("--offline", is_flag=True, help="Do not read the target's catalog.")
def lint_step(
    runbook: str,
    step_id: str,
    audit_repo: str | None,
    run_id: str | None,
    as_name: str | None,
    env: str | None,
    init: bool,
    offline: bool,
) -> None:
    """Lint sql STEP for its phase; write lint/STEP.md to the run."""
    from phasetui.ops.sql_step import SqlStep
    from phasetui.sql.formats import render_text

    rb, st, repo, run, who, target = _open(
        runbook, step_id, "sql", audit_repo, run_id, as_name, env, init
    )
    sql_step = SqlStep(rb, st, target)
    report = sql_step.lint(connect=not offline)
    click.echo(render_text(report))
    sql_step.record_lint(repo, run, report, who)
    raise SystemExit(report.exit_code)


@step.command("rehearse")
@step_arguments
def rehearse_step(
    runbook: str,
    step_id: str,
    audit_repo: str | None,
    run_id: str | None,
    as_name: str | None,
    env: str | None,
    init: bool,
) -> None:
    """Rehearse sql STEP in a rolled-back transaction; write rehearsal/STEP.md to the run."""
    from phasetui.ops.sql_step import SqlStep

    rb, st, repo, run, who, target = _open(
        runbook, step_id, "sql", audit_repo, run_id, as_name, env, init
    )
    sql_step = SqlStep(rb, st, target)
    result = sql_step.rehearse()
    click.echo(result.to_markdown())
    sql_step.record_rehearsal(repo, run, result, who)
    raise SystemExit(0 if result.passed else 1)


@step.command("apply")
@step_arguments
@click.option(
    "--override",
    default="",
    metavar="REASON",
    help="Apply despite lint errors; the reason is recorded (not for the timeout ceiling).",
)
@confirm_option
def apply_step(
    runbook: str,
    step_id: str,
    audit_repo: str | None,
    run_id: str | None,
    as_name: str | None,
    env: str | None,
    init: bool,
    override: str,
    confirm: str | None,
) -> None:
    """Lint, then apply sql STEP with lock_timeout and retries; record both in the run."""
    from phasetui.ops.sql_step import SqlStep, gate_and_record, latest_rehearsal_failure

    rb, st, repo, run, who, target = _open(
        runbook, step_id, "sql", audit_repo, run_id, as_name, env, init
    )
    sql_step = SqlStep(rb, st, target)
    sql_step.check_ceiling()  # not overridable: before the lint and any prompt
    _verify_gate(rb, st, repo, run, who, target, override)
    report = sql_step.lint()
    gate = gate_and_record(repo, run, st.id, report, who, override)
    failed_rehearsal = latest_rehearsal_failure(repo, run, st.id) or ""
    if failed_rehearsal:
        click.echo(f"note: the last rehearsal of {st.id} in this run FAILED: {failed_rehearsal}")
    result = sql_step.apply(confirm=_confirmed(sql_step.environment, confirm, "apply"), gate=gate)
    click.echo(result.to_markdown())
    sql_step.record_apply(repo, run, result, who, after_failed_rehearsal=failed_rehearsal)
    raise SystemExit(0 if result.ok else 1)


def _verify_gate(rb, st, repo, run, who, target, override: str) -> None:  # noqa: ANN001
    """The runner's contract gate, here too: a contract step applies only once every verify
    before it in its phase held on this environment in this run, or with a written reason."""
    from phasetui.errors import UserError
    from phasetui.ops.runner import Runner
    from phasetui.ops.sql_step import SqlStep, acceptable_reason

    if SqlStep(rb, st, target).phase != "contract":
        return
    runner = Runner(rb, repo, run, who)
    unmet = runner.unmet_verifies(st, target)
    if not unmet:
        return
    why = "; ".join(unmet)
    if not acceptable_reason(override):
        raise UserError(
            f"verify first: {why}; nothing was applied",
            f"phasetui step run {rb.path} <verify step> --run {run}, or --override 'why'",
        )
    runner.record_verify_override(st, unmet, override)


@step.command("backfill")
@step_arguments
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="A progress bar, or JSON lines for cron logs.",
)
@click.option("--restart", is_flag=True, help="Forget the checkpoint and start over.")
@confirm_option
def backfill_step(
    runbook: str,
    step_id: str,
    audit_repo: str | None,
    run_id: str | None,
    as_name: str | None,
    env: str | None,
    init: bool,
    fmt: str,
    restart: bool,
    confirm: str | None,
) -> None:
    """Run (or resume) backfill STEP; record its figures as backfill/STEP.json in the run."""
    from phasetui.backfill.spec import BackfillSpec
    from phasetui.cli.backfill_cmds import confirm_write, execute, finish
    from phasetui.errors import UserError
    from phasetui.ops.backfill_run import check_step_id, step_destination
    from phasetui.runbook.loader import load_runbook

    # Everything that can refuse comes before a run is opened and before the first batch:
    # the step, its spec, the environment's gate (as `apply`), where the result will go.
    rb = load_runbook(runbook)
    st = rb.step_of_kind(step_id, "backfill")
    check_step_id(st.id)
    spec = BackfillSpec.from_mapping({"name": f"{rb.id}.{st.id}", **st.params})
    from phasetui.cli.step_run_cmd import check_env_name

    check_env_name(rb, env)
    name = st.env or env or _open_run_target(rb, audit_repo, run_id)
    if not name:
        raise UserError(
            f"backfill step {st.id} names no environment, and no run target was given",
            f"add --env NAME ({', '.join(rb.environments) or 'see phasetui.toml'})",
        )
    from phasetui.db.targets import resolve_target

    target = resolve_target(name, None, rb.environments)
    confirm_write(target.environment, confirm, "run a backfill")
    dsn = target.dsn
    rb, st, repo, run, who, _ = _open(
        runbook, step_id, "backfill", audit_repo, run_id, as_name, env, init
    )
    destination = step_destination(repo, run, st.id)
    result = execute(dsn, spec, fmt=fmt, restart=restart)
    destination.record(result, who)
    finish(result, fmt)


@step.command("schema-diff")
@step_arguments
@click.option(
    "--format", "fmt", type=click.Choice(["text", "md", "json"]), default="text", show_default=True
)
@click.option(
    "--reviewed", is_flag=True, help="Also record that you reviewed the diff (checklist evidence)."
)
def schema_diff_step(
    runbook: str,
    step_id: str,
    audit_repo: str | None,
    run_id: str | None,
    as_name: str | None,
    env: str | None,
    init: bool,
    fmt: str,
    reviewed: bool,
) -> None:
    """Capture both sides of schema-diff STEP into the run; print the semantic diff."""
    from phasetui.ops.schema_step import SchemaDiffStep
    from phasetui.schema.render import render

    rb, st, repo, run, who, _ = _open(
        runbook, step_id, "schema-diff", audit_repo, run_id, as_name, env, init
    )
    diff_step = SchemaDiffStep(rb, st)
    result = diff_step.capture()
    diff_step.record_capture(repo, run, result, who)
    if reviewed:
        diff_step.record_review(repo, run, result, who)
    click.echo(render(result.diff, fmt))
