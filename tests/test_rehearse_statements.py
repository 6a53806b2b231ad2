"""Splitting migration SQL and knowing what cannot run in a transaction (pglast, no DB)."""

from __future__ import annotations

import psycopg
import pytest

from phasetui.db.locks import blocks_summary, conflicts, normalize_mode
from phasetui.db.rehearse import rehearse_sql
from phasetui.db.statements import no_transaction_reason, plan_batches, split_statements
from phasetui.errors import BadInput


def _reason(sql: str, version: int | None = None) -> str | None:
    (st,) = split_statements(sql, server_version=version)
    return st.no_transaction


def test_positions_skip_comments_and_keep_semicolons_in_bodies():
    sql = (
        "-- header comment\n"
        "BEGIN;\n"
        "/* why */ ALTER TABLE t ADD COLUMN x int;  -- trailing\n"
        "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1; $$;\n"
        "SELECT 'a;b';\n"
        "COMMIT;\n"
    )
    sts = split_statements(sql)
    assert [(s.line, s.column) for s in sts] == [(2, 1), (3, 11), (4, 1), (5, 1), (6, 1)]
    assert sts[1].text == "ALTER TABLE t ADD COLUMN x int"
    assert sts[2].text.endswith("$$ SELECT 1; $$")
    assert [s.txn_control for s in sts] == ["begin", None, None, None, "commit"]


@pytest.mark.parametrize(
    "sql",
    [
        "CREATE INDEX CONCURRENTLY i ON t (x)",
        "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS i ON t (x)",
        "DROP INDEX CONCURRENTLY i",
        "REINDEX INDEX CONCURRENTLY i",
        "REINDEX (CONCURRENTLY) TABLE t",
        "REINDEX DATABASE d",
        "ALTER TABLE p DETACH PARTITION c CONCURRENTLY",
        "VACUUM t",
        "VACUUM (FULL, ANALYZE) t",
        "CLUSTER",
        "CREATE DATABASE d",
        "DROP DATABASE d",
        "ALTER SYSTEM SET work_mem = '64MB'",
    ],
)
def test_statements_that_cannot_run_in_a_transaction(sql):
    assert "cannot run inside a transaction block" in _reason(sql)


@pytest.mark.parametrize(
    "sql",
    [
        "CREATE INDEX i ON t (x)",
        "DROP INDEX i",
        "REINDEX INDEX i",
        "ALTER TABLE p DETACH PARTITION c",
        "ANALYZE t",
        "CLUSTER t USING i",
        "ALTER TABLE t ADD COLUMN x int",
    ],
)
def test_statements_that_can(sql):
    assert _reason(sql) is None


def test_alter_type_add_value_depends_on_the_version():
    sql = "ALTER TYPE mood ADD VALUE 'meh'"
    assert "before PostgreSQL 12" in _reason(sql, 110000)
    assert _reason(sql, 150000) is None


def test_parse_error_names_file_line_column():
    # the same message as `phasetui lint` gives: one parser, one error
    with pytest.raises(BadInput, match=r"^m\.sql:3:18: syntax error"):
        split_statements("SELECT 1;\n\nALTER TABLE t ADD;\n", source="m.sql")


def test_batches_follow_the_files_transactions():
    sql = """
    ALTER TABLE t ADD COLUMN a int;
    BEGIN;
    ALTER TABLE t ADD COLUMN b int;
    ALTER TABLE t ADD COLUMN c int;
    COMMIT;
    CREATE INDEX CONCURRENTLY i ON t (a);
    """
    batches = plan_batches(split_statements(sql))
    assert [(len(b.statements), b.autocommit, b.explicit) for b in batches] == [
        (1, False, False),
        (2, False, True),
        (1, True, False),
    ]


@pytest.mark.parametrize(
    ("sql", "message"),
    [
        ("BEGIN; CREATE INDEX CONCURRENTLY i ON t (x); COMMIT;", "move the statement"),
        ("BEGIN; ALTER TABLE t ADD COLUMN a int;", "without a COMMIT"),
        ("BEGIN; BEGIN; COMMIT;", "inside the transaction"),
        ("BEGIN; SELECT 1; ROLLBACK;", "remove the statement"),
    ],
)
def test_batches_refuse_what_postgres_would_refuse_midway(sql, message):
    with pytest.raises(BadInput) as info:
        plan_batches(split_statements(sql))
    assert message in str(info.value)


def test_lock_modes_and_what_they_block():
    assert normalize_mode("ShareUpdateExclusiveLock") == "SHARE UPDATE EXCLUSIVE"
    assert blocks_summary("AccessExclusiveLock") == "reads and writes"
    assert blocks_summary("SHARE") == "writes (reads go on)"
    assert blocks_summary("SHARE UPDATE EXCLUSIVE").startswith("neither reads nor writes")
    assert conflicts("SHARE", "ROW EXCLUSIVE") and not conflicts("SHARE", "SHARE")
    assert not conflicts("SHARE UPDATE EXCLUSIVE", "ROW EXCLUSIVE")
    assert conflicts("SHARE UPDATE EXCLUSIVE", "SHARE UPDATE EXCLUSIVE")


def test_no_transaction_reason_accepts_a_bare_node():
    from pglast import parser

    node = parser.parse_sql("CREATE INDEX CONCURRENTLY i ON t (x)")[0].stmt
    assert no_transaction_reason(node) is not None


def test_files_own_savepoints_are_rehearsed_as_written(db_dsn):
    with psycopg.connect(db_dsn, autocommit=True) as conn:
        conn.execute("CREATE TABLE t (id int)")
    sql = """
    BEGIN;
    SAVEPOINT before_column;
    ALTER TABLE t ADD COLUMN a int;
    ROLLBACK TO SAVEPOINT before_column;
    ALTER TABLE t ADD COLUMN a text;
    RELEASE SAVEPOINT before_column;
    COMMIT;
    """
    result = rehearse_sql(db_dsn, sql)
    assert result.passed, result.to_json()
    assert [s.status for s in result.statements] == [
        "skipped", "rehearsed", "rehearsed", "rehearsed", "rehearsed", "rehearsed", "skipped",
    ]  # fmt: skip
    with psycopg.connect(db_dsn) as conn:
        cols = conn.execute(
            "SELECT count(*) FROM information_schema.columns WHERE table_name = 't'"
        ).fetchone()[0]
    assert cols == 1
