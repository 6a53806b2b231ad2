"""Live progress of a backfill, read by any session from the checkpoint tables.

This is what the TUI polls (2–4 Hz), what ``phasetui backfill status`` prints, and what a
pairing partner sees from another host: no state lives only in a worker's memory.

The total is an estimate: rows the filter selects (planner statistics, or an exact count on
a small table), refined while running from the share of the key space already walked:
``rows_done / fraction_walked``. The rate and ETA are a moving window kept by the running
processes (written every second or so); the fraction walked drives the bar.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

import psycopg

from phasetui.backfill import store

LIVE_SECONDS = 15.0

_CHUNKS_SQL = """
SELECT count(*), count(*) FILTER (WHERE done), coalesce(sum(rows_done), 0),
       coalesce(sum(keys_done), 0), coalesce(sum(batches), 0)
FROM phasetui.backfill_chunks WHERE backfill = %s
"""

_WORKERS_SQL = """
SELECT worker, host, os_pid, backend_pid, state, chunk, range_lo, range_hi, batch_size,
       last_batch_ms, rows_done, batches, retries,
       extract(epoch FROM now() - heartbeat)::float8 AS age
FROM phasetui.backfill_workers WHERE backfill = %s ORDER BY worker
"""


@dataclass(frozen=True)
class WorkerProgress:
    worker: str
    host: str | None
    os_pid: int | None
    backend_pid: int | None
    state: str | None
    chunk: int | None
    range_lo: list[str] | None
    range_hi: list[str] | None
    batch_size: int | None
    last_batch_ms: float | None
    rows_done: int
    batches: int
    retries: int
    seconds_since_heartbeat: float

    @property
    def live(self) -> bool:
        return self.seconds_since_heartbeat < LIVE_SECONDS and self.state not in (
            "done",
            "stopped",
            "interrupted",
            "failed",
            "exited",
        )


@dataclass(frozen=True)
class Progress:
    name: str
    mode: str
    table: str
    key: list[str]
    # running / paused / stopping / stopped / interrupted / verifying / done / incomplete /
    # failed / planned
    state: str
    control: str
    rows_done: int
    rows_total_estimate: int | None
    fraction: float  # 0..1 of the key space walked (or of the estimate, external mode)
    rate_rows_per_second: float | None
    eta_seconds: float | None
    batches: int
    retries: int
    throttled_seconds: float
    throttle_reason: str | None
    chunks_total: int
    chunks_done: int
    batch_size: int
    pause_seconds: float
    target_batch_seconds: float | None
    workers_setting: int
    live_workers: int
    last_error: str | None
    started_at: datetime | None
    updated_at: datetime | None
    finished_at: datetime | None
    workers: list[WorkerProgress] = field(default_factory=list)
    detail: dict[str, Any] = field(default_factory=dict)

    @property
    def current_ranges(self) -> list[tuple[list[str] | None, list[str] | None]]:
        return [(w.range_lo, w.range_hi) for w in self.workers if w.live]

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        for k in ("started_at", "updated_at", "finished_at"):
            d[k] = d[k].isoformat() if d[k] else None
        d["current_ranges"] = self.current_ranges
        return d


def _derive_state(
    row: store.StateRow, live: int, chunks_total: int, chunks_done: int, age: float
) -> str:
    if row.state in ("done", "failed", "incomplete"):
        return row.state
    if row.mode == "external":
        # The watching process refreshes the row every few seconds while the command runs.
        live = int(row.state == "running" and row.finished_at is None and age < LIVE_SECONDS)
    if row.mode == "batched" and chunks_total == chunks_done and row.started_at is not None:
        # every range walked, but only the final check makes it done (engine.py)
        return "verifying" if age < LIVE_SECONDS else "interrupted"
    if row.control == "stop":
        return "stopping" if live else "stopped"
    if row.control == "pause":
        return "paused"
    if live:
        return "running"
    return "planned" if row.started_at is None else "interrupted"


def progress_from(conn: psycopg.Connection, row: store.StateRow) -> Progress:
    chunks_total, chunks_done, rows_done, keys_done, batches = conn.execute(
        _CHUNKS_SQL, (row.name,)
    ).fetchone()
    workers = [
        WorkerProgress(*r[:10], int(r[10]), int(r[11]), int(r[12]), float(r[13] or 0.0))
        for r in conn.execute(_WORKERS_SQL, (row.name,)).fetchall()
    ]
    live = sum(1 for w in workers if w.live)
    age = float(
        conn.execute(
            "SELECT extract(epoch FROM now() - %s::timestamptz)::float8", (row.updated_at,)
        ).fetchone()[0]
    )
    retries = sum(w.retries for w in workers)
    rows_done = int(rows_done)
    estimate = row.rows_estimate
    if row.mode == "batched":
        keys_total = float(row.keys_total or 0)
        fraction = min(1.0, float(keys_done) / keys_total) if keys_total > 0 else 0.0
        if chunks_total and chunks_total == chunks_done:
            fraction = 1.0
            estimate = rows_done
        elif fraction >= 0.02:
            estimate = max(rows_done, int(rows_done / fraction))
    else:
        rows_done = int(row.detail.get("rows_done", 0))
        fraction = float(row.detail.get("fraction", 0.0))
        batches = 0
    return Progress(
        name=row.name,
        mode=row.mode,
        table=row.table_name,
        key=list(row.key_columns),
        state=_derive_state(row, live, chunks_total, chunks_done, age),
        control=row.control,
        rows_done=rows_done,
        rows_total_estimate=estimate,
        fraction=fraction,
        rate_rows_per_second=row.rate,
        eta_seconds=row.eta_seconds,
        batches=int(batches),
        retries=retries,
        throttled_seconds=row.throttled_seconds,
        throttle_reason=row.throttle_reason,
        chunks_total=int(chunks_total),
        chunks_done=int(chunks_done),
        batch_size=row.batch_size,
        pause_seconds=row.pause_seconds,
        target_batch_seconds=row.target_batch_seconds,
        workers_setting=row.workers,
        live_workers=live,
        last_error=row.last_error,
        started_at=row.started_at,
        updated_at=row.updated_at,
        finished_at=row.finished_at,
        workers=workers,
        detail=dict(row.detail),
    )


def _connect(dsn: str) -> psycopg.Connection:
    from phasetui.backfill.engine import open_connection

    return open_connection(dsn)


def read_progress(dsn: str, name: str) -> Progress:
    """The live progress of backfill ``name``; UserError when there is no such backfill."""
    from phasetui.errors import UserError

    with _connect(dsn) as conn:
        row = store.load_state(conn, name)
        if row is None:
            known = [r.name for r in store.list_state(conn)]
            raise UserError(
                f"no backfill named {name!r} in this database",
                f"known: {', '.join(known)}" if known else "start one with `phasetui backfill run`",
            )
        return progress_from(conn, row)


def list_backfills(dsn: str) -> list[Progress]:
    """Every backfill recorded in the target database, oldest first."""
    with _connect(dsn) as conn:
        return [progress_from(conn, row) for row in store.list_state(conn)]
