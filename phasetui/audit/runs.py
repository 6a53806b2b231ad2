"""Starting or resuming the run of a runbook: the one call the TUI and the CLI share."""

from __future__ import annotations

from dataclasses import dataclass

from phasetui.audit.identity import Person
from phasetui.audit.repo import AuditRepo
from phasetui.errors import UserError
from phasetui.redaction import redact
from phasetui.runbook.model import Runbook


@dataclass(frozen=True)
class RunHandle:
    run_id: str
    created: bool


def open_run(
    repo: AuditRepo,
    runbook: Runbook,
    *,
    run_id: str | None = None,
    who: Person | None = None,
    new: bool = False,
) -> RunHandle:
    """``run_id`` if given; else the open run of this runbook; else a new run."""
    if run_id:
        state = repo.state(run_id)
        if state.runbook_id and state.runbook_id != runbook.id:
            raise UserError(
                f"run {run_id} belongs to runbook {state.runbook_id!r}, not {runbook.id!r}",
                "drop --run to open this runbook's own run, or open the right runbook",
            )
        return RunHandle(run_id, False)
    if not new:
        existing = repo.open_run_for(runbook.id)
        if existing:
            return RunHandle(existing, False)
    created = repo.start_run(
        runbook_id=runbook.id,
        title=runbook.title,
        # The loader refused any credential already; masked again, as the journal is, so
        # that nothing the loader missed is frozen into git.
        runbook_text=redact(runbook.source),
        runbook_name=runbook.frozen_name,
        checklist=runbook.checklist_entries(),
        preticked=[i.id for i in runbook.checklist if i.checked_in_source],
        who=who,
        extra={"source_path": runbook.path.name},
    )
    return RunHandle(created, True)
