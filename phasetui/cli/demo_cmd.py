"""``phasetui demo``: embedded PostgreSQL, sample data, an audit repo, and the TUI.

Before the TUI opens it prints the ``export`` lines a second shell needs (the two DSN
variables and ``PHASETUI_CONFIG``, the demo's ``phasetui.toml``), and after it quits (or in
``--headless``) how to stop the server: ``phasetui demo --stop``.
"""

from __future__ import annotations

import json
import shlex
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
    help="Where the embedded server keeps its data (default: $PHASETUI_HOME/demo-pg).",
)
@click.option(
    "--runbook",
    type=click.Path(dir_okay=False),
    default=None,
    help="Runbook to open (default: sample_runbooks/users_preferences.toml).",
)
@click.option(
    "--env",
    "env",
    type=click.Choice(["staging", "production"]),
    default=None,
    help="The run's target (default: the open run's, else staging: rehearse first).",
)
@click.option("--reset", is_flag=True, help="Drop and re-create the demo databases.")
@click.option("--headless", is_flag=True, help="Set up, print the facts as JSON, and exit.")
@click.option(
    "--stop",
    is_flag=True,
    help="Stop the demo's embedded server (its data stays; the next demo starts it again).",
)
@as_option
def demo(
    rows: int,
    audit_repo: str | None,
    data_dir: str | None,
    runbook: str | None,
    env: str | None,
    reset: bool,
    headless: bool,
    stop: bool,
    as_name: str | None,
) -> None:
    """Start an embedded PostgreSQL with sample data and open the TUI on a sample runbook."""
    from phasetui.paths import data_dir as default_data_dir

    folder = Path(data_dir).expanduser() if data_dir else default_data_dir() / "demo-pg"
    stop_command = "phasetui demo --stop" + (
        f" --data-dir {shlex.quote(str(folder))}" if data_dir else ""
    )
    if stop:
        _stop(folder, headless, stop_command.replace(" --stop", ""))
        return

    from phasetui.audit.identity import resolve_person
    from phasetui.audit.repo import AuditRepo
    from phasetui.audit.runs import open_run
    from phasetui.db.environments import describe_dsn, redact
    from phasetui.demo.setup import CONFIG_FILE, ENV_VARS, prepare, shell_lines, write_demo_config
    from phasetui.errors import UserError
    from phasetui.runbook.loader import load_runbook

    runbook_path = Path(runbook) if runbook else sample_runbook_dir() / "users_preferences.toml"
    if not runbook_path.is_file():
        raise UserError(
            f"sample runbook not found at {runbook_path}",
            "run the demo from a clone installed with `pip install -e .`, or pass --runbook",
        )
    if not headless:
        click.echo(f"Starting PostgreSQL in {folder} …", err=True)
    setup = prepare(rows=rows, data_dir=folder, reset=reset)
    setup.export_environment()
    home = default_data_dir()
    home.mkdir(parents=True, exist_ok=True)  # the audit repo lives here too
    config = write_demo_config(home / CONFIG_FILE)
    exports = setup.exports(config)
    rb = load_runbook(runbook_path)
    repo = AuditRepo.open(audit_path(audit_repo))
    who = resolve_person(as_name)
    if env is None:  # the open run of the runbook (any target), else a staging run
        open_id = repo.open_run_for(rb.id)
        handle = open_run(repo, rb, who=who, run_id=open_id, env=None if open_id else "staging")
    else:
        handle = open_run(repo, rb, who=who, env=env)

    notes = _notes(setup, config)
    second_shell = _second_shell_text(shell_lines(exports), notes)
    stop_text = (
        f"Stop the demo's server: {stop_command} (its data stays in {folder})"
        if setup.embedded
        else "The demo runs on $PHASETUI_DEMO_DSN's server, which phasetui does not stop."
    )
    if headless:
        facts = {
            "server": {
                "embedded": setup.embedded,
                "data_dir": str(setup.data_dir) if setup.data_dir else None,
                "dsn": redact(setup.admin_dsn),
                "stop": stop_command if setup.embedded else None,
            },
            "environments": {
                env: {
                    "variable": ENV_VARS[env],
                    "dsn": redact(dsn),
                    "seeded_now": env in setup.seeded,
                }
                for env, dsn in setup.databases.items()
            },
            "config": {"path": str(config.path), "status": config.status},
            "exports": exports,
            "shell": shell_lines(exports),
            "notes": notes,
            "audit_repo": str(repo.path),
            "runbook": str(runbook_path),
            "run_id": handle.run_id,
            "run_created": handle.created,
        }
        click.echo(json.dumps(facts, indent=2))
        click.echo(second_shell, err=True)
        click.echo(stop_text, err=True)
        return
    for env, dsn in setup.databases.items():
        made = " (filled now)" if env in setup.seeded else " (reused)"
        click.echo(f"  {env:10} {describe_dsn(dsn)}{made}", err=True)
    click.echo(f"  config     {config.path} ({config.status})", err=True)
    click.echo(f"  audit repo {repo.path}", err=True)
    click.echo(f"  run        {handle.run_id}", err=True)
    click.echo(second_shell, err=True)
    from phasetui.tui.launch import launch

    launch(rb, repo, handle.run_id, who)
    click.echo(second_shell)
    click.echo(stop_text)


def _notes(setup, config) -> list[str]:
    notes = []
    needs = (
        "`--env staging|production` needs a phasetui.toml whose [environments.staging] and "
        "[environments.production] name PHASETUI_STAGING_DSN and PHASETUI_PRODUCTION_DSN"
    )
    if config.status == "conflict":
        notes.append(
            f"{config.path} was left as it was ({config.problem}): {needs}; remove it and "
            "run the demo again to have it written"
        )
    elif not config.usable:
        notes.append(f"{config.path}: {config.problem}; {needs}")
    if setup.password_dropped:
        notes.append(
            "the password of $PHASETUI_DEMO_DSN is not printed: keep it in ~/.pgpass or "
            "export PGPASSWORD in that shell"
        )
    return notes


def _second_shell_text(lines: list[str], notes: list[str]) -> str:
    body = "\n".join(f"  {line}" for line in lines)
    text = f"To use the demo databases from another shell (--env staging|production):\n{body}"
    return text + "".join(f"\n  note: {note}" for note in notes)


def _stop(folder: Path, headless: bool, start_command: str) -> None:
    import os

    from phasetui.demo.server import stop_embedded

    result = stop_embedded(folder)
    external = bool(os.environ.get("PHASETUI_DEMO_DSN"))
    if headless:
        click.echo(
            json.dumps(
                {
                    "data_dir": str(result.data_dir),
                    "was_running": result.was_running,
                    "stopped": result.was_running,
                    "pid": result.pid,
                },
                indent=2,
            )
        )
        return
    if result.was_running:
        click.echo(
            f"Stopped the demo's PostgreSQL (pid {result.pid}) on {folder}; its data stays "
            f"there: `{start_command}` starts it again."
        )
    else:
        why = f" ({result.note})" if result.note else ""
        click.echo(f"The demo's PostgreSQL on {folder} is not running{why}: nothing to stop.")
    if external:
        click.echo("$PHASETUI_DEMO_DSN names a server phasetui did not start: it is left alone.")
