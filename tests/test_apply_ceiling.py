"""phasetui's timeouts are a ceiling the migration cannot lift: refused before anything
runs, re-established before each unit, and read back after each statement."""

from __future__ import annotations

import psycopg
import pytest

from phasetui.db.apply import apply_sql
from phasetui.db.session import ExecSettings
from phasetui.errors import UserError
from phasetui.sql.ceiling import DEFAULT_LIMITS, Limits, pg_duration_ms, timeout_overrides
from phasetui.sql.lint import lint_text
from phasetui.sql.statements import Source, split_source

FAST = ExecSettings(lock_timeout=0.3, statement_timeout=30, retries=2, backoff_base=0.05)


@pytest.fixture
def users_db(db_dsn: str) -> str:
    with psycopg.connect(db_dsn, autocommit=True) as conn:
        conn.execute(
            "CREATE TABLE users (id bigint PRIMARY KEY, email text);"
            "INSERT INTO users SELECT g, 'u' || g FROM generate_series(1, 50) g;"
        )
    return db_dsn


def columns(dsn: str) -> set[str]:
    with psycopg.connect(dsn) as conn:
        rows = conn.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'users'"
        ).fetchall()
    return {r[0] for r in rows}


def test_the_linters_limits_are_apply_defaults():
    assert DEFAULT_LIMITS == Limits.of_seconds(
        ExecSettings().lock_timeout, ExecSettings().statement_timeout
    )


@pytest.mark.parametrize(
    ("value", "ms"),
    [
        (0, 0),
        ("0", 0),
        (2000, 2000),
        (1.5, 2),
        ("2s", 2000),
        (" 2 s", 2000),
        ("1.5min", 90000),
        ("100us", 0),  # rounds to 0: switches it off
        ("600us", 1),
        ("0x10", 16),
        ("010", 8),
        ("1h", 3600000),
        ("2S", None),  # units are case-sensitive: PostgreSQL refuses it
        ("-1", None),
        ("soon", None),
    ],
)
def test_durations_are_read_as_postgresql_reads_them(value, ms):
    assert pg_duration_ms(value) == ms


def _overrides(sql: str, limits: Limits = DEFAULT_LIMITS):
    return [
        (o.setting, o.how)
        for st in split_source(Source("m.sql", sql))
        for o in timeout_overrides(st.node, limits, st.text)
    ]


def test_what_lifts_the_ceiling_and_what_does_not():
    assert _overrides("SET lock_timeout = 0") == [("lock_timeout", "off")]
    assert _overrides("SET SESSION statement_timeout TO '2h'") == [("statement_timeout", "raise")]
    assert _overrides("RESET ALL") == [("lock_timeout and statement_timeout", "reset")]
    assert _overrides("SELECT set_config('lock_timeout', v, false) FROM t") == [
        ("lock_timeout", "unknown")
    ]
    assert _overrides("SET lock_timeout = '2s'; SET LOCAL statement_timeout = '5s'") == []
    assert _overrides("SET idle_in_transaction_session_timeout = 0") == []
    assert _overrides("ALTER DATABASE app SET lock_timeout = 0") == []
    # phasetui run with no statement_timeout (0): nothing can lift it
    assert _overrides("SET statement_timeout = 0", Limits(2000, 0)) == []
    # a stricter ceiling refuses what the default allows
    assert _overrides("SET lock_timeout = '2s'", Limits(500, 60000)) == [("lock_timeout", "raise")]


def test_lint_and_apply_agree_on_every_corpus_case(users_db):
    """The lint rule and the apply refusal are one detection: for each statement of the
    timeout corpus, lint errs exactly where apply refuses."""
    from pathlib import Path

    text = (Path(__file__).parent / "lint_corpus" / "timeouts.sql").read_text()
    for chunk in text.split("-- case: ")[1:]:
        name, body = chunk.split("\n", 1)
        linted = any(f.rule == "timeout-override" for f in lint_text(body).errors)
        try:
            apply_sql(users_db, body, settings=ExecSettings(retries=0))
            refused = False
        except UserError as exc:
            refused = "refusing to apply" in exc.message
        assert linted == refused, name
        assert refused == (not name.startswith("timeouts-safe")), name


def test_pg_dump_output_is_refused_with_what_to_delete(users_db, tmp_path):
    dump = (
        "--\n-- PostgreSQL database dump\n--\n\n"
        "SET statement_timeout = 0;\nSET lock_timeout = 0;\n"
        "SET idle_in_transaction_session_timeout = 0;\nSET client_encoding = 'UTF8';\n"
        "ALTER TABLE public.users ADD COLUMN token text;\n"
    )
    with pytest.raises(UserError) as err:
        apply_sql(users_db, dump, source="dump.sql", settings=FAST)
    exc = err.value
    assert exc.message.startswith("dump.sql: refusing to apply: statement #1 (line 5)")
    assert "statement #2 (line 6) `SET lock_timeout = 0` switches off" in exc.message
    assert "--override does not lift them" in exc.message
    assert "looks like pg_dump output" in exc.hint and "--lock-timeout (300ms)" in exc.hint
    assert "token" not in columns(users_db)


def test_a_timeout_change_phasetui_cannot_see_is_caught_before_the_next_statement(users_db):
    """Dynamic SQL assembled at run time hides from the check before the apply; phasetui
    reads its limits back after every statement and rolls the unit back if they moved."""
    sql = (
        "BEGIN;\n"
        "DO $$ BEGIN EXECUTE 'SET lock' || '_' || 'timeout = 0'; END $$;\n"
        "ALTER TABLE users ADD COLUMN token text;\n"
        "COMMIT;\n"
    )
    assert not lint_text(sql).errors  # unseen by the static check
    result = apply_sql(users_db, sql, settings=FAST)
    (step,) = result.steps
    assert step.status == "failed" and step.tries == 1
    assert "statement #2 (line 2) changed lock_timeout to 0, none" in step.error
    assert "rolled back" in step.error
    assert "token" not in columns(users_db)


def test_a_lifted_session_timeout_never_reaches_the_next_unit(users_db):
    sql = "DO $$ BEGIN EXECUTE 'SET statement' || '_' || 'timeout = 0'; END $$;\nSELECT 1;\n"
    result = apply_sql(users_db, sql, settings=FAST)
    assert result.steps[0].status == "failed"
    assert "changed statement_timeout" in result.steps[0].error


def test_a_stricter_setting_in_the_file_is_kept_across_units(users_db):
    sql = (
        "SET lock_timeout = '100ms';\n"
        "CREATE INDEX CONCURRENTLY users_email_idx ON users (email);\n"
        "DO $$ BEGIN IF current_setting('lock_timeout') <> '100ms' THEN\n"
        "  RAISE EXCEPTION 'lock_timeout is %', current_setting('lock_timeout'); END IF; END $$;\n"
    )
    result = apply_sql(users_db, sql, settings=FAST)
    assert result.ok, result.to_json()


def test_set_transaction_first_in_a_block_still_works(users_db):
    sql = (
        "BEGIN;\nSET TRANSACTION ISOLATION LEVEL SERIALIZABLE;\n"
        "ALTER TABLE users ADD COLUMN token text;\nCOMMIT;\n"
    )
    result = apply_sql(users_db, sql, settings=FAST)
    assert result.ok, result.to_json()


def test_an_error_raised_by_commit_is_a_failure_not_an_unknown(users_db):
    with psycopg.connect(users_db, autocommit=True) as conn:
        conn.execute(
            "CREATE TABLE child (id int PRIMARY KEY, user_id bigint REFERENCES users (id) "
            "DEFERRABLE INITIALLY DEFERRED)"
        )
    sql = "BEGIN;\nINSERT INTO child VALUES (1, 999999);\nCOMMIT;\n"
    result = apply_sql(users_db, sql, settings=FAST)
    (step,) = result.steps
    assert step.status == "failed" and step.sqlstate == "23503"
    assert result.outcome()["rolled_back_statements"] == [2]


def test_the_summary_counts_statements_and_retries(users_db):
    sql = (
        "BEGIN;\nALTER TABLE users ADD COLUMN a int;\n"
        "ALTER TABLE users ADD COLUMN b int;\nCOMMIT;\n"
    )
    result = apply_sql(users_db, sql + "ALTER TABLE users ADD COLUMN c int;\n", settings=FAST)
    assert result.summary() == "applied 3 statements, 0 retries"
    assert result.to_dict()["statements"] == 3 and result.to_dict()["retries"] == 0
    assert "applied 3 statements, 0 retries" in result.to_markdown()
