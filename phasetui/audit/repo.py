"""The git audit repo: ``runs/<run-id>/`` directories, an append-only journal, one commit per event.

Two processes (two DBAs pairing, or the TUI and a detached worker) may write to the same
repo at once; every write happens under an exclusive file lock on the repo, so no event is
lost and git's index is never raced. Anything in the work tree that phasetui did not write
makes it refuse: an audit trail must never sweep up someone's unrelated edits.
"""

from __future__ import annotations

import fcntl
import os
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from phasetui.audit.events import Event, now_iso, scrub
from phasetui.audit.identity import Person, resolve_person
from phasetui.audit.run_state import (
    NOTE,
    RUN_CLOSED,
    RUN_STARTED,
    TICK,
    UNTICK,
    ChecklistEntry,
    RunState,
    render_checklist,
    render_notes,
)
from phasetui.errors import UserError

RUNS = "runs"
JOURNAL = "journal.jsonl"
_SAFE_ID = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True)
class RunSummary:
    run_id: str
    runbook_id: str
    title: str
    started_by: str
    started_at: str
    closed: bool
    done: int
    total: int
    events: int

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _person(who: Person | str | None) -> Person:
    if isinstance(who, Person):
        return who
    return resolve_person(who)


class AuditRepo:
    def __init__(self, path: Path) -> None:
        import git

        self.path = path
        self.git = git.Repo(path)

    @classmethod
    def open(cls, path: Path | str, *, create: bool = True) -> AuditRepo:
        """Opens the repo at ``path``; creates it (``git init``) when missing and ``create``."""
        import git

        path = Path(path).expanduser().resolve()
        if (path / ".git").exists():
            return cls(path)
        if path.exists() and any(path.iterdir()):
            try:
                git.Repo(path, search_parent_directories=False)
            except (git.InvalidGitRepositoryError, git.NoSuchPathError):
                raise UserError(
                    f"{path} is not empty and is not a git repository",
                    "give --audit-repo an empty folder, a new path, or an existing audit repo",
                ) from None
            return cls(path)
        if not create:
            raise UserError(f"no audit repo at {path}", "check --audit-repo")
        path.mkdir(parents=True, exist_ok=True)
        git.Repo.init(path, initial_branch="main")
        (path / "README.md").write_text(
            "# phasetui audit repo\n\nEach folder under `runs/` is one migration run: "
            "`journal.jsonl` is the append-only record, `checklist.md` and `notes.md` are "
            "rendered from it. Written by phasetui; one commit per event.\n",
            encoding="utf-8",
        )
        repo = cls(path)
        with repo._locked():
            repo._commit(["README.md"], "audit: initialise phasetui audit repo", resolve_person())
        return repo

    # -- locking and committing -------------------------------------------------------

    @contextmanager
    def _locked(self) -> Iterator[None]:
        lock_path = Path(self.git.git_dir) / "phasetui.lock"
        with open(lock_path, "a+") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def foreign_changes(self) -> list[str]:
        """Paths with uncommitted changes (phasetui commits all it writes, under the lock)."""
        out = self.git.git.status("--porcelain", "--untracked-files=all")
        return [line[3:] for line in out.splitlines() if line.strip()]

    def _refuse_if_dirty(self) -> None:
        dirty = self.foreign_changes()
        if dirty:
            shown = ", ".join(dirty[:5]) + (f" and {len(dirty) - 5} more" if len(dirty) > 5 else "")
            raise UserError(
                f"the audit repo {self.path} has uncommitted changes phasetui did not make: "
                f"{shown}; nothing was written",
                f"commit, stash or remove them (cd {self.path} && git status), then retry",
            )

    def _commit(self, paths: list[str], message: str, who: Person) -> None:
        import git

        actor = git.Actor(who.name, who.email)
        self.git.index.add(paths)
        self.git.index.commit(message, author=actor, committer=actor)

    # -- runs ---------------------------------------------------------------------------

    def run_dir(self, run_id: str) -> Path:
        return self.path / RUNS / run_id

    def run_ids(self) -> list[str]:
        base = self.path / RUNS
        if not base.is_dir():
            return []
        return sorted(p.name for p in base.iterdir() if (p / JOURNAL).is_file())

    def events(self, run_id: str) -> list[Event]:
        journal = self.run_dir(run_id) / JOURNAL
        if not journal.is_file():
            raise UserError(
                f"no run {run_id!r} in {self.path}",
                "list the runs with `phasetui runs --audit-repo DIR`",
            )
        with journal.open(encoding="utf-8") as fh:
            return [Event.from_line(line) for line in fh if line.strip()]

    def state(self, run_id: str) -> RunState:
        return RunState.fold(run_id, self.events(run_id))

    def runs(self) -> list[RunSummary]:
        out = []
        for run_id in self.run_ids():
            s = self.state(run_id)
            out.append(
                RunSummary(
                    run_id,
                    s.runbook_id,
                    s.title,
                    s.started_by,
                    s.started_at,
                    s.closed,
                    s.done_count,
                    len(s.checklist),
                    len(s.events),
                )
            )
        return out

    def open_run_for(self, runbook_id: str) -> str | None:
        """The newest run of this runbook that is not closed."""
        for summary in reversed(self.runs()):
            if summary.runbook_id == runbook_id and not summary.closed:
                return summary.run_id
        return None

    def start_run(
        self,
        *,
        runbook_id: str,
        title: str,
        runbook_text: str,
        runbook_name: str,
        checklist: list[ChecklistEntry],
        preticked: list[str] | None = None,
        who: Person | str | None = None,
        extra: Mapping[str, Any] | None = None,
        run_id: str | None = None,
    ) -> str:
        """Creates ``runs/<run-id>/`` with a frozen copy of the runbook; returns the run id."""
        person = _person(who)
        stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
        base = run_id or f"{stamp}-{_SAFE_ID.sub('-', runbook_id).strip('-') or 'run'}"
        if _SAFE_ID.search(base):
            raise UserError(f"run id {base!r} may hold only letters, digits, '.', '_' and '-'")
        with self._locked():
            self._refuse_if_dirty()
            run_id, n = base, 1
            while self.run_dir(run_id).exists():
                n += 1
                run_id = f"{base}-{n}"
            folder = self.run_dir(run_id)
            folder.mkdir(parents=True)
            (folder / runbook_name).write_text(runbook_text, encoding="utf-8")
            payload = {
                "runbook_id": runbook_id,
                "title": title,
                "runbook_file": runbook_name,
                "checklist": [e.__dict__ for e in checklist],
                "preticked": list(preticked or []),
                **(extra or {}),
            }
            self._append(
                run_id,
                RUN_STARTED,
                payload,
                person,
                {},
                [runbook_name],
                f"start run of {runbook_id}",
            )
        return run_id

    def record(
        self,
        run_id: str,
        kind: str,
        payload: Mapping[str, Any],
        who: Person | str | None = None,
        files: Mapping[str, str | bytes] | None = None,
        summary: str = "",
    ) -> Event:
        """Appends one event (and writes ``files`` under the run's folder) in one commit."""
        person = _person(who)
        with self._locked():
            self._refuse_if_dirty()
            if not (self.run_dir(run_id) / JOURNAL).is_file():
                raise UserError(
                    f"no run {run_id!r} in {self.path}",
                    "list the runs with `phasetui runs --audit-repo DIR`",
                )
            return self._append(run_id, kind, dict(payload), person, files or {}, [], summary)

    def tick(
        self,
        run_id: str,
        item: str,
        *,
        done: bool = True,
        note: str = "",
        who: Person | str | None = None,
    ) -> Event:
        state = self.state(run_id)
        entry = state.item(item)
        if entry is None:
            known = ", ".join(e.id for e in state.checklist) or "none"
            raise UserError(
                f"run {run_id} has no checklist item {item!r}",
                f"use an item id or its number; items: {known}",
            )
        payload = {"item": entry.id, "text": entry.text}
        if note:
            payload["note"] = note
        verb = "tick" if done else "untick"
        return self.record(
            run_id, TICK if done else UNTICK, payload, who, summary=f"{verb} {entry.id}"
        )

    def note(self, run_id: str, text: str, who: Person | str | None = None) -> Event:
        if not text.strip():
            raise UserError("an empty note was not recorded", "type some text")
        first = text.strip().splitlines()[0]
        short = first if len(first) <= 60 else first[:57] + "..."
        return self.record(run_id, NOTE, {"text": text}, who, summary=f"note: {short}")

    def record_step_result(
        self,
        run_id: str,
        step_id: str,
        kind: str,
        *,
        ok: bool,
        summary: str,
        payload: Mapping[str, Any] | None = None,
        files: Mapping[str, str | bytes] | None = None,
        who: Person | str | None = None,
    ) -> Event:
        """Records what a step produced; checklist items naming the step show it as evidence.

        ``kind`` says what ran (``lint``, ``rehearsal``, ``schema-diff``, ``backfill``, …);
        ``files`` (paths relative to the run folder) are committed with the event.
        """
        body = {**(payload or {}), "step": step_id, "ok": ok, "summary": summary}
        verdict = "ok" if ok else "failed"
        return self.record(
            run_id,
            kind,
            body,
            who,
            files=files,
            summary=f"{kind} {step_id} {verdict}: {summary}"[:120],
        )

    def close_run(self, run_id: str, who: Person | str | None = None, reason: str = "") -> Event:
        return self.record(run_id, RUN_CLOSED, {"reason": reason}, who, summary="close run")

    def _append(
        self,
        run_id: str,
        kind: str,
        payload: dict[str, Any],
        who: Person,
        files: Mapping[str, str | bytes],
        also_commit: list[str],
        summary: str,
    ) -> Event:
        folder = self.run_dir(run_id)
        journal = folder / JOURNAL
        seq = 1
        if journal.is_file():
            with journal.open("rb") as fh:
                seq = sum(1 for line in fh if line.strip()) + 1
        event = Event(seq, now_iso(), str(who), kind, scrub(payload))
        written: list[Path] = []
        for rel, content in files.items():
            target = (folder / rel).resolve()
            if folder.resolve() not in target.parents:
                raise UserError(f"refusing to write {rel!r} outside the run's folder")
            target.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                target.write_bytes(content)
            else:
                target.write_text(scrub(content), encoding="utf-8")
            written.append(target)
        with journal.open("a", encoding="utf-8") as fh:
            fh.write(event.to_line() + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        state = self.state(run_id)
        (folder / "checklist.md").write_text(render_checklist(state), encoding="utf-8")
        (folder / "notes.md").write_text(render_notes(state), encoding="utf-8")
        rel_paths = [
            str(p.relative_to(self.path))
            for p in [journal, folder / "checklist.md", folder / "notes.md", *written]
        ] + [str((folder / name).relative_to(self.path)) for name in also_commit]
        message = scrub(f"{run_id}: {summary or kind}\n\nevent {seq} ({kind}) by {who}")
        self._commit(rel_paths, message, who)
        return event
