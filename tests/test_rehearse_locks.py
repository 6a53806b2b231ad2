"""Lock rehearsal against the real test PostgreSQL: measured locks, rewrites, no commit."""

from __future__ import annotations

import json

import psycopg
import pytest

from phasetui.db.environments import Environment
from phasetui.db.rehearse import rehearse_sql
from phasetui.errors import UserError

SETUP = """
CREATE TABLE users (id bigint PRIMARY KEY, email text, org_id bigint);
CREATE TABLE orgs (id bigint PRIMARY KEY);
INSERT INTO orgs SELECT g FROM generate_series(1, 10) g;
INSERT INTO users SELECT g, 'u' || g || '@example.com', 1 + g % 10
FROM generate_series(1, 2000) g;
"""


@pytest.fixture
def users_db(db_dsn: str) -> str:
    with psycopg.connect(db_dsn, autocommit=True) as conn:
        conn.execute(SETUP)
    return db_dsn


def _schema(dsn: str) -> list[tuple]:
    with psycopg.connect(dsn) as conn:
        cols = conn.execute(
            "SELECT table_name, column_name, is_nullable, column_default"
            " FROM information_schema.columns WHERE table_schema = 'public'"
            " ORDER BY 1, 2"
        ).fetchall()
        cons = conn.execute(
            "SELECT conname, convalidated FROM pg_constraint"
            " WHERE connamespace = 'public'::regnamespace ORDER BY 1"
        ).fetchall()
        idx = conn.execute(
            "SELECT indexname FROM pg_indexes WHERE schemaname = 'public' ORDER BY 1"
        ).fetchall()
        node = conn.execute("SELECT relfilenode FROM pg_class WHERE relname = 'users'").fetchone()
    return [*cols, *cons, *idx, node]


def _modes(rec, relation: str = "users") -> set[str]:
    return {lk.mode for lk in rec.locks if lk.relation == relation and lk.locktype == "relation"}


def test_volatile_default_takes_access_exclusive_and_rewrites(users_db):
    result = rehearse_sql(
        users_db, "ALTER TABLE users ADD COLUMN token uuid DEFAULT gen_random_uuid();"
    )
    (st,) = result.statements
    assert st.status == "rehearsed"
    assert "ACCESS EXCLUSIVE" in _modes(st)
    assert st.strongest_lock == "ACCESS EXCLUSIVE"
    assert st.rewritten
    assert any(r.relation == "public.users" and r.relkind == "table" for r in st.rewrites)
    assert st.to_dict()["blocks"] == "reads and writes"
    assert result.passed and result.committed is False


def test_constant_default_takes_the_lock_but_does_not_rewrite(users_db):
    result = rehearse_sql(users_db, "ALTER TABLE users ADD COLUMN flag boolean DEFAULT false;")
    (st,) = result.statements
    assert "ACCESS EXCLUSIVE" in _modes(st)
    assert not st.rewritten and st.rewrites == []


def test_set_not_null_takes_access_exclusive_without_rewrite(users_db):
    result = rehearse_sql(users_db, "ALTER TABLE users ALTER COLUMN email SET NOT NULL;")
    (st,) = result.statements
    assert st.status == "rehearsed"
    assert _modes(st) >= {"ACCESS EXCLUSIVE"}
    assert not st.rewritten


def test_not_valid_then_validate_lock_levels(users_db):
    sql = """
    ALTER TABLE users ADD CONSTRAINT users_org_fk FOREIGN KEY (org_id) REFERENCES orgs (id)
        NOT VALID;
    COMMIT;
    ALTER TABLE users VALIDATE CONSTRAINT users_org_fk;
    ALTER TABLE users ADD CONSTRAINT email_len CHECK (length(email) > 3) NOT VALID;
    """
    result = rehearse_sql(users_db, sql)
    add_fk, commit, validate, add_check = result.statements
    # ADD FOREIGN KEY … NOT VALID: SHARE ROW EXCLUSIVE on both tables, no scan.
    assert "SHARE ROW EXCLUSIVE" in _modes(add_fk, "users")
    assert "SHARE ROW EXCLUSIVE" in _modes(add_fk, "orgs")
    assert "ACCESS EXCLUSIVE" not in _modes(add_fk)
    assert commit.status == "skipped" and "never commits" in commit.reason
    # VALIDATE: SHARE UPDATE EXCLUSIVE on the table, which blocks neither reads nor writes.
    assert "SHARE UPDATE EXCLUSIVE" in _modes(validate)
    lk = next(lk for lk in validate.locks if lk.mode == "SHARE UPDATE EXCLUSIVE")
    assert lk.blocks.startswith("neither reads nor writes")
    # ADD CHECK … NOT VALID: ACCESS EXCLUSIVE (briefly), catalog only.
    assert "ACCESS EXCLUSIVE" in _modes(add_check)
    assert not add_check.rewritten


def test_concurrently_is_not_rehearsed_but_later_statements_are(users_db):
    sql = """
    CREATE UNIQUE INDEX CONCURRENTLY users_email_key ON users (email);
    ALTER TABLE users ADD CONSTRAINT users_email_uq UNIQUE USING INDEX users_email_key;
    """
    result = rehearse_sql(users_db, sql)
    cic, using = result.statements
    assert cic.status == "not-rehearsed"
    assert "cannot run inside a transaction block" in cic.reason
    assert cic.documented_lock.startswith("SHARE UPDATE EXCLUSIVE")
    assert cic.locks == []
    assert cic.stand_in == "CREATE UNIQUE INDEX users_email_key ON users (email)"
    assert using.status == "rehearsed"
    assert "ACCESS EXCLUSIVE" in _modes(using)
    assert result.passed
    assert [s.index for s in result.not_rehearsed] == [1]


def test_concurrent_unique_index_on_duplicates_fails_in_rehearsal(users_db):
    with psycopg.connect(users_db, autocommit=True) as conn:
        conn.execute("UPDATE users SET email = 'dup@example.com' WHERE id IN (1, 2)")
    result = rehearse_sql(
        users_db, "CREATE UNIQUE INDEX CONCURRENTLY users_email_key ON users (email);"
    )
    (st,) = result.statements
    assert st.status == "failed"
    assert st.sqlstate == "23505"
    assert "would fail too" in st.reason
    assert not result.passed


def test_nothing_is_committed(users_db):
    before = _schema(users_db)
    sql = """
    BEGIN;
    ALTER TABLE users ADD COLUMN token uuid DEFAULT gen_random_uuid();
    CREATE TABLE audit_log (id bigserial PRIMARY KEY, note text);
    INSERT INTO audit_log (note) VALUES ('x');
    COMMIT;
    ALTER TABLE users ALTER COLUMN email SET NOT NULL;
    CREATE INDEX users_email ON users (email);
    UPDATE users SET email = lower(email);
    END;
    """
    result = rehearse_sql(users_db, sql)
    assert result.passed, result.to_json()
    statuses = [s.status for s in result.statements]
    assert statuses.count("skipped") == 3
    update = result.statements[-2]
    assert update.rows == 2000
    assert _schema(users_db) == before
    with psycopg.connect(users_db) as conn:
        assert conn.execute("SELECT to_regclass('audit_log')").fetchone()[0] is None


def test_lock_already_held_is_reported_with_its_origin(users_db):
    sql = """
    ALTER TABLE users ADD COLUMN a int;
    ALTER TABLE users ALTER COLUMN email SET NOT NULL;
    """
    first, second = rehearse_sql(users_db, sql).statements
    assert "ACCESS EXCLUSIVE" in _modes(first)
    assert "ACCESS EXCLUSIVE" not in _modes(second)
    held = [lk for lk in second.already_held if lk.relation == "users"]
    assert any(lk.mode == "ACCESS EXCLUSIVE" and lk.held_since == 1 for lk in held)


def test_new_table_locks_are_marked_new(users_db):
    sql = "CREATE TABLE t2 (id int); ALTER TABLE t2 ADD COLUMN x int DEFAULT random();"
    create, alter = rehearse_sql(users_db, sql).statements
    lk = next(lk for lk in create.locks if lk.relation == "t2" and lk.mode == "ACCESS EXCLUSIVE")
    assert lk.new_relation and not lk.interesting
    assert alter.strongest_lock is None  # nothing on a table anyone else can see
    assert alter.rewritten  # a new, empty table is still rewritten: measured, not guessed


def test_failed_statement_stops_the_rehearsal(users_db):
    sql = "ALTER TABLE nope ADD COLUMN x int; ALTER TABLE users ADD COLUMN y int;"
    result = rehearse_sql(users_db, sql)
    failed, rest = result.statements
    assert failed.status == "failed" and failed.sqlstate == "42P01"
    assert 'relation "nope" does not exist' in failed.reason
    assert rest.status == "not-run"
    assert not result.passed


def test_production_is_refused_unless_rehearsal_allowed(users_db):
    prod = Environment(name="prod", service="prod", production=True)
    with pytest.raises(UserError, match="production"):
        rehearse_sql(users_db, "ALTER TABLE users ADD COLUMN x int;", environment=prod)
    allowed = Environment(name="prod", service="prod", production=True, rehearsal_allowed=True)
    result = rehearse_sql(users_db, "ALTER TABLE users ADD COLUMN x int;", environment=allowed)
    assert result.passed


def test_results_serialize_to_json_and_markdown(users_db):
    sql = """
    ALTER TABLE users ADD COLUMN token uuid DEFAULT gen_random_uuid();
    CREATE INDEX CONCURRENTLY users_email ON users (email);
    ALTER TABLE users ADD COLUMN note text DEFAULT '|pipe|';
    """
    result = rehearse_sql(users_db, sql, source="m.sql")
    data = json.loads(result.to_json())
    assert data["committed"] is False and data["passed"] is True
    assert data["statements"][0]["rewritten"] is True
    assert data["statements"][1]["status"] == "not-rehearsed"
    md = result.to_markdown()
    assert "rolled back" in md and "ACCESS EXCLUSIVE on users" in md
    table_rows = [ln for ln in md.splitlines() if ln.startswith("| 3 ")]
    assert len(table_rows) == 1 and "\\|pipe\\|" in table_rows[0]


def test_lost_connection_mid_rehearsal_is_a_clear_error(users_db):
    before = _schema(users_db)
    sql = """
    ALTER TABLE users ADD COLUMN token uuid DEFAULT gen_random_uuid();
    SELECT pg_terminate_backend(pg_backend_pid());
    ALTER TABLE users ADD COLUMN other int;
    """
    with pytest.raises(UserError, match="lost the connection") as info:
        rehearse_sql(users_db, sql)
    assert "nothing was committed" in info.value.message
    assert _schema(users_db) == before


def test_using_an_enum_value_added_above_is_not_a_rehearsal_failure(users_db):
    """ADD VALUE then using the value: fine in a real apply (the ADD VALUE commits first),
    impossible in a rehearsal's one transaction; the rest is still rehearsed."""
    with psycopg.connect(users_db, autocommit=True) as conn:
        conn.execute("CREATE TYPE state AS ENUM ('draft', 'live')")
        conn.execute("ALTER TABLE users ADD COLUMN state state NOT NULL DEFAULT 'draft'")
    sql = (
        "ALTER TYPE state ADD VALUE 'archived';\n"
        "UPDATE users SET state = 'archived' WHERE id = 1;\n"
        "ALTER TABLE users ADD COLUMN note text;\n"
    )
    result = rehearse_sql(users_db, sql)
    add, use, after = result.statements
    assert add.status == "rehearsed"
    assert use.status == "not-rehearsed" and use.sqlstate == "55P04"
    assert "ALTER TYPE state ADD VALUE" in use.reason and "never commits" in use.reason
    assert after.status == "rehearsed"
    assert result.passed


def test_an_enum_value_used_in_the_same_transaction_block_still_fails(users_db):
    """In one BEGIN … COMMIT, the real apply fails too: the rehearsal says so."""
    with psycopg.connect(users_db, autocommit=True) as conn:
        conn.execute("CREATE TYPE state AS ENUM ('draft', 'live')")
        conn.execute("ALTER TABLE users ADD COLUMN state state NOT NULL DEFAULT 'draft'")
    sql = (
        "BEGIN;\n"
        "ALTER TYPE state ADD VALUE 'archived';\n"
        "UPDATE users SET state = 'archived' WHERE id = 1;\n"
        "COMMIT;\n"
    )
    result = rehearse_sql(users_db, sql)
    use = result.statements[2]
    assert use.status == "failed" and use.sqlstate == "55P04"
    assert not result.passed
