"""Deterministic runs for TUI tests: fixed run id, people and times."""

from __future__ import annotations

import json
from pathlib import Path

from phasetui.audit.identity import Person
from phasetui.audit.repo import AuditRepo
from phasetui.runbook.loader import load_runbook
from phasetui.runbook.model import Runbook
from tests.helpers import SAMPLES, git

ALICE = Person("Alice DBA", "alice@example.org")
BOB = Person("Bob Pair", "bob@example.org")
RUN_ID = "20260101-020000-users-preferences"


def fixed_run(
    folder: Path,
    runbook: str = "users_preferences.toml",
    ticks: bool = True,
    target: str = "production",
) -> tuple[Runbook, AuditRepo, str]:
    """A run of RUNBOOK for the ``target`` environment (a run is for one environment)."""
    rb = load_runbook(SAMPLES / runbook)
    repo = AuditRepo.open(folder / "audit")
    run_id = repo.start_run(
        runbook_id=rb.id,
        title=rb.title,
        runbook_text=rb.source,
        runbook_name=rb.frozen_name,
        checklist=rb.checklist_entries(),
        who=ALICE,
        run_id=RUN_ID,
        extra={"target": target} if target else None,
    )
    if ticks:
        repo.tick(run_id, "backup", note="/backups/pre_users_preferences.dump (2.1 GB)", who=BOB)
        repo.note(run_id, "Change window 02:00-04:00 UTC agreed with the app team", who=ALICE)
        journal = repo.run_dir(run_id) / "journal.jsonl"
        events = [json.loads(line) for line in journal.read_text().splitlines()]
        for n, ev in enumerate(events):
            ev["time"] = f"2026-01-01T02:{n:02d}:00+00:00"
        journal.write_text("".join(json.dumps(ev, ensure_ascii=False) + "\n" for ev in events))
        git(repo.path, "commit", "-qam", "test: fix event times")
    return rb, repo, run_id


def screen_text(app) -> str:  # noqa: ANN001 - a running Textual App
    """The current frame as plain text, one line per terminal row: what the user reads."""
    import io

    from rich.console import Console

    width, height = app.size
    console = Console(
        width=width, height=height, file=io.StringIO(), record=True, color_system=None
    )
    console.print(
        app.screen._compositor.render_update(full=True, screen_stack=app._background_screens)
    )
    return console.export_text()
