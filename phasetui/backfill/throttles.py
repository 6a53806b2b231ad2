"""Reasons to hold off the next batch: replica lag, the user's throttle query, the window.

Checked before a batch, at most once a second per worker (the answer is cached), so a
throttle costs nothing on most batches. The throttle query runs in a READ ONLY transaction
with a short statement timeout: it can observe, never write.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

import psycopg

from phasetui.backfill.expressions import check_select
from phasetui.backfill.spec import BackfillSpec, RunWindow

REPLICA_LAG_SQL = (
    "SELECT coalesce(max(extract(epoch FROM replay_lag)), 0)::float8 FROM pg_stat_replication"
)


@dataclass
class Throttles:
    max_replica_lag_seconds: float | None = None
    throttle_query: str | None = None
    window: RunWindow | None = None
    cache_seconds: float = 1.0
    clock: Callable[[], datetime] = datetime.now
    _checked_at: float = field(default=-1e9, repr=False)
    _reason: str | None = field(default=None, repr=False)

    @classmethod
    def from_spec(cls, spec: BackfillSpec) -> Throttles:
        return cls(
            max_replica_lag_seconds=spec.max_replica_lag_seconds,
            throttle_query=check_select(spec.throttle_query, "throttle_query")
            if spec.throttle_query
            else None,
            window=spec.run_window,
        )

    @property
    def active(self) -> bool:
        return bool(self.max_replica_lag_seconds is not None or self.throttle_query or self.window)

    def reason(self, conn: psycopg.Connection) -> str | None:
        """Why the next batch must wait (None: go). Cached for ``cache_seconds``."""
        if not self.active:
            return None
        now = time.monotonic()
        if now - self._checked_at < self.cache_seconds:
            return self._reason
        self._reason = self._evaluate(conn)
        self._checked_at = now
        return self._reason

    def _evaluate(self, conn: psycopg.Connection) -> str | None:
        if self.window and not self.window.contains(self.window.local_time(self.clock())):
            return f"outside the run window {self.window} (until {self.window.start:%H:%M})"
        if self.max_replica_lag_seconds is not None:
            lag = conn.execute(REPLICA_LAG_SQL).fetchone()[0] or 0.0
            if lag > self.max_replica_lag_seconds:
                return f"replica lag {lag:.1f}s > {self.max_replica_lag_seconds:g}s"
        if self.throttle_query:
            with conn.transaction():
                conn.execute("SET TRANSACTION READ ONLY")
                conn.execute("SET LOCAL statement_timeout = '5s'")
                row = conn.execute(self.throttle_query).fetchone()
            if row and row[0]:
                return "throttle query returned true"
        return None
