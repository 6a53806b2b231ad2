"""Lock holders and probes for the apply fault tests: real sessions on a real server.

``Holder`` is another session holding a lock on a table in an open transaction. ``Probe``
is the application: a simple query on the table every 20 ms, open-loop (each query's
latency counts from the moment it was due, so a query stuck behind a lock also charges
the ones that could not start meanwhile). ``BlockWatch`` samples ``pg_blocking_pids`` of
the probe and measures, for each stretch of time, whether phasetui's backend was among
what the probe waited for.
"""

from __future__ import annotations

import threading
import time

import psycopg

APP_NAME = "phasetui"


class Holder:
    """A second session holding a lock on a table until released (or for ``seconds``)."""

    def __init__(self, dsn: str, sql: str, seconds: float | None = None) -> None:
        self.conn = psycopg.connect(dsn, application_name="holder")
        self.conn.execute(sql)  # opens a transaction that keeps the lock
        self.released_at: float | None = None
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._hold, args=(seconds,), daemon=True)
        self.thread.start()

    def _hold(self, seconds: float | None) -> None:
        self.done.wait(seconds)
        self.conn.rollback()
        self.released_at = time.perf_counter()
        self.conn.close()

    def release(self) -> None:
        self.done.set()
        self.thread.join(10)


class Probe:
    """The application's simple query on the table, every ``every`` seconds, open-loop."""

    def __init__(self, dsn: str, query: str, every: float = 0.02) -> None:
        self.conn = psycopg.connect(dsn, autocommit=True, application_name="probe")
        self.conn.execute("SET statement_timeout = '30s'")  # never hang the test
        self.pid = int(self.conn.info.backend_pid)
        self.query = query
        self.every = every
        self.samples: list[tuple[float, float, float]] = []  # (due, finished, latency)
        self.errors: list[str] = []
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> Probe:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self.thread.join(40)
        self.conn.close()

    def _run(self) -> None:
        start = time.perf_counter()
        k = 0
        while not self._stop.is_set():
            due = start + k * self.every
            k += 1
            now = time.perf_counter()
            if due > now:
                time.sleep(due - now)
            elif now - due > self.every:
                # due while the previous query was stuck: it would have waited for that one,
                # and from a later due time, so it cannot be worse than the stuck one
                continue
            try:
                self.conn.execute(self.query).fetchall()
            except psycopg.Error as exc:  # a probe must never fail: reported by the test
                self.errors.append(str(exc))
            finished = time.perf_counter()
            self.samples.append((due, finished, finished - due))

    @property
    def max_latency(self) -> float:
        return max((s[2] for s in self.samples), default=0.0)

    def max_latency_after(self, moment: float) -> float:
        """The worst latency of the queries due after ``moment``."""
        return max((lat for due, _f, lat in self.samples if due >= moment), default=0.0)


class BlockWatch:
    """Samples ``pg_blocking_pids(probe)`` every ~10 ms; measures how long at a stretch
    phasetui's backend (application_name) was among the sessions the probe waited for."""

    SQL = (
        "SELECT EXISTS (SELECT 1 FROM unnest(pg_blocking_pids(%s)) AS b(pid) "
        "JOIN pg_stat_activity a ON a.pid = b.pid WHERE a.application_name = %s)"
    )

    def __init__(self, dsn: str, probe_pid: int, app_name: str = APP_NAME) -> None:
        self.conn = psycopg.connect(dsn, autocommit=True, application_name="blockwatch")
        self.probe_pid = probe_pid
        self.app_name = app_name
        self.samples: list[tuple[float, bool]] = []
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> BlockWatch:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self.thread.join(10)
        self.conn.close()

    def _run(self) -> None:
        while not self._stop.is_set():
            row = self.conn.execute(self.SQL, (self.probe_pid, self.app_name)).fetchone()
            self.samples.append((time.perf_counter(), bool(row and row[0])))
            time.sleep(0.01)

    @property
    def seen(self) -> bool:
        return any(blocked for _t, blocked in self.samples)

    @property
    def longest(self) -> float:
        """The longest stretch (seconds) the probe waited with phasetui among its blockers,
        from the first sample that saw it to the first that did not."""
        best, since = 0.0, None
        for t, blocked in self.samples:
            if blocked and since is None:
                since = t
            elif not blocked and since is not None:
                best, since = max(best, t - since), None
        if since is not None and self.samples:
            best = max(best, self.samples[-1][0] - since)
        return best


def wait_for(predicate, timeout: float = 15.0, every: float = 0.02) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(every)
    return False


def phasetui_running(dsn: str, like: str) -> bool:
    """Whether phasetui's backend is running a statement matching ``like`` right now."""
    with psycopg.connect(dsn, autocommit=True, application_name="observer") as conn:
        row = conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s "
            "AND state = 'active' AND query LIKE %s",
            (APP_NAME, like),
        ).fetchone()
    return bool(row and row[0])


def terminate_phasetui(dsn: str, like: str) -> int:
    """pg_terminate_backend of phasetui's session(s) running a statement matching ``like``."""
    with psycopg.connect(dsn, autocommit=True, application_name="killer") as conn:
        rows = conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE application_name = %s AND query LIKE %s AND pid <> pg_backend_pid()",
            (APP_NAME, like),
        ).fetchall()
    return sum(1 for (ok,) in rows if ok)
