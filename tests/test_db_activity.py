"""Who blocks phasetui's sessions, read from the server while they wait (no mocks)."""

from __future__ import annotations

import threading
import time

import psycopg

from phasetui.db.activity import read_activity, signal_backend


def test_a_lock_holder_shows_as_the_blocker_and_can_be_cancelled(db_dsn):
    with psycopg.connect(db_dsn, autocommit=True) as setup:
        setup.execute("CREATE TABLE t (id int PRIMARY KEY, v int)")
        setup.execute("INSERT INTO t SELECT g, 0 FROM generate_series(1, 10) g")
    holder = psycopg.connect(db_dsn, application_name="psql")
    holder.execute("BEGIN")
    holder.execute("UPDATE t SET v = 1 WHERE id = 1  /* password = 'hunter2' */")
    errors: list[str] = []

    def waiter() -> None:
        with psycopg.connect(db_dsn, autocommit=True, application_name="phasetui test") as c:
            try:
                c.execute("SET statement_timeout = '20s'")
                c.execute("ALTER TABLE t ADD COLUMN w int")
            except psycopg.Error as exc:
                errors.append(exc.sqlstate or "")

    thread = threading.Thread(target=waiter)
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            sessions = [s for s in read_activity(db_dsn) if s.waiting_on_lock]
            if sessions and sessions[0].blockers:
                break
            time.sleep(0.1)
        (waiting,) = sessions
        assert "ALTER TABLE t ADD COLUMN w int" in waiting.query
        assert waiting.elapsed_seconds is not None and waiting.elapsed_seconds >= 0
        (blocker,) = waiting.blockers
        assert blocker.pid == holder.info.backend_pid
        assert blocker.application == "psql" and blocker.state == "idle in transaction"
        assert "hunter2" not in blocker.query  # a blocker's query is masked
        assert "RowExclusiveLock" in blocker.lock_mode
        assert "blocked by 1 session" in waiting.line()
        # the driver terminates the idle-in-transaction holder; the waiter goes on
        assert signal_backend(db_dsn, blocker.pid, terminate=True)
        thread.join(15)
        assert not thread.is_alive() and not errors
    finally:
        thread.join(25)
        holder.close()
