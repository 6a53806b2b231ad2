"""Apply under faults, on real PostgreSQL: lock holders with a probe measuring what the
application waits, files that switch off phasetui's timeouts, pg_terminate_backend of
phasetui's session and server restarts mid-apply."""

from __future__ import annotations

import json
import threading
import time

import psycopg
import pytest

from phasetui.db.apply import apply_sql
from phasetui.db.rehearse import rehearse_sql
from phasetui.db.session import ExecSettings
from phasetui.errors import UserError
from tests.apply_support import (
    BlockWatch,
    Holder,
    Probe,
    phasetui_running,
    terminate_phasetui,
    wait_for,
)
from tests.pg_control import private_server

pytestmark = pytest.mark.faults

LOCK_TIMEOUT = 0.3
# What a loaded 2-core CI box may add to a 300 ms wait (scheduling, the probe's own round
# trips, sampling every 10 ms): generous, and still far below the 6.8 s of the failure.
MARGIN = 0.9
BOUND = LOCK_TIMEOUT + MARGIN
HOLD = 3.0  # how long the holder keeps its lock: clearly above BOUND
FAST = ExecSettings(
    lock_timeout=LOCK_TIMEOUT, statement_timeout=30, retries=20, backoff_base=0.1, backoff_max=0.4
)
PROBE_SQL = "SELECT email FROM users WHERE id = 1"


@pytest.fixture
def users_db(db_dsn: str) -> str:
    with psycopg.connect(db_dsn, autocommit=True) as conn:
        conn.execute(
            "CREATE TABLE users (id bigint PRIMARY KEY, email text);"
            "INSERT INTO users SELECT g, 'u' || g FROM generate_series(1, 500) g;"
        )
    return db_dsn


def columns(dsn: str, table: str = "users") -> set[str]:
    with psycopg.connect(dsn) as conn:
        rows = conn.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = %s", (table,)
        ).fetchall()
    return {r[0] for r in rows}


def _apply_in_thread(dsn: str, sql: str, settings: ExecSettings, box: dict) -> threading.Thread:
    def target() -> None:
        try:
            box["result"] = apply_sql(dsn, sql, settings=settings)
        except BaseException as exc:  # noqa: BLE001 - surfaced by the test
            box["error"] = exc

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    return thread


# -- lock holders: what the application waits ------------------------------------------------


def test_row_lock_holder_the_probe_never_waits_on_phasetui_longer_than_lock_timeout(users_db):
    """A session holding a row lock (ROW SHARE on the table) does not block readers; the
    ALTER's ACCESS EXCLUSIVE request queues behind it, and readers queue behind *that*
    until phasetui's lock_timeout takes it out of the queue."""
    holder = Holder(users_db, "SELECT * FROM users WHERE id = 2 FOR UPDATE", seconds=HOLD)
    with Probe(users_db, PROBE_SQL) as probe, BlockWatch(users_db, probe.pid) as watch:
        time.sleep(0.2)
        result = apply_sql(users_db, "ALTER TABLE users ADD COLUMN token text;", settings=FAST)
        time.sleep(0.2)
    holder.release()
    (step,) = result.steps
    assert result.ok, result.to_json()
    assert step.tries >= 3 and step.attempts[0].outcome == "lock_timeout"
    assert all(a.duration_s <= BOUND for a in step.attempts if a.outcome == "lock_timeout")
    assert not probe.errors
    assert len(probe.samples) >= 50, "the probe must have run throughout"
    assert watch.seen, "the probe did queue behind phasetui (the measurement works)"
    assert probe.max_latency <= BOUND, f"probe waited {probe.max_latency:.2f}s"
    assert watch.longest <= BOUND, f"blocked by phasetui for {watch.longest:.2f}s"
    assert "token" in columns(users_db)


def test_access_exclusive_holder_phasetui_never_adds_a_wait_of_its_own(users_db):
    """Behind an ACCESS EXCLUSIVE holder everyone waits for the holder; phasetui must give
    up its place in the queue within lock_timeout each try, and once the holder commits
    the application must not find phasetui in its way for longer than that."""
    holder = Holder(users_db, "LOCK TABLE users IN ACCESS EXCLUSIVE MODE", seconds=HOLD)
    with Probe(users_db, PROBE_SQL) as probe, BlockWatch(users_db, probe.pid) as watch:
        result = apply_sql(users_db, "ALTER TABLE users ADD COLUMN token text;", settings=FAST)
        time.sleep(0.3)
    holder.release()
    (step,) = result.steps
    assert result.ok, result.to_json()
    assert step.tries >= 3
    assert all(a.duration_s <= BOUND for a in step.attempts if a.outcome == "lock_timeout")
    assert not probe.errors
    assert holder.released_at is not None
    assert probe.max_latency_after(holder.released_at) <= BOUND
    assert watch.longest <= BOUND, f"blocked by phasetui for {watch.longest:.2f}s"


@pytest.mark.parametrize(
    "header",
    [
        "SET lock_timeout = 0;",
        "SET statement_timeout = 0;\nSET lock_timeout = 0;",  # pg_dump's header
        "BEGIN;\nSET LOCAL lock_timeout = '1min';",
        "SELECT set_config('lock_timeout', '0', false);",
        "DO $$ BEGIN SET lock_timeout = 0; END $$;",
        "RESET ALL;",
    ],
    ids=["set-0", "pg-dump", "set-local-1min", "set-config", "do-block", "reset-all"],
)
def test_a_file_that_lifts_the_timeout_is_refused_and_the_probe_never_waits(users_db, header):
    sql = f"{header}\nALTER TABLE users ADD COLUMN token text;\n"
    if header.startswith("BEGIN"):
        sql += "COMMIT;\n"
    holder = Holder(users_db, "SELECT * FROM users WHERE id = 2 FOR UPDATE", seconds=HOLD)
    box: dict = {}
    with Probe(users_db, PROBE_SQL) as probe:
        thread = _apply_in_thread(users_db, sql, FAST, box)
        thread.join(HOLD + 10)
        time.sleep(0.5)
    holder.release()
    assert isinstance(box.get("error"), UserError), box
    message = str(box["error"])
    assert "refusing to apply" in message and "nothing was run" in message
    assert "statement #1 (line 1)" in message or "statement #2 (line 2)" in message
    assert "--lock-timeout" in message or "--statement-timeout" in message
    assert probe.max_latency <= MARGIN, f"probe waited {probe.max_latency:.2f}s"
    assert "token" not in columns(users_db)


def test_rehearse_and_apply_refuse_a_timeout_override_and_nothing_runs(users_db):
    sql = (
        "UPDATE users SET email = 'changed' WHERE id = 1;\n"
        "SET statement_timeout = 0;\n"
        "ALTER TABLE users ADD COLUMN token text;\n"
    )
    for run in (apply_sql, rehearse_sql):
        with pytest.raises(UserError, match="refusing to (apply|rehearse)") as err:
            run(users_db, sql, settings=FAST)
        assert "statement #2 (line 2) `SET statement_timeout = 0`" in err.value.message
    with psycopg.connect(users_db) as conn:
        assert conn.execute("SELECT email FROM users WHERE id = 1").fetchone()[0] == "u1"
    assert "token" not in columns(users_db)


# -- pg_terminate_backend and restarts: finished, or stopped with what stayed applied ----------


@pytest.fixture
def counted(db_dsn: str) -> str:
    with psycopg.connect(db_dsn, autocommit=True) as conn:
        conn.execute(
            "CREATE TABLE t (id int PRIMARY KEY, v int NOT NULL DEFAULT 0);"
            "INSERT INTO t (id) SELECT generate_series(1, 100);"
        )
    return db_dsn


def total(dsn: str) -> int:
    with psycopg.connect(dsn) as conn:
        return int(conn.execute("SELECT sum(v) FROM t").fetchone()[0])


UNIT = "BEGIN;\nUPDATE t SET v = v + 1;\nSELECT pg_sleep(1.2);\nCOMMIT;\n"


def test_terminated_mid_transaction_the_unit_is_retried_and_applied_once(counted):
    box: dict = {}
    thread = _apply_in_thread(counted, UNIT + "ALTER TABLE t ADD COLUMN w int;\n", FAST, box)
    assert wait_for(lambda: phasetui_running(counted, "%pg_sleep(1.2)%"))
    assert terminate_phasetui(counted, "%pg_sleep(1.2)%") == 1
    thread.join(30)
    result = box["result"]
    assert result.ok, result.to_json()
    first = result.steps[0]
    assert [a.outcome for a in first.attempts] == ["connection_lost", "ok"]
    assert total(counted) == 100  # the killed try was rolled back by the server: once
    assert "w" in columns(counted, "t")


def test_terminated_during_commit_the_server_says_it_did_not_commit_and_it_is_retried(counted):
    """A deferred constraint trigger makes COMMIT itself slow; terminating the backend then
    loses the connection with COMMIT on the wire. phasetui asks the server (txid_status)
    instead of guessing: not committed, so the unit runs again, once."""
    with psycopg.connect(counted, autocommit=True) as conn:
        conn.execute(
            "CREATE FUNCTION slow_commit() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN PERFORM pg_sleep(0.4); RETURN NULL; END $$;"
            "CREATE CONSTRAINT TRIGGER slow AFTER UPDATE ON t DEFERRABLE INITIALLY DEFERRED "
            "FOR EACH ROW WHEN (NEW.id = 1) EXECUTE FUNCTION slow_commit();"
        )
    box: dict = {}
    sql = "BEGIN;\nUPDATE t SET v = v + 1;\nCOMMIT;\nALTER TABLE t ADD COLUMN w int;\n"
    thread = _apply_in_thread(counted, sql, FAST, box)
    assert wait_for(lambda: phasetui_running(counted, "%COMMIT%"), every=0.01)
    assert terminate_phasetui(counted, "%COMMIT%") == 1
    thread.join(30)
    result = box["result"]
    first = result.steps[0]
    assert first.status == "applied", result.to_json()
    assert first.attempts[0].outcome == "connection_lost" and first.attempts[-1].outcome == "ok"
    assert "did not commit" in first.note
    assert total(counted) == 100
    assert result.ok


def test_commit_outcome_is_read_from_the_server(counted):
    from phasetui.db.apply import commit_status

    with psycopg.connect(counted) as conn:
        xid = conn.execute("SELECT txid_current()").fetchone()[0]
        conn.commit()
        aborted = conn.execute("SELECT txid_current()").fetchone()[0]
        conn.rollback()
        assert commit_status(conn, xid) == "committed"
        assert commit_status(conn, aborted) == "aborted"
        assert commit_status(conn, None) is None


def test_terminated_mid_concurrent_build_the_invalid_index_is_dropped_and_rebuilt(counted):
    with psycopg.connect(counted, autocommit=True) as conn:
        conn.execute(
            "CREATE FUNCTION slow_key(int) RETURNS int LANGUAGE plpgsql IMMUTABLE AS "
            "$$ BEGIN PERFORM pg_sleep(0.01); RETURN $1; END $$;"
        )
    sql = "CREATE INDEX CONCURRENTLY t_slow ON t (slow_key(v));\n"
    box: dict = {}

    def target() -> None:
        box["result"] = apply_sql(counted, sql, settings=FAST, cleanup_invalid=True)

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    assert wait_for(lambda: phasetui_running(counted, "CREATE INDEX CONCURRENTLY%"))
    time.sleep(0.3)
    assert terminate_phasetui(counted, "CREATE INDEX CONCURRENTLY%") == 1
    thread.join(60)
    result = box["result"]
    (step,) = result.steps
    assert result.ok, result.to_json()
    assert step.attempts[0].outcome == "connection_lost"
    assert [i.cleaned for i in step.invalid_indexes] == [True]
    with psycopg.connect(counted) as conn:
        valid = conn.execute(
            "SELECT indisvalid FROM pg_index WHERE indexrelid = 't_slow'::regclass"
        ).fetchone()
    assert valid == (True,)


@pytest.fixture(scope="module")
def server():
    srv = private_server()
    yield srv
    try:
        srv.stop("immediate")
    except Exception:  # noqa: BLE001 - already stopped by a test
        pass


def _fresh(server, name: str) -> str:
    dsn = server.create_db(name)
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(
            "CREATE TABLE t (id int PRIMARY KEY, v int NOT NULL DEFAULT 0);"
            "INSERT INTO t (id) SELECT generate_series(1, 100);"
        )
    return dsn


def test_server_restart_mid_apply_is_ridden_through(server):
    dsn = _fresh(server, "restart_through")
    settings = ExecSettings(lock_timeout=LOCK_TIMEOUT, retries=6, backoff_base=0.5)
    box: dict = {}
    sql = "ALTER TABLE t ADD COLUMN a int;\n" + UNIT + "ALTER TABLE t ADD COLUMN w int;\n"
    thread = _apply_in_thread(dsn, sql, settings, box)
    assert wait_for(lambda: phasetui_running(dsn, "%pg_sleep(1.2)%"))
    server.restart()
    thread.join(60)
    assert "error" not in box, box.get("error")
    result = box["result"]
    assert result.ok, result.to_json()
    outcomes = [a.outcome for a in result.steps[1].attempts]
    assert outcomes[0] == "connection_lost" and outcomes[-1] == "ok"
    assert total(dsn) == 100
    assert {"a", "w"} <= columns(dsn, "t")


def test_server_gone_for_good_stops_clearly_and_says_what_stayed_applied(server):
    dsn = _fresh(server, "gone_for_good")
    settings = ExecSettings(lock_timeout=LOCK_TIMEOUT, retries=3, backoff_base=0.1)
    box: dict = {}
    sql = "ALTER TABLE t ADD COLUMN a int;\n" + UNIT + "ALTER TABLE t ADD COLUMN w int;\n"
    thread = _apply_in_thread(dsn, sql, settings, box)
    assert wait_for(lambda: phasetui_running(dsn, "%pg_sleep(1.2)%"))
    server.stop("fast")
    try:
        thread.join(60)
    finally:
        server.start()
    assert "error" not in box, box.get("error")
    result = box["result"]
    assert not result.ok
    first, second, third = result.steps
    assert (first.status, second.status, third.status) == ("applied", "failed", "not-run")
    assert "connection" in second.error
    data = json.loads(result.to_json())
    assert data["outcome"]["applied_statements"] == [1]
    assert data["outcome"]["rolled_back_statements"] == [3, 4]
    assert data["outcome"]["not_run_statements"] == [6]
    md = result.to_markdown()
    assert "stayed applied: statement #1" in md and "failed, not applied: statements #3, #4" in md
    assert total(dsn) == 0 and "a" in columns(dsn, "t") and "w" not in columns(dsn, "t")


def test_server_restart_during_commit_asks_the_server_before_running_it_again(server):
    """COMMIT is slow (a deferred trigger) and the server restarts under it: the reconnect
    fails at first, succeeds after the restart, and only then is the server asked."""
    dsn = _fresh(server, "restart_commit")
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(
            "CREATE FUNCTION slow_commit() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN PERFORM pg_sleep(1.0); RETURN NULL; END $$;"
            "CREATE CONSTRAINT TRIGGER slow AFTER UPDATE ON t DEFERRABLE INITIALLY DEFERRED "
            "FOR EACH ROW WHEN (NEW.id = 1) EXECUTE FUNCTION slow_commit();"
        )
    settings = ExecSettings(lock_timeout=LOCK_TIMEOUT, retries=6, backoff_base=0.5)
    box: dict = {}
    thread = _apply_in_thread(dsn, "BEGIN;\nUPDATE t SET v = v + 1;\nCOMMIT;\n", settings, box)
    assert wait_for(lambda: phasetui_running(dsn, "COMMIT%"), every=0.01)
    server.restart()
    thread.join(60)
    assert "error" not in box, box.get("error")
    (step,) = box["result"].steps
    assert step.status == "applied", box["result"].to_json()
    assert "did not commit" in step.note
    assert total(dsn) == 100
