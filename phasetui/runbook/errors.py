"""Runbook problems, each with the file and line a DBA must edit."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from phasetui.errors import BadInput

# C0/C1 control characters (tab aside) are shown escaped: a message quotes what the file
# says, and an escape sequence in a key must not reach the terminal as one.
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029]")


@dataclass(frozen=True)
class Problem:
    path: Path
    line: int
    message: str

    def __str__(self) -> str:
        message = _CONTROL.sub(lambda m: f"\\u{ord(m[0]):04x}", self.message)
        return f"{self.path}:{self.line}: {message}"


class RunbookError(BadInput):
    """One or more problems in a runbook; nothing is run while any remains. A runbook that
    cannot be used is bad input: exit code 2, like a migration that does not parse."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__(
            "\n".join(str(p) for p in problems),
            "fix the runbook, then check it with `phasetui check FILE`",
        )
