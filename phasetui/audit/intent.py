"""The write-ahead intent: what one audit write is about to change, saved before it changes it.

``.git/phasetui-intent.json`` is written and fsynced before any file of the work tree is
touched and removed after the commit. It names the run, the event's seq and kind, its author,
the exact bytes appended to the journal and, for every path the write touches, a hash of its
content before and after. A write killed half-way leaves it behind, so the next write (under
the repo lock) knows exactly which uncommitted changes are phasetui's own, can tell a whole
journal line from a torn one, and completes or rolls back that one event; a change that matches
neither hash is someone else's and is refused untouched.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from phasetui.audit.durable import fsync_dir, write_atomically
from phasetui.errors import UserError

INTENT_FILE = "phasetui-intent.json"


@dataclass(frozen=True)
class PathChange:
    before: str | None  # sha256 of the content before the write; None: the file did not exist
    after: str  # sha256 of the content the write puts there


@dataclass(frozen=True)
class Intent:
    run_id: str
    seq: int
    kind: str
    author_name: str
    author_email: str
    message: str
    journal: str  # repo-relative path of the run's journal
    journal_size: int  # its size before the append: readers stop there while this is pending
    append: str  # exactly what is appended (a separator for a torn last line, the line, "\n")
    rendered: list[str] = field(default_factory=list)  # checklist.md, notes.md: re-rendered
    changes: dict[str, PathChange] = field(default_factory=dict)  # every path, the journal too

    @property
    def who(self) -> str:
        return f"{self.author_name} <{self.author_email}>"

    @property
    def label(self) -> str:
        return f"event {self.seq} ({self.kind}) of run {self.run_id}"

    def save(self, git_dir: Path) -> None:
        data = json.dumps(asdict(self), ensure_ascii=False, indent=1) + "\n"
        write_atomically(git_dir / INTENT_FILE, data.encode("utf-8"))

    @classmethod
    def load(cls, git_dir: Path) -> Intent | None:
        """The pending intent, or None; UserError when the file exists but cannot be read."""
        path = git_dir / INTENT_FILE
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
            changes = {rel: PathChange(**c) for rel, c in raw.pop("changes").items()}
            return cls(**raw, changes=changes)
        except FileNotFoundError:
            return None
        except (ValueError, TypeError, KeyError, AttributeError):
            raise UserError(
                f"phasetui's record of an interrupted write, {path}, cannot be read; "
                "nothing was written",
                f"check `git -C {git_dir.parent} status` and `git -C {git_dir.parent} diff` "
                f"(commit or restore what is phasetui's), then remove {path} and retry",
            ) from None

    @classmethod
    def peek(cls, git_dir: Path) -> Intent | None:
        """For readers: the pending intent if there is a readable one, never an error."""
        try:
            return cls.load(git_dir)
        except (UserError, OSError):
            return None

    @staticmethod
    def remove(git_dir: Path) -> None:
        (git_dir / INTENT_FILE).unlink(missing_ok=True)
        fsync_dir(git_dir)
