"""Runs a backfill: prepare (key, SQL, checkpoint, plan), then workers and a monitor.

``prepare`` is idempotent: the first call plans the chunks and writes the state row; any
later call — the same command re-run after Ctrl-C or kill -9, or the same command on a
second host — finds the row and resumes, refusing only when the spec changed (the checkpoint
would not mean the same thing any more).

A checkpoint belongs to the table it was made on (``pg_class.oid``): a table dropped and
recreated, or restored with pg_restore, under the same name is not the one the checkpoint
describes, and ``prepare`` refuses it (``--restart`` starts over on the new table).

``run`` starts this process's workers and, in the calling thread, a monitor that once a
second refreshes the shared figures (rate, ETA, per-worker rows), follows live settings
(worker count) and reports progress to the caller. When every chunk is done it runs the
final check (verify.py): ranges where the WHERE still matches get another pass (at most
``MAX_SWEEPS`` per run), and a backfill with rows left is ``incomplete``, never ``done``.
It returns when the backfill is done, incomplete, stopped, interrupted (``stop`` event set,
e.g. Ctrl-C) or failed; workers always finish their current batch first, and every
committed batch is in the checkpoint.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import psycopg

from phasetui.backfill import footprint, store
from phasetui.backfill.batches import BatchSQL, build
from phasetui.backfill.compose import execute
from phasetui.backfill.expressions import ParsedUpdate, parse_assignments
from phasetui.backfill.keys import TableKey, find_key
from phasetui.backfill.lint_check import lint_batch
from phasetui.backfill.planner import plan
from phasetui.backfill.progress import Progress, progress_from
from phasetui.backfill.result import BackfillResult
from phasetui.backfill.retry import (
    Failure,
    SessionSettings,
    TableBusy,
    apply_settings,
    backoff,
    classify,
    connect,
    hostname,
    server_unavailable,
)
from phasetui.backfill.spec import BackfillSpec
from phasetui.backfill.throttles import Throttles
from phasetui.backfill.verify import (
    Checker,
    CheckInterrupted,
    Verdict,
    count_matching,
    final_check,
)
from phasetui.backfill.worker import RECONNECT_SECONDS, BatchEvent, RunContext, Worker
from phasetui.errors import UserError

RATE_WINDOW_SECONDS = 30.0
MAX_SWEEPS = 2  # extra passes per run over ranges the final check still finds rows in


def open_connection(
    dsn: str, *, connect_timeout: int = 10, application_name: str = "phasetui backfill"
) -> psycopg.Connection:
    """An autocommit connection (named, so pg_stat_activity shows whose it is). A server
    that is starting up or shutting down is said so (resumable, exit 3); any other failure
    to connect is the DSN's (host, password)."""
    from phasetui.db.session import connect_error

    try:
        return psycopg.connect(
            dsn,
            autocommit=True,
            connect_timeout=connect_timeout,
            application_name=application_name,
        )
    except psycopg.OperationalError as exc:
        gone = server_unavailable(exc, connecting=True)
        raise (gone or connect_error(dsn, exc)) from None
    except psycopg.ProgrammingError as exc:  # the DSN itself does not parse
        raise connect_error(dsn, exc) from None


def table_oid(conn: psycopg.Connection, qualified_sql: str) -> int | None:
    """The oid of the table now under that name (None: there is none)."""
    row = conn.execute("SELECT to_regclass(%s)::oid", (qualified_sql,)).fetchone()
    return int(row[0]) if row and row[0] is not None else None


def recreated_error(label: str, old: int, new: int) -> UserError:
    return UserError(
        f"the table {label} was recreated since this checkpoint (oid {old} → {new}): the "
        "checkpoint describes the table it was made on, not this one",
        "--restart to start over on this table (the --where decides which rows are filled), "
        "or give another --name",
    )


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


def _max_key(conn: psycopg.Connection, stmts: BatchSQL) -> list[str] | None:
    row = execute(conn, stmts.max_key).fetchone()
    return list(row[0]) if row is not None else None


@dataclass
class _Crew:
    """This process's workers over one run: every pass's (for the figures) and the current
    pass's (a new pass after the final check starts new ones)."""

    ctx: RunContext
    wanted: int
    version_at_start: int = 0
    pool: list[Worker] = field(default_factory=list)
    current: list[Worker] = field(default_factory=list)
    next_index: int = 0
    error: str | None = None
    samples: deque[tuple[float, int]] = field(default_factory=deque)
    throttled_reported: float = 0.0
    peak: int = 0  # most workers at once

    def spawn(self) -> Worker:
        w = Worker(self.ctx, self.next_index)
        self.next_index += 1
        w.start()
        self.pool.append(w)
        self.current.append(w)
        live = sum(1 for x in self.current if x.is_alive() and not x.retire.is_set())
        self.peak = max(self.peak, live)
        return w

    def reopen(self) -> None:
        self.current = []


class BackfillEngine:
    """One backfill against one target database."""

    def __init__(self, dsn: str, spec: BackfillSpec) -> None:
        self.dsn = dsn
        self.spec = spec
        self.name = spec.default_name
        self.prepared: Prepared | None = None
        self._footprint: footprint.Tracker | None = None
        self._last_heartbeat = 0.0
        self.lint: list[str] = []  # the lint's warnings on the batch statement

    # -- prepare -----------------------------------------------------------------------
    def prepare(self, *, restart: bool = False) -> Prepared:
        """Finds the key, checks the SQL, and creates or resumes the checkpoint. A server
        that goes away meanwhile is reported as such (ServerUnavailable, resumable)."""
        if self.spec.command:
            raise UserError("this backfill runs an external command", "use run_external()")
        attempt = 0
        while True:
            try:
                return self._prepare(restart)
            except (psycopg.OperationalError, psycopg.InterfaceError) as exc:
                gone = server_unavailable(exc, connecting=False)
                if gone is None:
                    raise
                raise gone from None
            except psycopg.Error as exc:
                # Its statements run under the backfill's lock_timeout: a table held by a
                # DDL makes them give up and try again, never queue (and hang) behind it.
                kind = classify(exc)
                if kind not in (Failure.LOCK, Failure.TIMEOUT, Failure.CONFLICT):
                    raise
                attempt += 1
                if attempt > self.spec.max_retries:
                    raise TableBusy(
                        f"could not start the backfill on {self.spec.table}: {kind.value} "
                        f"{attempt} times in a row ({str(exc).strip()}); no batch ran",
                        "another session holds a lock on the table (see pg_locks); re-run the "
                        "same command when it is gone: it resumes from the checkpoint",
                    ) from None
                time.sleep(backoff(attempt))

    def _prepare(self, restart: bool) -> Prepared:
        spec = self.spec
        with open_connection(self.dsn) as conn:
            apply_settings(conn, SessionSettings.from_spec(spec, self.name))
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
                if (
                    state is not None
                    and not restart
                    and state.table_oid is not None
                    and state.table_oid != key.oid
                ):
                    raise recreated_error(key.qualified, state.table_oid, key.oid)
                if state is not None and restart:
                    conn.execute("DELETE FROM phasetui.backfills WHERE name = %s", (self.name,))
                    state = None
                if state is None:
                    self._create(conn, key, update, stmts)
                else:
                    if state.table_oid is None:
                        # made by schema version 1: tied to the table found now; its final
                        # check ends at today's largest key (rows past it are checked too)
                        conn.execute(
                            "UPDATE phasetui.backfills SET table_oid = %s, key_max = "
                            "coalesce(key_max, %s) WHERE name = %s",
                            (key.oid, _max_key(conn, stmts), self.name),
                        )
                    conn.execute(
                        "UPDATE phasetui.backfills SET control = CASE WHEN control = 'stop' "
                        "THEN 'run' ELSE control END, state = CASE WHEN state IN ('failed', "
                        "'incomplete', 'verifying') THEN 'running' ELSE state END, "
                        "updated_at = now() WHERE name = %s",
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
            gone = server_unavailable(exc, connecting=False)
            if gone is not None:  # a restart is not the SQL's fault
                raise gone from None
            if classify(exc) is not Failure.FATAL:
                raise  # a lock or a timeout: retried by prepare()
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
                 pause_seconds, workers, keys_total, rows_estimate, state, table_oid, key_max)
               VALUES (%s, 'batched', %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s,
                       'planned', %s, %s)""",
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
                key.oid,
                p.key_max,
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
        try:
            monitor, rows_before = self._start(prepared)
        except (psycopg.OperationalError, psycopg.InterfaceError) as exc:
            gone = server_unavailable(exc, connecting=False)
            if gone is None:
                raise
            raise gone from None
        crew = _Crew(ctx, wanted=workers or spec.workers)
        crew.version_at_start = prepared.state.settings_version
        check: dict[str, Any] = {}
        state: str | None = None  # decided here; else from the chunks (see _finish)
        sweeps = 0
        try:
            while True:
                monitor = self._work(monitor, crew, stop, on_progress, progress_interval)
                if crew.error is not None or stop.is_set():
                    break
                monitor, outcome = self._checked(
                    monitor, prepared, stop, check, sweeps, on_progress
                )
                if outcome == "sweep":
                    sweeps += 1
                    crew.reopen()
                    continue
                state = outcome
                break
        except KeyboardInterrupt:
            stop.set()
        finally:
            for w in crew.pool:
                if stop.is_set():
                    w.retire.set()
            for w in crew.pool:
                w.join()
        for attempt in range(3):
            try:
                self._tick(monitor, crew, None)
                result = self._finish(
                    monitor, crew, prepared, started_wall, started, rows_before, state, check
                )
                break
            except (psycopg.OperationalError, psycopg.InterfaceError):
                if attempt == 2:
                    raise
                monitor = self._reconnect(monitor, None)
        monitor.close()
        return result

    def _start(self, prepared: Prepared) -> tuple[psycopg.Connection, int]:
        """The monitor's connection, the figures before this run, the state row 'running'."""
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
            "state = CASE WHEN state IN ('planned', 'failed', 'incomplete', 'verifying') "
            "THEN 'running' ELSE state END, updated_at = now() WHERE name = %s",
            (self.name,),
        )
        return monitor, rows_before

    def _work(
        self,
        monitor: psycopg.Connection,
        crew: _Crew,
        stop: threading.Event,
        on_progress: Callable[[Progress], None] | None,
        progress_interval: float,
    ) -> psycopg.Connection:
        """Keeps this round's workers going (and their count as set live) until they end:
        every chunk done, stopped, interrupted, or a worker failed (``crew.error``)."""
        while True:
            try:
                if crew.current and not any(w.is_alive() for w in crew.current):
                    return monitor  # all finished: the final tick has the last figures
                if stop.is_set() and not any(w.is_alive() for w in crew.current):
                    return monitor  # stopped before a worker started (e.g. during prepare)
                row = store.load_state(monitor, self.name)
                if row is None:
                    crew.error = "the backfill's state row was deleted"
                    stop.set()
                    return monitor
                if not crew.current and row.control == "stop":
                    return monitor  # stopped before this pass began
                if row.settings_version != crew.version_at_start:
                    crew.wanted = row.workers
                alive = [w for w in crew.current if w.is_alive() and not w.retire.is_set()]
                finished = [w for w in crew.current if not w.is_alive()]
                failed = [w for w in finished if w.outcome == "failed"]
                if failed and crew.error is None:
                    crew.error = str(failed[0].error or failed[0].stats.last_error)
                    store.set_error(monitor, self.name, crew.error, failed=True)
                    stop.set()
                terminal = {w.outcome for w in finished} & {"done", "stopped"}
                if not stop.is_set() and not terminal and row.control != "stop":
                    while len(alive) < crew.wanted:
                        alive.append(crew.spawn())
                    for w in alive[crew.wanted :]:
                        w.retire.set()
                progress = self._tick(monitor, crew, alive)
                if on_progress is not None:
                    on_progress(progress)
                if crew.current and not any(w.is_alive() for w in crew.current):
                    return monitor
            except (psycopg.OperationalError, psycopg.InterfaceError):
                # Server restart or a terminated session: the workers reconnect on
                # their own; the monitor does the same and carries on.
                monitor = self._reconnect(monitor, stop)
                continue
            self._wait(stop, crew.current, progress_interval)

    def _checked(
        self,
        monitor: psycopg.Connection,
        prepared: Prepared,
        stop: threading.Event,
        check: dict[str, Any],
        sweeps: int,
        on_progress: Callable[[Progress], None] | None,
    ) -> tuple[psycopg.Connection, str | None]:
        """_after_chunks, again from the start after a lost monitor connection (it only
        reads, or adds the sweep's chunks in one transaction)."""
        for attempt in range(3):
            try:
                return self._after_chunks(monitor, prepared, stop, check, sweeps, on_progress)
            except (psycopg.OperationalError, psycopg.InterfaceError) as exc:
                if attempt == 2:
                    check["error"] = f"the final check lost its connection: {str(exc).strip()}"
                    return monitor, "interrupted"
                monitor = self._reconnect(monitor, stop)
        raise AssertionError("unreachable")

    def _after_chunks(
        self,
        monitor: psycopg.Connection,
        prepared: Prepared,
        stop: threading.Event,
        check: dict[str, Any],
        sweeps: int,
        on_progress: Callable[[Progress], None] | None = None,
    ) -> tuple[psycopg.Connection, str | None]:
        """When every chunk is done: the same table still? the final check; then 'done',
        'incomplete', 'failed', 'interrupted', 'sweep' (another pass was planned), or None
        (chunks are left: the round ended for another reason, see _finish)."""
        row = store.load_state(monitor, self.name)
        if row is None or row.control == "stop" or self._chunks_left(monitor):
            return monitor, None
        now_oid = table_oid(monitor, prepared.key.qualified_sql)
        if now_oid != prepared.key.oid:
            msg = (
                f"the table {prepared.key.qualified} was dropped or recreated during the "
                f"backfill (oid {prepared.key.oid} → {now_oid or 'none'})"
            )
            store.set_error(monitor, self.name, msg, failed=True)
            check["error"] = msg
            return monitor, "failed"
        self._set_state(monitor, "verifying")
        checker = Checker(
            lambda: connect(self.dsn, SessionSettings.from_spec(prepared.spec, self.name)),
            max_retries=prepared.spec.max_retries,
            stop=stop,
            on_step=lambda: self._heartbeat(monitor, on_progress),
        )
        try:
            verdict = final_check(
                checker, prepared.key, prepared.update, prepared.stmts, row.key_max
            )
            check.update(verdict.to_dict(), passes=sweeps + 1, key_max=row.key_max)
            if verdict.clean:
                return monitor, self._verified(monitor, verdict)
            if sweeps < MAX_SWEEPS:
                self._plan_sweep(monitor, prepared, verdict)
                return monitor, "sweep"
            left = count_matching(checker, prepared.stmts, verdict.found)
        except CheckInterrupted as exc:
            check["error"] = str(exc)
            store.set_error(monitor, self.name, str(exc), failed=False)
            self._set_state(monitor, "running")
            return monitor, "interrupted"
        except psycopg.Error as exc:
            if classify(exc) is not Failure.FATAL:
                raise
            msg = f"the final check failed: {str(exc).strip()}"
            check["error"] = msg
            store.set_error(monitor, self.name, msg, failed=True)
            return monitor, "failed"
        finally:
            checker.close()
        from phasetui.backfill.verify import COUNT_LIMIT

        shown = f"more than {COUNT_LIMIT:,}" if left > COUNT_LIMIT else f"{left:,}"
        msg = (
            f"not done: {shown} rows still match the --where in the key range walked, after "
            f"{sweeps + 1} passes over them; does the --set leave them matching (a NULL "
            "result), or does the application still write such rows? Re-run to try again"
        )
        check["rows_still_matching"] = left
        check["error"] = msg
        store.set_error(monitor, self.name, msg, failed=False)
        self._set_state(monitor, "incomplete")
        return monitor, "incomplete"

    def _verified(self, monitor: psycopg.Connection, verdict: Verdict) -> str:
        monitor.execute(
            "UPDATE phasetui.backfills SET state = 'done', finished_at = now(), eta_seconds = 0,"
            " verified_at = CASE WHEN %s THEN now() ELSE verified_at END,"
            " detail = detail || jsonb_build_object('final_check', %s::jsonb),"
            " updated_at = now() WHERE name = %s",
            (verdict.checked, json.dumps(verdict.to_dict()), self.name),
        )
        return "done"

    def _plan_sweep(
        self, monitor: psycopg.Connection, prepared: Prepared, verdict: Verdict
    ) -> None:
        """Adds the ranges the final check found rows in as chunks of a new pass — unless
        another process (a second host) already did: no chunk may then be left undone."""
        with monitor.transaction():
            monitor.execute(
                "SELECT pg_advisory_xact_lock(hashtext(%s))", (f"phasetui:{self.name}",)
            )
            if self._chunks_left(monitor):
                return
            number, pass_ = monitor.execute(
                "SELECT coalesce(max(chunk), -1) + 1, coalesce(max(pass), 1) + 1 "
                "FROM phasetui.backfill_chunks WHERE backfill = %s",
                (self.name,),
            ).fetchone()
            rows = []
            for i, found in enumerate(verdict.found):
                lo, hi = found.chunk_bounds(prepared.key)
                rows.append((self.name, number + i, lo, hi, lo, pass_))
            with monitor.cursor() as cur:
                cur.executemany(
                    "INSERT INTO phasetui.backfill_chunks (backfill, chunk, lo, hi, cursor, pass)"
                    " VALUES (%s, %s, %s, %s, %s, %s)",
                    rows,
                )
            monitor.execute(
                "UPDATE phasetui.backfills SET state = 'running', finished_at = NULL, "
                "updated_at = now() WHERE name = %s",
                (self.name,),
            )

    def _chunks_left(self, conn: psycopg.Connection) -> int:
        return int(
            conn.execute(
                "SELECT count(*) FROM phasetui.backfill_chunks WHERE backfill = %s AND NOT done",
                (self.name,),
            ).fetchone()[0]
        )

    def _set_state(self, conn: psycopg.Connection, state: str) -> None:
        conn.execute(
            "UPDATE phasetui.backfills SET state = %s, updated_at = now() WHERE name = %s",
            (state, self.name),
        )

    def _heartbeat(
        self, conn: psycopg.Connection, on_progress: Callable[[Progress], None] | None
    ) -> None:
        """While the final check runs (about 1/s): `status` elsewhere sees it is alive, and
        the caller's progress shows ``verifying``."""
        now = time.monotonic()
        if now - self._last_heartbeat < 1.0:
            return
        self._last_heartbeat = now
        try:
            conn.execute(
                "UPDATE phasetui.backfills SET updated_at = now() WHERE name = %s", (self.name,)
            )
            row = store.load_state(conn, self.name)
            if on_progress is not None and row is not None:
                on_progress(progress_from(conn, row))
        except psycopg.Error:
            pass  # only a sign of life; the check itself goes on

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

    def _tick(self, conn: psycopg.Connection, crew: _Crew, alive: list[Worker] | None) -> Progress:
        """Refreshes the shared figures: per-worker rows, rate over a moving window, ETA.
        ``alive``: the workers whose throttle reason to show (None: the final tick)."""
        host = hostname()
        import os

        throttled = sum(w.stats.throttled_seconds for w in crew.pool)
        throttled_delta = throttled - crew.throttled_reported
        crew.throttled_reported = throttled
        reason = next((w.stats.throttle_reason for w in alive or [] if w.stats.throttle_reason),
                      None)  # fmt: skip
        samples = crew.samples
        for w in crew.pool:
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
        crew: _Crew,
        prepared: Prepared,
        started_wall: str,
        started: float,
        rows_before: int,
        decided: str | None,
        check: dict[str, Any],
    ) -> BackfillResult:
        """The result. ``decided`` is the final check's verdict (done, incomplete, …); None
        when the run ended before it (stopped, paused, interrupted, a worker failed).
        Only the final check ever makes a backfill ``done``."""
        row = store.load_state(conn, self.name)
        assert row is not None
        pool = crew.pool
        outcomes = {w.outcome for w in pool}
        error = crew.error or check.get("error")
        if decided is not None:
            state = decided
        elif crew.error is not None:
            state = "failed"
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
            workers=crew.peak,
            batch_size=row.batch_size,
            started_at=started_wall,
            finished_at=_now(),
            last_error=None if state == "done" else (error or row.last_error),
            **self._footprint_figures(row),
            lint=list(self.lint),
            final_check=dict(check),
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
