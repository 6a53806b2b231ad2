"""Settling a write that was interrupted: complete its event or roll it back, nothing else.

The write-ahead intent (``intent.py``) says which paths a write touched and their content
before and after. The next writer compares: a whole journal line means the event was made,
so the rendered files are re-rendered from the journal and committed as "recovered event N";
a torn or absent line means it never was, so every path goes back to its committed content.
A path that matches neither is someone else's change: refused, untouched.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from phasetui.audit.durable import digest, read_or_none, temp_path, write_atomically
from phasetui.audit.identity import Person, resolve_person
from phasetui.audit.intent import INTENT_FILE, Intent
from phasetui.audit.journal import parse_journal
from phasetui.audit.run_state import RunState, render_checklist, render_notes
from phasetui.errors import UserError

if TYPE_CHECKING:
    from phasetui.audit.repo import AuditRepo

RUNS = "runs"


def roll_back(
    repo: AuditRepo, intent: Intent, befores: Mapping[Path, bytes | None], *, staged: bool
) -> None:
    """Puts every path of ``intent`` back as it was; the intent stays if git will not."""
    order = [intent.journal] + [rel for rel in intent.changes if rel != intent.journal]
    for rel in order:
        path = repo.path / rel
        temp_path(path).unlink(missing_ok=True)
        before = befores[path]
        if before is None:
            path.unlink(missing_ok=True)
        elif read_or_none(path) != before:
            write_atomically(path, before)
    runs = repo.path / RUNS
    for rel in order:
        parent = (repo.path / rel).parent
        while parent != runs and runs in parent.parents:
            try:
                parent.rmdir()  # only when empty: a folder this write made
            except OSError:
                break
            parent = parent.parent
    if staged and not repo.unstage(list(intent.changes)):
        return  # git's lock is held: the next write unstages, then removes the intent
    Intent.remove(repo.git_dir)


def settle(repo: AuditRepo, intent: Intent, deadline: float) -> None:
    """Completes (journal line whole) or rolls back (torn, absent) an interrupted write."""
    paths = {rel: repo.path / rel for rel in intent.changes}
    for path in paths.values():
        temp_path(path).unlink(missing_ok=True)
    foreign = [d for d in repo.gitcmd.dirty() if d not in intent.changes]
    if foreign:
        raise repo.dirty_error(foreign, intent)
    head = {rel: repo.gitcmd.head_blob(rel) for rel in intent.changes}
    journal_change = intent.changes[intent.journal]
    if digest(head[intent.journal]) == journal_change.after:
        repo.unstage(list(intent.changes))
        Intent.remove(repo.git_dir)
        return  # committed before the writer died; only the intent was left
    intent_file = repo.git_dir / INTENT_FILE
    moved = [rel for rel, ch in intent.changes.items() if digest(head[rel]) != ch.before]
    if moved:
        raise UserError(
            f"phasetui was interrupted writing {intent.label}, and the audit repo "
            f"{repo.path} has been committed to since ({', '.join(moved)}); nothing was "
            "written",
            f"check `git -C {repo.path} log -3 --stat`; when the repo holds what it "
            f"should, remove {intent_file} and retry",
        )
    now = {rel: read_or_none(path) for rel, path in paths.items()}
    line = journal_state(intent, head[intent.journal], now[intent.journal])
    changed = []
    for rel, change in intent.changes.items():
        if rel == intent.journal:
            if line == "foreign":
                changed.append(rel)
            continue
        allowed = {change.before, change.after}
        if line == "whole" and rel not in intent.rendered:
            allowed = {change.after}  # evidence is written before the journal line
        if digest(now[rel]) not in allowed:
            changed.append(rel)
    if changed:
        raise UserError(
            f"phasetui was interrupted writing {intent.label}, and since then "
            f"{', '.join(changed)} changed in a way phasetui did not make; nothing was "
            "written",
            f"look at them (git -C {repo.path} diff; git -C {repo.path} status) and "
            f"restore them (git -C {repo.path} checkout -- PATH), then retry",
        )
    if line != "whole":
        roll_back(repo, intent, {path: head[rel] for rel, path in paths.items()}, staged=True)
        repo.notice(
            f"rolled back {intent.label} by {intent.who}: its writer was interrupted "
            "before the journal line was whole, so it was never recorded"
        )
        return
    journal = parse_journal(now[intent.journal] or b"")
    state = RunState.from_journal(intent.run_id, journal)
    folder = repo.run_dir(intent.run_id)
    write_atomically(folder / "checklist.md", render_checklist(state).encode("utf-8"))
    write_atomically(folder / "notes.md", render_notes(state).encode("utf-8"))
    author = Person(intent.author_name, intent.author_email)
    subject, _, body = intent.message.partition("\n")
    message = (
        f"{intent.run_id}: recovered event {intent.seq} ({intent.kind})\n\n"
        f"phasetui was interrupted after writing event {intent.seq} to the journal and "
        "before committing it; this commit completes it as it was written.\n\n"
        f"Interrupted commit: {subject}{body}"
    )
    repo.commit_paths(list(intent.changes), message, author, resolve_person(), deadline)
    Intent.remove(repo.git_dir)
    repo.notice(
        f"recovered event {intent.seq} ({intent.kind}) of run {intent.run_id} by "
        f"{intent.who}: its writer was interrupted before the commit; committed now"
    )


def journal_state(intent: Intent, head: bytes | None, now: bytes | None) -> str:
    """before (nothing appended), torn, whole, or foreign (not what phasetui wrote)."""
    before = head or b""
    line = intent.append.encode("utf-8")
    if now == head or (head is None and now == b""):
        return "before"
    if now is None or not now.startswith(before):
        return "foreign"
    tail = now[len(before) :]
    if tail == line:
        return "whole"
    return "torn" if line.startswith(tail) else "foreign"
