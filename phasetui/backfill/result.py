"""The final figures of a backfill: ``runs/<run-id>/backfill/<step>.json`` and an audit event.

This is the evidence for the guide's "backfill script ran and its result documented": what
ran (table, key, assignments, filter, or the external command), where (a password-free
label of the target), how it ended, and the figures (rows, batches, retries, time, rate).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class BackfillResult:
    name: str
    mode: str  # batched / external
    target: str  # describe_dsn() label, never a DSN with credentials
    table: str
    key: list[str]
    set: list[str]
    where: str | None
    # done (the final check found nothing left, or could not apply: see final_check) /
    # incomplete (rows still match) / stopped / interrupted / paused / failed
    state: str
    rows_updated: int  # by every run of this backfill, from the checkpoint
    rows_this_run: int
    batches: int
    retries: int
    throttled_seconds: float
    elapsed_seconds: float
    rows_per_second: float | None
    workers: int
    batch_size: int
    started_at: str
    finished_at: str
    last_error: str | None = None
    command: str | None = None
    exit_code: int | None = None
    stalls: list[dict[str, Any]] = field(default_factory=list)
    output_tail: list[str] = field(default_factory=list)
    settings: dict[str, Any] = field(default_factory=dict)
    # What it cost the server (footprint.py): WAL written during this run (server-wide:
    # other traffic included), and the table's and its indexes' size before the backfill
    # and after this run. None where it could not be read (external mode, a lock, rights).
    wal_bytes: int | None = None
    table_bytes_before: int | None = None
    table_bytes_after: int | None = None
    index_bytes_before: int | None = None
    index_bytes_after: int | None = None
    lint: list[str] = field(default_factory=list)  # the lint's warnings on the batch statement
    # verify.py: checked / skipped (why) / ranges_with_rows / statements / seconds / passes,
    # rows_still_matching when incomplete, error when it could not finish
    final_check: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.state == "done"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, sort_keys=True, default=str) + "\n"

    def summary(self) -> str:
        rate = f", {self.rows_per_second:,.0f} rows/s" if self.rows_per_second else ""
        return (
            f"backfill {self.name}: {self.state}, {self.rows_this_run:,} rows this run "
            f"({self.rows_updated:,} in total), {self.batches:,} batches, {self.retries} retries, "
            f"{self.elapsed_seconds:.1f}s{rate}{self.check_summary()}{self.footprint_summary()}"
        )

    def check_summary(self) -> str:
        """``; final check: no row left to fill`` (or why it did not apply, or what is left)."""
        c = self.final_check
        if not c:
            return ""
        if c.get("rows_still_matching"):
            return f"; final check: {c['rows_still_matching']:,} rows still match"
        if c.get("checked") is False:
            return f"; final check skipped: {c.get('skipped')}"
        if c.get("checked") and self.state == "done":
            passes = c.get("passes", 1)
            again = f" after {passes} passes" if passes > 1 else ""
            return f"; final check: no row left to fill{again}"
        return ""

    def footprint_summary(self) -> str:
        """``; server WAL 843.0 MB; users 153.0 MB → 451.0 MB: VACUUM …`` (or nothing)."""
        from phasetui.backfill.footprint import human_bytes

        parts = []
        if self.wal_bytes is not None:
            parts.append(f"server WAL {human_bytes(self.wal_bytes)}")
        before, after = self.table_bytes_before, self.table_bytes_after
        if before is not None and after is not None:
            grown = f"{self.table} {human_bytes(before)} → {human_bytes(after)}"
            if after > before * 1.2 and self.rows_updated:
                grown += (
                    f": VACUUM (ANALYZE) {self.table} makes the old row versions' space reusable"
                )
            parts.append(grown)
        return "".join(f"; {p}" for p in parts)


def record_result(repo: Any, run_id: str, step_id: str, result: BackfillResult, who: str) -> Any:
    """Journals the result as a ``backfill`` event with ``backfill/<step>.json`` in the run.

    ``repo`` is a ``phasetui.audit.repo.AuditRepo`` (or anything with its ``record``).
    """
    payload = {
        "name": result.name,
        "state": result.state,
        "table": result.table,
        "rows_updated": result.rows_updated,
        "rows_this_run": result.rows_this_run,
        "elapsed_seconds": round(result.elapsed_seconds, 3),
        "target": result.target,
        "file": f"backfill/{step_id}.json",
    }
    if result.wal_bytes is not None:
        payload["wal_bytes"] = result.wal_bytes
    if result.table_bytes_after is not None:
        payload["table_bytes_before"] = result.table_bytes_before
        payload["table_bytes_after"] = result.table_bytes_after
    if result.last_error:
        payload["error"] = result.last_error
    return repo.record_step_result(
        run_id,
        step_id,
        "backfill",
        ok=result.ok,
        summary=result.summary(),
        payload=payload,
        files={f"backfill/{step_id}.json": result.to_json()},
        who=who,
    )
