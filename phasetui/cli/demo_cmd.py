"""``phasetui demo``: embedded PostgreSQL, sample data, an audit repo, and the TUI."""

from __future__ import annotations

import json
from pathlib import Path

import click

from phasetui.cli.options import as_option, audit_path, audit_repo_option


def sample_runbook_dir() -> Path:
    import phasetui

    here = Path(phasetui.__file__).resolve().parent.parent / "sample_runbooks"
    return here


@click.command()
@click.option(
    "--rows",
    default=200_000,
    show_default=True,
    type=click.IntRange(min=100),
    help="Users in production (staging gets a tenth).",
)
@audit_repo_option
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False),
    default=None,
    help="Where the embedded server keeps its data (default: user data dir).",
)
@click.option(
    "--runbook",
    type=click.Path(dir_okay=False),
    default=None,
    help="Runbook to open (default: sample_runbooks/users_preferences.toml).",
)
@click.option("--reset", is_flag=True, help="Drop and re-create the demo databases.")
@click.option("--headless", is_flag=True, help="Set up, print the facts as JSON, and exit.")
@as_option
def demo(
    rows: int,
    audit_repo: str | None,
    data_dir: str | None,
    runbook: str | None,
    reset: bool,
    headless: bool,
    as_name: str | None,
) -> None:
    """Start an embedded PostgreSQL with sample data and open the TUI on a sample runbook."""
    from phasetui.audit.identity import resolve_person
    from phasetui.audit.repo import AuditRepo
    from phasetui.audit.runs import open_run
    from phasetui.db.environments import describe_dsn, redact
    from phasetui.demo.setup import ENV_VARS, prepare
    from phasetui.errors import UserError
    from phasetui.paths import data_dir as default_data_dir
    from phasetui.runbook.loader import load_runbook

    runbook_path = Path(runbook) if runbook else sample_runbook_dir() / "users_preferences.toml"
    if not runbook_path.is_file():
        raise UserError(
            f"sample runbook not found at {runbook_path}",
            "run the demo from a clone installed with `pip install -e .`, or pass --runbook",
        )
    folder = Path(data_dir).expanduser() if data_dir else default_data_dir() / "demo-pg"
    if not headless:
        click.echo(f"Starting PostgreSQL in {folder} …", err=True)
    setup = prepare(rows=rows, data_dir=folder, reset=reset)
    setup.export_environment()
    rb = load_runbook(runbook_path)
    repo = AuditRepo.open(audit_path(audit_repo))
    who = resolve_person(as_name)
    handle = open_run(repo, rb, who=who)

    facts = {
        "server": {
            "embedded": setup.embedded,
            "data_dir": str(setup.data_dir) if setup.data_dir else None,
            "dsn": redact(setup.admin_dsn),
        },
        "environments": {
            env: {"variable": ENV_VARS[env], "dsn": redact(dsn), "seeded_now": env in setup.seeded}
            for env, dsn in setup.databases.items()
        },
        "audit_repo": str(repo.path),
        "runbook": str(runbook_path),
        "run_id": handle.run_id,
        "run_created": handle.created,
    }
    if headless:
        click.echo(json.dumps(facts, indent=2))
        return
    for env, dsn in setup.databases.items():
        made = " (filled now)" if env in setup.seeded else " (reused)"
        click.echo(f"  {env:10} {describe_dsn(dsn)}{made}", err=True)
    click.echo(f"  audit repo {repo.path}", err=True)
    click.echo(f"  run        {handle.run_id}", err=True)
    from phasetui.tui.launch import launch

    launch(rb, repo, handle.run_id, who)
    click.echo("To use the demo databases from a shell:")
    for env, dsn in setup.databases.items():
        click.echo(f"  export {ENV_VARS[env]}='{redact(dsn)}'")
