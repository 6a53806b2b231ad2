"""What a backfill costs the server: WAL written, the table's growth, the advice to VACUUM."""

from __future__ import annotations

import threading
import time

import psycopg
import pytest

from phasetui.backfill.engine import BackfillEngine
from phasetui.backfill.footprint import Footprint, human_bytes, lsn_bytes, measure
from phasetui.backfill.spec import BackfillSpec


def make_items(dsn: str, rows: int = 20_000) -> None:
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(
            "CREATE TABLE items (id bigint PRIMARY KEY, created_at timestamptz NOT NULL "
            "DEFAULT now(), prefs jsonb)"
        )
        conn.execute("INSERT INTO items (id) SELECT g FROM generate_series(1, %s) g", (rows,))
        conn.execute("VACUUM ANALYZE items")


def spec(**kw) -> BackfillSpec:
    return BackfillSpec.from_mapping(
        {
            "table": "items",
            "set": ["prefs = jsonb_build_object('theme', 'light', 'created', created_at)"],
            "where": "prefs IS NULL",
            "batch_size": 1000,
            "target_batch_seconds": 0,
            **kw,
        }
    )


def test_lsn_and_sizes_read_like_postgres_shows_them():
    assert lsn_bytes("16/B374D848") == 0x16B374D848
    assert lsn_bytes("0/0") == 0
    assert human_bytes(999) == "999 B"
    assert human_bytes(843_000_000) == "843.0 MB"
    assert human_bytes(None) == "?"


def test_result_and_live_detail_carry_wal_and_growth(db_dsn):
    make_items(db_dsn)
    engine = BackfillEngine(db_dsn, spec(pause_seconds=0.1))
    result = engine.run(progress_interval=0.1)
    assert result.state == "done" and result.rows_this_run == 20_000
    assert result.wal_bytes is not None and result.wal_bytes > 20_000 * 50
    assert result.table_bytes_before and result.table_bytes_after
    assert result.table_bytes_after > 1.5 * result.table_bytes_before  # no HOT: a new version
    assert result.index_bytes_after >= result.index_bytes_before
    summary = result.summary()
    assert "server WAL " in summary and "VACUUM (ANALYZE) public.items" in summary
    with psycopg.connect(db_dsn) as conn:
        detail = conn.execute("SELECT detail FROM phasetui.backfills").fetchone()[0]
    assert detail["table_bytes_before"] == result.table_bytes_before
    assert detail["table_bytes"] == result.table_bytes_after
    assert detail["wal_bytes_per_second"] > 0, (result.elapsed_seconds, result.batches, detail)


def test_a_resumed_run_keeps_the_size_from_before_the_first(db_dsn):
    make_items(db_dsn)
    stop = threading.Event()
    seen: list = []

    def on_batch(e) -> None:
        seen.append(e)
        if len(seen) == 5:
            stop.set()

    first = BackfillEngine(db_dsn, spec()).run(stop=stop, on_batch=on_batch)
    assert first.state == "interrupted" or first.state == "stopped", first.state
    second = BackfillEngine(db_dsn, spec()).run()
    assert second.state == "done"
    assert second.table_bytes_before == first.table_bytes_before
    assert second.table_bytes_after > first.table_bytes_after


def test_the_monitor_does_not_queue_behind_a_waiting_ddl(db_dsn):
    """A DDL holding (or waiting for) ACCESS EXCLUSIVE: the sizes are skipped within the
    short lock_timeout instead of the monitor waiting (and every session behind it)."""
    make_items(db_dsn, 100)
    holder = psycopg.connect(db_dsn)
    try:
        holder.execute("LOCK TABLE items IN ACCESS EXCLUSIVE MODE")
        with psycopg.connect(db_dsn, autocommit=True) as conn:
            started = time.monotonic()
            fp = measure(conn, '"public"."items"')
            assert time.monotonic() - started < 2.0
            assert fp == Footprint(None, None, None)
            # and the connection is still usable
            assert conn.execute("SELECT 1").fetchone() == (1,)
    finally:
        holder.rollback()
        holder.close()
    with psycopg.connect(db_dsn, autocommit=True) as conn:
        fp = measure(conn, '"public"."items"')
    assert fp.wal_lsn and fp.table_bytes and fp.index_bytes


@pytest.mark.parametrize("fmt", ["json"])
def test_cli_progress_and_status_show_the_footprint(db_dsn, fmt):
    import json

    from click.testing import CliRunner

    from phasetui.cli import main

    make_items(db_dsn, 5000)
    runner = CliRunner()
    args = ["backfill", "run", "--dsn", db_dsn, "--table", "items"]
    args += ["--set", "prefs = '{}'::jsonb", "--where", "prefs IS NULL", "--format", fmt]
    r = runner.invoke(main, args)
    assert r.exit_code == 0, r.output
    final = json.loads(r.output.strip().splitlines()[-1])
    assert final["wal_bytes"] > 0 and final["table_bytes_after"] > final["table_bytes_before"]
    r = runner.invoke(main, ["backfill", "status", "items.prefs", "--dsn", db_dsn])
    assert r.exit_code == 0, r.output
    assert "server WAL" in r.output and "before" in r.output


def test_the_tracker_keeps_its_last_figures_while_a_ddl_holds_the_table(db_dsn):
    from phasetui.backfill.footprint import Tracker

    make_items(db_dsn, 100)
    with psycopg.connect(db_dsn, autocommit=True) as conn:
        tracker = Tracker('"public"."items"')
        first = tracker.sample(conn, 0.0)
        holder = psycopg.connect(db_dsn)
        try:
            holder.execute("LOCK TABLE items IN ACCESS EXCLUSIVE MODE")
            during = tracker.sample(conn, 1.0)
        finally:
            holder.rollback()
            holder.close()
    assert first["table_bytes"] and during["table_bytes"] == first["table_bytes"]
    assert tracker.last is not None and tracker.last.table_bytes == first["table_bytes"]
