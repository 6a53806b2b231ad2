"""What a backfill costs the server besides time: WAL, and the table's growth.

Filling a new column rewrites every row: each update writes a new row version elsewhere
(the page is full, so it cannot be a HOT update), a new index entry per index, and WAL for
all of it — about as much WAL as the table and its indexes together (843 MB for 2M rows in
bench/bench_backfill.py), and a heap 2–3× its size until VACUUM makes the old versions'
space reusable. Replicas and WAL archiving must absorb that rate, so the monitor shows it;
the final figures say how much the table grew, and that it wants a VACUUM.

Read once a second by the monitor, in a transaction with a short lock_timeout: the sizes
need an ACCESS SHARE lock on the table, and a DDL waiting for its ACCESS EXCLUSIVE lock
must not make the monitor queue behind it. A figure that cannot be read (a lock, a server
in recovery, a privilege) is simply absent.
"""

from __future__ import annotations

from dataclasses import dataclass

import psycopg

_SQL = (
    "SELECT pg_current_wal_lsn()::text, pg_table_size(%(t)s::regclass), "
    "pg_indexes_size(%(t)s::regclass)"
)


@dataclass(frozen=True)
class Footprint:
    wal_lsn: int | None  # the server's WAL insert position, in bytes
    table_bytes: int | None  # heap + TOAST + free-space and visibility maps
    index_bytes: int | None


def lsn_bytes(text: str) -> int:
    """``'16/B374D848'`` → its byte position (pg_lsn is two 32-bit hex halves)."""
    hi, lo = text.split("/")
    return (int(hi, 16) << 32) | int(lo, 16)


def measure(conn: psycopg.Connection, table_sql: str) -> Footprint:
    """The footprint now; ``table_sql`` is the quoted table name (TableKey.qualified_sql)."""
    try:
        with conn.transaction():
            conn.execute("SET LOCAL lock_timeout = '100ms'")
            lsn, table, index = conn.execute(_SQL, {"t": table_sql}).fetchone()
    except (
        psycopg.errors.LockNotAvailable,
        psycopg.errors.ObjectNotInPrerequisiteState,  # in recovery: no WAL position
        psycopg.errors.InsufficientPrivilege,
        psycopg.errors.UndefinedTable,
    ):
        return Footprint(None, None, None)
    return Footprint(lsn_bytes(lsn), int(table), int(index))


def human_bytes(n: float | None) -> str:
    if n is None:
        return "?"
    for unit in ("B", "kB", "MB", "GB", "TB"):
        if abs(n) < 1000 or unit == "TB":
            return f"{n:,.0f} {unit}" if unit == "B" else f"{n:,.1f} {unit}"
        n /= 1000
    return f"{n:,.1f} TB"


class Tracker:
    """The monitor's view over one run: WAL written since it started, its recent rate
    (bytes per second over ``window`` seconds), and the table's size now."""

    def __init__(self, table_sql: str, window: float = 10.0) -> None:
        self.table_sql, self.window = table_sql, window
        self.first: Footprint | None = None
        self.last: Footprint | None = None
        self._samples: list[tuple[float, int]] = []

    def sample(self, conn: psycopg.Connection, now: float) -> dict[str, float | int]:
        """Measures; returns the figures for the backfill's ``detail`` (absent ones left out).
        A sample that could not be read (a lock, say) keeps the last figures and adds no
        point to the rate."""
        fp = measure(conn, self.table_sql)
        if self.first is None:
            self.first = fp
        if fp.wal_lsn is not None:
            self._samples.append((now, fp.wal_lsn))
            while len(self._samples) > 2 and self._samples[0][0] < now - self.window:
                self._samples.pop(0)
        elif self.last is not None:
            fp = self.last
        self.last = fp
        out: dict[str, float | int] = {}
        if len(self._samples) >= 2:
            (t0, w0), (t1, w1) = self._samples[0], self._samples[-1]
            if t1 - t0 > 0.5:
                out["wal_bytes_per_second"] = round((w1 - w0) / (t1 - t0), 1)
        if fp.wal_lsn is not None and self.first.wal_lsn is not None:
            out["wal_bytes_this_run"] = fp.wal_lsn - self.first.wal_lsn
        if fp.table_bytes is not None:
            out["table_bytes"] = fp.table_bytes
        if fp.index_bytes is not None:
            out["index_bytes"] = fp.index_bytes
        return out
