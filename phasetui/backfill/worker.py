"""One worker: claims a chunk, walks it batch by batch, and reacts to control and failures.

A worker is a thread with its own connection (the work is on the server; the GIL is idle).
Per batch the client does one statement (two for a non-integer key: the next bound is found
by walking the index first). Between batches it only looks at values the batch statement
already returned (pause/stop, settings version) and a cached throttle answer.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import psycopg

from phasetui.backfill.batches import BatchSQL
from phasetui.backfill.compose import execute
from phasetui.backfill.keys import TableKey
from phasetui.backfill.retry import Failure, SessionSettings, backoff, classify, connect, hostname
from phasetui.backfill.throttles import Throttles

LEASE_SECONDS = 60.0
HEARTBEAT_SECONDS = 5.0
RECONNECT_SECONDS = 120.0
MAX_SIZE_FACTOR = 10
GROW_FACTOR = 1.25
WAITING_POLL_SECONDS = 0.1

_CLAIM_SQL = """
UPDATE phasetui.backfill_chunks c
SET owner = %(owner)s, owner_pid = pg_backend_pid(), heartbeat = now(),
    started_at = coalesce(c.started_at, now())
WHERE (c.backfill, c.chunk) IN (
    SELECT x.backfill, x.chunk FROM phasetui.backfill_chunks x
    WHERE x.backfill = %(name)s AND NOT x.done
      AND (x.owner IS NULL OR x.owner = %(owner)s
           OR NOT EXISTS (SELECT 1 FROM pg_stat_activity a WHERE a.pid = x.owner_pid)
           OR x.heartbeat < now() - make_interval(secs => %(lease)s))
    ORDER BY x.chunk
    LIMIT 1
    FOR UPDATE SKIP LOCKED)
RETURNING c.chunk, c.cursor, c.hi
"""

_CHUNK_SQL = """
SELECT cursor, hi, done, owner FROM phasetui.backfill_chunks
WHERE backfill = %(name)s AND chunk = %(chunk)s
"""

_MOVE_SQL = """
UPDATE phasetui.backfill_chunks
SET cursor = %(next)s::text[], done = %(done)s, keys_done = keys_done + %(span)s,
    heartbeat = now(), finished_at = CASE WHEN %(done)s THEN now() END
WHERE backfill = %(name)s AND chunk = %(chunk)s AND owner = %(owner)s
  AND cursor = %(lo)s::text[] AND NOT done
"""

_RELEASE_SQL = """
UPDATE phasetui.backfill_chunks SET owner = NULL, owner_pid = NULL
WHERE backfill = %(name)s AND chunk = %(chunk)s AND owner = %(owner)s
"""

_HEARTBEAT_SQL = """
UPDATE phasetui.backfill_chunks SET heartbeat = now(), owner_pid = pg_backend_pid()
WHERE backfill = %(name)s AND chunk = %(chunk)s AND owner = %(owner)s
"""

_CONTROL_SQL = """
SELECT control, settings_version, batch_size, pause_seconds, target_batch_seconds, workers
FROM phasetui.backfills WHERE name = %(name)s
"""

_REMAINING_SQL = """
SELECT count(*) FROM phasetui.backfill_chunks WHERE backfill = %(name)s AND NOT done
"""


class FatalBatchError(Exception):
    """A batch failed for a reason retrying cannot fix (or retries ran out)."""


@dataclass(frozen=True)
class BatchEvent:
    """One committed batch (for callers that watch closely: tests, the benchmark)."""

    worker: str
    chunk: int
    lo: tuple[str, ...]
    hi: tuple[str, ...] | None
    rows: int
    seconds: float
    size: int
    at: float


@dataclass
class LiveSettings:
    control: str = "run"
    version: int = -1
    batch_size: int = 10_000
    pause_seconds: float = 0.0
    target_batch_seconds: float | None = None
    workers: int = 1


@dataclass
class RunContext:
    """What all workers of one process share."""

    dsn: str
    name: str
    key: TableKey
    stmts: BatchSQL
    session: SessionSettings
    max_retries: int
    make_throttles: Callable[[], Throttles]
    stop: threading.Event
    on_batch: Callable[[BatchEvent], None] | None = None
    use_function: bool = True  # batches call phasetui.<function> (see batches.py)
    lease_seconds: float = LEASE_SECONDS
    reconnect_seconds: float = RECONNECT_SECONDS
    owner_prefix: str = field(default_factory=lambda: f"{hostname()}:{os.getpid()}")
    # Bumped (and waited on) when a worker of this process finishes or lets go of a chunk,
    # or ends: a worker with nothing left to claim wakes at once instead of after its poll.
    chunk_events: threading.Condition = field(default_factory=threading.Condition)
    chunk_generation: int = 0

    def chunks_changed(self) -> None:
        with self.chunk_events:
            self.chunk_generation += 1
            self.chunk_events.notify_all()


@dataclass
class WorkerStats:
    state: str = "starting"
    rows: int = 0
    batches: int = 0
    retries: int = 0
    throttled_seconds: float = 0.0
    throttle_reason: str | None = None
    last_batch_ms: float | None = None
    batch_size: int = 0
    chunk: int | None = None
    lo: list[str] | None = None
    hi: list[str] | None = None
    backend_pid: int | None = None
    last_error: str | None = None


class Worker(threading.Thread):
    def __init__(self, ctx: RunContext, index: int) -> None:
        self.ctx = ctx
        self.owner = f"{ctx.owner_prefix}:{index}:{os.urandom(3).hex()}"
        super().__init__(name=f"backfill-{ctx.name}-{index}", daemon=True)
        self.retire = threading.Event()
        self.stats = WorkerStats()
        self.outcome: str | None = None  # done / stopped / interrupted / failed
        self.error: BaseException | None = None
        self.conn: psycopg.Connection | None = None
        self.live = LiveSettings()
        self.size = 1
        self.base_size = 1
        self.chunk: int | None = None
        self._pause_due = False  # a batch ran: pause_seconds before the next one
        self.cursor: list[str] = []
        self.chunk_hi: list[str] | None = None
        self.frozen_max: list[str] | None = None  # the open chunk's end (see _claim)
        self.throttles = ctx.make_throttles()
        self._consecutive = 0
        self._last_heartbeat = 0.0

    # -- thread body -----------------------------------------------------------------
    def run(self) -> None:
        try:
            self.outcome = self._loop()
        except BaseException as exc:  # noqa: BLE001 - reported by the engine
            self.error = exc
            self.outcome = "failed"
            self.stats.last_error = str(exc)
        finally:
            self.stats.state = self.outcome or "exited"
            self._release()
            if self.conn is not None:
                self.conn.close()
            self.ctx.chunks_changed()

    def _loop(self) -> str:
        self._connect()
        while True:
            if self.ctx.stop.is_set() or self.retire.is_set():
                return "interrupted"
            try:
                step = self._step()
            except FatalBatchError:
                raise
            except Exception as exc:  # noqa: BLE001 - classified below
                self._on_failure(exc)
                continue
            if step is not None:
                return step

    def _step(self) -> str | None:
        """One turn of the loop; returns an outcome when the worker should stop."""
        ctx, conn = self.ctx, self._conn()
        if self.live.control == "stop":
            return "stopped"
        if self.live.control == "pause":
            self._idle("paused", 0.5)
            return None
        reason = self.throttles.reason(conn)
        if reason:
            self.stats.throttle_reason = reason
            started = time.monotonic()
            self._idle("throttled", 1.0)
            self.stats.throttled_seconds += time.monotonic() - started
            return None
        self.stats.throttle_reason = None
        generation = ctx.chunk_generation
        if self.chunk is None and not self._claim():
            row = conn.execute(_REMAINING_SQL, {"name": ctx.name}).fetchone()
            if row[0] == 0:
                return "done"
            # The rest is claimed by live workers: wait until one of this process's workers
            # finishes or lets go of a chunk (then the run ends right after the last batch,
            # or the freed chunk is taken over), or look again after a short poll (a chunk
            # of a worker on another host that died).
            self.stats.state = "waiting"
            with ctx.chunk_events:
                ctx.chunk_events.wait_for(
                    lambda: (
                        ctx.chunk_generation != generation
                        or ctx.stop.is_set()
                        or self.retire.is_set()
                    ),
                    timeout=WAITING_POLL_SECONDS,
                )
            self._poll_control()
            return None
        # The pause goes between batches, whichever chunk each belongs to (a chunk may be a
        # single batch), and never after the last one: it is taken just before the next.
        pause = self.live.pause_seconds
        if self._pause_due and pause > 0:
            self.stats.state = "pausing"
            self._sleep(pause)
            if self.ctx.stop.is_set() or self.retire.is_set():
                return None
        self._batch()
        self._pause_due = True
        return None

    # -- connection, settings ----------------------------------------------------------
    def _conn(self) -> psycopg.Connection:
        assert self.conn is not None
        return self.conn

    def _connect(self) -> None:
        self.conn = connect(self.ctx.dsn, self.ctx.session)
        self.stats.backend_pid = self.conn.info.backend_pid
        self._poll_control()

    def _reconnect(self) -> None:
        if self.conn is not None:
            self.conn.close()
        deadline = time.monotonic() + self.ctx.reconnect_seconds
        attempt = 0
        while True:
            attempt += 1
            self.stats.state = "reconnecting"
            try:
                self._connect()
                break
            except psycopg.OperationalError as exc:
                if time.monotonic() > deadline:
                    raise FatalBatchError(
                        f"lost the connection and could not reconnect for "
                        f"{self.ctx.reconnect_seconds:.0f}s: {exc}"
                    ) from exc
                if self.ctx.stop.is_set():
                    raise FatalBatchError("interrupted while reconnecting") from exc
                time.sleep(backoff(attempt, base=0.2, cap=2.0))
        if self.chunk is not None:
            self._resync_chunk()

    def _poll_control(self) -> None:
        row = self._conn().execute(_CONTROL_SQL, {"name": self.ctx.name}).fetchone()
        if row is None:
            raise FatalBatchError(f"backfill {self.ctx.name!r} was deleted while running")
        control, version, batch_size, pause, target, workers = row
        self.live.control = control
        if version != self.live.version:
            self.live = LiveSettings(control, version, batch_size, pause, target, workers)
            self.base_size = max(1, batch_size)
            self.size = self.base_size
            self.stats.batch_size = self.size

    # -- chunks ------------------------------------------------------------------------
    def _claim(self) -> bool:
        params = {"owner": self.owner, "name": self.ctx.name, "lease": self.ctx.lease_seconds}
        row = self._conn().execute(_CLAIM_SQL, params).fetchone()
        if row is None:
            return False
        self.chunk, self.cursor, self.chunk_hi = row[0], list(row[1]), row[2]
        self.stats.chunk = self.chunk
        if self.chunk_hi is None:
            # The open last chunk ends at the largest key now (see _batch).
            found = execute(self._conn(), self.ctx.stmts.max_key).fetchone()
            self.frozen_max = list(found[0]) if found is not None else None
        return True

    def _resync_chunk(self) -> None:
        """After a batch that changed nothing in the checkpoint, or a reconnect: reread."""
        row = (
            self._conn()
            .execute(_CHUNK_SQL, {"name": self.ctx.name, "chunk": self.chunk})
            .fetchone()
        )
        if row is None or row[2] or row[3] != self.owner:
            self.chunk = None
            self.stats.chunk = None
            return
        self.cursor, self.chunk_hi = list(row[0]), row[1]

    def _release(self) -> None:
        if self.chunk is None or self.conn is None or self.conn.closed:
            return
        try:
            self.conn.execute(
                _RELEASE_SQL, {"name": self.ctx.name, "chunk": self.chunk, "owner": self.owner}
            )
        except psycopg.Error:
            pass  # the session ending frees the claim anyway
        self.chunk = None
        self.ctx.chunks_changed()

    def _move(self, lo: list[str], nxt: list[str], done: bool, span: float) -> None:
        self._conn().execute(
            _MOVE_SQL,
            {
                "name": self.ctx.name,
                "chunk": self.chunk,
                "owner": self.owner,
                "lo": lo,
                "next": nxt,
                "done": done,
                "span": span,
            },
        )
        if done:
            self.chunk = None
            self.stats.chunk = None
            self.ctx.chunks_changed()
        else:
            self.cursor = nxt

    # -- one batch ---------------------------------------------------------------------
    def _batch(self) -> None:
        ctx, conn, key, stmts = self.ctx, self._conn(), self.ctx.key, self.ctx.stmts
        size, lo, chunk_hi = self.size, self.cursor, self.chunk_hi
        self.stats.state = "running"
        if chunk_hi is None and self.frozen_max is None:
            self._move(lo, lo, True, 0.0)  # the table was empty when the chunk was claimed
            return
        if key.integer:
            lo_i = int(lo[0])
            hi_i = lo_i + size
            hi: list[str] | None
            end = int(chunk_hi[0]) if chunk_hi is not None else int(self.frozen_max[0]) + 1
            if chunk_hi is None and lo_i >= end:
                # Past the largest key there was when this worker took the open last chunk:
                # rows inserted since are the application's (the walk would chase them).
                self._move(lo, lo, True, 0.0)
                return
            last = hi_i >= end
            if last:
                hi_i = end
            if hi_i > key.int_max:
                # The bound one past the end of the key's type does not fit in it
                # (2147483647 + 1 for an integer): this last batch takes every key from lo
                # on — none can exist past the maximum.
                hi, nxt, stmt = None, lo, stmts.open_ended
                span = float(key.int_max - lo_i + 1)
            else:
                hi = [str(hi_i)]
                nxt = hi
                span = float(hi_i - lo_i)
                stmt = stmts.bounded
        else:
            # The open last chunk walks up to the largest key there was when this worker took
            # it (then one batch takes the rest from there): it never chases new inserts.
            bound = chunk_hi if chunk_hi is not None else self.frozen_max
            found = conn.execute(stmts.next_bound, {"lo": lo, "hi": bound, "size": size}).fetchone()
            if found is not None:
                hi, nxt, last, stmt = list(found[0]), list(found[0]), False, stmts.bounded
            else:
                hi, last = chunk_hi, True
                nxt = chunk_hi if chunk_hi is not None else lo
                stmt = stmts.bounded if chunk_hi is not None else stmts.open_ended
            span = float(size)
        if ctx.use_function:
            stmt = stmts.call  # the same batch; ``hi`` is None where it is open-ended
        measured: float | None = span if key.integer or not last else None
        self.stats.lo, self.stats.hi = lo, hi
        params = {
            "name": ctx.name,
            "chunk": self.chunk,
            "owner": self.owner,
            "lo": lo,
            "hi": hi,
            "next": nxt,
            "last": last,
            "span": span,
        }
        started = time.monotonic()
        # Prepared from the first batch (psycopg would after five): parsed and planned
        # once per connection, not per batch.
        rows, moved, control, version = conn.execute(stmt, params, prepare=True).fetchone()
        seconds = time.monotonic() - started
        self._consecutive = 0
        self._last_heartbeat = time.monotonic()
        if not moved:
            self._resync_chunk()  # someone else owns it now, or a retry already committed
            return
        chunk = self.chunk
        assert chunk is not None
        self.stats.rows += rows
        self.stats.batches += 1
        self.stats.last_batch_ms = seconds * 1000
        if ctx.on_batch is not None:
            ctx.on_batch(
                BatchEvent(
                    self.owner,
                    chunk,
                    tuple(lo),
                    tuple(hi) if hi else None,
                    rows,
                    seconds,
                    size,
                    time.monotonic(),
                )
            )
        if last:
            self.chunk = None
            self.stats.chunk = None
            ctx.chunks_changed()
        else:
            self.cursor = nxt
            if key.integer and rows == 0:
                self._skip_gap(nxt)
        self._adapt(seconds, measured)
        self.live.control = control
        if version != self.live.version:
            self._poll_control()

    def _skip_gap(self, nxt: list[str]) -> None:
        """An empty integer range: jump to the next key that exists (or finish the chunk)."""
        stmts, chunk_hi = self.ctx.stmts, self.chunk_hi
        q = stmts.first_key_from if chunk_hi is not None else stmts.first_key_from_open
        found = self._conn().execute(q, {"lo": nxt, "hi": chunk_hi}).fetchone()
        start = int(nxt[0])
        if chunk_hi is not None:
            end = int(chunk_hi[0])
        else:  # the open chunk ends past the largest key when it was taken (see _claim)
            end = int(self.frozen_max[0]) + 1 if self.frozen_max else start
        if found is None or (chunk_hi is None and int(found[0][0]) >= end):
            self._move(nxt, chunk_hi or nxt, True, float(max(0, end - start)))
        elif int(found[0][0]) > start:
            self._move(nxt, list(found[0]), False, float(int(found[0][0]) - start))

    def _adapt(self, seconds: float, span: float | None) -> None:
        """Sizes the next batch so that it takes about ``target_batch_seconds``.

        ``span`` is how many keys this batch really covered (None when unknown: the last
        batch of a chunk of a non-integer key). The estimate comes from the keys per second
        of this batch, so a batch cut short at its chunk's end (fast because it was small)
        does not make the next one grow. Growth is gentle (×1.25 per batch at most; one
        lucky fast batch does not double the time locks are held), shrinking quick (×0.5).
        """
        target = self.live.target_batch_seconds
        if target and target > 0:
            if span is None or span < 1:
                return
            ideal = span * target / max(seconds, 1e-4)
            new = int(min(self.size * GROW_FACTOR, max(self.size * 0.5, ideal)))
        else:
            new = min(self.base_size, self.size * 2)  # regrow after a shrink
        self.size = max(1, min(new, self.base_size * MAX_SIZE_FACTOR))
        self.stats.batch_size = self.size

    # -- failures and waiting ---------------------------------------------------------
    def _on_failure(self, exc: Exception) -> None:
        kind = classify(exc)
        self.stats.last_error = f"{kind.value}: {exc}".strip()
        if kind is Failure.FATAL:
            raise FatalBatchError(str(exc).strip()) from exc
        self._consecutive += 1
        self.stats.retries += 1
        if self._consecutive > self.ctx.max_retries:
            raise FatalBatchError(
                f"gave up after {self.ctx.max_retries} retries in a row; last: {kind.value}: "
                f"{str(exc).strip()}"
            ) from exc
        if kind is Failure.CONNECTION or self._conn().broken or self._conn().closed:
            self._reconnect()
            return
        if kind in (Failure.LOCK, Failure.TIMEOUT):
            self.size = max(1, self.size // 2)  # narrow down to the locked rows
            self.stats.batch_size = self.size
        self._sleep(backoff(self._consecutive))

    def _sleep(self, seconds: float) -> None:
        end = time.monotonic() + seconds
        while not self.ctx.stop.is_set() and not self.retire.is_set():
            left = end - time.monotonic()
            if left <= 0:
                return
            time.sleep(min(left, 0.1))

    def _idle(self, state: str, seconds: float) -> None:
        """Wait a little, keep the claim alive, and look at the control row again."""
        self.stats.state = state
        self._sleep(seconds)
        if self.chunk is not None and time.monotonic() - self._last_heartbeat > HEARTBEAT_SECONDS:
            self._conn().execute(
                _HEARTBEAT_SQL, {"name": self.ctx.name, "chunk": self.chunk, "owner": self.owner}
            )
            self._last_heartbeat = time.monotonic()
        self._poll_control()
