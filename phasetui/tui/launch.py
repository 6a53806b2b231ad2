"""Runs the app in the user's terminal, and makes sure a vanished terminal ends it cleanly."""

from __future__ import annotations

import signal

from phasetui.audit.identity import Person
from phasetui.audit.repo import AuditRepo
from phasetui.runbook.model import Runbook


def launch(runbook: Runbook, repo: AuditRepo, run_id: str, who: Person) -> None:
    from phasetui.tui.app import PhaseApp

    app = PhaseApp(runbook, repo, run_id, who)
    # A dropped SSH session sends SIGHUP: exit cleanly instead of spinning on a dead tty.
    previous = signal.signal(signal.SIGHUP, lambda *_: app.exit(return_code=129))
    try:
        app.run()
    finally:
        signal.signal(signal.SIGHUP, previous)
    print(f"Run {run_id} is recorded in {repo.run_dir(run_id)}")
