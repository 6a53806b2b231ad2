"""Read-only git for the review: never a lock, never a write, any owner's clone.

``--no-optional-locks`` keeps git from refreshing the index (a write) and ``safe.directory``
on the command line lets a reviewer read a clone another user owns (a shared folder, a
restored backup), which git would otherwise refuse as "dubious ownership".
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path


class GitUnavailable(Exception):
    """git cannot answer here (no git, not a clone, a shallow history): said, not raised on."""


class GitReader:
    def __init__(self, path: Path) -> None:
        self.path = path

    def run(self, *args: str, timeout: float = 30.0) -> str:
        cmd = [
            "git",
            "--no-optional-locks",
            "-c",
            f"safe.directory={self.path}",
            "-c",
            "core.quotePath=false",
            "-C",
            str(self.path),
            *args,
        ]
        env = {**os.environ, "GIT_OPTIONAL_LOCKS": "0", "GIT_TERMINAL_PROMPT": "0"}
        env.pop("GIT_DIR", None)
        env.pop("GIT_WORK_TREE", None)
        try:
            done = subprocess.run(cmd, capture_output=True, env=env, timeout=timeout, check=False)
        except FileNotFoundError:
            raise GitUnavailable("git is not installed here") from None
        except subprocess.TimeoutExpired:
            raise GitUnavailable(f"git {args[0]} took longer than {timeout:.0f} s") from None
        if done.returncode != 0:
            err = done.stderr.decode("utf-8", "replace").strip().splitlines()
            raise GitUnavailable(err[-1] if err else f"git {args[0]} failed")
        return done.stdout.decode("utf-8", "replace")

    def is_repo(self) -> bool:
        try:
            return self.run("rev-parse", "--is-inside-work-tree").strip() == "true"
        except GitUnavailable:
            return False
