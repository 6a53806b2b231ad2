"""Runs the app in the user's terminal, and makes sure a vanished terminal ends it cleanly."""

from __future__ import annotations

import os
import signal
import threading
import time

from phasetui.audit.identity import Person
from phasetui.audit.repo import AuditRepo
from phasetui.runbook.model import Runbook

# After a hang-up, Textual's shutdown writes terminal-restore codes into a dead tty and can
# wedge its writer thread; audit writes are committed synchronously, so once this grace
# period has passed nothing is left to lose by leaving at once.
HANGUP_GRACE_SECONDS = 3.0
EXIT_HANGUP = 129


def launch(
    runbook: Runbook,
    repo: AuditRepo,
    run_id: str,
    who: Person,
    *,
    read_only: bool = False,
    jobs: bool = False,
) -> None:
    """The run's TUI; it drives when it gets the run's lease, else it observes."""
    from phasetui.tui.app import PhaseApp

    app = PhaseApp(runbook, repo, run_id, who, lease=True, read_only=read_only)
    app.open_jobs_on_start = jobs

    def force_exit_later() -> None:
        time.sleep(HANGUP_GRACE_SECONDS)
        os._exit(EXIT_HANGUP)

    def on_hangup(signum: int, frame: object) -> None:
        # A dropped SSH session: exit instead of spinning on a dead terminal.
        threading.Thread(target=force_exit_later, daemon=True, name="hangup-exit").start()
        app.exit(return_code=EXIT_HANGUP)

    previous = signal.signal(signal.SIGHUP, on_hangup)
    try:
        app.run()
    finally:
        signal.signal(signal.SIGHUP, previous)
    if app.return_code != EXIT_HANGUP:
        print(f"Run {run_id} is recorded in {repo.run_dir(run_id)}")
