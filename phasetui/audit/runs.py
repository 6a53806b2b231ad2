"""Starting or resuming the run of a runbook: the one call the TUI and the CLI share."""

from __future__ import annotations

from dataclasses import dataclass

from phasetui.audit.identity import Person
from phasetui.audit.repo import AuditRepo
from phasetui.errors import UserError
from phasetui.redaction import redact
from phasetui.runbook.model import Runbook

AUDIT_FORMAT = 1  # phasetui.review.format.FORMAT reads this and older


def _written_by() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return f"phasetui {version('phasetui')}"
    except PackageNotFoundError:  # a source checkout that was never installed
        return "phasetui"


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
    env: str | None = None,
) -> RunHandle:
    """``run_id`` if given; else the open run of this runbook (for ``env``, when given);
    else a new run for ``env``.

    A run is made for one target environment: the staging run is the dress rehearsal, the
    production run the window. Steps that name no environment run on the run's target."""
    if run_id:
        state = repo.state(run_id)
        if state.runbook_id and state.runbook_id != runbook.id:
            raise UserError(
                f"run {run_id} belongs to runbook {state.runbook_id!r}, not {runbook.id!r}",
                "drop --run to open this runbook's own run, or open the right runbook",
            )
        if env and state.target and state.target != env:
            raise UserError(
                f"run {run_id} is for {state.target}, not {env}",
                f"drop --env, or drop --run to open (or start) the {env} run",
            )
        return RunHandle(run_id, False)
    if not new:
        existing = repo.open_run_for(runbook.id, env)
        if existing:
            return RunHandle(existing, False)
    # The audit format and the version that wrote the run: a reviewer with an older
    # phasetui is told which version to get instead of misreading it (phasetui.review.format).
    # The runbook's own path: `phasetui attach RUN` reopens it (its `file =` paths resolve
    # next to it); the frozen copy in the run folder is what was run.
    extra: dict[str, str | int] = {
        "source_path": runbook.path.name,
        "runbook_path": str(runbook.path.resolve()),
        "format": AUDIT_FORMAT,
        "written_by": _written_by(),
    }
    if env:
        extra["target"] = env
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
        extra=extra,
        run_id=_run_id(runbook, env),
    )
    return RunHandle(created, True)


def _run_id(runbook: Runbook, env: str | None) -> str | None:
    """``20261204-021400-users-preferences-production``: the target reads off every list."""
    if not env:
        return None
    from datetime import UTC, datetime

    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    safe = "".join(ch if ch.isalnum() or ch in "._-" else "-" for ch in f"{runbook.id}-{env}")
    return f"{stamp}-{safe.strip('-')}"[:200]
