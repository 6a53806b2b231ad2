"""Which audit format a run was written in, and whether this review can read it.

Runs written before the marker existed carry none and are format 1. A run's ``run-started``
event may carry ``format`` (a whole number) and ``written_by`` (``"phasetui 0.3.0"``); a run
with a higher format than :data:`FORMAT` is refused by name, never half-read.
"""

from __future__ import annotations

from typing import Any

from phasetui.errors import UserError

FORMAT = 1  # the audit format this review reads (phasetui.audit.runs.AUDIT_FORMAT writes)
FORMAT_KEY = "format"
WRITTEN_BY_KEY = "written_by"


def run_format(started_payload: dict[str, Any]) -> tuple[int | None, str]:
    """The run's format (None: a marker that is not a whole number) and who wrote it."""
    value = started_payload.get(FORMAT_KEY, 1)
    written_by = started_payload.get(WRITTEN_BY_KEY)
    who = written_by if isinstance(written_by, str) else ""
    if isinstance(value, bool) or not isinstance(value, int):
        return None, who
    return value, who


def format_problem(run_id: str, started_payload: dict[str, Any]) -> str:
    """'' when this review reads the run; else one sentence saying why not."""
    fmt, who = run_format(started_payload)
    made = f" by {who}" if who else ""
    if fmt is None:
        return (
            f"run {run_id} declares format {started_payload.get(FORMAT_KEY)!r}{made}, "
            "which is not a version number"
        )
    if fmt > FORMAT:
        return (
            f"run {run_id} was written in audit format {fmt}{made}; this phasetui reads "
            f"format {FORMAT} and older"
        )
    return ""


def refuse_format(run_id: str, problem: str) -> UserError:
    return UserError(
        problem,
        "review it with a newer phasetui (pip install -U phasetui); the other runs "
        "still open with this one",
    )
