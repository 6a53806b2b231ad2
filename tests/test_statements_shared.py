"""One splitter for lint, rehearsal and apply: the same file gets the same statement numbers
and the same line/column on every side, plain SQL and ``migrate --pretend`` output alike."""

from __future__ import annotations

import pytest

from phasetui.db.apply import apply_sql
from phasetui.db.rehearse import rehearse_sql
from phasetui.db.statements import plan_batches, split_statements
from phasetui.errors import BadInput
from phasetui.sql.lint import lint_text
from phasetui.sql.statements import Source, split_source
from tests.test_lint_input import PRETEND_NEW

SQL = """-- 0042: a status for users
SET lock_timeout = '2s';

BEGIN;
/* the column first */ ALTER TABLE users ADD COLUMN status text;
DO $body$
BEGIN
  UPDATE users SET status = 'active'; -- a ; in the body
  RAISE NOTICE 'done; really';
END
$body$;
CREATE INDEX users_email_idx ON users (email);
COMMIT;

CREATE INDEX CONCURRENTLY users_status_idx ON users (status);  -- trailing; comment
    ALTER TABLE users ALTER COLUMN status SET NOT NULL;
"""

# (index, line, column) of every statement, as the file reads
PLACES = [
    (1, 2, 1),
    (2, 4, 1),
    (3, 5, 24),
    (4, 6, 1),
    (5, 12, 1),
    (6, 13, 1),
    (7, 15, 1),
    (8, 16, 5),
]

PRETEND = PRETEND_NEW + (
    "  2026_01_12_080000_index_flights_name .....................................\n"
    '  ⇂ create index concurrently "flights_name_index" on "flights" ("name")\n'
)


def _places(statements) -> list[tuple[int, int, int]]:
    return [(s.index, s.line, s.column) for s in statements]


def _linted(text: str, name: str) -> list[tuple[int, int, int]]:
    """(statement index, line, column) of every lint finding."""
    index = {(s.line, s.column): s.index for s in split_source(Source(name, text))}
    return [(index[(f.line, f.column)], f.line, f.column) for f in lint_text(text, name).findings]


@pytest.fixture
def users_db(db_dsn: str) -> str:
    setup = (
        "CREATE TABLE users (id bigint PRIMARY KEY, email text);"
        "INSERT INTO users SELECT g, 'u' || g FROM generate_series(1, 50) g;"
    )
    assert apply_sql(db_dsn, setup).ok
    return db_dsn


def test_lint_and_execution_split_the_file_alike():
    linted = split_source(Source("m.sql", SQL))
    executed = split_statements(SQL, source="m.sql")
    assert _places(linted) == _places(executed) == PLACES
    assert [s.text for s in linted] == [s.text for s in executed]
    do_block = executed[3]
    assert do_block.kind == "DoStmt" and do_block.end_line == 11
    assert do_block.text.endswith("RAISE NOTICE 'done; really';\nEND\n$body$")
    assert [s.txn_control for s in executed] == [None, "begin", *[None] * 3, "commit", None, None]
    assert [bool(s.no_transaction) for s in executed] == [False] * 6 + [True, False]
    # the DO block, the plain CREATE INDEX and SET NOT NULL (rules may find more than one)
    assert set(_linted(SQL, "m.sql")) == {(4, 6, 1), (5, 12, 1), (8, 16, 5)}


def test_rehearsal_reports_the_statements_lint_reports(users_db):
    result = rehearse_sql(users_db, SQL, source="m.sql")
    assert result.passed, result.to_json()
    assert _places(result.statements) == PLACES
    assert [s.status for s in result.statements] == [
        "rehearsed", "skipped", "rehearsed", "rehearsed", "rehearsed", "skipped",
        "not-rehearsed", "rehearsed",
    ]  # fmt: skip
    by_index = {s.index: (s.index, s.line, s.column) for s in result.statements}
    for index, line, column in _linted(SQL, "m.sql"):
        assert by_index[index] == (index, line, column)


def test_apply_reports_the_statements_lint_reports(users_db):
    result = apply_sql(users_db, SQL, source="m.sql")
    assert result.ok, result.to_json()
    steps = [[(s["index"], s["line"], s["column"]) for s in st.statements] for st in result.steps]
    places = {p[0]: p for p in PLACES}
    assert steps == [[places[1]], [places[3], places[4], places[5]], [places[7]], [places[8]]]
    applied = {p for step in steps for p in step}
    assert set(_linted(SQL, "m.sql")) <= applied


def test_pretend_output_is_rehearsed_where_lint_points(users_db):
    (finding,) = lint_text(PRETEND, "pretend.txt").errors
    result = rehearse_sql(users_db, PRETEND, source="pretend.txt")
    assert _places(result.statements) == [
        (1, 5, 5), (2, 6, 5), (3, 8, 5), (4, 9, 5), (5, 10, 5), (6, 12, 5),
    ]  # fmt: skip
    assert _places(result.statements) == _places(split_source(Source("pretend.txt", PRETEND)))
    second = result.statements[1]
    assert (second.line, second.column) == (finding.line, finding.column)
    assert second.migration == finding.migration == "2026_01_10_120000_add_tenant_to_users"
    assert [s.status for s in result.statements] == [
        "rehearsed", "rehearsed", "rehearsed", "rehearsed", "not-rehearsed", "not-rehearsed",
    ]  # fmt: skip
    assert "bound parameter" in result.statements[4].reason
    assert result.passed


def test_pretend_migrations_run_as_laravel_runs_them():
    statements = split_statements(PRETEND.replace(" values (?)", " values ('x')"))
    batches = plan_batches(statements)
    assert [([s.index for s in b.statements], b.autocommit) for b in batches] == [
        ([1, 2], False),  # one transaction per migration
        ([3, 4, 5], False),
        ([6], True),  # CONCURRENTLY: Laravel needs $withinTransaction = false
    ]
    with pytest.raises(BadInput, match=r"^<sql>:10:5: .*bound parameters"):
        plan_batches(split_statements(PRETEND))


def test_psql_meta_commands_are_skipped_by_lint_and_refused_by_apply():
    sql = "SELECT 1;\n\\connect other\nSELECT 2;\n"
    assert _places(split_source(Source("m.sql", sql))) == [(1, 1, 1), (2, 3, 1)]
    with pytest.raises(BadInput, match=r"^m\.sql:2:1: `\\connect other` is a psql meta"):
        split_statements(sql, source="m.sql")


def test_a_backslash_line_in_a_string_is_sql_on_both_sides():
    sql = "SELECT 1;\nSELECT E'a\n\\b;';\n"
    for statements in (split_source(Source("m.sql", sql)), split_statements(sql)):
        assert _places(statements) == [(1, 1, 1), (2, 2, 1)]
        assert statements[1].text == "SELECT E'a\n\\b;'"
