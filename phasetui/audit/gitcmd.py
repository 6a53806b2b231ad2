"""The git commands of an audit write: git's own locks waited for, and the branch checked.

phasetui commits with the git command line, not an in-process index writer: git removes its
own lock files when it is interrupted, and each git runs in a process group of its own, so a
Ctrl-C aimed at phasetui never kills a commit half-way and a ``kill -9`` of phasetui lets it
finish. Another git holding ``.git/index.lock`` (someone's ``git status``, an editor) is
waited for, briefly; a lock held longer is refused with the file and the fix.
"""

from __future__ import annotations

import os
import re
import subprocess
import time
from pathlib import Path

from phasetui.audit.identity import Person
from phasetui.errors import UserError

_LOCK_HELD = re.compile(r"Unable to create '([^']+?\.lock)': File exists")
# git must not read these from our environment: they would point it at another repository.
_REPO_ENV = ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY", "GIT_PREFIX")
# State files git leaves while a multi-step command waits for the user, and how to end each.
IN_PROGRESS = [
    ("rebase-merge", "a rebase", "git -C {repo} rebase --continue (or --abort)"),
    ("rebase-apply", "a rebase or am", "git -C {repo} rebase --abort (or am --abort)"),
    ("MERGE_HEAD", "a merge", "commit it or run git -C {repo} merge --abort"),
    ("CHERRY_PICK_HEAD", "a cherry-pick", "git -C {repo} cherry-pick --abort (or --continue)"),
    ("REVERT_HEAD", "a revert", "git -C {repo} revert --abort (or --continue)"),
    ("BISECT_LOG", "a bisect", "git -C {repo} bisect reset"),
]


def lock_held_error(lock: Path, repo: Path, waited: float) -> UserError:
    return UserError(
        f"git's lock file {lock} is held: another git command is running in the audit repo "
        f"{repo} (or one was killed and left it behind); waited {waited:g} s, nothing was "
        "recorded",
        f"let that git command finish and retry; if no git is running there, remove the "
        f"stale lock: rm {lock}",
    )


def identity_env(author: Person, committer: Person) -> dict[str, str]:
    return {
        "GIT_AUTHOR_NAME": author.name,
        "GIT_AUTHOR_EMAIL": author.email,
        "GIT_COMMITTER_NAME": committer.name,
        "GIT_COMMITTER_EMAIL": committer.email,
    }


class Git:
    """``git -C REPO …`` with git's locks waited for until a deadline."""

    def __init__(self, repo: Path, git_dir: Path) -> None:
        self.repo = repo
        self.git_dir = git_dir

    def _env(self, extra: dict[str, str] | None) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in _REPO_ENV}
        # English messages (the lock message is matched), no prompts, paths never globs.
        env.update(
            {
                "LC_ALL": "C",
                "LANGUAGE": "C",
                "GIT_TERMINAL_PROMPT": "0",
                "GIT_LITERAL_PATHSPECS": "1",
            }
        )
        env.update(extra or {})
        return env

    def wait_for_index(self, deadline: float, budget: float) -> None:
        lock = self.git_dir / "index.lock"
        while lock.exists():
            if time.monotonic() >= deadline:
                raise lock_held_error(lock, self.repo, budget)
            time.sleep(0.05)

    def run(
        self,
        *args: str,
        deadline: float | None = None,
        budget: float = 0.0,
        stdin: bytes | None = None,
        env: dict[str, str] | None = None,
        ok_codes: tuple[int, ...] = (0,),
    ) -> subprocess.CompletedProcess[bytes]:
        """Runs git; retries while a lock is held and ``deadline`` has not passed."""
        while True:
            if deadline is not None:
                self.wait_for_index(deadline, budget)
            proc = subprocess.run(
                ["git", "-C", str(self.repo), *args],
                input=stdin,
                stdin=None if stdin is not None else subprocess.DEVNULL,
                capture_output=True,
                env=self._env(env),
                process_group=0,
                check=False,
            )
            if proc.returncode in ok_codes:
                return proc
            err = proc.stderr.decode("utf-8", "replace")
            held = _LOCK_HELD.search(err)
            if held and deadline is not None and time.monotonic() < deadline:
                time.sleep(0.1)
                continue
            if held:
                raise lock_held_error(Path(held[1]), self.repo, budget)
            last = next((ln for ln in reversed(err.splitlines()) if ln.strip()), "no message")
            raise UserError(
                f"git {args[0]} failed in the audit repo {self.repo}: {last.strip()}; "
                "nothing was recorded",
                f"check `git -C {self.repo} status`, then retry",
            )

    def head_blob(self, rel: str) -> bytes | None:
        """The content of ``rel`` at HEAD, or None when HEAD does not have it."""
        proc = self.run("cat-file", "blob", f"HEAD:{rel}", ok_codes=(0, 128))
        return proc.stdout if proc.returncode == 0 else None

    def has_commits(self) -> bool:
        return self.run("rev-parse", "-q", "--verify", "HEAD", ok_codes=(0, 1)).returncode == 0

    def head_names(self) -> list[str]:
        out = self.run("ls-tree", "--name-only", "HEAD").stdout.decode("utf-8", "replace")
        return out.splitlines()

    def dirty(self) -> list[str]:
        """Every path ``git status`` shows: staged, unstaged or untracked."""
        out = self.run("status", "--porcelain=v1", "-z", "--untracked-files=all").stdout
        paths, entries = [], out.decode("utf-8", "surrogateescape").split("\0")
        skip = False
        for entry in entries:
            if skip:
                skip = False
                continue
            if len(entry) < 4:
                continue
            paths.append(entry[3:])
            skip = entry[0] in "RC"  # a rename or copy: the old path follows
        return paths

    def branch(self) -> str | None:
        """The checked-out branch, or None on a detached HEAD."""
        try:
            head = (self.git_dir / "HEAD").read_text(encoding="utf-8").strip()
        except OSError:
            return None
        prefix = "ref: refs/heads/"
        return head[len(prefix) :] if head.startswith(prefix) else None

    def branches(self) -> list[str]:
        out = self.run("for-each-ref", "--format=%(refname:short)", "refs/heads/").stdout
        return out.decode("utf-8", "replace").split()

    def in_progress(self) -> tuple[str, str] | None:
        """(what, how to end it) when a merge, rebase, cherry-pick … waits in the repo."""
        for marker, what, fix in IN_PROGRESS:
            if (self.git_dir / marker).exists():
                return what, fix.format(repo=self.repo)
        return None
