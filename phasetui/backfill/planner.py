"""Cutting the key space into chunks that workers claim, and estimating the work.

Chunks shrink towards the end of the key space ("guided" scheduling): each is about
1/16 of what is left (at most ~20 batches or 1/64 of the key space, at least one batch).
Workers claim them in key order, so the big early chunks keep claims rare and the small last
ones keep every worker busy until the end: a worker that runs out of chunks to claim waits
for at most about one batch of another's, instead of a whole 1/5 of a small table (with
equal chunks, two workers on five chunks spent the last fifth of the run on one core).
The last chunk has no upper bound: the worker that takes it walks up to the largest key at
that moment (worker.py), so rows inserted during the run are visited without the walk ever
chasing new inserts. The largest key at planning (``Plan.key_max``) is where the final
check ends (verify.py).

An integer key is cut by arithmetic between its min and max; any other key (text, uuid,
composite) by boundaries sampled with ``TABLESAMPLE SYSTEM``. Totals come from the key span
or ``pg_class.reltuples`` and the planner's estimate for the WHERE filter (counted exactly
on small tables), refined while the backfill runs (see :mod:`phasetui.backfill.progress`).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass

import psycopg
from psycopg import sql

from phasetui.backfill.batches import BatchSQL
from phasetui.backfill.compose import execute, ident, text
from phasetui.backfill.expressions import ParsedUpdate
from phasetui.backfill.keys import TableKey

CHUNK_BATCHES = 20  # the largest chunk: this many batches …
MAX_CHUNKS = 64  # … or 1/64 of the key space, whichever is more
GUIDED_PARTS = 16  # each chunk is ~1/16 of what is left (at least one batch)
SMALL_TABLE_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True)
class Chunk:
    number: int
    lo: list[str]
    hi: list[str] | None


@dataclass(frozen=True)
class Plan:
    chunks: list[Chunk]
    keys_total: float
    rows_estimate: int
    key_max: list[str] | None = None  # the largest key now: where the final check ends


def plan(
    conn: psycopg.Connection,
    key: TableKey,
    update: ParsedUpdate,
    stmts: BatchSQL,
    batch_size: int,
) -> Plan:
    first = execute(conn, stmts.min_key).fetchone()
    last = execute(conn, stmts.max_key).fetchone()
    if first is None or last is None:
        # An empty table has nothing to fill: rows inserted from now on are written by
        # the application, which already knows the new column.
        return Plan([], 0.0, 0)
    small = _is_small(conn, key)
    rows_estimate = _rows_estimate(conn, key, update, small)
    if key.integer:
        kmin, kmax = int(first[0][0]), int(last[0][0])
        span = kmax - kmin + 1
        chunks = []
        start = kmin
        for n, size in enumerate(chunk_sizes(span, batch_size)):
            end = start + size
            if end > kmax:
                chunks.append(Chunk(n, [str(start)], None))
                break
            chunks.append(Chunk(n, [str(start)], [str(end)]))
            start = end
        return Plan(chunks, float(span), rows_estimate, list(last[0]))
    keys_total = _keys_total(conn, key, small)
    sizes = chunk_sizes(int(keys_total), batch_size)
    n = len(sizes)
    bounds: list[list[str]] = [list(first[0])]
    if n >= 2:
        pct = min(100.0, 100.0 * n * 50 / max(keys_total, 1.0))
        sample = [list(r[0]) for r in execute(conn, stmts.sample_keys, {"pct": pct}).fetchall()]
        done = 0
        for size in sizes[:-1]:
            if not sample:
                break
            done += size
            candidate = sample[min(len(sample) - 1, done * len(sample) // max(int(keys_total), 1))]
            if candidate != bounds[-1] and _after(conn, key, candidate, bounds[-1]):
                bounds.append(candidate)
    chunks = [
        Chunk(i, b, bounds[i + 1] if i + 1 < len(bounds) else None) for i, b in enumerate(bounds)
    ]
    return Plan(chunks, keys_total, rows_estimate, list(last[0]))


def chunk_sizes(total: int, batch_size: int) -> list[int]:
    """Sizes (in keys) of the chunks covering ``total`` keys: shrinking, the last open-ended.

    Each is ~1/GUIDED_PARTS of the keys left, capped at CHUNK_BATCHES batches or 1/MAX_CHUNKS
    of the total, and at least one batch; they add up to at least ``total``.
    """
    total = max(0, total)
    batch_size = max(1, batch_size)
    biggest = max(batch_size * CHUNK_BATCHES, math.ceil(total / MAX_CHUNKS))
    sizes: list[int] = []
    left = total
    while True:
        size = max(batch_size, min(biggest, math.ceil(left / GUIDED_PARTS)))
        sizes.append(size)
        left -= size
        if left <= 0:
            return sizes


def _after(conn: psycopg.Connection, key: TableKey, a: list[str], b: list[str]) -> bool:
    """Whether key value ``a`` sorts after ``b``, compared by the server in the key's types."""
    casts = [
        sql.SQL("({}::text[])[{}]::{}").format(sql.Placeholder(p), sql.Literal(i + 1), text(t))
        for p in ("a", "b")
        for i, t in enumerate(key.types)
    ]
    n = len(key.types)
    q = sql.SQL("SELECT ROW({}) > ROW({})").format(
        sql.SQL(", ").join(casts[:n]), sql.SQL(", ").join(casts[n:])
    )
    row = execute(conn, q, {"a": a, "b": b}).fetchone()
    return bool(row and row[0])


def _is_small(conn: psycopg.Connection, key: TableKey) -> bool:
    """Small enough to count exactly (the statistics may be missing on a fresh table)."""
    q = "SELECT pg_relation_size(%s::regclass) < %s"
    return bool(conn.execute(q, (key.qualified_sql, SMALL_TABLE_BYTES)).fetchone()[0])


def _keys_total(conn: psycopg.Connection, key: TableKey, small: bool) -> float:
    if not small:
        return max(key.reltuples, 1.0)
    q = sql.SQL("SELECT count(*) FROM {}").format(ident(key.schema, key.table))
    return float(execute(conn, q).fetchone()[0])


def _rows_estimate(
    conn: psycopg.Connection, key: TableKey, update: ParsedUpdate, small: bool
) -> int:
    """Rows the WHERE filter selects: counted on a small table, the planner's guess else."""
    table = ident(key.schema, key.table)
    where = text(update.where) if update.where else sql.SQL("true")
    if small:
        q = sql.SQL("SELECT count(*) FROM {} WHERE {}").format(table, where)
        return int(execute(conn, q).fetchone()[0])
    q = sql.SQL("EXPLAIN (FORMAT JSON) SELECT 1 FROM {} WHERE {}").format(table, where)
    raw = execute(conn, q).fetchone()[0]
    data = raw if isinstance(raw, list) else json.loads(raw)
    return int(data[0]["Plan"]["Plan Rows"])
