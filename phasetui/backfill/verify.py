"""The final check: a backfill is ``done`` only when its WHERE matches no row it should fill.

The checkpoint says which key ranges were walked; it cannot say that the rows in them are
filled now (a row inserted behind the cursor, a key that is not monotonic, a table reloaded
under the same name). So when every chunk is done, the rows are asked once more, read-only:

    SELECT EXISTS (SELECT 1 FROM t WHERE key >= a AND key <= b AND (<where>))

in ranges of about ``VERIFY_SPAN`` keys (integer key; gaps skipped by one index probe) or
rows (any other key; bounds found by walking the index), each one short statement under the
backfill's ``statement_timeout`` and ``lock_timeout`` — never one long scan, never queued
behind a DDL. The ranges where rows still match become the chunks of another pass.

The range checked runs from the smallest key now up to the largest key **when the backfill
was planned** (``key_max``). Rows inserted later above it are the application's (it writes
the new column since the expand phase); leaving them out is what lets a backfill under a
steady stream of inserts finish (pgroll's lesson: chasing the newest rows never ends).

The check needs a WHERE that filters on what the SET writes (``prefs IS NULL`` for ``prefs
= …``): only then does a matching row mean "not filled yet". Without one it is skipped and
the result says so.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import psycopg

from phasetui.backfill.batches import BatchSQL
from phasetui.backfill.compose import execute
from phasetui.backfill.expressions import ParsedUpdate
from phasetui.backfill.keys import TableKey
from phasetui.backfill.retry import Failure, backoff, classify

VERIFY_SPAN = 100_000  # keys (integer key) or rows (other keys) per check statement
COUNT_LIMIT = 10_000  # "N rows still match" is counted up to this many


class CheckInterrupted(Exception):
    """The check was stopped (Ctrl-C, ``stop``) or could not go on (retries used up)."""


@dataclass(frozen=True)
class Found:
    """A key range where the WHERE still matches: ``[lo, hi)``, or ``[lo, hi]`` when
    ``inclusive`` (the last range ends at ``key_max`` itself)."""

    lo: list[str]
    hi: list[str]
    inclusive: bool

    def chunk_bounds(self, key: TableKey) -> tuple[list[str], list[str] | None]:
        """``(lo, hi)`` of a chunk covering this range (``hi`` None: open-ended)."""
        if not self.inclusive:
            return self.lo, self.hi
        if key.integer and int(self.hi[0]) < key.int_max:
            return self.lo, [str(int(self.hi[0]) + 1)]
        return self.lo, None  # past the end of the type, or no successor of a text key


@dataclass
class Verdict:
    checked: bool  # False: skipped (see ``skipped``)
    skipped: str | None = None  # why it could not be checked
    found: list[Found] = field(default_factory=list)
    statements: int = 0
    seconds: float = 0.0

    @property
    def clean(self) -> bool:
        return not self.found

    def to_dict(self) -> dict[str, Any]:
        return {
            "checked": self.checked,
            "skipped": self.skipped,
            "ranges_with_rows": len(self.found),
            "statements": self.statements,
            "seconds": round(self.seconds, 3),
        }


def why_not_checkable(update: ParsedUpdate) -> str | None:
    """Why the final check cannot tell a filled row from one to fill, or None."""
    if update.where is None:
        return "no --where: every row matches, filled or not"
    if not update.where_tells_filled:
        return "the --where does not filter on a column the --set writes"
    return None


class Checker:
    """Runs the check's statements with the batches' failure policy: a lock or statement
    timeout, a deadlock is retried after a backoff (a timed-out range is checked in smaller
    pieces), a lost connection is reconnected; ``max_retries`` failures in a row give up."""

    def __init__(
        self,
        connect: Callable[[], psycopg.Connection],
        *,
        max_retries: int,
        stop: threading.Event,
        on_step: Callable[[], None] | None = None,
    ) -> None:
        self.connect, self.max_retries = connect, max_retries
        self.stop, self.on_step = stop, on_step
        self.conn: psycopg.Connection | None = None
        self.statements = 0
        self.span = VERIFY_SPAN

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def one(self, stmt: Any, params: dict[str, Any]) -> Any:
        """The first column of the first row (None when there is no row)."""
        failures = 0
        while True:
            if self.stop.is_set():
                raise CheckInterrupted("stopped during the final check")
            try:
                if self.conn is None or self.conn.closed or self.conn.broken:
                    self.close()
                    self.conn = self.connect()
                row = execute(self.conn, stmt, params).fetchone()
                self.statements += 1
                if self.on_step is not None:
                    self.on_step()
                return None if row is None else row[0]
            except psycopg.Error as exc:
                kind = classify(exc)
                if kind is Failure.FATAL:
                    raise
                failures += 1
                if failures > self.max_retries:
                    raise CheckInterrupted(
                        f"the final check gave up after {self.max_retries} retries in a row; "
                        f"last: {kind.value}: {str(exc).strip()}"
                    ) from exc
                if kind is Failure.TIMEOUT and self.span > 1:
                    self.span = max(1, self.span // 2)
                    raise _Smaller from exc
                if kind is Failure.CONNECTION:
                    self.close()
                time.sleep(backoff(failures, base=0.1, cap=2.0))


class _Smaller(Exception):
    """A range took too long: check it again in smaller pieces."""


def final_check(
    checker: Checker,
    key: TableKey,
    update: ParsedUpdate,
    stmts: BatchSQL,
    key_max: list[str] | None,
) -> Verdict:
    """Where (if anywhere) the WHERE still matches a row with a key up to ``key_max``."""
    started = time.monotonic()
    reason = why_not_checkable(update)
    if reason is not None:
        return Verdict(False, reason)
    verdict = Verdict(True)
    if key_max is not None:
        walk = _walk_integer if key.integer else _walk_generic
        walk(checker, key, stmts, key_max, verdict.found)
    verdict.statements = checker.statements
    verdict.seconds = time.monotonic() - started
    return verdict


def _add(found: list[Found], lo: list[str], hi: list[str], inclusive: bool, joined: bool) -> None:
    """Records a range with rows, merged into the previous one when they touch."""
    if joined and found and not found[-1].inclusive:
        found[-1] = Found(found[-1].lo, hi, inclusive)
    else:
        found.append(Found(lo, hi, inclusive))


def _walk_integer(
    checker: Checker, key: TableKey, stmts: BatchSQL, key_max: list[str], found: list[Found]
) -> None:
    end = int(key_max[0])
    first = checker.one(stmts.min_key, {})
    a = int(first[0]) if first is not None else None
    previous_had_rows = False
    while a is not None and a <= end:
        b = min(a + checker.span - 1, end)
        try:
            matches = checker.one(stmts.check_le, {"lo": [str(a)], "hi": [str(b)]})
        except _Smaller:
            continue
        if matches:
            # as [a, b + 1): inclusive only at the very end (b + 1 may not fit the type)
            if b < end:
                _add(found, [str(a)], [str(b + 1)], False, previous_had_rows)
            else:
                _add(found, [str(a)], [str(b)], True, previous_had_rows)
        previous_had_rows = bool(matches)
        if b >= end:
            return
        # the next key that exists (a gap holds no rows: ranges on both sides still join)
        nxt = checker.one(stmts.first_key_from_open, {"lo": [str(b + 1)], "hi": None})
        a = int(nxt[0]) if nxt is not None else None


def _walk_generic(
    checker: Checker, key: TableKey, stmts: BatchSQL, key_max: list[str], found: list[Found]
) -> None:
    a = checker.one(stmts.min_key, {})
    a = list(a) if a is not None else None
    previous_had_rows = False
    while a is not None:
        try:
            b = checker.one(stmts.next_bound_le, {"lo": a, "hi": key_max, "size": checker.span})
            if b is not None:
                b = list(b)
                matches = checker.one(stmts.check_lt, {"lo": a, "hi": b})
            else:
                matches = checker.one(stmts.check_le, {"lo": a, "hi": key_max})
        except _Smaller:
            continue
        if matches:
            _add(found, a, b if b is not None else key_max, b is None, previous_had_rows)
        previous_had_rows = bool(matches)
        a = b


def count_matching(checker: Checker, stmts: BatchSQL, found: list[Found]) -> int:
    """Rows still matching in ``found`` (counted up to COUNT_LIMIT + 1, so "more than")."""
    total = 0
    for f in found:
        stmt = stmts.count_le if f.inclusive else stmts.count_lt
        left = COUNT_LIMIT + 1 - total
        total += int(checker.one(stmt, {"lo": f.lo, "hi": f.hi, "limit": left}) or 0)
        if total > COUNT_LIMIT:
            break
    return total
