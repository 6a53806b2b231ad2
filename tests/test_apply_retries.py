"""Apply against the real test PostgreSQL, with a second connection really holding locks."""

from __future__ import annotations

import json
import threading
import time

import psycopg
import pytest

from phasetui.db.apply import apply_sql, cleanup_invalid_index, find_invalid_indexes
from phasetui.db.environments import Environment
from phasetui.db.session import ExecSettings
from phasetui.errors import BadInput, UserError

FAST = ExecSettings(
    lock_timeout=0.3, statement_timeout=30, retries=12, backoff_base=0.1, backoff_max=0.4
)


@pytest.fixture
def users_db(db_dsn: str) -> str:
    with psycopg.connect(db_dsn, autocommit=True) as conn:
        conn.execute(
            "CREATE TABLE users (id bigint PRIMARY KEY, email text);"
            "INSERT INTO users SELECT g, 'u' || g FROM generate_series(1, 500) g;"
        )
    return db_dsn


class Holder:
    """A second session holding a lock on ``users`` until released (or for ``seconds``)."""

    def __init__(self, dsn: str, sql: str, seconds: float | None) -> None:
        self.conn = psycopg.connect(dsn)
        self.conn.execute(sql)  # opens a transaction that keeps the lock
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._hold, args=(seconds,), daemon=True)
        self.thread.start()

    def _hold(self, seconds: float | None) -> None:
        self.done.wait(seconds)
        self.conn.rollback()
        self.conn.close()

    def release(self) -> None:
        self.done.set()
        self.thread.join(5)


def _columns(dsn: str) -> set[str]:
    with psycopg.connect(dsn) as conn:
        rows = conn.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'users'"
        ).fetchall()
    return {r[0] for r in rows}


def test_lock_held_for_a_while_is_retried_until_it_succeeds(users_db):
    holder = Holder(users_db, "LOCK TABLE users IN ACCESS SHARE MODE", seconds=2.0)
    try:
        t0 = time.monotonic()
        result = apply_sql(users_db, "ALTER TABLE users ADD COLUMN token text;", settings=FAST)
        elapsed = time.monotonic() - t0
    finally:
        holder.release()
    (step,) = result.steps
    assert result.ok, result.to_json()
    assert step.tries >= 2
    assert step.attempts[0].outcome == "lock_timeout"
    assert step.attempts[0].sqlstate == "55P03"
    assert step.attempts[0].waited_before_retry_s > 0
    assert step.attempts[-1].outcome == "ok"
    assert elapsed >= 1.5  # it really waited for the holder
    assert "token" in _columns(users_db)
    md = result.to_markdown()
    assert "lock_timeout" in md and "## Tries" in md


def test_lock_never_released_gives_bounded_tries_and_a_clear_failure(users_db):
    holder = Holder(users_db, "LOCK TABLE users IN ACCESS SHARE MODE", seconds=None)
    settings = ExecSettings(lock_timeout=0.2, retries=2, backoff_base=0.05, backoff_max=0.1)
    try:
        result = apply_sql(
            users_db,
            "ALTER TABLE users ADD COLUMN a int; ALTER TABLE users ADD COLUMN b int;",
            settings=settings,
        )
    finally:
        holder.release()
    first, second = result.steps
    assert not result.ok
    assert first.status == "failed" and first.tries == 3
    assert [a.outcome for a in first.attempts] == ["lock_timeout"] * 3
    assert "lock timeout" in first.error
    assert second.status == "not-run"
    assert not {"a", "b"} & _columns(users_db)
    assert json.loads(result.to_json())["steps"][0]["tries"] == 3


def test_begin_commit_block_is_one_transaction(users_db):
    sql = """
    BEGIN;
    ALTER TABLE users ADD COLUMN a int;
    ALTER TABLE users ADD COLUMN a int;  -- fails: the whole block must roll back
    COMMIT;
    """
    result = apply_sql(users_db, sql, settings=FAST)
    (step,) = result.steps
    assert step.status == "failed" and step.sqlstate == "42701"
    assert len(step.statements) == 2 and step.tries == 1
    assert "a" not in _columns(users_db)


def test_statements_outside_blocks_commit_one_by_one(users_db):
    sql = "ALTER TABLE users ADD COLUMN a int; ALTER TABLE users ADD COLUMN a int;"
    result = apply_sql(users_db, sql, settings=FAST)
    assert [s.status for s in result.steps] == ["applied", "failed"]
    assert "a" in _columns(users_db)


def test_concurrently_inside_begin_is_refused_before_anything_runs(users_db):
    sql = """
    ALTER TABLE users ADD COLUMN a int;
    BEGIN;
    CREATE INDEX CONCURRENTLY users_email ON users (email);
    COMMIT;
    """
    with pytest.raises(BadInput, match=r"<sql>:4:\d+: CREATE INDEX CONCURRENTLY"):
        apply_sql(users_db, sql, settings=FAST)
    assert "a" not in _columns(users_db)


def test_concurrent_index_runs_in_autocommit(users_db):
    result = apply_sql(
        users_db, "CREATE INDEX CONCURRENTLY users_email ON users (email);", settings=FAST
    )
    (step,) = result.steps
    assert result.ok and step.autocommit
    with psycopg.connect(users_db) as conn:
        assert conn.execute(
            "SELECT indisvalid FROM pg_index WHERE indexrelid = 'users_email'::regclass"
        ).fetchone() == (True,)


def _duplicate(dsn: str) -> None:
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("UPDATE users SET email = 'same' WHERE id IN (1, 2)")


CIC_UNIQUE = "CREATE UNIQUE INDEX CONCURRENTLY users_email_key ON users (email);"


def _index_state(dsn: str, name: str):
    with psycopg.connect(dsn) as conn:
        row = conn.execute(
            "SELECT i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid"
            " WHERE c.relname = %s",
            (name,),
        ).fetchone()
    return None if row is None else row[0]


def test_failed_unique_concurrent_build_leaves_invalid_index_offered_for_cleanup(users_db):
    _duplicate(users_db)
    result = apply_sql(users_db, CIC_UNIQUE, settings=FAST)
    (step,) = result.steps
    assert step.status == "failed" and step.sqlstate == "23505"
    (idx,) = step.invalid_indexes
    assert (idx.schema, idx.name, idx.table) == ("public", "users_email_key", "public.users")
    assert not idx.cleaned
    assert idx.cleanup_sql == 'DROP INDEX CONCURRENTLY IF EXISTS "public"."users_email_key"'
    assert result.pending_cleanup == [idx]
    assert json.loads(result.to_json())["pending_cleanup"] == [idx.cleanup_sql]
    assert _index_state(users_db, "users_email_key") is False  # really INVALID in pg_index
    cleaned = cleanup_invalid_index(users_db, idx, FAST)
    assert cleaned.cleaned
    assert _index_state(users_db, "users_email_key") is None


def test_failed_unique_concurrent_build_is_cleaned_up_when_asked(users_db):
    _duplicate(users_db)
    asked = []
    result = apply_sql(
        users_db, CIC_UNIQUE, settings=FAST, cleanup_invalid=lambda i: asked.append(i) or True
    )
    (step,) = result.steps
    assert step.status == "failed"
    assert [i.name for i in asked] == ["users_email_key"]
    assert step.invalid_indexes[0].cleaned and result.pending_cleanup == []
    assert _index_state(users_db, "users_email_key") is None
    assert "dropped" in result.to_markdown()


def test_concurrent_build_that_times_out_is_cleaned_and_retried(users_db):
    # An open writing transaction: CIC gets its SHARE UPDATE EXCLUSIVE lock and creates the
    # index entry, then waits for this transaction and hits lock_timeout: INVALID index.
    holder = Holder(users_db, "INSERT INTO users VALUES (100000, 'x')", seconds=2.0)
    try:
        result = apply_sql(
            users_db,
            "CREATE INDEX CONCURRENTLY users_email ON users (email);",
            settings=FAST,
            cleanup_invalid=True,
        )
    finally:
        holder.release()
    (step,) = result.steps
    assert result.ok, result.to_json()
    assert step.tries >= 2 and step.attempts[0].outcome == "lock_timeout"
    assert step.invalid_indexes and all(i.cleaned for i in step.invalid_indexes)
    assert _index_state(users_db, "users_email") is True


def test_preexisting_invalid_indexes_are_reported_not_touched(users_db):
    _duplicate(users_db)
    apply_sql(users_db, CIC_UNIQUE, settings=FAST)
    result = apply_sql(
        users_db, "ALTER TABLE users ADD COLUMN a int;", settings=FAST, cleanup_invalid=True
    )
    assert result.ok
    assert [i.name for i in result.preexisting_invalid] == ["users_email_key"]
    with psycopg.connect(users_db) as conn:
        assert [i.name for i in find_invalid_indexes(conn)] == ["users_email_key"]


def test_production_needs_typed_confirmation_and_read_only_never_writes(users_db):
    prod = Environment(name="prod", service="prod", production=True)
    with pytest.raises(UserError, match="--yes-i-mean-production prod"):
        apply_sql(users_db, "ALTER TABLE users ADD COLUMN a int;", environment=prod)
    with pytest.raises(UserError):
        apply_sql(
            users_db, "ALTER TABLE users ADD COLUMN a int;", environment=prod, confirm="staging"
        )
    assert "a" not in _columns(users_db)
    result = apply_sql(
        users_db, "ALTER TABLE users ADD COLUMN a int;", environment=prod, confirm="prod"
    )
    assert result.ok and "a" in _columns(users_db)
    ro = Environment(name="replica", service="replica", read_only=True)
    with pytest.raises(UserError, match="read-only"):
        apply_sql(
            users_db, "ALTER TABLE users ADD COLUMN b int;", environment=ro, confirm="replica"
        )
    assert "b" not in _columns(users_db)
