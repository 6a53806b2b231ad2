"""The runner's questions on a terminal: flags answer them up front, a TTY is asked."""

from __future__ import annotations

import sys
from dataclasses import dataclass

import click

from phasetui.ops.operator import Operator


@dataclass
class CliOperator(Operator):
    """``--yes``, ``--yes-i-mean-production NAME`` and ``--override REASON`` answer first;
    on a terminal, what they do not answer is asked; in a script it stays unanswered, so
    the step stops at its gate and says which flag would answer it."""

    interactive: bool = False
    quiet: bool = False

    @classmethod
    def from_flags(
        cls, *, yes: bool, production: str | None, override: str | None, quiet: bool = False
    ) -> CliOperator:
        return cls(
            yes=yes,
            production=production,
            override=override,
            interactive=sys.stdin.isatty(),
            quiet=quiet,
        )

    def confirm(self, question: str) -> bool:
        if self.yes:
            click.echo(f"{question} yes (--yes)", err=True)
            return True
        if self.interactive:
            return click.confirm(question, default=False, err=True)
        return False

    def confirm_production(self, env_name: str, action: str) -> str | None:
        if self.production is not None:
            return self.production
        if self.interactive:
            return click.prompt(
                f"{env_name} is PRODUCTION. Type its name to {action}",
                default="",
                show_default=False,
                err=True,
            )
        return None

    def reason(self, question: str) -> str | None:
        if self.override:
            return self.override
        if self.interactive:
            text = click.prompt(
                f"{question} (empty: stop here)", default="", show_default=False, err=True
            )
            return text or None
        return None

    def progress(self, line: str) -> None:
        if not self.quiet:
            click.echo(f"  {line}", err=True)

    def inform(self, line: str) -> None:
        click.echo(f"phasetui: {line}", err=True)
