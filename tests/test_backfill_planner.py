"""Chunk planning: shrinking ("guided") chunks, so that every worker stays busy to the end."""

from __future__ import annotations

import time

import psycopg
import pytest

from phasetui.backfill.engine import BackfillEngine, run_backfill
from phasetui.backfill.planner import CHUNK_BATCHES, MAX_CHUNKS, chunk_sizes
from phasetui.backfill.spec import BackfillSpec


@pytest.mark.parametrize(
    "total, batch",
    [(1, 10), (500, 100), (3000, 20), (1_000_000, 10_000), (2_000_000, 10_000), (10**8, 10_000)],
)
def test_chunk_sizes_shrink_cover_the_keys_and_end_with_single_batches(total, batch):
    sizes = chunk_sizes(total, batch)
    assert sum(sizes) >= total and sum(sizes[:-1]) < total  # covered, no chunk past the end
    assert all(s >= batch for s in sizes)
    assert all(a >= b for a, b in zip(sizes, sizes[1:], strict=False))  # never grows
    assert max(sizes) <= max(batch * CHUNK_BATCHES, -(-total // MAX_CHUNKS))
    assert sizes[-1] == batch  # the last claims are one batch: no long lonely tail
    assert len(sizes) <= 400  # claims stay rare


def test_two_workers_share_a_five_chunk_table_evenly(db_dsn):
    """With equal chunks of 20 batches a 100-batch table had 5 chunks: one worker got 3,
    the other 2 and then idled for a fifth of the run. Shrinking chunks split it evenly."""
    with psycopg.connect(db_dsn, autocommit=True) as conn:
        conn.execute("CREATE TABLE items (id bigint PRIMARY KEY, n int NOT NULL DEFAULT 0)")
        conn.execute("INSERT INTO items (id) SELECT g FROM generate_series(1, 10000) g")
    spec = BackfillSpec.from_mapping(
        {
            "table": "items",
            "set": ["n = n + 1"],
            "batch_size": 100,
            "target_batch_seconds": 0,
            "pause_seconds": 0.04,  # ~2 s of work each: the workers' start-up skew is noise
        }
    )
    engine = BackfillEngine(db_dsn, spec)
    engine.prepare()
    with psycopg.connect(db_dsn) as conn:
        spans = [
            (int(lo[0]), int(hi[0]) if hi else None)
            for lo, hi in conn.execute(
                "SELECT lo, hi FROM phasetui.backfill_chunks ORDER BY chunk"
            ).fetchall()
        ]
    widths = [hi - lo for lo, hi in spans[:-1]]
    assert spans[0][0] == 1 and spans[-1][1] is None
    assert all(a >= b for a, b in zip(widths, widths[1:], strict=False)) and widths[-1] == 100
    assert all(hi == nxt for (_, hi), (nxt, _) in zip(spans, spans[1:], strict=False))
    events: list = []
    result = engine.run(workers=2, on_batch=events.append, progress_interval=0.1)
    assert result.state == "done" and result.rows_updated == 10000
    with psycopg.connect(db_dsn) as conn:
        assert conn.execute("SELECT n, count(*) FROM items GROUP BY n").fetchall() == [(1, 10000)]
    per_worker: dict[str, int] = {}
    for e in events:
        per_worker[e.worker] = per_worker.get(e.worker, 0) + e.rows
    assert len(per_worker) == 2
    # Equal chunks of 2,000 keys gave 6,000 / 4,000 at best; shrinking ones about half each.
    assert min(per_worker.values()) >= 4200, per_worker


def test_text_key_chunks_follow_the_sampled_keys(db_dsn):
    with psycopg.connect(db_dsn, autocommit=True) as conn:
        conn.execute("CREATE TABLE codes (code text PRIMARY KEY, n int NOT NULL DEFAULT 0)")
        conn.execute("INSERT INTO codes SELECT md5(g::text) FROM generate_series(1, 4000) g")
        conn.execute("ANALYZE codes")
    spec = BackfillSpec.from_mapping(
        {"table": "codes", "set": ["n = n + 1"], "batch_size": 50, "target_batch_seconds": 0}
    )
    result = run_backfill(db_dsn, spec, workers=2, progress_interval=0.1)
    assert result.state == "done" and result.rows_updated == 4000
    with psycopg.connect(db_dsn) as conn:
        assert conn.execute("SELECT n, count(*) FROM codes GROUP BY n").fetchall() == [(1, 4000)]
        bounds = [
            r[0][0]
            for r in conn.execute(
                "SELECT lo FROM phasetui.backfill_chunks ORDER BY chunk"
            ).fetchall()
        ]
    assert len(bounds) > 5 and bounds == sorted(bounds)  # text order of md5 hex = C order


def test_a_worker_with_nothing_to_claim_wakes_when_the_last_chunk_ends(db_dsn, monkeypatch):
    """The idle worker waits on this process's chunk events, not only on its poll: the run
    returns right after the last batch (here the poll is 5 s, so a missed wake-up shows)."""
    from phasetui.backfill import worker

    monkeypatch.setattr(worker, "WAITING_POLL_SECONDS", 5.0)
    with psycopg.connect(db_dsn, autocommit=True) as conn:
        conn.execute("CREATE TABLE items (id bigint PRIMARY KEY, n int NOT NULL DEFAULT 0)")
        conn.execute("INSERT INTO items (id) SELECT g FROM generate_series(1, 4000) g")
    spec = BackfillSpec.from_mapping(
        {
            "table": "items",
            "set": ["n = n + 1"],
            "batch_size": 100,
            "target_batch_seconds": 0,
            "pause_seconds": 0.01,
        }
    )
    events: list = []
    result = run_backfill(db_dsn, spec, workers=2, on_batch=events.append, progress_interval=0.1)
    returned = time.monotonic()
    assert result.state == "done" and result.rows_updated == 4000
    assert returned - max(e.at for e in events) < 2.0
