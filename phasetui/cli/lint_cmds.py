"""``phasetui lint``: phase-aware lock-risk lint of migration SQL (exit 0 / 1 / 2)."""

from __future__ import annotations

import sys

import click

PHASE_CHOICES = ["expand", "backfill", "contract", "any"]


@click.command("lint")
@click.argument("files", nargs=-1, metavar="[FILE…|-]")
@click.option(
    "--phase",
    type=click.Choice(PHASE_CHOICES),
    default=None,
    help="Which phase the SQL belongs to (default: [lint] phase, else any).",
)
@click.option(
    "--pg-version",
    type=click.IntRange(9, 99),
    default=None,
    help="Target PostgreSQL major (default: the connected server's, else 15).",
)
@click.option(
    "--wrapped/--no-wrapped",
    default=None,
    help="Lint each file as one transaction, as golang-migrate, Flyway, sqlx, Rails, Django "
    "and `psql -1` run it (default: [lint] wrapped, else off).",
)
@click.option("--env", "env", default=None, help="Read catalog facts from this environment.")
@click.option("--dsn", default=None, help="Read catalog facts from this database.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "sarif", "github"]),
    default="text",
    show_default=True,
)
@click.option("--list-rules", is_flag=True, help="List the rules and exit.")
def lint(
    files: tuple[str, ...],
    phase: str | None,
    pg_version: int | None,
    wrapped: bool | None,
    env: str | None,
    dsn: str | None,
    fmt: str,
    list_rules: bool,
) -> None:
    """Lint migration SQL for lock risks: .sql files, - for stdin, or the output of
    `php artisan migrate --pretend`. Exit 0: no errors, 1: errors, 2: bad input."""
    from phasetui.config import load_config
    from phasetui.sql.formats import render
    from phasetui.sql.lint import LintOptions, lint_paths

    if list_rules:
        from phasetui.sql.rules import RULES

        for rule in RULES:
            click.echo(f"{rule.id:34} {rule.title}")
        return
    target_dsn = None
    if env or dsn:
        from phasetui.db.targets import resolve_target

        target_dsn = resolve_target(env=env, dsn=dsn).dsn
    options = LintOptions.from_config(
        load_config().section("lint"),
        phase=phase,
        pg_version=pg_version,
        dsn=target_dsn,
        wrapped=wrapped,
    )
    report = lint_paths(files or ("-",), options)
    click.echo(render(report, fmt), nl=False)
    sys.exit(report.exit_code)
