"""A backfill's "done" is always true.

- The checkpoint belongs to the table it was made on (pg_class.oid): after DROP + CREATE of
  a table with the same name, the same command refuses instead of printing "done, 0 rows".
- The final check: a backfill is done only when its WHERE matches no row it should fill;
  rows found are filled in another pass, or the run ends ``incomplete`` (exit 1).
- Rows inserted above the largest key at planning do not keep a backfill from finishing.
- Integer keys at their type's maximum (and negative keys at its minimum) finish.
"""

from __future__ import annotations

import json
import threading
import time

import psycopg
import pytest
from click.testing import CliRunner

from phasetui.backfill.engine import BackfillEngine, run_backfill
from phasetui.backfill.progress import read_progress
from phasetui.backfill.spec import BackfillSpec
from phasetui.cli import main
from phasetui.errors import UserError

ROWS = 1500


def make_items(dsn: str, rows: int = ROWS, key_type: str = "bigint", start: int = 1) -> None:
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(
            f"CREATE TABLE items (id {key_type} PRIMARY KEY, n int NOT NULL DEFAULT 0, v text)"
        )
        conn.execute(
            "INSERT INTO items (id) SELECT g FROM generate_series(%s::bigint, %s::bigint) g",
            (start, start + rows - 1),
        )


def counters(dsn: str) -> dict:
    with psycopg.connect(dsn) as conn:
        return dict(
            conn.execute(
                "SELECT n::text || ':' || coalesce(v, 'NULL'), count(*) FROM items GROUP BY 1"
            ).fetchall()
        )


RUN = ["backfill", "run", "--table", "items", "--set", "v = 'x'", "--set", "n = n + 1",
       "--where", "v IS NULL", "--batch-size", "100", "--format", "json"]  # fmt: skip


def cli_run(dsn: str, *extra: str):
    r = CliRunner().invoke(main, [*RUN, "--dsn", dsn, *extra])
    last = r.output.strip().splitlines()[-1] if r.output.strip() else "{}"
    try:
        return r, json.loads(last)
    except json.JSONDecodeError:
        return r, {}


def recreate(dsn: str, rows: int = ROWS) -> None:
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("DROP TABLE items")
    make_items(dsn, rows)


def test_a_recreated_table_is_refused_not_reported_done(db_dsn):
    make_items(db_dsn)
    r, result = cli_run(db_dsn)
    assert r.exit_code == 0 and result["state"] == "done", r.output
    with psycopg.connect(db_dsn) as conn:
        old = conn.execute("SELECT 'items'::regclass::oid::int").fetchone()[0]
    recreate(db_dsn)
    with psycopg.connect(db_dsn) as conn:
        new = conn.execute("SELECT 'items'::regclass::oid::int").fetchone()[0]
    r, _ = cli_run(db_dsn)
    assert r.exit_code == 1, r.output
    assert f"recreated since this checkpoint (oid {old} → {new})" in r.output
    assert "--restart" in r.output and "done" not in r.output
    assert counters(db_dsn) == {"0:NULL": ROWS}  # nothing claimed, nothing written
    r, result = cli_run(db_dsn, "--restart")
    assert r.exit_code == 0 and result["state"] == "done", r.output
    assert result["rows_this_run"] == ROWS and counters(db_dsn) == {"1:x": ROWS}


def test_rows_emptied_again_in_the_same_table_are_filled_by_the_rerun(db_dsn):
    """Same oid (TRUNCATE and reload, or an UPDATE back to NULL): the final check finds
    the rows and the re-run fills them instead of printing "done, 0 rows this run"."""
    make_items(db_dsn)
    r, result = cli_run(db_dsn)
    assert r.exit_code == 0 and result["final_check"]["passes"] == 1
    with psycopg.connect(db_dsn, autocommit=True) as conn:
        conn.execute("TRUNCATE items")
        conn.execute("INSERT INTO items (id) SELECT g FROM generate_series(1, %s) g", (ROWS,))
    r, result = cli_run(db_dsn)
    assert r.exit_code == 0, r.output
    assert result["state"] == "done" and result["rows_this_run"] == ROWS
    assert result["final_check"]["passes"] == 2 and result["final_check"]["checked"]
    assert counters(db_dsn) == {"1:x": ROWS}


def test_rows_inserted_behind_the_cursor_get_another_pass(db_dsn):
    """Keys that are not monotonic: rows inserted where the walk has already been."""
    with psycopg.connect(db_dsn, autocommit=True) as conn:
        conn.execute("CREATE TABLE items (id bigint PRIMARY KEY, n int NOT NULL DEFAULT 0, v text)")
        conn.execute("INSERT INTO items (id) SELECT 2 * g FROM generate_series(1, 1000) g")
    inserted = threading.Event()

    def on_batch(event) -> None:
        if not inserted.is_set() and int(event.lo[0]) > 1200:
            with psycopg.connect(db_dsn, autocommit=True) as conn:  # odd keys, all behind
                conn.execute(
                    "INSERT INTO items (id) SELECT 2 * g + 1 FROM generate_series(0, 99) g"
                )
            inserted.set()

    spec = BackfillSpec.from_mapping(
        {"table": "items", "set": ["v = 'x'", "n = n + 1"], "where": "v IS NULL",
         "batch_size": 50, "target_batch_seconds": 0}
    )  # fmt: skip
    result = run_backfill(db_dsn, spec, on_batch=on_batch)
    assert inserted.is_set()
    assert result.state == "done" and result.final_check["passes"] == 2
    assert result.rows_updated == 1100 and counters(db_dsn) == {"1:x": 1100}


def test_inserts_above_the_planned_maximum_do_not_keep_it_from_finishing(db_dsn):
    """pgroll's lesson: under a steady stream of inserts a backfill must still finish. Rows
    past the largest key at planning are the application's; the rest are all filled."""
    make_items(db_dsn, 3000)
    done = threading.Event()

    def inserter() -> None:
        with psycopg.connect(db_dsn, autocommit=True) as conn:
            i = 3001
            while not done.is_set():
                conn.execute("INSERT INTO items (id) SELECT g FROM generate_series(%s::int, %s) g",
                             (i, i + 19))  # fmt: skip
                i += 20
                time.sleep(0.002)

    t = threading.Thread(target=inserter, daemon=True)
    t.start()
    try:
        # ~4,500 keys/s walked (100 per batch, 20 ms apart) against ~6,000 rows/s inserted:
        # a walk that chases the newest rows never reaches the end
        spec = BackfillSpec.from_mapping(
            {"table": "items", "set": ["v = 'x'", "n = n + 1"], "where": "v IS NULL",
             "batch_size": 100, "pause_seconds": "20ms", "target_batch_seconds": 0}
        )  # fmt: skip
        stop = threading.Event()
        box: dict = {}
        runner = threading.Thread(
            target=lambda: box.update(r=run_backfill(db_dsn, spec, stop=stop)), daemon=True
        )
        runner.start()
        runner.join(20)
        chased = runner.is_alive()
        stop.set()
        runner.join(30)
    finally:
        done.set()
        t.join(10)
    assert not chased, "the backfill chased the inserts and never finished"
    result = box["r"]
    assert result.state == "done"
    planned_max = int(result.final_check["key_max"][0])  # the largest key at planning
    with psycopg.connect(db_dsn) as conn:
        left = conn.execute(
            "SELECT count(*) FROM items WHERE id <= %s AND v IS NULL", (planned_max,)
        ).fetchone()
        twice = conn.execute("SELECT count(*) FROM items WHERE n > 1").fetchone()
        total = conn.execute("SELECT count(*) FROM items").fetchone()
    assert left[0] == 0 and twice[0] == 0
    assert total[0] > planned_max + 1000  # the inserts really ran alongside


def test_a_set_that_leaves_rows_matching_ends_incomplete_never_done(db_dsn):
    make_items(db_dsn, 1000)
    r, result = cli_run(db_dsn, "--name", "leaky")  # first a clean run …
    with psycopg.connect(db_dsn, autocommit=True) as conn:
        conn.execute("UPDATE items SET v = NULL, n = 0")
    # … then a SET that leaves every tenth row NULL: the WHERE still matches them
    r = CliRunner().invoke(main, [
        "backfill", "run", "--dsn", db_dsn, "--table", "items", "--name", "leaky2",
        "--set", "v = CASE WHEN id % 10 = 0 THEN NULL ELSE 'x' END", "--set", "n = n + 1",
        "--where", "v IS NULL", "--batch-size", "100",
    ])  # fmt: skip
    assert r.exit_code == 1, r.output
    assert "incomplete" in r.output and "not done: 100 rows still match" in r.output
    assert "backfill leaky2: done" not in r.output
    assert read_progress(db_dsn, "leaky2").state == "incomplete"
    with psycopg.connect(db_dsn) as conn:
        passes = conn.execute(
            "SELECT max(pass) FROM phasetui.backfill_chunks WHERE backfill = 'leaky2'"
        ).fetchone()[0]
        rewritten = conn.execute("SELECT n, count(*) FROM items GROUP BY n ORDER BY n").fetchall()
    assert passes == 3  # the first pass and two sweeps over the rows left, then it says so
    assert rewritten == [(1, 900), (3, 100)]


def test_without_a_filtering_where_the_check_is_skipped_and_says_so(db_dsn):
    make_items(db_dsn, 500)
    r = CliRunner().invoke(main, ["backfill", "run", "--dsn", db_dsn, "--table", "items",
                                  "--set", "n = n + 1", "--batch-size", "100"])  # fmt: skip
    assert r.exit_code == 0, r.output
    assert "final check skipped: no --where" in r.output


def test_an_old_checkpoint_without_an_oid_is_adopted_and_checked(db_dsn):
    """Schema version 1 (no table_oid, no key_max): migrated in place, tied to the table
    found, and its final check still finds the rows it claims to have done."""
    make_items(db_dsn, 800)
    r, result = cli_run(db_dsn)
    assert r.exit_code == 0
    with psycopg.connect(db_dsn, autocommit=True) as conn:
        conn.execute("ALTER TABLE phasetui.backfills DROP COLUMN table_oid, DROP COLUMN key_max,"
                     " DROP COLUMN verified_at")  # fmt: skip
        conn.execute("ALTER TABLE phasetui.backfill_chunks DROP COLUMN pass")
        conn.execute("UPDATE items SET v = NULL WHERE id > 700")
    r = CliRunner().invoke(main, ["backfill", "status", "--dsn", db_dsn, "--format", "json"])
    assert r.exit_code == 0 and json.loads(r.output.splitlines()[0])["state"] == "done"
    r, result = cli_run(db_dsn)
    assert r.exit_code == 0 and result["rows_this_run"] == 100, r.output
    with psycopg.connect(db_dsn) as conn:
        oid, key_max = conn.execute("SELECT table_oid, key_max FROM phasetui.backfills").fetchone()
        assert oid == conn.execute("SELECT 'items'::regclass::oid").fetchone()[0]
    assert key_max == ["800"] and counters(db_dsn) == {"1:x": 700, "2:x": 100}


@pytest.mark.parametrize(
    "key_type, start",
    [
        ("smallint", 2**15 - 1 - 299),
        ("integer", 2**31 - 1 - 299),
        ("bigint", 2**63 - 1 - 299),
        ("smallint", -(2**15)),
        ("integer", -(2**31)),
    ],
    ids=["int2-max", "int4-max", "int8-max", "int2-min", "int4-min"],
)
@pytest.mark.parametrize("form", ["function", "statement"])
def test_integer_keys_at_the_ends_of_their_type_finish(db_dsn, key_type, start, form):
    make_items(db_dsn, 300, key_type, start)
    spec = BackfillSpec.from_mapping(
        {"table": "items", "set": ["v = 'x'", "n = n + 1"], "where": "v IS NULL",
         "batch_size": 64, "target_batch_seconds": 0}
    )  # fmt: skip
    engine = BackfillEngine(db_dsn, spec)
    prepared = engine.prepare()
    if form == "statement":
        prepared.function_unavailable = "forced by the test"
    stop = threading.Event()
    timer = threading.Timer(30, stop.set)  # never "interrupted forever"
    timer.start()
    try:
        result = engine.run(stop=stop)
    finally:
        timer.cancel()
    assert result.state == "done", result.last_error
    assert result.retries == 0 and counters(db_dsn) == {"1:x": 300}
    # A sweep at the very end of the type: rows emptied again next to the maximum.
    with psycopg.connect(db_dsn, autocommit=True) as conn:
        conn.execute("UPDATE items SET v = NULL WHERE id >= (SELECT max(id) - 10 FROM items)")
    result = run_backfill(db_dsn, spec)
    assert result.state == "done" and result.rows_this_run == 11, result.last_error
    assert counters(db_dsn) == {"1:x": 289, "2:x": 11}


def test_the_engine_refuses_a_recreated_table_in_the_api_too(db_dsn):
    make_items(db_dsn, 200)
    spec = BackfillSpec.from_mapping({"table": "items", "set": ["v = 'x'"], "where": "v IS NULL"})
    assert run_backfill(db_dsn, spec).state == "done"
    recreate(db_dsn, 200)
    with pytest.raises(UserError, match="recreated since this checkpoint"):
        run_backfill(db_dsn, spec)
    assert run_backfill(db_dsn, spec, restart=True).rows_this_run == 200


def test_progress_says_verifying_while_the_final_check_runs(db_dsn):
    make_items(db_dsn, 500)
    spec = BackfillSpec.from_mapping(
        {"table": "items", "set": ["v = 'x'", "n = n + 1"], "where": "v IS NULL"}
    )
    states: list[str] = []
    result = run_backfill(db_dsn, spec, on_progress=lambda p: states.append(p.state))
    assert result.state == "done" and "verifying" in states and "done" not in states
    assert read_progress(db_dsn, "items.v").state == "done"  # once the check has passed
