"""The command line: one click group whose verbs load their module only when called.

Each verb lives in its own module under ``phasetui.cli`` so that ``phasetui lint`` never
pays for Textual, psycopg or sqlglot, and ``--help`` stays instant. A module exports a click
command (or group) under the attribute named here.
"""

from __future__ import annotations

import importlib
import re
import sys
import warnings

import click

from phasetui.errors import UserError

# verb -> (module, attribute, one-line help shown by `phasetui --help`)
COMMANDS: dict[str, tuple[str, str, str]] = {
    "demo": ("phasetui.cli.demo_cmd", "demo", "Embedded PostgreSQL + sample data + the TUI."),
    "check": ("phasetui.cli.run_cmds", "check", "Validate runbooks."),
    "run": ("phasetui.cli.run_cmds", "run", "Open the TUI on a new or open run."),
    "runs": ("phasetui.cli.run_cmds", "runs", "List the runs in an audit repo."),
    "attach": ("phasetui.cli.run_cmds", "attach", "Reopen a run on its live jobs."),
    "tick": ("phasetui.cli.run_cmds", "tick", "Tick (or untick) a checklist item."),
    "note": ("phasetui.cli.run_cmds", "note", "Add a note to a run."),
    "rollback": ("phasetui.cli.rollback_cmd", "rollback", "Run a runbook's rollback plan."),
    "close": ("phasetui.cli.run_cmds", "close", "End a run: done, rolled back or abandoned."),
    "lint": ("phasetui.cli.lint_cmds", "lint", "Lint migration SQL for lock risks."),
    "rehearse": ("phasetui.cli.rehearse_cmds", "rehearse", "Run a migration in a rolled-back txn."),
    "apply": ("phasetui.cli.rehearse_cmds", "apply", "Apply migration SQL safely."),
    "step": ("phasetui.cli.step_cmds", "step", "Run one step of a runbook (any kind)."),
    "schema": ("phasetui.cli.schema_cmds", "schema", "Schema dumps and semantic diffs."),
    "backfill": ("phasetui.cli.backfill_cmds", "backfill", "Batched online backfills."),
    "drift": ("phasetui.cli.drift_cmds", "drift", "Settings and privilege drift of two envs."),
    "backup": ("phasetui.cli.backup_cmds", "backup", "pg_dump an environment, checked."),
    "status": ("phasetui.cli.status_cmds", "status", "Compare environments' applied migrations."),
    "jobs": ("phasetui.cli.jobs_cmds", "jobs", "Detached step workers: list, resume, stop."),
    "review": ("phasetui.cli.review_cmd", "review", "Review past runs offline (no database)."),
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        spec = COMMANDS.get(cmd_name)
        if spec is None:
            return None
        module_name, attr, short = spec
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
            return click.Command(cmd_name, help=f"{short} (not built yet)", hidden=True)
        return getattr(module, attr)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, COMMANDS[name][2]) for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def invoke(self, ctx: click.Context):  # noqa: ANN201 - click's signature
        try:
            return super().invoke(ctx)
        except UserError as exc:
            _fail(exc.message, exc.hint, exc.exit_code)
        except BrokenPipeError:
            # The reader went away (`phasetui jobs | head`): nothing is lost, nothing to say.
            import os

            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            sys.exit(141)  # 128 + SIGPIPE, as the shell reports a reader that closed early
        except (click.exceptions.ClickException, click.exceptions.Abort, click.exceptions.Exit):
            raise
        except Exception as exc:  # noqa: BLE001 - a bug: its traceback, but password-free
            if _unreadable_dsn(exc):
                from phasetui.db.environments import dsn_problem

                cause, fix = dsn_problem(str(exc))
                _fail(f"cannot read a connection string: {cause}", fix, 2)
            import traceback

            from phasetui.redaction import redact

            click.echo(redact(traceback.format_exc()).rstrip(), err=True)
            sys.exit(1)


def _fail(message: str, hint: str, code: int) -> None:
    """Every error the CLI prints goes through the masker: no password reaches a terminal
    or a log that captures stderr."""
    from phasetui.redaction import redact

    click.echo(f"phasetui: {redact(message)}", err=True)
    if hint:
        click.echo(f"  fix: {redact(hint)}", err=True)
    sys.exit(code)


def _unreadable_dsn(exc: BaseException) -> bool:
    """psycopg's refusal to read a DSN that slipped past the checks (psycopg is loaded)."""
    psycopg = sys.modules.get("psycopg")
    return bool(
        psycopg
        and isinstance(exc, psycopg.ProgrammingError)
        and re.search(r"connection info string|connection option|URI|percent-encoded", str(exc))
    )


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="phasetui")
def main() -> None:
    """phasetui: phased online migrations of big PostgreSQL tables, with a git audit trail."""
    # platformdirs warns on SSH hosts without XDG_RUNTIME_DIR: harmless, and not for the screen.
    warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")


if __name__ == "__main__":  # pragma: no cover
    main()
