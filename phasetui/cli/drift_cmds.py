"""``phasetui drift --env A --env B``: the headless face of phasetui.ops.drift.

Exit codes like ``diff``: 0 no drift, 1 drift found, 2 the user must fix something (an
unknown environment, an unreachable server, a setting name neither side has).
"""

from __future__ import annotations

import sys

import click

from phasetui.cli.options import format_option
from phasetui.errors import UserError


@click.command()
@click.option(
    "--env",
    "envs",
    multiple=True,
    metavar="NAME",
    help="An environment (phasetui.toml or a libpq service); give it twice: left, right.",
)
@click.option(
    "--check",
    type=click.Choice(["settings", "permission", "privileges", "both"]),
    default="both",
    show_default=True,
    help="What to compare (privileges is the same as permission).",
)
@click.option(
    "--setting",
    "settings",
    multiple=True,
    metavar="NAME",
    help="Compare only this setting (repeatable); default: all but the excluded ones.",
)
@format_option
def drift(envs: tuple[str, ...], check: str, settings: tuple[str, ...], fmt: str) -> None:
    """Compare two environments' server settings and privileges.

    Read-only: one READ ONLY transaction per side. Exit status 1 when they differ.
    """
    from phasetui.db.targets import resolve_target
    from phasetui.ops.drift import drift_between
    from phasetui.ops.drift_render import to_json, to_markdown
    from phasetui.ops.drift_settings import EXCLUDED_SETTINGS

    try:
        if len(envs) != 2:
            raise UserError(
                f"drift compares two environments; {len(envs)} given",
                "give --env twice: phasetui drift --env staging --env production",
            )
        if envs[0] == envs[1]:
            raise UserError(f"both sides are {envs[0]!r}", "give two different --env names")
        left, right = (resolve_target(env=name) for name in envs)
        result = drift_between(
            (left.label, left.dsn), (right.label, right.dsn), check, settings or None
        )
    except UserError as exc:
        exc.exit_code = 2  # 1 means "drift found" here
        raise
    if fmt == "json":
        click.echo(to_json(result), nl=False)
    else:
        click.echo(to_markdown(result, sorted(EXCLUDED_SETTINGS)), nl=False)
    sys.exit(0 if result.ok else 1)
