"""The git audit repo: ``runs/<run-id>/`` directories, an append-only journal, one commit per event.

Two processes (two DBAs pairing, or the TUI and a detached worker) may write to the same
repo at once; every write happens under an exclusive file lock on the repo, so no event is
lost and git's index is never raced. Anything in the work tree that phasetui did not write
makes it refuse: an audit trail must never sweep up someone's unrelated edits.

A write never wedges the repo: it saves a write-ahead intent (``intent.py``) before touching
the work tree, writes whole files only (``durable.py``), and the next write completes or rolls
back an event whose writer was killed (``recovery.py``). It refuses, before writing anything,
a detached HEAD, a branch switched under it, a merge or rebase in progress, and a git lock
held too long.
"""

from __future__ import annotations

import fcntl
import re
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from phasetui.audit.durable import (
    append_durably,
    digest,
    pause_point,
    read_or_none,
    signals_held,
    temp_path,
    write_atomically,
)
from phasetui.audit.events import Event, now_iso, scrub, utf8_safe
from phasetui.audit.gitcmd import Git, identity_env
from phasetui.audit.identity import Person, resolve_person
from phasetui.audit.intent import Intent, PathChange
from phasetui.audit.journal import JOURNAL, DamagedLine, Journal, parse_journal, read_journal
from phasetui.audit.recovery import roll_back, settle
from phasetui.audit.run_state import (
    NOTE,
    OUTCOMES,
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
RENDERED = ("checklist.md", "notes.md")
README_TITLE = "# phasetui audit repo"
_SAFE_ID = re.compile(r"[^A-Za-z0-9._-]+")
_RUN_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,199}")

__all__ = ["JOURNAL", "AuditRepo", "RecordedThenInterrupted", "RunSummary", "check_run_id"]


class RecordedThenInterrupted(KeyboardInterrupt):
    """Ctrl-C arrived while an event was being committed: it was held, the event recorded."""

    def __init__(self, event: Event) -> None:
        super().__init__(f"event {event.seq} was recorded")
        self.event = event


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
    problems: list[DamagedLine] = field(default_factory=list)
    pending: str = ""
    target: str = ""
    outcome: str = ""

    @property
    def damaged(self) -> list[str]:
        return [str(p) for p in self.problems]

    def to_json(self) -> dict[str, Any]:
        data = {k: v for k, v in self.__dict__.items() if k != "problems"}
        data["damaged"] = [p.to_json() for p in self.problems]
        return data


def check_run_id(run_id: str) -> str:
    """A run id is a folder name under ``runs/``: never a path, never hidden."""
    if not isinstance(run_id, str) or not _RUN_ID.fullmatch(run_id):
        raise UserError(
            f"{run_id!r} is not a run id: a run id holds only letters, digits, '.', '_' "
            "and '-', and starts with a letter or digit",
            "list the runs with `phasetui runs --audit-repo DIR`",
        )
    return run_id


def _pending(intent: Intent) -> str:
    return (
        f"{intent.label} by {intent.who} was interrupted before its commit; the next write "
        "completes or rolls it back"
    )


def _person(who: Person | str | None) -> Person:
    if isinstance(who, Person):
        return who
    return resolve_person(who)


def _not_an_audit_repo(path: Path) -> UserError:
    return UserError(
        f"{path} is a git repository but not a phasetui audit repo (it has no runs/ folder "
        "and no phasetui README.md); nothing was written",
        "give --audit-repo the audit repo itself, or a new or empty folder for phasetui to "
        "create one",
    )


class AuditRepo:
    # How long a write waits for another git's lock (index.lock, a ref's lock) in total.
    lock_wait_seconds: float = 5.0

    def __init__(self, path: Path) -> None:
        self.path = path
        probe = Git(path, path / ".git")
        try:
            out = probe.run("rev-parse", "--is-bare-repository", "--absolute-git-dir").stdout
        except UserError:
            raise UserError(
                f"{path} is not a git repository", "give --audit-repo an audit repo"
            ) from None
        bare, git_dir = out.decode("utf-8", "surrogateescape").splitlines()[:2]
        if bare == "true":
            raise UserError(
                f"{path} is a bare git repository: it has no work tree to write runs in",
                "give --audit-repo a clone of it (git clone REPO DIR)",
            )
        self.git_dir = Path(git_dir)
        self.gitcmd = Git(path, self.git_dir)
        self.branch = self.gitcmd.branch()
        self._local = threading.local()
        # (step id, event kind, payload) -> extra evidence files for that step's result, in
        # its commit: how a job's worker adds its log and samples (phasetui.jobs.worker).
        self.step_evidence: (
            Callable[[str, str, Mapping[str, Any]], Mapping[str, str | bytes]] | None
        ) = None

    @classmethod
    def open(cls, path: Path | str, *, create: bool = True) -> AuditRepo:
        """Opens the repo at ``path``; creates it (``git init``) when missing and ``create``."""
        path = Path(path).expanduser().resolve()
        if path.exists() and not path.is_dir():
            raise UserError(f"{path} is a file, not an audit repo", "give --audit-repo a folder")
        if (path / ".git").exists():
            repo = cls(path)
            repo._adopt(create)
            return repo
        if path.exists() and any(path.iterdir()):
            if (path / "HEAD").is_file() and (path / "objects").is_dir():
                return cls(path)  # a bare repository: refused by __init__
            raise UserError(
                f"{path} is not empty and is not a git repository",
                "give --audit-repo an empty folder, a new path, or an existing audit repo",
            )
        if not create:
            raise UserError(f"no audit repo at {path}", "check --audit-repo")
        path.mkdir(parents=True, exist_ok=True)
        Git(path, path / ".git").run("init", "-q", "-b", "main")
        repo = cls(path)
        repo._initialise()
        return repo

    def _adopt(self, create: bool) -> None:
        """An existing git repo is an audit repo, an empty repo to initialise, or refused."""
        if not self.gitcmd.has_commits():
            # Empty, or holding only the README of an initialisation that was killed.
            readme = self.path / "README.md"
            temp_path(readme).unlink(missing_ok=True)
            leftovers = [p for p in self.path.iterdir() if p.name != ".git"]
            if leftovers and (
                leftovers != [readme]
                or not readme.is_file()
                or not readme.read_bytes().startswith(README_TITLE.encode())
            ):
                raise _not_an_audit_repo(self.path)
            if create:
                self._initialise()
            return
        names = self.gitcmd.head_names()
        if RUNS in names:
            return
        readme = self.gitcmd.head_blob("README.md") if "README.md" in names else None
        if readme is None or not readme.startswith(README_TITLE.encode()):
            raise _not_an_audit_repo(self.path)

    def _initialise(self) -> None:
        readme = self.path / "README.md"
        text = (
            f"{README_TITLE}\n\nEach folder under `runs/` is one migration run: "
            "`journal.jsonl` is the append-only record, `checklist.md` and `notes.md` are "
            "rendered from it. Written by phasetui; one commit per event.\n"
        )
        who = resolve_person()
        with self._locked():
            deadline = time.monotonic() + self.lock_wait_seconds
            write_atomically(readme, text.encode("utf-8"))
            self.commit_paths(
                ["README.md"], "audit: initialise phasetui audit repo", who, who, deadline
            )
        self.branch = self.gitcmd.branch()

    # -- notices: what the last write of this thread recovered or found -----------------

    @property
    def notices(self) -> list[str]:
        """What this thread's last write recovered or warned about (for the CLI and the TUI)."""
        return list(getattr(self._local, "notices", []))

    def notice(self, text: str) -> None:
        self._local.notices.append(text)

    # -- locking, preflight and committing -------------------------------------------

    @contextmanager
    def _locked(self) -> Iterator[None]:
        lock_path = self.git_dir / "phasetui.lock"
        with open(lock_path, "a+") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def foreign_changes(self) -> list[str]:
        """Paths with uncommitted changes (phasetui commits all it writes, under the lock)."""
        return self.gitcmd.dirty()

    def dirty_error(self, dirty: list[str], intent: Intent | None = None) -> UserError:
        shown = ", ".join(dirty[:5]) + (f" and {len(dirty) - 5} more" if len(dirty) > 5 else "")
        pending = (
            f" (phasetui's own interrupted write of {intent.label} is recovered once they are gone)"
            if intent
            else ""
        )
        return UserError(
            f"the audit repo {self.path} has uncommitted changes phasetui did not make: "
            f"{shown}; nothing was written{pending}",
            f"commit, stash or remove them (cd {self.path} && git status), then retry",
        )

    def _refuse_if_dirty(self) -> None:
        dirty = self.foreign_changes()
        if dirty:
            raise self.dirty_error(dirty)

    def _check_branch(self) -> None:
        """Refuses a write that would land off the branch the audit trail lives on."""
        waiting = self.gitcmd.in_progress()
        if waiting:
            what, fix = waiting
            raise UserError(
                f"{what} is in progress in the audit repo {self.path}; nothing was written",
                f"finish it first: {fix}",
            )
        branch = self.gitcmd.branch()
        if branch is None:
            back = self.branch or ("main" if "main" in self.gitcmd.branches() else None)
            target = back or (self.gitcmd.branches() or ["main"])[0]
            raise UserError(
                f"the audit repo {self.path} has a detached HEAD: a commit now would be on no "
                "branch and easily lost; nothing was written",
                f"go back to the audit branch: git -C {self.path} checkout {target}",
            )
        if self.branch is not None and branch != self.branch:
            raise UserError(
                f"the audit repo {self.path} switched from branch {self.branch} to {branch} "
                "while phasetui had it open; nothing was written",
                f"go back to it: git -C {self.path} checkout {self.branch} (or reopen the run "
                f"to record on {branch})",
            )
        self.branch = branch

    def check_writable(self) -> None:
        """Raises the UserError a write would raise now (a branch problem, changes phasetui
        did not make), without writing: for work that must know before it starts that its
        result can be recorded (a backfill updates a whole table first)."""
        with self._locked():
            self._begin()

    def _begin(self) -> float:
        """Under the lock: checks, recovers an interrupted write, refuses foreign changes."""
        self._local.notices = []
        deadline = time.monotonic() + self.lock_wait_seconds
        self._check_branch()
        self.gitcmd.wait_for_index(deadline, self.lock_wait_seconds)
        self._recover(deadline)
        self._refuse_if_dirty()
        return deadline

    def commit_paths(
        self,
        paths: list[str],
        message: str,
        author: Person,
        committer: Person,
        deadline: float,
        staged: list[bool] | None = None,
    ) -> None:
        """``git add`` then ``git commit --only`` of exactly ``paths``; ``staged`` says if
        the add was done (a failed commit must then put the index back)."""
        budget = self.lock_wait_seconds
        self.gitcmd.run("add", "-A", "--", *paths, deadline=deadline, budget=budget)
        if staged is not None:
            staged.append(True)
        self.gitcmd.run(
            "-c",
            "commit.gpgsign=false",
            "commit",
            "-q",
            "--no-verify",
            "--cleanup=verbatim",
            "-F",
            "-",
            "--only",
            "--",
            *paths,
            stdin=message.encode("utf-8"),
            env=identity_env(author, committer),
            deadline=deadline,
            budget=budget,
        )

    def unstage(self, paths: list[str]) -> bool:
        """Puts the index back to HEAD for ``paths``; False if git's lock stays held."""
        try:
            self.gitcmd.run(
                "reset", "-q", "--", *paths, deadline=time.monotonic() + 2.0, budget=2.0
            )
        except UserError:
            return False
        return True

    # -- runs ---------------------------------------------------------------------------

    def run_dir(self, run_id: str) -> Path:
        return self.path / RUNS / check_run_id(run_id)

    def _rel(self, path: Path) -> str:
        return path.relative_to(self.path).as_posix()

    def run_ids(self) -> list[str]:
        """Every run folder, a run whose journal is missing included."""
        base = self.path / RUNS
        if not base.is_dir():
            return []
        return sorted(p.name for p in base.iterdir() if p.is_dir() and _RUN_ID.fullmatch(p.name))

    def _journal_path(self, run_id: str) -> Path:
        """The run's journal; a clear UserError when the run or its journal is missing."""
        folder = self.run_dir(run_id)
        journal = folder / JOURNAL
        if journal.is_file():
            return journal
        if not folder.is_dir():
            raise UserError(
                f"no run {run_id!r} in {self.path}",
                "list the runs with `phasetui runs --audit-repo DIR`",
            )
        rel = self._rel(journal)
        if self.gitcmd.head_blob(rel) is not None:
            fix = f"restore it from the last commit: git -C {self.path} checkout HEAD -- {rel}"
        else:
            fix = (
                f"find where it went (git -C {self.path} log --stat -- {self._rel(folder)}) "
                "and restore it, or start a new run"
            )
        raise UserError(f"run {run_id} in {self.path} has no {JOURNAL}: its record is gone", fix)

    def journal_of(self, run_id: str) -> tuple[Journal, str]:
        """The journal as readers see it, and a note when a write of it is pending recovery.

        While an interrupted write of this run waits for the next writer, readers stop where
        the journal ended before it: its line may be torn, and may yet be rolled back.
        """
        path = self._journal_path(run_id)
        intent = Intent.peek(self.git_dir)
        if intent is not None and intent.run_id == run_id:
            return read_journal(path, limit=intent.journal_size), _pending(intent)
        return read_journal(path), ""

    def events(self, run_id: str) -> list[Event]:
        """The readable events of a run (see ``state().damaged`` for the others)."""
        return [ev for _, ev in self.journal_of(run_id)[0].events]

    def state(self, run_id: str) -> RunState:
        journal, pending = self.journal_of(run_id)
        state = RunState.from_journal(run_id, journal)
        state.pending = pending
        return state

    def runs(self) -> list[RunSummary]:
        out = []
        intent = Intent.peek(self.git_dir)
        for run_id in self.run_ids():
            try:
                s = self.state(run_id)
            except UserError:
                if intent is not None and intent.run_id == run_id:  # its start was interrupted
                    out.append(
                        RunSummary(run_id, "", "", "", "", False, 0, 0, 0, [], _pending(intent))
                    )
                    continue
                missing = DamagedLine(JOURNAL, None, f"no {JOURNAL}")
                out.append(RunSummary(run_id, "", "", "", "", False, 0, 0, 0, [missing]))
                continue
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
                    list(s.damaged),
                    s.pending,
                    s.target,
                    s.outcome,
                )
            )
        return out

    def open_run_for(self, runbook_id: str, target: str | None = None) -> str | None:
        """The newest run of this runbook that is not closed (for ``target``, when given)."""
        for summary in reversed(self.runs()):
            if summary.runbook_id != runbook_id or summary.closed:
                continue
            if target is None or summary.target == target:
                return summary.run_id
        return None

    def latest_run_for(self, runbook_id: str, target: str, *, exclude: str = "") -> str | None:
        """The newest run (open or closed) of this runbook for ``target``: the production
        run looks here for the staging rehearsal of each step."""
        for summary in reversed(self.runs()):
            if summary.run_id == exclude:
                continue
            if summary.runbook_id == runbook_id and summary.target == target:
                return summary.run_id
        return None

    def attempt_names(self, run_id: str, files: Mapping[str, Any]) -> dict[str, str]:
        """Names for one attempt's evidence that overwrite nothing already in the run.

        The first attempt keeps the plain names (``apply/add-column.md``); the next one is
        ``apply/add-column.2.md`` for every file of that attempt, so one number ties the
        files of one attempt together and the latest is the highest."""
        folder = self.run_dir(run_id)

        def numbered(rel: str, n: int) -> str:
            if n == 1:
                return rel
            head, _, name = rel.rpartition("/")
            stem, dot, ext = name.partition(".")
            numbered_name = f"{stem}.{n}.{ext}" if dot else f"{stem}.{n}"
            return f"{head}/{numbered_name}" if head else numbered_name

        n = 1
        while any((folder / numbered(rel, n)).exists() for rel in files):
            n += 1
        return {rel: numbered(rel, n) for rel in files}

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
        base = check_run_id(
            run_id or f"{stamp}-{_SAFE_ID.sub('-', runbook_id).strip('-') or 'run'}"
        )
        if runbook_name in (JOURNAL, *RENDERED) or "/" in runbook_name:
            raise UserError(f"the frozen runbook may not be named {runbook_name!r}")
        with self._locked():
            deadline = self._begin()
            run_id, n = base, 1
            while self.run_dir(run_id).exists():
                n += 1
                run_id = check_run_id(f"{base}-{n}")
            payload = {
                "runbook_id": runbook_id,
                "title": title,
                "runbook_file": runbook_name,
                "checklist": [e.__dict__ for e in checklist],
                "preticked": list(preticked or []),
                **(extra or {}),
            }
            self._write(
                run_id,
                RUN_STARTED,
                payload,
                person,
                {runbook_name: runbook_text.encode("utf-8")},
                f"start run of {runbook_id}",
                deadline,
                new_run=True,
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
        check_run_id(run_id)
        contents = {
            rel: data if isinstance(data, bytes) else utf8_safe(scrub(data)).encode("utf-8")
            for rel, data in (files or {}).items()
        }
        with self._locked():
            deadline = self._begin()
            self._journal_path(run_id)
            return self._write(run_id, kind, dict(payload), person, contents, summary, deadline)

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
            damage = (
                f" (its journal has damaged lines: {'; '.join(map(str, state.damaged))})"
                if state.damaged
                else ""
            )
            raise UserError(
                f"run {run_id} has no checklist item {item!r}{damage}",
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
        state = self.state(run_id)
        if state.closed:
            raise UserError(
                f"run {run_id} is closed ({state.outcome}): nothing more is recorded in it",
                "start a new run of the runbook (phasetui run RUNBOOK --new --env NAME)",
            )
        body = {**(payload or {}), "step": step_id, "ok": ok, "summary": summary}
        if self.step_evidence is not None:
            files = {**(files or {}), **self.step_evidence(step_id, kind, body)}
        names = self.attempt_names(run_id, files or {})
        renamed = {names[rel]: data for rel, data in (files or {}).items()}
        if renamed:
            body["files"] = sorted(renamed)
        verdict = "ok" if ok else "failed"
        return self.record(
            run_id,
            kind,
            body,
            who,
            files=renamed,
            summary=f"{kind} {step_id} {verdict}: {summary}"[:120],
        )

    def close_run(
        self,
        run_id: str,
        who: Person | str | None = None,
        reason: str = "",
        outcome: str = "done",
    ) -> Event:
        """Ends a run as ``done``, ``rolled-back`` or ``abandoned``; a closed run takes no
        more step results (ticks and notes still land: a reviewer may add one)."""
        if outcome not in OUTCOMES:
            raise UserError(f"unknown outcome {outcome!r}", f"use one of: {', '.join(OUTCOMES)}")
        state = self.state(run_id)
        if state.closed:
            raise UserError(f"run {run_id} is already closed ({state.outcome})")
        payload = {"reason": reason, "outcome": outcome}
        return self.record(run_id, RUN_CLOSED, payload, who, summary=f"close run: {outcome}")

    # -- one event: intent, files, journal line, rendered files, commit -----------------

    def _evidence_path(self, folder: Path, rel: str) -> Path:
        target = (folder / rel).resolve()
        if folder.resolve() not in target.parents:
            raise UserError(f"refusing to write {rel!r} outside the run's folder")
        if target.parent == folder.resolve() and target.name in (JOURNAL, *RENDERED):
            raise UserError(f"refusing to overwrite the run's own {target.name}")
        return folder / target.relative_to(folder.resolve())

    def _write(
        self,
        run_id: str,
        kind: str,
        payload: dict[str, Any],
        who: Person,
        files: Mapping[str, bytes],
        summary: str,
        deadline: float,
        *,
        new_run: bool = False,
    ) -> Event:
        folder = self.run_dir(run_id)
        journal_path = folder / JOURNAL
        old = b"" if new_run else journal_path.read_bytes()
        journal = parse_journal(old)
        who = Person(utf8_safe(who.name), utf8_safe(who.email))
        event = Event(journal.next_seq, now_iso(), str(who), kind, utf8_safe(scrub(payload)))
        appended = (journal.separator + event.to_line() + "\n").encode("utf-8")
        after = parse_journal(old + appended)
        state = RunState.from_journal(run_id, after)
        evidence = {self._evidence_path(folder, rel): data for rel, data in files.items()}
        rendered = {
            folder / "checklist.md": render_checklist(state).encode("utf-8"),
            folder / "notes.md": render_notes(state).encode("utf-8"),
        }
        targets = {**evidence, journal_path: old + appended, **rendered}
        befores = {p: read_or_none(p) for p in targets}
        befores[journal_path] = None if new_run else old
        message = utf8_safe(
            scrub(f"{run_id}: {summary or kind}\n\nevent {event.seq} ({kind}) by {who}")
        )
        if state.damaged:
            message += "\n\nThe run's journal has damaged lines, kept as they are: " + "; ".join(
                str(d) for d in state.damaged
            )
            self.notice(
                f"{self._rel(journal_path)} has damaged lines, kept as they are: "
                + "; ".join(str(d) for d in state.damaged)
                + f"; event {event.seq} was appended after them"
            )
        intent = Intent(
            run_id=run_id,
            seq=event.seq,
            kind=kind,
            author_name=who.name,
            author_email=who.email,
            message=message,
            journal=self._rel(journal_path),
            journal_size=len(old),
            append=appended.decode("utf-8"),
            rendered=[self._rel(p) for p in rendered],
            changes={
                self._rel(p): PathChange(digest(befores[p]), digest(data) or "")
                for p, data in targets.items()
            },
        )
        committed, staged = False, []
        try:
            # From the intent to the commit, Ctrl-C (and SIGTERM, SIGHUP) wait: a write that
            # has begun finishes or rolls back, in a few milliseconds (at most the lock wait).
            with signals_held():
                try:
                    intent.save(self.git_dir)
                    pause_point("after-intent")
                    for path, data in evidence.items():
                        path.parent.mkdir(parents=True, exist_ok=True)
                        write_atomically(path, data)
                    pause_point("after-files")
                    journal_path.parent.mkdir(parents=True, exist_ok=True)
                    append_durably(journal_path, appended)
                    pause_point("after-append")
                    for path, data in rendered.items():
                        write_atomically(path, data)
                    pause_point("after-render")
                    self.commit_paths(list(intent.changes), message, who, who, deadline, staged)
                except BaseException as exc:
                    try:
                        roll_back(self, intent, befores, staged=bool(staged))
                    except OSError:  # the intent stays: the next write finishes the roll-back
                        pass
                    if isinstance(exc, OSError):
                        raise UserError(
                            f"could not write the audit repo {self.path}: {exc.strerror or exc}"
                            f" ({exc.filename or 'a file'}); nothing was recorded",
                            "check its free space and permissions (df -h; ls -l), then retry",
                        ) from exc
                    raise
                committed = True
                pause_point("after-commit")
                try:
                    Intent.remove(self.git_dir)
                except OSError:  # the next write sees it is committed and removes it
                    pass
        except KeyboardInterrupt:
            if committed:
                raise RecordedThenInterrupted(event) from None
            raise
        return event

    # -- recovery of a write that was killed half-way -----------------------------------

    def recover(self) -> list[str]:
        """Completes or rolls back an interrupted write now, as the next write would."""
        if Intent.peek(self.git_dir) is None:
            return []
        with self._locked():
            self._local.notices = []
            deadline = time.monotonic() + self.lock_wait_seconds
            self._check_branch()
            self.gitcmd.wait_for_index(deadline, self.lock_wait_seconds)
            self._recover(deadline)
        return self.notices

    def _recover(self, deadline: float) -> None:
        intent = Intent.load(self.git_dir)
        if intent is None:
            return
        with signals_held():
            settle(self, intent, deadline)
