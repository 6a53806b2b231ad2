"""What phasetui's own sessions are doing on the server, and who blocks them.

The live panes read this (in a worker, every second or two): for each phasetui session its
statement's elapsed time and what it waits on, an index build's phase and blocks/tuples
from ``pg_stat_progress_create_index``, and — when it waits on a lock — the sessions
blocking it (``pg_blocking_pids``), the way pg_activity's blocking view shows them. Queries
are masked before they leave this module (a blocker's query may hold a password).

Cancelling or terminating a blocker is the driver's decision, confirmed in the TUI and
journaled by the caller; :func:`signal_backend` only does it and says what happened.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from phasetui.redaction import mask_sql

# Sessions phasetui opens carry this application_name prefix (apply: "phasetui",
# backfills: "phasetui backfill NAME", read-only checks: "phasetui").
OWN_PREFIX = "phasetui"
QUERY_CHARS = 300


@dataclass(frozen=True)
class Blocker:
    pid: int
    user: str
    application: str
    state: str
    query_start: datetime | None
    query: str
    lock_mode: str = ""

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["query_start"] = self.query_start.isoformat() if self.query_start else None
        return d


@dataclass(frozen=True)
class IndexBuild:
    phase: str
    blocks_done: int
    blocks_total: int
    tuples_done: int
    tuples_total: int
    relation: str
    index: str

    @property
    def fraction(self) -> float | None:
        if self.blocks_total:
            return self.blocks_done / self.blocks_total
        if self.tuples_total:
            return self.tuples_done / self.tuples_total
        return None


@dataclass(frozen=True)
class SessionActivity:
    """One phasetui session: its statement, for how long, what it waits on, who blocks it."""

    pid: int
    application: str
    state: str
    elapsed_seconds: float | None
    wait_event_type: str | None
    wait_event: str | None
    query: str
    blockers: list[Blocker] = field(default_factory=list)
    index_build: IndexBuild | None = None

    @property
    def waiting_on_lock(self) -> bool:
        return self.wait_event_type == "Lock"

    def line(self) -> str:
        elapsed = f"{self.elapsed_seconds:.1f}s" if self.elapsed_seconds is not None else "-"
        wait = f", waits on {self.wait_event_type}:{self.wait_event}" if self.wait_event else ""
        blocked = f", blocked by {len(self.blockers)} session(s)" if self.blockers else ""
        return f"pid {self.pid} {self.state} {elapsed}{wait}{blocked}"


_ACTIVITY = """
SELECT a.pid, a.application_name, a.state,
       extract(epoch FROM clock_timestamp() - a.query_start)::float8,
       a.wait_event_type, a.wait_event, left(a.query, %(chars)s)
FROM pg_stat_activity a
WHERE a.datname = current_database() AND a.pid <> pg_backend_pid()
  AND a.application_name LIKE %(prefix)s AND a.state <> 'idle'
ORDER BY a.pid
"""
_BLOCKERS = """
SELECT b.pid, coalesce(b.usename, ''), coalesce(b.application_name, ''), coalesce(b.state, ''),
       b.query_start, left(coalesce(b.query, ''), %(chars)s),
       coalesce((SELECT string_agg(DISTINCT l.mode, ',') FROM pg_locks l
                 WHERE l.pid = b.pid AND l.granted), '')
FROM unnest(pg_blocking_pids(%(pid)s)) AS p(pid)
JOIN pg_stat_activity b ON b.pid = p.pid
ORDER BY b.query_start NULLS LAST
"""
_INDEX = """
SELECT p.phase, coalesce(p.blocks_done, 0), coalesce(p.blocks_total, 0),
       coalesce(p.tuples_done, 0), coalesce(p.tuples_total, 0),
       coalesce(p.relid::regclass::text, ''), coalesce(p.index_relid::regclass::text, '')
FROM pg_stat_progress_create_index p WHERE p.pid = %(pid)s
"""


def own_sessions(conn: Any, prefix: str = OWN_PREFIX) -> list[SessionActivity]:
    """phasetui's busy sessions in this database, with blockers and index-build progress.

    ``conn`` is a psycopg connection of the reader (it is excluded from the result)."""
    rows = conn.execute(_ACTIVITY, {"chars": QUERY_CHARS, "prefix": prefix + "%"}).fetchall()
    out = []
    for pid, app, state, elapsed, wtype, wevent, query in rows:
        blockers = blockers_of(conn, pid) if wtype == "Lock" else []
        index_row = conn.execute(_INDEX, {"pid": pid}).fetchone()
        out.append(
            SessionActivity(
                pid=pid,
                application=app or "",
                state=state or "",
                elapsed_seconds=elapsed,
                wait_event_type=wtype,
                wait_event=wevent,
                query=mask_sql(query or ""),
                blockers=blockers,
                index_build=IndexBuild(*index_row) if index_row else None,
            )
        )
    return out


def blockers_of(conn: Any, pid: int) -> list[Blocker]:
    rows = conn.execute(_BLOCKERS, {"pid": pid, "chars": QUERY_CHARS}).fetchall()
    return [
        Blocker(bpid, user, app, state, start, mask_sql(query), modes)
        for bpid, user, app, state, start, query, modes in rows
    ]


def read_activity(dsn: str, prefix: str = OWN_PREFIX) -> list[SessionActivity]:
    """One short read-only look (its own connection, a 5 s statement_timeout)."""
    from phasetui.db.session import connect

    with connect(dsn) as conn:
        conn.autocommit = True
        conn.execute("SET statement_timeout = '5s'")
        return own_sessions(conn, prefix)


def signal_backend(dsn: str, pid: int, *, terminate: bool = False) -> bool:
    """``pg_cancel_backend`` (the statement) or ``pg_terminate_backend`` (the session) of
    ``pid``; True when the server sent the signal. The caller confirms and journals."""
    from phasetui.db.session import connect

    function = "pg_terminate_backend" if terminate else "pg_cancel_backend"
    with connect(dsn) as conn:
        conn.autocommit = True
        row = conn.execute(f"SELECT {function}(%s)", (pid,)).fetchone()
    return bool(row and row[0])
