"""Each event to its commit: the files that commit changed and its diff.

phasetui commits every event on its own, with ``event <seq> (<kind>)`` in the message; one
``git log`` of the journal maps every seq to a commit, and the commit's diff is checked to
add the event's own line. A commit whose message was reworded falls back to git's pickaxe
(``-S``: the commit where that exact line appeared). A folder without git history (a copy,
a shallow clone) says so instead of a commit.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from typing import Any

from phasetui.review.gitread import GitReader, GitUnavailable
from phasetui.review.source import ReviewSource
from phasetui.review.times import Stamp

_EVENT = re.compile(r"^event (\d+) \(", re.MULTILINE)
MAX_DIFF = 200_000  # characters of diff shown; the rest is named, not loaded


@dataclass
class CommitView:
    sha: str = ""
    author: str = ""
    date: Stamp = field(default_factory=lambda: Stamp("", None))
    message: str = ""
    files: list[tuple[str, str]] = field(default_factory=list)  # (status letter, path)
    diff: str = ""
    truncated: bool = False
    problem: str = ""  # why no commit is shown

    def to_json(self) -> dict[str, Any]:
        return {
            "sha": self.sha,
            "author": self.author,
            "date": self.date.to_json(),
            "message": self.message,
            "files": [{"status": s, "path": p} for s, p in self.files],
            "diff": self.diff,
            "truncated": self.truncated,
            "problem": self.problem,
        }


class CommitFinder:
    """Commits of one audit repo's journals, mapped once per run and kept."""

    def __init__(self, source: ReviewSource) -> None:
        self.source = source
        self.git = GitReader(source.path)
        self._maps: dict[str, dict[int, str]] = {}
        self._lock = threading.Lock()

    def _journal(self, run_id: str) -> str:
        return f"runs/{run_id}/journal.jsonl"

    def seq_map(self, run_id: str) -> dict[int, str]:
        with self._lock:
            if run_id in self._maps:
                return self._maps[run_id]
        out = self.git.run("log", "--format=%H%x1f%B%x1e", "--", self._journal(run_id), timeout=60)
        found: dict[int, str] = {}
        for record in out.split("\x1e"):
            sha, _, body = record.strip().partition("\x1f")
            for m in _EVENT.finditer(body):
                found.setdefault(int(m.group(1)), sha)
        with self._lock:
            self._maps[run_id] = found
        return found

    def find(self, run_id: str, seq: int, line: str) -> CommitView:
        """The commit that added ``line`` (the event's journal line, as written)."""
        if not self.git.is_repo():
            return CommitView(
                problem=f"{self.source.path} is not a git clone here: the review shows the "
                "journal, but no commit (clone the audit repo with git to see them)"
            )
        try:
            sha = self.seq_map(run_id).get(seq, "")
            if sha and not self._adds(sha, run_id, line):
                sha = ""
            if not sha:
                sha = self._pickaxe(run_id, line)
            if not sha:
                return CommitView(
                    problem=f"no commit in this clone adds event {seq}'s line to "
                    f"{self._journal(run_id)} (a shallow clone, or the history was rewritten)"
                )
            return self.show(sha)
        except GitUnavailable as exc:
            return CommitView(problem=f"git cannot show the commit here: {exc}")

    def _adds(self, sha: str, run_id: str, line: str) -> bool:
        diff = self.git.run("show", "--format=", "--no-color", sha, "--", self._journal(run_id))
        return ("+" + line) in diff.splitlines()

    def _pickaxe(self, run_id: str, line: str) -> str:
        out = self.git.run(
            "log", "--format=%H", "--reverse", "-S", line, "--", self._journal(run_id), timeout=60
        )
        shas = out.split()
        return shas[0] if shas else ""

    def show(self, sha: str) -> CommitView:
        head = self.git.run("show", "-s", "--format=%H%x1f%an <%ae>%x1f%aI%x1f%B", sha)
        full, author, date, message = (head.split("\x1f", 3) + ["", "", "", ""])[:4]
        names = self.git.run(
            "show", "--format=", "--name-status", "--no-renames", "--no-color", sha
        )
        files = []
        for row in names.splitlines():
            status, _, path = row.partition("\t")
            if path:
                files.append((status, path))
        diff = self.git.run("show", "--format=", "--no-color", "--stat=100", "--patch", sha)
        truncated = len(diff) > MAX_DIFF
        return CommitView(
            sha=full.strip(),
            author=author,
            date=Stamp.parse(date.strip()),
            message=message.strip(),
            files=files,
            diff=diff[:MAX_DIFF],
            truncated=truncated,
        )
