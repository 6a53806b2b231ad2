"""``phasetui status``: the applied migrations of two (or more) environments, compared.

A thin face over :mod:`phasetui.ops.status`, the code the runbook's migration-status step
runs. Exit 0 when every capture worked (differences included: they are printed), 1 on a
user error (a missing table, an unreachable server).
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from phasetui.runbook.kinds import FRAMEWORKS


@click.command("status")
@click.option(
    "--env",
    "envs",
    multiple=True,
    required=True,
    metavar="NAME",
    help="An environment to capture (phasetui.toml or a libpq service); repeat it.",
)
@click.option(
    "--framework",
    type=click.Choice(FRAMEWORKS),
    default=None,
    help="Whose applied-migrations table to read (default: laravel's `migrations`).",
)
@click.option("--table", default=None, help="The table's name, if not the framework's own.")
@click.option(
    "--query",
    default=None,
    help="A custom SELECT: first column the migration id, optional second its batch.",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Also write <env>.txt per environment and diff.txt into this folder.",
)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
def status(
    envs: tuple[str, ...],
    framework: str | None,
    table: str | None,
    query: str | None,
    out: Path | None,
    fmt: str,
) -> None:
    """Capture each environment's applied migrations and print how they differ."""
    from phasetui.db.targets import resolve_target
    from phasetui.errors import UserError
    from phasetui.ops.status import run_status, source_of

    if query and (framework or table):
        raise UserError(
            "--query reads its own table: it goes without --framework and --table",
            "drop --framework/--table, or --query",
        )
    if len(set(envs)) != len(envs):
        raise UserError("an environment is named twice", "give each --env once")
    source = source_of({"framework": framework, "table": table, "query": query})
    targets = [(name, resolve_target(env=name).dsn) for name in envs]
    captures, diff = run_status(targets, source, progress=lambda line: click.echo(line, err=True))
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        for c in captures:
            (out / f"{c.env}.txt").write_text(c.to_text(), encoding="utf-8")
        (out / "diff.txt").write_text(diff.to_text(), encoding="utf-8")
    if fmt == "json":
        payload = {
            "envs": list(envs),
            "source": source.label,
            "summary": diff.summary(),
            "counts": {c.env: len(c.migrations) for c in captures},
            **diff.figures(),
        }
        click.echo(json.dumps(payload, indent=2, ensure_ascii=False))
    else:
        click.echo(diff.to_text(), nl=False)
