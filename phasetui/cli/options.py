"""Options several verbs share, defined once."""

from __future__ import annotations

import click

from phasetui.paths import default_audit_repo

audit_repo_option = click.option(
    "--audit-repo",
    "audit_repo",
    type=click.Path(file_okay=False),
    default=None,
    help="The git audit repo (default: $PHASETUI_AUDIT_REPO or the user data dir).",
)
as_option = click.option(
    "--as",
    "as_name",
    default=None,
    metavar="NAME",
    help="Who is acting: 'Name <email>' or a name (default: git config, else $USER@host).",
)
format_option = click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
)


def audit_path(value: str | None):
    from pathlib import Path

    return Path(value).expanduser() if value else default_audit_repo()
