"""How the runner asks the person at the keyboard: the one interface every face implements.

The runner decides *when* to ask (a production write, a lint override, a step that already
succeeded, a failed rehearsal); a face decides only *how*: the CLI prompts on a terminal or
takes ``--yes`` / ``--yes-i-mean-production`` / ``--override``, the TUI opens a dialog. An
answer of None means "not given": the step stops there, gated, and nothing is written.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field


@dataclass
class Operator:
    """Answers from flags only: what a script (or a test) gives up front.

    ``yes`` answers the yes/no questions (run a succeeded step again, go on after a failed
    rehearsal, confirm a manual check); ``production`` is the production environment's name
    as typed back; ``override`` the written reason for a gate (lint errors, an unmet verify).
    """

    yes: bool = False
    production: str | None = None
    override: str | None = None
    stop: threading.Event = field(default_factory=threading.Event)
    lines: list[str] = field(default_factory=list)

    def confirm(self, question: str) -> bool:
        """A yes/no question; False when not answered."""
        return self.yes

    def confirm_production(self, env_name: str, action: str) -> str | None:
        """The environment's name typed back, or None."""
        return self.production

    def reason(self, question: str) -> str | None:
        """A written reason to go past a gate, or None."""
        return self.override or None

    def progress(self, line: str) -> None:
        """A line from a long step while it runs."""
        self.lines.append(line)

    def inform(self, line: str) -> None:
        """Something the operator should read now (a warning, where evidence went)."""
        self.lines.append(line)

    def backfill_progress(self, progress: object) -> None:
        """A backfill's Progress (about every second, beside its progress line): for a face
        that keeps figures, such as a job's samples. Nothing by default."""
