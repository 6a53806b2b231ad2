"""``phasetui schema diff A B`` and ``phasetui schema dump``: headless faces of phasetui.schema.

A side is ``env:NAME``, a DSN (``postgresql://…`` or ``key=value``) or a dump file path; see
``phasetui.schema.sources``. Exit codes: 0 no differences, 1 differences found (like
``diff``), 2 bad input.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

SIDE_HELP = "env:NAME | postgresql://DSN | path/to/dump.sql"


@click.group()
def schema() -> None:
    """Schema dumps and semantic diffs (dump files, environments or DSNs)."""


@schema.command("diff")
@click.argument("a", metavar="A")
@click.argument("b", metavar="B")
@click.option(
    "--format", "fmt", type=click.Choice(["text", "md", "json"]), default="text", show_default=True
)
@click.option(
    "--via",
    type=click.Choice(["catalog", "dump"]),
    default="catalog",
    show_default=True,
    help="How to read a database side: pg_catalog or pg_dump.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the report here instead of stdout.",
)
def diff_cmd(a: str, b: str, fmt: str, via: str, output: Path | None) -> None:
    """Semantic diff of schema A against B.

    Each of A and B is env:NAME, a postgresql:// DSN, or a pg_dump --schema-only file.
    Exit status 1 when they differ.
    """
    from phasetui.schema.diff import diff_models
    from phasetui.schema.render import render
    from phasetui.schema.sources import load_source, parse_source

    left = load_source(parse_source(a), via=via)
    right = load_source(parse_source(b), via=via)
    for side, model in (("A", left), ("B", right)):
        for warning in model.warnings:  # on stderr too: a JSON or -o report may go unread
            click.echo(f"warning: {side}: {warning}", err=True)
    result = diff_models(left, right)
    text = render(result, fmt)
    if output:
        output.write_text(text, encoding="utf-8")
    else:
        click.echo(text, nl=False)
    sys.exit(0 if result.empty else 1)


@schema.command("dump")
@click.option("--env", "env", metavar="NAME", help="A named environment.")
@click.option("--dsn", metavar="DSN", help="A connection string.")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="The file to write (schema only).",
)
def dump_cmd(env: str | None, dsn: str | None, output: Path) -> None:
    """Run pg_dump --schema-only with a client version that suits the server."""
    from phasetui.db.targets import resolve_target
    from phasetui.schema.pgdump import run_pg_dump

    target = resolve_target(env=env, dsn=dsn)
    text = run_pg_dump(target.dsn, output)
    click.echo(f"{output}: {text.count(chr(10))} lines from {target.label}", err=True)
