"""Runs a backfill: prepare (key, SQL, checkpoint, plan), then workers and a monitor.

``prepare`` is idempotent: the first call plans the chunks and writes the state row; any
later call — the same command re-run after Ctrl-C or kill -9, or the same command on a
second host — finds the row and resumes, refusing only when the spec changed (the checkpoint
would not mean the same thing any more).

``run`` starts this process's workers and, in the calling thread, a monitor that once a
second refreshes the shared figures (rate, ETA, per-worker rows), follows live settings
(worker count) and reports progress to the caller. It returns when the backfill is done,
stopped, interrupted (``stop`` event set, e.g. Ctrl-C) or failed; workers always finish
their current batch first, and every committed batch is in the checkpoint.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import psycopg

from phasetui.backfill import footprint, store
from phasetui.backfill.batches import BatchSQL, build
from phasetui.backfill.expressions import ParsedUpdate, parse_assignments
from phasetui.backfill.keys import TableKey, find_key
from phasetui.backfill.lint_check import lint_batch
from phasetui.backfill.planner import plan
from phasetui.backfill.progress import Progress, progress_from
from phasetui.backfill.result import BackfillResult
from phasetui.backfill.retry import SessionSettings, backoff, hostname
from phasetui.backfill.spec import BackfillSpec
from phasetui.backfill.throttles import Throttles
from phasetui.backfill.worker import RECONNECT_SECONDS, BatchEvent, RunContext, Worker
from phasetui.errors import UserError

RATE_WINDOW_SECONDS = 30.0


def open_connection(dsn: str, *, connect_timeout: int = 10) -> psycopg.Connection:
    """An autocommit connection; a failure to connect is the user's (host, password)."""
    from phasetui.db.session import connect_error

    try:
        return psycopg.connect(dsn, autocommit=True, connect_timeout=connect_timeout)
    except psycopg.OperationalError as exc:
        raise connect_error(dsn, exc) from None


@dataclass
class Prepared:
    name: str
    spec: BackfillSpec
    key: TableKey
    update: ParsedUpdate
    stmts: BatchSQL
    state: store.StateRow
    # None: batches call the backfill's function; else why they run as a plain statement
    function_unavailable: str | None = None


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class BackfillEngine:
    """One backfill against one target database."""

    def __init__(self, dsn: str, spec: BackfillSpec) -> None:
        self.dsn = dsn
        self.spec = spec
        self.name = spec.default_name
        self.prepared: Prepared | None = None
        self._footprint: footprint.Tracker | None = None
        self.lint: list[str] = []  # the lint's warnings on the batch statement

    # -- prepare -----------------------------------------------------------------------
    def prepare(self, *, restart: bool = False) -> Prepared:
        spec = self.spec
        if spec.command:
            raise UserError("this backfill runs an external command", "use run_external()")
        with open_connection(self.dsn) as conn:
            key = find_key(conn, spec.table, spec.key)
            update = parse_assignments(spec.set, spec.where)
            for a in update.assignments:
                if a.column not in key.table_columns:
                    raise UserError(
                        f"set: {a.column!r} is not a column of {key.qualified}",
                        "add the column in the expand phase first",
                    )
                if a.column in key.columns:
                    raise UserError(
                        f"set: {a.column!r} is part of the key; a backfill cannot change its key",
                    )
            self.lint = lint_batch(key, update)
            stmts = build(key, update)
            self._explain(conn, stmts, key)
            store.ensure_schema(conn)
            unavailable = store.ensure_batch_function(
                conn, stmts.function_name, stmts.function_ddl, stmts.function_body
            )
            with conn.transaction():
                conn.execute(
                    "SELECT pg_advisory_xact_lock(hashtext(%s))", (f"phasetui:{self.name}",)
                )
                state = store.load_state(conn, self.name)
                if state is not None and state.fingerprint != spec.fingerprint():
                    if not restart:
                        raise UserError(
                            f"backfill {self.name!r} already exists with another definition "
                            f"(table/key/set/where differ)",
                            "give another --name, or --restart to forget its checkpoint",
                        )
                if state is not None and restart:
                    conn.execute("DELETE FROM phasetui.backfills WHERE name = %s", (self.name,))
                    state = None
                if state is None:
                    self._create(conn, key, update, stmts)
                else:
                    conn.execute(
                        "UPDATE phasetui.backfills SET control = CASE WHEN control = 'stop' "
                        "THEN 'run' ELSE control END, state = CASE WHEN state = 'failed' "
                        "THEN 'running' ELSE state END, updated_at = now() WHERE name = %s",
                        (self.name,),
                    )
                state = store.load_state(conn, self.name)
        assert state is not None
        self.prepared = Prepared(self.name, spec, key, update, stmts, state, unavailable)
        return self.prepared

    @property
    def batch_form(self) -> str:
        """How this process runs a batch (shown by `backfill status`, kept in ``detail``)."""
        p = self.prepared
        if p is None:
            return "not prepared"
        if p.function_unavailable is None:
            return f"function phasetui.{p.stmts.function_name}"
        return f"one statement (cannot create the function: {p.function_unavailable})"

    def _explain(self, conn: psycopg.Connection, stmts: BatchSQL, key: TableKey) -> None:
        try:
            conn.execute(stmts.explain, {"lo": None, "hi": None})
        except psycopg.Error as exc:
            raise UserError(
                f"the backfill's SQL does not run on {key.qualified}: {str(exc).strip()}",
                "check the column names and types in --set / --where",
            ) from None

    def _create(
        self, conn: psycopg.Connection, key: TableKey, update: ParsedUpdate, stmts: BatchSQL
    ) -> None:
        spec = self.spec
        p = plan(conn, key, update, stmts, spec.batch_size)
        conn.execute(
            """INSERT INTO phasetui.backfills (name, mode, table_name, key_columns, key_types,
                 integer_key, spec, fingerprint, batch_size, target_batch_seconds,
                 pause_seconds, workers, keys_total, rows_estimate, state)
               VALUES (%s, 'batched', %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s,
                       'planned')""",
            (
                self.name,
                key.qualified,
                list(key.columns),
                list(key.types),
                key.integer,
                json.dumps(spec.to_dict()),
                json.dumps(spec.fingerprint()),
                spec.batch_size,
                spec.target_batch_seconds,
                spec.pause_seconds,
                spec.workers,
                p.keys_total,
                p.rows_estimate,
            ),
        )
        with conn.cursor() as cur:
            cur.executemany(
                "INSERT INTO phasetui.backfill_chunks (backfill, chunk, lo, hi, cursor) "
                "VALUES (%s, %s, %s, %s, %s)",
                [(self.name, c.number, c.lo, c.hi, c.lo) for c in p.chunks],
            )

    # -- run ---------------------------------------------------------------------------
    def run(
        self,
        *,
        workers: int | None = None,
        stop: threading.Event | None = None,
        on_progress: Callable[[Progress], None] | None = None,
        on_batch: Callable[[BatchEvent], None] | None = None,
        progress_interval: float = 1.0,
        restart: bool = False,
    ) -> BackfillResult:
        prepared = self.prepared or self.prepare(restart=restart)
        spec = prepared.spec
        stop = stop or threading.Event()
        started_wall, started = _now(), time.monotonic()
        ctx = RunContext(
            dsn=self.dsn,
            name=self.name,
            key=prepared.key,
            stmts=prepared.stmts,
            session=SessionSettings.from_spec(spec, self.name),
            max_retries=spec.max_retries,
            make_throttles=lambda: Throttles.from_spec(spec),
            stop=stop,
            on_batch=on_batch,
            use_function=prepared.function_unavailable is None,
        )
        wanted = workers or spec.workers
        monitor = open_connection(self.dsn)
        rows_before = self._rows_done(monitor)
        self._footprint = footprint.Tracker(prepared.key.qualified_sql)
        first = self._footprint.sample(monitor, time.monotonic())
        detail: dict[str, Any] = {"batch_form": self.batch_form, "lint": self.lint}
        if prepared.function_unavailable is None:
            detail["batch_function"] = prepared.stmts.function_name  # dropped by `forget`
        if "table_bytes_before" not in prepared.state.detail and "table_bytes" in first:
            # the table before this backfill's first run (a resumed run keeps the original)
            detail["table_bytes_before"] = first["table_bytes"]
            detail["index_bytes_before"] = first.get("index_bytes")
        store.merge_detail(monitor, self.name, detail)
        monitor.execute(
            "UPDATE phasetui.backfills SET started_at = coalesce(started_at, now()), "
            "state = CASE WHEN state IN ('planned', 'failed') THEN 'running' ELSE state END, "
            "updated_at = now() WHERE name = %s",
            (self.name,),
        )
        version_at_start = prepared.state.settings_version
        pool: list[Worker] = []
        samples: deque[tuple[float, int]] = deque()
        throttled_reported = 0.0
        next_index = 0
        error: str | None = None
        try:
            while True:
                try:
                    if pool and not any(w.is_alive() for w in pool):
                        break  # all finished: the final tick below has the last figures
                    row = store.load_state(monitor, self.name)
                    if row is None:
                        error = "the backfill's state row was deleted"
                        stop.set()
                        break
                    if row.settings_version != version_at_start:
                        wanted = row.workers
                    alive = [w for w in pool if w.is_alive() and not w.retire.is_set()]
                    finished = [w for w in pool if not w.is_alive()]
                    failed = [w for w in finished if w.outcome == "failed"]
                    if failed and error is None:
                        error = str(failed[0].error or failed[0].stats.last_error)
                        store.set_error(monitor, self.name, error, failed=True)
                        stop.set()
                    terminal = {w.outcome for w in finished} & {"done", "stopped"}
                    if not stop.is_set() and not terminal and row.control != "stop":
                        while len(alive) < wanted:
                            w = Worker(ctx, next_index)
                            next_index += 1
                            w.start()
                            pool.append(w)
                            alive.append(w)
                        for w in alive[wanted:]:
                            w.retire.set()
                    throttled = sum(w.stats.throttled_seconds for w in pool)
                    reason = next(
                        (w.stats.throttle_reason for w in alive if w.stats.throttle_reason), None
                    )
                    progress = self._tick(
                        monitor, pool, samples, throttled - throttled_reported, reason
                    )
                    throttled_reported = throttled
                    if on_progress is not None:
                        on_progress(progress)
                    if pool and not any(w.is_alive() for w in pool):
                        break
                except (psycopg.OperationalError, psycopg.InterfaceError):
                    # Server restart or a terminated session: the workers reconnect on
                    # their own; the monitor does the same and carries on.
                    monitor = self._reconnect(monitor, stop)
                    continue
                self._wait(stop, pool, progress_interval)
        except KeyboardInterrupt:
            stop.set()
        finally:
            stop_pending = stop.is_set()
            for w in pool:
                if stop_pending:
                    w.retire.set()
            for w in pool:
                w.join()
        throttled = sum(w.stats.throttled_seconds for w in pool)
        for attempt in range(3):
            try:
                self._tick(monitor, pool, samples, throttled - throttled_reported, None)
                result = self._finish(
                    monitor, pool, prepared, started_wall, started, rows_before, error, stop
                )
                break
            except (psycopg.OperationalError, psycopg.InterfaceError):
                if attempt == 2:
                    raise
                monitor = self._reconnect(monitor, None)
        monitor.close()
        return result

    def _reconnect(
        self, monitor: psycopg.Connection, stop: threading.Event | None
    ) -> psycopg.Connection:
        monitor.close()
        deadline = time.monotonic() + RECONNECT_SECONDS
        attempt = 0
        while True:
            attempt += 1
            try:
                return open_connection(self.dsn)
            except UserError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(backoff(attempt, base=0.2, cap=2.0))

    @staticmethod
    def _wait(stop: threading.Event, pool: list[Worker], seconds: float) -> None:
        """Until the next tick, or sooner when stopped or when the last worker has ended
        (looked at every 10 ms: the run returns right after its last batch)."""
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            if stop.is_set() or (pool and not any(w.is_alive() for w in pool)):
                return
            time.sleep(0.01)

    def _rows_done(self, conn: psycopg.Connection) -> int:
        row = conn.execute(
            "SELECT coalesce(sum(rows_done), 0) FROM phasetui.backfill_chunks WHERE backfill = %s",
            (self.name,),
        ).fetchone()
        return int(row[0])

    def _tick(
        self,
        conn: psycopg.Connection,
        pool: list[Worker],
        samples: deque[tuple[float, int]],
        throttled_delta: float,
        reason: str | None,
    ) -> Progress:
        """Refreshes the shared figures: per-worker rows, rate over a moving window, ETA."""
        host = hostname()
        import os

        for w in pool:
            s = w.stats
            conn.execute(
                """INSERT INTO phasetui.backfill_workers AS x (backfill, worker, host, os_pid,
                     backend_pid, state, chunk, range_lo, range_hi, batch_size, last_batch_ms,
                     rows_done, batches, retries, heartbeat)
                   VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, now())
                   ON CONFLICT (backfill, worker) DO UPDATE SET backend_pid = excluded.backend_pid,
                     state = excluded.state, chunk = excluded.chunk, range_lo = excluded.range_lo,
                     range_hi = excluded.range_hi, batch_size = excluded.batch_size,
                     last_batch_ms = excluded.last_batch_ms, rows_done = excluded.rows_done,
                     batches = excluded.batches, retries = excluded.retries, heartbeat = now()
                   WHERE x.state IS DISTINCT FROM excluded.state
                     OR x.rows_done <> excluded.rows_done
                     OR x.heartbeat < now() - interval '2 seconds'
                     OR x.retries <> excluded.retries""",
                (
                    self.name, w.owner, host, os.getpid(), s.backend_pid,
                    s.state if w.is_alive() else (w.outcome or "exited"),
                    s.chunk, s.lo, s.hi, s.batch_size, s.last_batch_ms, s.rows, s.batches,
                    s.retries,
                ),
            )  # fmt: skip
        row = store.load_state(conn, self.name)
        assert row is not None
        progress = progress_from(conn, row)
        now = time.monotonic()
        samples.append((now, progress.rows_done))
        while len(samples) > 2 and samples[0][0] < now - RATE_WINDOW_SECONDS:
            samples.popleft()
        rate = None
        if len(samples) >= 2 and samples[-1][0] - samples[0][0] > 0.5:
            rate = (samples[-1][1] - samples[0][1]) / (samples[-1][0] - samples[0][0])
        eta = None
        if rate and rate > 0 and progress.rows_total_estimate is not None:
            eta = max(0.0, (progress.rows_total_estimate - progress.rows_done) / rate)
        figures = self._footprint.sample(conn, now) if self._footprint else {}
        conn.execute(
            "UPDATE phasetui.backfills SET rate = coalesce(%s, rate), eta_seconds = %s, "
            "throttled_seconds = throttled_seconds + %s, throttle_reason = %s, "
            "detail = detail || %s::jsonb, updated_at = now() WHERE name = %s",
            (rate, eta, throttled_delta, reason, json.dumps(figures), self.name),
        )
        row = store.load_state(conn, self.name)
        assert row is not None
        return progress_from(conn, row)

    def _footprint_figures(self, row: store.StateRow) -> dict[str, Any]:
        """WAL written during this run and the table's size before the backfill and now."""
        t = self._footprint
        if t is None or t.first is None or t.last is None:
            return {}
        wal = None
        if t.first.wal_lsn is not None and t.last.wal_lsn is not None:
            wal = t.last.wal_lsn - t.first.wal_lsn
        return {
            "wal_bytes": wal,
            "table_bytes_before": row.detail.get("table_bytes_before"),
            "table_bytes_after": t.last.table_bytes,
            "index_bytes_before": row.detail.get("index_bytes_before"),
            "index_bytes_after": t.last.index_bytes,
        }

    def _finish(
        self,
        conn: psycopg.Connection,
        pool: list[Worker],
        prepared: Prepared,
        started_wall: str,
        started: float,
        rows_before: int,
        error: str | None,
        stop: threading.Event,
    ) -> BackfillResult:
        remaining = conn.execute(
            "SELECT count(*) FROM phasetui.backfill_chunks WHERE backfill = %s AND NOT done",
            (self.name,),
        ).fetchone()[0]
        if remaining == 0 and error is None:
            conn.execute(
                "UPDATE phasetui.backfills SET state = 'done', finished_at = coalesce(finished_at,"
                " now()), eta_seconds = 0, updated_at = now() WHERE name = %s",
                (self.name,),
            )
        row = store.load_state(conn, self.name)
        assert row is not None
        outcomes = {w.outcome for w in pool}
        if error is not None:
            state = "failed"
        elif remaining == 0:
            state = "done"
        elif "stopped" in outcomes or row.control == "stop":
            state = "stopped"
        elif row.control == "pause":
            state = "paused"
        else:
            state = "interrupted"
        elapsed = time.monotonic() - started
        rows_total = self._rows_done(conn)
        rows_run = sum(w.stats.rows for w in pool)
        spec = prepared.spec
        from phasetui.db.environments import describe_dsn

        return BackfillResult(
            name=self.name,
            mode="batched",
            target=describe_dsn(self.dsn),
            table=prepared.key.qualified,
            key=list(prepared.key.columns),
            set=[f"{a.column} = {a.expression}" for a in prepared.update.assignments],
            where=prepared.update.where,
            state=state,
            rows_updated=rows_total,
            rows_this_run=rows_run,
            batches=sum(w.stats.batches for w in pool),
            retries=sum(w.stats.retries for w in pool),
            throttled_seconds=round(sum(w.stats.throttled_seconds for w in pool), 3),
            elapsed_seconds=round(elapsed, 3),
            rows_per_second=round(rows_run / elapsed, 1) if elapsed > 0 else None,
            workers=len(pool) - sum(1 for w in pool if w.retire.is_set() and not stop.is_set()),
            batch_size=row.batch_size,
            started_at=started_wall,
            finished_at=_now(),
            last_error=error or row.last_error,
            **self._footprint_figures(row),
            lint=list(self.lint),
            settings={
                "batch_size": spec.batch_size,
                "target_batch_seconds": spec.target_batch_seconds,
                "pause_seconds": spec.pause_seconds,
                "lock_timeout": spec.lock_timeout,
                "statement_timeout": spec.statement_timeout,
                "max_retries": spec.max_retries,
                "max_replica_lag_seconds": spec.max_replica_lag_seconds,
                "throttle_query": spec.throttle_query,
                "window": spec.window,
                "synchronous_commit": spec.synchronous_commit,
            },
        )


def run_backfill(dsn: str, spec: BackfillSpec, **kwargs) -> BackfillResult:
    """Prepare (or resume) and run ``spec`` on ``dsn``; see :meth:`BackfillEngine.run`."""
    restart = kwargs.pop("restart", False)
    engine = BackfillEngine(dsn, spec)
    engine.prepare(restart=restart)
    return engine.run(**kwargs)
