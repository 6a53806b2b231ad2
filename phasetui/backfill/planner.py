"""Cutting the key space into chunks that workers claim, and estimating the work.

Chunks are coarse (about twenty batches each, at most ~64 of them) so that claiming is rare
and several workers — threads here, processes on other hosts — spread over the table. The
last chunk has no upper bound: rows inserted past the old maximum key are still visited.

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
from phasetui.backfill.expressions import ParsedUpdate
from phasetui.backfill.keys import TableKey

CHUNK_BATCHES = 20
MAX_CHUNKS = 64
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


def plan(
    conn: psycopg.Connection,
    key: TableKey,
    update: ParsedUpdate,
    stmts: BatchSQL,
    batch_size: int,
) -> Plan:
    first = conn.execute(stmts.min_key).fetchone()
    last = conn.execute(stmts.max_key).fetchone()
    if first is None or last is None:
        # An empty table has nothing to fill: rows inserted from now on are written by
        # the application, which already knows the new column.
        return Plan([], 0.0, 0)
    small = _is_small(conn, key)
    rows_estimate = _rows_estimate(conn, key, update, small)
    if key.integer:
        kmin, kmax = int(first[0][0]), int(last[0][0])
        span = kmax - kmin + 1
        size = max(batch_size * CHUNK_BATCHES, math.ceil(span / MAX_CHUNKS))
        chunks = []
        start = kmin
        n = 0
        while True:
            end = start + size
            if end > kmax:
                chunks.append(Chunk(n, [str(start)], None))
                break
            chunks.append(Chunk(n, [str(start)], [str(end)]))
            start, n = end, n + 1
        return Plan(chunks, float(span), rows_estimate)
    keys_total = _keys_total(conn, key, small)
    n = int(min(MAX_CHUNKS, keys_total // (batch_size * CHUNK_BATCHES)))
    bounds: list[list[str]] = [list(first[0])]
    if n >= 2:
        pct = min(100.0, 100.0 * n * 50 / max(keys_total, 1.0))
        sample = [list(r[0]) for r in conn.execute(stmts.sample_keys, {"pct": pct}).fetchall()]
        for i in range(1, n):
            if not sample:
                break
            candidate = sample[min(len(sample) - 1, i * len(sample) // n)]
            if candidate != bounds[-1] and _after(conn, key, candidate, bounds[-1]):
                bounds.append(candidate)
    chunks = [
        Chunk(i, b, bounds[i + 1] if i + 1 < len(bounds) else None) for i, b in enumerate(bounds)
    ]
    return Plan(chunks, keys_total, rows_estimate)


def _after(conn: psycopg.Connection, key: TableKey, a: list[str], b: list[str]) -> bool:
    """Whether key value ``a`` sorts after ``b``, compared by the server in the key's types."""
    casts = [
        sql.SQL("({}::text[])[{}]::{}").format(sql.Placeholder(p), sql.Literal(i + 1), sql.SQL(t))
        for p in ("a", "b")
        for i, t in enumerate(key.types)
    ]
    n = len(key.types)
    q = sql.SQL("SELECT ROW({}) > ROW({})").format(
        sql.SQL(", ").join(casts[:n]), sql.SQL(", ").join(casts[n:])
    )
    row = conn.execute(q, {"a": a, "b": b}).fetchone()
    return bool(row and row[0])


def _is_small(conn: psycopg.Connection, key: TableKey) -> bool:
    """Small enough to count exactly (the statistics may be missing on a fresh table)."""
    q = "SELECT pg_relation_size(%s::regclass) < %s"
    return bool(conn.execute(q, (key.qualified_sql, SMALL_TABLE_BYTES)).fetchone()[0])


def _keys_total(conn: psycopg.Connection, key: TableKey, small: bool) -> float:
    if not small:
        return max(key.reltuples, 1.0)
    q = sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(key.schema, key.table))
    return float(conn.execute(q).fetchone()[0])


def _rows_estimate(
    conn: psycopg.Connection, key: TableKey, update: ParsedUpdate, small: bool
) -> int:
    """Rows the WHERE filter selects: counted on a small table, the planner's guess else."""
    table = sql.Identifier(key.schema, key.table)
    where = sql.SQL(update.where.replace("%", "%%")) if update.where else sql.SQL("true")
    if small:
        q = sql.SQL("SELECT count(*) FROM {} WHERE {}").format(table, where)
        return int(conn.execute(q).fetchone()[0])
    q = sql.SQL("EXPLAIN (FORMAT JSON) SELECT 1 FROM {} WHERE {}").format(table, where)
    raw = conn.execute(q).fetchone()[0]
    data = raw if isinstance(raw, list) else json.loads(raw)
    return int(data[0]["Plan"]["Plan Rows"])
