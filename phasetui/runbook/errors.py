"""Runbook problems, each with the file and line a DBA must edit."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from phasetui.errors import UserError


@dataclass(frozen=True)
class Problem:
    path: Path
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


class RunbookError(UserError):
    """One or more problems in a runbook; nothing is run while any remains."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__(
            "\n".join(str(p) for p in problems),
            "fix the runbook, then check it with `phasetui check FILE`",
        )
