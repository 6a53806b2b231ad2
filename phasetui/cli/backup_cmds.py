"""``phasetui backup``: a pg_dump of an environment, checked, outside any runbook.

Thin over :func:`phasetui.ops.backup.take_backup`, the same code a runbook's backup step
runs. Progress goes to stderr, the result to stdout (text or JSON). Exit codes: 0 backup
taken and read back, 1 taken but ``pg_restore --list`` could not read it (or an error the
operator must fix), 130 interrupted (the partial file is removed).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from phasetui.cli.options import format_option


@click.command()
@click.option("--env", "env", metavar="NAME", help="A named environment (phasetui.toml, service).")
@click.option("--dsn", metavar="DSN", help="A connection string (password in ~/.pgpass).")
@click.option(
    "--table",
    "tables",
    multiple=True,
    metavar="TABLE",
    help="Back up only this table (repeatable; schema.table or quoted SQL names).",
)
@click.option("--name", metavar="NAME", help="File name without extension (default: ENV_UTCTIME).")
@click.option(
    "--dir",
    "dest",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder (default: [backups] dir in phasetui.toml, else $PHASETUI_HOME/backups).",
)
@click.option(
    "--dump-format",
    type=click.Choice(["custom", "directory", "plain"]),
    default="custom",
    show_default=True,
    help="pg_dump's output format.",
)
@format_option
def backup(
    env: str | None,
    dsn: str | None,
    tables: tuple[str, ...],
    name: str | None,
    dest: Path | None,
    dump_format: str,
    fmt: str,
) -> None:
    """pg_dump the database (or --table ones), check it with pg_restore --list, and print
    its path, size, sha256 and the exact restore command."""
    from phasetui.config import load_config
    from phasetui.db.targets import resolve_target
    from phasetui.ops import backup_files
    from phasetui.ops.backup import take_backup

    target = resolve_target(env=env, dsn=dsn)
    folder = dest if dest is not None else backup_files.backup_dir(None, None, load_config())
    try:
        result = take_backup(
            target.dsn,
            target.label,
            name=name or backup_files.default_cli_name(_short_label(target)),
            tables=tables,
            dest_dir=folder,
            fmt=dump_format,
            progress=lambda line: click.echo(line, err=True),
        )
    except KeyboardInterrupt:
        click.echo("phasetui: backup interrupted; its partial file was removed", err=True)
        sys.exit(130)
    if fmt == "json":
        click.echo(json.dumps(result.figures(), indent=2, ensure_ascii=False))
    else:
        click.echo(f"backup:  {result.path}")
        click.echo(f"size:    {backup_files.human_size(result.bytes)} ({result.bytes} bytes)")
        click.echo(f"sha256:  {result.sha256}")
        click.echo(f"took:    {result.seconds:.2f} s with pg_dump {result.pg_dump_version}")
        check = "ok" if result.ok else f"FAILED: {result.check_error}"
        click.echo(f"check:   {result.entries} entries, {check}")
        click.echo(f"restore: {result.restore_command}")
    sys.exit(0 if result.ok else 1)


def _short_label(target) -> str:  # noqa: ANN001 - phasetui.db.targets.Target
    """The environment's name, or the database's for a bare --dsn: the default file name."""
    if target.environment is not None:
        return target.environment.name
    from psycopg.conninfo import conninfo_to_dict

    return str(conninfo_to_dict(target.dsn).get("dbname") or "backup")
