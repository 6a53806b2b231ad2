"""The backfill engine against a real PostgreSQL: exactly once, keys, claims, locks, control.

Every table carries a counter column ``n`` that the backfill increments with no filter, so a
row updated twice shows ``n = 2`` and a row missed shows ``n = 0``.
"""

from __future__ import annotations

import threading
import time

import psycopg
import pytest

from phasetui.backfill import control
from phasetui.backfill.engine import BackfillEngine, run_backfill
from phasetui.backfill.progress import list_backfills, read_progress
from phasetui.backfill.spec import BackfillSpec
from phasetui.errors import UserError


def make_items(dsn: str, rows: int = 3000, *, gaps: bool = False) -> None:
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(
            "CREATE TABLE items (id bigint PRIMARY KEY, n int NOT NULL DEFAULT 0, v text,"
            " prefs jsonb)"
        )
        conn.execute("INSERT INTO items (id) SELECT g FROM generate_series(1, %s) g", (rows,))
        if gaps:
            conn.execute("DELETE FROM items WHERE id BETWEEN 700 AND 1900 OR id % 7 = 0")


def counters(dsn: str, table: str = "items") -> dict[int, int]:
    with psycopg.connect(dsn) as conn:
        return dict(conn.execute(f"SELECT n, count(*) FROM {table} GROUP BY n").fetchall())


def spec(**kw) -> BackfillSpec:
    base = {"table": "items", "set": ["n = n + 1"], "batch_size": 100}
    base.update(kw)
    return BackfillSpec.from_mapping(base)


def run_in_thread(dsn: str, s: BackfillSpec, **kw):
    box: dict = {}
    stop = threading.Event()
    events: list = []

    def target():
        try:
            box["result"] = run_backfill(
                dsn, s, stop=stop, on_batch=events.append, progress_interval=0.1, **kw
            )
        except BaseException as exc:  # noqa: BLE001 - surfaced by the test
            box["error"] = exc

    t = threading.Thread(target=target, daemon=True)
    t.start()
    return t, stop, events, box


def wait_for(cond, timeout: float = 20.0, step: float = 0.02) -> None:
    """Polls ``cond``; a backfill not yet created (UserError) counts as not yet."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            if cond():
                return
        except UserError:
            pass
        time.sleep(step)
    raise AssertionError("condition not met in time")


def test_every_row_once_with_gaps_and_a_filter(db_dsn):
    make_items(db_dsn, 4000, gaps=True)
    with psycopg.connect(db_dsn, autocommit=True) as conn:
        expected = conn.execute("SELECT count(*) FROM items").fetchone()[0]
    s = spec(
        set=["n = n + 1", "prefs = jsonb_build_object('theme', 'light')"], where="prefs IS NULL"
    )
    result = run_backfill(db_dsn, s, progress_interval=0.1)
    assert result.state == "done" and result.rows_updated == expected
    assert counters(db_dsn) == {1: expected}
    # The filter makes a re-run (or a forced restart) touch nothing.
    again = run_backfill(db_dsn, s, restart=True, progress_interval=0.1)
    assert again.state == "done" and again.rows_this_run == 0
    assert counters(db_dsn) == {1: expected}
    p = read_progress(db_dsn, "items.n")
    assert p.state == "done" and p.fraction == 1.0 and p.rows_total_estimate == 0
    assert [b.name for b in list_backfills(db_dsn)] == ["items.n"]


def test_rerunning_a_finished_backfill_does_nothing(db_dsn):
    make_items(db_dsn, 500)
    assert run_backfill(db_dsn, spec()).rows_this_run == 500
    second = run_backfill(db_dsn, spec())
    assert second.state == "done" and second.rows_this_run == 0 and second.batches == 0
    assert counters(db_dsn) == {1: 500}


def test_a_changed_definition_is_refused_unless_restarted(db_dsn):
    make_items(db_dsn, 200)
    run_backfill(db_dsn, spec())
    with pytest.raises(UserError, match="another definition"):
        BackfillEngine(db_dsn, spec(where="n = 0", name="items.n")).prepare()


def test_composite_key_with_several_chunks_and_workers(db_dsn):
    with psycopg.connect(db_dsn, autocommit=True) as conn:
        conn.execute(
            'CREATE TABLE "Orders" (tenant text NOT NULL, no int NOT NULL, n int NOT NULL '
            "DEFAULT 0, PRIMARY KEY (tenant, no))"
        )
        conn.execute(
            "INSERT INTO \"Orders\" (tenant, no) SELECT 't' || (g % 13), g "
            "FROM generate_series(1, 3000) g"
        )
    events: list = []
    s = spec(table='"Orders"', batch_size=20)
    result = run_backfill(db_dsn, s, workers=2, on_batch=events.append, progress_interval=0.1)
    assert result.state == "done" and result.rows_updated == 3000
    assert counters(db_dsn, '"Orders"') == {1: 3000}
    p = read_progress(db_dsn, result.name)
    assert p.key == ["tenant", "no"] and p.chunks_total > 1
    assert len({e.worker for e in events}) == 2


def test_text_key(db_dsn):
    with psycopg.connect(db_dsn, autocommit=True) as conn:
        conn.execute("CREATE TABLE codes (code text PRIMARY KEY, n int NOT NULL DEFAULT 0)")
        conn.execute("INSERT INTO codes SELECT md5(g::text) FROM generate_series(1, 1500) g")
    result = run_backfill(db_dsn, spec(table="codes", batch_size=64))
    assert result.rows_updated == 1500 and counters(db_dsn, "codes") == {1: 1500}


def test_multi_worker_ranges_never_overlap(db_dsn):
    make_items(db_dsn, 6000)
    events: list = []
    result = run_backfill(
        db_dsn, spec(batch_size=50, target_batch_seconds=0), workers=3,
        on_batch=events.append, progress_interval=0.1,
    )  # fmt: skip
    assert result.state == "done" and counters(db_dsn) == {1: 6000}
    ranges = sorted((int(e.lo[0]), int(e.hi[0])) for e in events)
    for (lo1, hi1), (lo2, _) in zip(ranges, ranges[1:], strict=False):
        assert hi1 <= lo2, f"overlap {lo1}-{hi1} / {lo2}"
    assert ranges[0][0] == 1 and ranges[-1][1] > 6000
    assert len({e.worker for e in events}) == 3


@pytest.mark.parametrize(
    "ddl, key, message",
    [
        ("CREATE TABLE t (a int, n int NOT NULL DEFAULT 0)", (), "no usable key"),
        ("CREATE TABLE t (a int UNIQUE, n int NOT NULL DEFAULT 0)", (), "no usable key"),
        ("CREATE TABLE t (a int PRIMARY KEY, b int, n int DEFAULT 0)", ("b",), "allows NULL"),
        (
            "CREATE TABLE t (a int PRIMARY KEY, b int NOT NULL, n int DEFAULT 0)",
            ("b",),
            "no unique btree index",
        ),
        (
            "CREATE TABLE t (a int, b int, n int DEFAULT 0, PRIMARY KEY (a, b))",
            ("b", "a"),
            "in that order",
        ),
    ],
)
def test_refuses_without_a_usable_key(db_dsn, ddl, key, message):
    with psycopg.connect(db_dsn, autocommit=True) as conn:
        conn.execute(ddl)
    with pytest.raises(UserError, match=message):
        BackfillEngine(db_dsn, spec(table="t", key=list(key))).prepare()


def test_bad_columns_are_refused_before_any_batch(db_dsn):
    make_items(db_dsn, 10)
    with pytest.raises(UserError, match="not a column"):
        BackfillEngine(db_dsn, spec(set=["nope = 1"])).prepare()
    with pytest.raises(UserError, match="part of the key"):
        BackfillEngine(db_dsn, spec(set=["id = id + 1"])).prepare()
    with pytest.raises(UserError, match="does not run"):
        BackfillEngine(db_dsn, spec(set=["n = v + 1"])).prepare()  # text + int
    with pytest.raises(UserError, match="does not exist"):
        BackfillEngine(db_dsn, spec(table="nothere")).prepare()


def test_row_locks_held_elsewhere_time_out_and_retry_and_never_block_the_holder(db_dsn):
    make_items(db_dsn, 3000)
    holder = psycopg.connect(db_dsn)
    holder.execute("UPDATE items SET v = 'held' WHERE id BETWEEN 1500 AND 1510")
    holder_pid = holder.info.backend_pid
    watcher = psycopg.connect(db_dsn, autocommit=True)
    waited: list[str] = []
    t, stop, events, box = run_in_thread(
        db_dsn, spec(batch_size=200, lock_timeout="100ms", max_retries=20)
    )
    latencies = []
    end = time.monotonic() + 1.5
    while time.monotonic() < end:
        started = time.monotonic()
        holder.execute("UPDATE items SET v = 'still held' WHERE id = 1505")
        latencies.append(time.monotonic() - started)
        row = watcher.execute(
            "SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", (holder_pid,)
        ).fetchone()
        if row and row[0] == "Lock":
            waited.append(row[0])
        time.sleep(0.02)
    holder.commit()
    holder.close()
    t.join(60)
    watcher.close()
    assert "error" not in box, box.get("error")
    result = box["result"]
    assert result.state == "done" and result.retries >= 1
    assert counters(db_dsn) == {1: 3000}
    assert not waited and max(latencies) < 0.25
    # The batches shrank around the locked rows instead of giving up.
    assert min(int(e.hi[0]) - int(e.lo[0]) for e in events) < 200


def test_lost_connection_reconnects_and_continues(db_dsn, pg_admin_dsn):
    make_items(db_dsn, 3000)
    t, stop, events, box = run_in_thread(db_dsn, spec(batch_size=50, pause_seconds=0.01))
    wait_for(lambda: len(events) >= 5)
    dbname = psycopg.conninfo.conninfo_to_dict(db_dsn)["dbname"]
    with psycopg.connect(pg_admin_dsn, autocommit=True) as admin:
        killed = admin.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = %s AND application_name LIKE 'phasetui backfill%%'",
            (dbname,),
        ).fetchone()[0]
    assert killed >= 1
    t.join(60)
    assert "error" not in box, box.get("error")
    assert box["result"].state == "done" and box["result"].retries >= 1
    assert counters(db_dsn) == {1: 3000}


def test_pause_resume_set_and_stop_from_another_session(db_dsn):
    make_items(db_dsn, 5000)
    s = spec(batch_size=50, pause_seconds=0.03, target_batch_seconds=0)
    t, stop, events, box = run_in_thread(db_dsn, s)
    wait_for(lambda: len(events) >= 5)
    control.pause(db_dsn, "items.n")
    paused_at = time.monotonic()
    wait_for(lambda: read_progress(db_dsn, "items.n").state == "paused")
    time.sleep(0.5)
    started_after = [e for e in events if e.at - e.seconds > paused_at]
    assert len(started_after) <= 1  # at most the batch that had already read "run"
    count = len(events)
    time.sleep(0.3)
    assert len(events) == count
    control.set_settings(db_dsn, "items.n", batch_size=300)
    control.resume(db_dsn, "items.n")
    resumed_at = time.monotonic()
    wait_for(lambda: len(events) > count + 2)
    after = [e for e in events[count:] if e.at - e.seconds > resumed_at]
    assert after and all(e.size == 300 for e in after)
    control.stop(db_dsn, "items.n")
    t.join(30)
    assert box["result"].state == "stopped"
    assert read_progress(db_dsn, "items.n").state == "stopped"
    done_so_far = sum(counters(db_dsn).get(1, 0) for _ in [0])
    assert 0 < done_so_far < 5000
    # Running the same thing again resumes after the last committed batch.
    final = run_backfill(db_dsn, s, progress_interval=0.1)
    assert final.state == "done" and final.rows_this_run == 5000 - done_so_far
    assert counters(db_dsn) == {1: 5000}


def test_ctrl_c_style_stop_event_leaves_a_resumable_checkpoint(db_dsn):
    make_items(db_dsn, 3000)
    s = spec(batch_size=40, pause_seconds=0.01)
    t, stop, events, box = run_in_thread(db_dsn, s)
    wait_for(lambda: len(events) >= 4)
    stop.set()
    t.join(30)
    assert box["result"].state == "interrupted"
    assert read_progress(db_dsn, "items.n").state == "interrupted"
    partial = counters(db_dsn)
    assert set(partial) == {0, 1}
    result = run_backfill(db_dsn, s, progress_interval=0.1)
    assert result.rows_updated == 3000 and counters(db_dsn) == {1: 3000}


def test_throttle_query_holds_batches_until_it_returns_false(db_dsn):
    make_items(db_dsn, 1000)
    with psycopg.connect(db_dsn, autocommit=True) as conn:
        conn.execute("CREATE TABLE gate (closed boolean)")
        conn.execute("INSERT INTO gate VALUES (true)")
    s = spec(throttle_query="SELECT closed FROM gate", max_replica_lag_seconds=30)
    t, stop, events, box = run_in_thread(db_dsn, s)
    wait_for(lambda: (read_progress(db_dsn, "items.n").throttle_reason or "") != "")
    time.sleep(1.0)
    assert events == []
    with psycopg.connect(db_dsn, autocommit=True) as conn:
        conn.execute("UPDATE gate SET closed = false")
    t.join(30)
    result = box["result"]
    assert result.state == "done" and result.throttled_seconds >= 1.0
    assert counters(db_dsn) == {1: 1000}
    assert read_progress(db_dsn, "items.n").throttled_seconds >= 1.0


def test_live_worker_count_change(db_dsn):
    make_items(db_dsn, 8000)
    s = spec(batch_size=40, pause_seconds=0.02, target_batch_seconds=0)
    t, stop, events, box = run_in_thread(db_dsn, s)
    wait_for(lambda: len(events) >= 3)
    control.set_settings(db_dsn, "items.n", workers=3)
    wait_for(lambda: read_progress(db_dsn, "items.n").live_workers == 3)
    t.join(60)
    assert box["result"].state == "done" and counters(db_dsn) == {1: 8000}
    assert len({e.worker for e in events}) == 3


def test_pause_seconds_is_taken_between_every_two_batches(db_dsn):
    """A breather for replicas and the application between batches, whichever chunk each
    batch belongs to (it was skipped whenever a batch ended its chunk)."""
    make_items(db_dsn, 2000)
    s = spec(batch_size=100, pause_seconds=0.1, target_batch_seconds=0)
    started = time.monotonic()
    result = run_backfill(db_dsn, s)
    elapsed = time.monotonic() - started
    assert result.state == "done" and counters(db_dsn) == {1: 2000}
    assert result.batches >= 20
    assert elapsed >= (result.batches - 1) * 0.1 * 0.9, (elapsed, result.batches)
