"""verify: every expect form holding and not, read-only refusal, statement_timeout, evidence
files, and the runbook refusing an expect it cannot read at its line."""

from __future__ import annotations

import json
import textwrap

import psycopg
import pytest

from phasetui.errors import UserError
from phasetui.ops.outcome import StepContext
from phasetui.ops.verify import run_step
from phasetui.runbook.errors import RunbookError
from phasetui.runbook.expect import parse_expect
from phasetui.runbook.loader import load_runbook
from tests.helpers import write

HEAD = """\
[runbook]
id = "t"
title = "Test"

[environments.staging]
dsn_env = "KINDS_VERIFY_DSN"

[[phases]]
id = "contract"

[[phases.steps]]
id = "v"
kind = "verify"
env = "staging"
"""


@pytest.fixture
def users_db(make_db, monkeypatch):
    """users: 3 rows, 2 of them without preferences."""
    dsn = make_db()
    with psycopg.connect(dsn) as conn:
        conn.execute(
            "CREATE TABLE users (id int PRIMARY KEY, preferences jsonb);"
            "INSERT INTO users VALUES (1, '{}'), (2, NULL), (3, NULL);"
        )
    monkeypatch.setenv("KINDS_VERIFY_DSN", dsn)
    return dsn


def context(tmp_path, body: str) -> StepContext:
    rb = load_runbook(write(tmp_path / "rb.toml", HEAD + textwrap.dedent(body)))
    envs = dict(rb.environments)
    return StepContext(step=rb.step("v"), runbook=rb, target=envs["staging"], environments=envs)


NULLS = "SELECT count(*) FROM users WHERE preferences IS NULL"  # 2


@pytest.mark.parametrize(
    ("sql", "expect", "held"),
    [
        (NULLS, "2", True),
        (NULLS, "0", False),
        (NULLS, '"= 2"', True),
        (NULLS, '"= 3"', False),
        (NULLS, '"<= 2"', True),
        (NULLS, '"<= 1"', False),
        (NULLS, '">= 2"', True),
        (NULLS, '">= 3"', False),
        (NULLS, '"< 3"', True),
        (NULLS, '"< 2"', False),
        (NULLS, '"> 1"', True),
        (NULLS, '"> 2"', False),
        ("SELECT id FROM users WHERE id > 10", '"no rows"', True),
        ("SELECT id FROM users WHERE preferences IS NULL", '"no rows"', False),
        ("SELECT id FROM users WHERE preferences IS NULL", '"rows"', True),
        ("SELECT id FROM users WHERE id > 10", '"rows"', False),
        ("SELECT bool_and(id > 0) FROM users", "true", True),
        ("SELECT bool_and(id > 1) FROM users", "true", False),
        ("SELECT avg(id) FROM users", "2", True),  # numeric 2.0000 equals 2
        ("SELECT id FROM users WHERE id > 10", "0", False),  # no row is not 0
    ],
)
def test_each_expect_form(tmp_path, users_db, sql, expect, held):
    out = run_step(context(tmp_path, f'sql = "{sql}"\nexpect = {expect}\n'))
    assert out.ok is held and out.figures["held"] is held
    [q] = out.figures["queries"]
    assert q["held"] is held and q["sql"] == sql and q["ms"] >= 0
    assert (
        q["expect"] == parse_expect(json.loads(expect) if expect[0] in '"tf' else int(expect)).text
    )
    assert out.summary.startswith("held on staging" if held else "NOT held on staging")


def test_queries_each_recorded_and_files(tmp_path, users_db):
    body = """\
    queries = [
      { name = "nulls", sql = "SELECT count(*) FROM users WHERE preferences IS NULL", expect = 0 },
      { name = "any", sql = "SELECT 1 FROM users", expect = "rows" },
    ]
    """
    out = run_step(context(tmp_path, body))
    assert not out.ok
    assert out.figures["env"] == "staging" and out.figures["held"] is False
    got = [(q["name"], q["got"], q["held"]) for q in out.figures["queries"]]
    assert got == [("nulls", 2, False), ("any", 3, True)]
    assert out.summary == "NOT held on staging: nulls got 2, expected = 0"
    assert set(out.files) == {"verify/v.md", "verify/v.json"}
    md = out.files["verify/v.md"]
    assert md.startswith("# verify v on staging: NOT held")
    assert "| nulls | = 0 | 2 | **no** |" in md
    data = json.loads(out.files["verify/v.json"])
    assert data["held"] is False and data["statement_timeout"] == "30s"
    assert [q["held"] for q in data["queries"]] == [False, True]


def test_holds_after_the_data_is_fixed(tmp_path, users_db):
    ctx = context(tmp_path, f'sql = "{NULLS}"\nexpect = 0\n')
    assert not run_step(ctx).ok
    with psycopg.connect(users_db) as conn:
        conn.execute("UPDATE users SET preferences = '{}'")
    out = run_step(ctx)
    assert out.ok and out.summary == "held on staging: query 1 = 0"


def test_a_write_is_refused_by_the_server_and_said_so(tmp_path, users_db):
    ctx = context(tmp_path, 'sql = "DELETE FROM users RETURNING 1"\nexpect = "no rows"\n')
    with pytest.raises(UserError) as info:
        run_step(ctx)
    assert "tries to write" in info.value.message and "read-only" in info.value.message
    assert "rb.toml:11" in info.value.hint
    with psycopg.connect(users_db) as conn:
        assert conn.execute("SELECT count(*) FROM users").fetchone()[0] == 3


def test_a_function_that_writes_is_refused_too(tmp_path, users_db):
    with psycopg.connect(users_db) as conn:
        conn.execute("CREATE SEQUENCE s")
    ctx = context(tmp_path, "sql = \"SELECT nextval('s')\"\nexpect = 1\n")
    with pytest.raises(UserError, match="tries to write"):
        run_step(ctx)


def test_commit_then_write_cannot_escape_the_read_only_transaction(tmp_path, users_db):
    ctx = context(tmp_path, 'sql = "COMMIT; DELETE FROM users"\nexpect = 0\n')
    with pytest.raises(UserError, match="2 statements"):
        run_step(ctx)
    with psycopg.connect(users_db) as conn:
        assert conn.execute("SELECT count(*) FROM users").fetchone()[0] == 3


def test_statement_timeout_is_a_clear_error(tmp_path, users_db):
    ctx = context(
        tmp_path,
        'sql = "SELECT count(*) FROM pg_sleep(5)"\nexpect = 1\nstatement_timeout = "300ms"\n',
    )
    with pytest.raises(UserError) as info:
        run_step(ctx)
    assert "did not finish within 0.3s" in info.value.message
    assert "raise statement_timeout" in info.value.hint and "index" in info.value.hint


def test_a_broken_query_names_itself(tmp_path, users_db):
    ctx = context(tmp_path, 'sql = "SELECT count(*) FROM no_such_table"\nexpect = 0\n')
    with pytest.raises(UserError) as info:
        run_step(ctx)
    assert "query 1" in info.value.message and "no_such_table" in info.value.message


def test_a_non_number_answer_does_not_hold(tmp_path, users_db):
    out = run_step(context(tmp_path, "sql = \"SELECT 'abc'\"\nexpect = 0\n"))
    assert not out.ok
    [q] = out.figures["queries"]
    assert q["got"] == "abc" and "not a number" in out.files["verify/v.md"]


@pytest.mark.parametrize(
    ("body", "line", "text"),
    [
        ('sql = "select 1"\nexpect = "about 5"\n', 16, "`expect`: cannot read 'about 5'"),
        ('sql = "select 1"\nexpect = "<= many"\n', 16, "`expect`: cannot read"),
        ('sql = "select 1"\n', 11, "has `sql` but no `expect`"),
        ('sql = "select 1"\nexpect = 0\nstatement_timeout = "soon"\n', 17, "statement_timeout"),
        (
            'queries = [\n  { sql = "select 1", expect = "rows" },\n  { sql = "select 2" },\n]\n',
            15,  # where a query without `sql` is reported too: the `queries` line
            "query 2 is missing `expect`",
        ),
        ('queries = [\n  { sql = "select 1", expect = "lots" },\n]\n', 15, "cannot read 'lots'"),
    ],
)
def test_check_refuses_a_bad_expect_at_its_line(tmp_path, body, line, text):
    path = write(tmp_path / "rb.toml", HEAD + body)
    with pytest.raises(RunbookError) as info:
        load_runbook(path)
    [problem] = info.value.problems
    assert problem.line == line and text in problem.message, problem


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0, "= 0"),
        (3.5, "= 3.5"),
        ("<=  7", "<= 7"),
        ("NO  ROWS", "no rows"),
        ("rows", "rows"),
        (False, "false"),
        ("==1", "= 1"),
    ],
)
def test_expect_forms_read(value, text):
    assert parse_expect(value).text == text
