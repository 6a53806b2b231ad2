"""The one exception type a user can cause.

Every layer raises `UserError` (or a subclass) for anything the user can fix; the CLI
prints `message` and `hint` and exits with `exit_code`, the TUI shows them in an error
panel. A traceback means a bug in phasetui, never a user mistake.
"""

from __future__ import annotations


class UserError(Exception):
    """A failure the user caused and can fix: says what happened and what to do."""

    exit_code = 1

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message}\n  fix: {self.hint}" if self.hint else self.message


class BadInput(UserError):
    """Input that cannot be read at all (bad TOML, unparseable SQL): exit code 2."""

    exit_code = 2
