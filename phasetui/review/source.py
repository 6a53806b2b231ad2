"""Opening an audit repo for review: checked to be one, read only, a clone is enough."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from phasetui.errors import UserError

RUNS = "runs"
README_TITLE = "# phasetui audit repo"  # what phasetui.audit.repo writes first
# The run ids phasetui.audit.repo makes (kept here: the review never imports the write path).
RUN_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,199}")


@dataclass(frozen=True)
class ReviewSource:
    """An audit repo opened for reading: its folder and whether git can answer there."""

    path: Path

    @classmethod
    def open(cls, path: Path | str) -> ReviewSource:
        folder = Path(path).expanduser()
        try:
            folder = folder.resolve()
        except OSError:
            pass
        if not folder.exists():
            raise UserError(
                f"{folder} does not exist",
                "give phasetui review an audit repo (or a git clone of one)",
            )
        if not folder.is_dir():
            raise UserError(
                f"{folder} is a file, not an audit repo",
                "give phasetui review the audit repo's folder",
            )
        if not _looks_like_audit_repo(folder):
            raise UserError(
                f"{folder} is not a phasetui audit repo: it has no runs/ folder and no "
                "phasetui README.md",
                "give phasetui review the audit repo itself (git clone URL DIR, then "
                "phasetui review DIR)",
            )
        return cls(folder)

    @property
    def runs_dir(self) -> Path:
        return self.path / RUNS

    def run_dir(self, run_id: str) -> Path:
        if not isinstance(run_id, str) or not RUN_ID.fullmatch(run_id):
            raise UserError(
                f"{run_id!r} is not a run id (letters, digits, '.', '_' and '-')",
                "list the runs with `phasetui review AUDIT_REPO --format md`",
            )
        folder = self.runs_dir / run_id
        if not folder.is_dir():
            raise UserError(
                f"no run {run_id!r} in {self.path}",
                "list the runs with `phasetui review AUDIT_REPO --format md`",
            )
        return folder

    def run_ids(self) -> list[str]:
        if not self.runs_dir.is_dir():
            return []
        return sorted(
            p.name for p in self.runs_dir.iterdir() if p.is_dir() and RUN_ID.fullmatch(p.name)
        )


def _looks_like_audit_repo(folder: Path) -> bool:
    if (folder / RUNS).is_dir():
        return True
    readme = folder / "README.md"
    try:
        with readme.open("rb") as handle:
            return handle.read(len(README_TITLE)) == README_TITLE.encode()
    except OSError:
        return False
