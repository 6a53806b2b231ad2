"""``LintOptions.wrapped`` / ``phasetui lint --wrapped``: each file is one transaction, as
golang-migrate, Flyway, sqlx, Rails, Django and ``psql -1`` run it.

The last tests run the same files on a real PostgreSQL both ways — the whole file inside
one transaction (as sqlx and ``psql -1`` do) and statement by statement in autocommit (as
``psql -f`` does) — and check that the lint predicts exactly the runs that fail.
"""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest
from click.testing import CliRunner

from phasetui.cli import main
from phasetui.errors import BadInput
from phasetui.sql.findings import ERROR, WARNING
from phasetui.sql.lint import LintOptions, lint_sources, lint_text
from phasetui.sql.locks import FAILS
from phasetui.sql.statements import Source, split_source
from tests.test_lint_input import PRETEND_NEW

WRAPPED = LintOptions(wrapped=True)
REALWORLD = Path(__file__).parent / "lint_realworld"


def errors(sql: str, options: LintOptions | None = None) -> set[str]:
    return {f.rule for f in lint_text(sql, "m.sql", options).errors}


def warnings(sql: str, options: LintOptions | None = None) -> set[str]:
    report = lint_text(sql, "m.sql", options)
    return {f.rule for f in report.findings if f.severity == WARNING}


def test_default_is_statement_by_statement():
    assert LintOptions().wrapped is False
    assert LintOptions.from_config({}).wrapped is False


def test_dml_after_ddl_holds_the_lock_in_a_wrapped_file():
    sql = (
        "ALTER TABLE users ADD COLUMN prefs jsonb;\n"
        "UPDATE users SET prefs = '{}' WHERE id BETWEEN 1 AND 1000;\n"
    )
    assert errors(sql) == set()
    (finding,) = lint_text(sql, "m.sql", WRAPPED).errors
    assert finding.rule == "dml-after-lock" and finding.line == 2
    assert finding.lock == "ACCESS EXCLUSIVE" and finding.relation == "users"
    assert "already holds ACCESS EXCLUSIVE on `users`" in finding.message


def test_concurrently_fails_in_a_wrapped_file_and_says_why():
    sql = (
        "ALTER TABLE users ADD COLUMN prefs jsonb;\n"
        "CREATE INDEX CONCURRENTLY users_prefs_idx ON users (prefs);\n"
    )
    assert errors(sql) == set()
    (finding,) = lint_text(sql, "m.sql", WRAPPED).errors
    assert finding.rule == "concurrently-in-transaction" and finding.line == 2
    assert finding.duration == FAILS
    assert "the migration tool runs the whole file as one transaction" in finding.message
    assert "sqlx: `-- no-transaction`" in finding.rewrite[0].note


def test_a_lone_concurrently_statement_is_still_inside_the_runners_transaction():
    for sql in (
        "CREATE INDEX CONCURRENTLY i ON users (email);",
        "DROP INDEX CONCURRENTLY i;",
        "REINDEX INDEX CONCURRENTLY i;",
        "VACUUM users;",
        "ALTER TABLE t DETACH PARTITION t_2020 CONCURRENTLY;",
    ):
        assert "concurrently-in-transaction" not in errors(sql), sql
        assert "concurrently-in-transaction" in errors(sql, WRAPPED), sql


@pytest.mark.parametrize(
    "directive",
    [
        "-- no-transaction",  # sqlx
        "-- +goose NO TRANSACTION\n-- +goose Up",  # goose
        "-- postgres-migrations disable-transaction",  # postgres-migrations (Node)
    ],
)
def test_a_runners_no_transaction_comment_leaves_the_file_unwrapped(directive):
    sql = (
        f"{directive}\nALTER TABLE users ADD COLUMN prefs jsonb;\n"
        "CREATE INDEX CONCURRENTLY users_prefs_idx ON users (prefs);\n"
    )
    assert errors(sql, WRAPPED) == set()
    assert errors(f"-- 0042: add prefs\n{sql}", WRAPPED) == (
        # sqlx reads its directive only as the file's very first bytes
        {"concurrently-in-transaction"} if directive == "-- no-transaction" else set()
    )
    # only at the top: after the first statement it is a comment like any other
    late = "SELECT 1;\n" + sql
    assert errors(late, WRAPPED) == {"concurrently-in-transaction"}
    assert errors(sql.replace(directive.split("\n")[0], "-- no transaction here"), WRAPPED) == {
        "concurrently-in-transaction"
    }


def test_real_files_that_opt_out_are_not_flagged_when_wrapped():
    """supabase storage's migrations say `-- postgres-migrations disable-transaction`."""
    storage = REALWORLD / "supabase-storage"
    names = [
        "tenant_0031-objects-level-index.sql",
        "tenant_0051-index-backward-compatible-search.sql",
    ]
    for name in names:
        text = (storage / name).read_text(encoding="utf-8")
        assert "CONCURRENTLY" in text
        assert not lint_text(text, name, WRAPPED).errors, name
        stripped = text.replace("-- postgres-migrations disable-transaction", "")
        assert errors(stripped, WRAPPED) == {"concurrently-in-transaction"}, name


def test_an_explicit_block_keeps_its_own_advice():
    sql = "BEGIN;\nCREATE INDEX CONCURRENTLY i ON users (email);\nCOMMIT;\n"
    for options in (None, WRAPPED):
        (finding,) = lint_text(sql, "m.sql", options).errors
        assert finding.rule == "concurrently-in-transaction"
        assert "migration tool" not in finding.message
        assert "run it outside BEGIN…COMMIT" in finding.rewrite[0].note


def test_set_local_takes_effect_in_a_wrapped_file():
    sql = "SET LOCAL lock_timeout = '2s';\nALTER TABLE users ADD COLUMN nickname text;\n"
    assert {"set-local-outside-transaction", "lock-timeout"} <= warnings(sql)
    assert not {"set-local-outside-transaction", "lock-timeout"} & warnings(sql, WRAPPED)


def test_new_enum_value_used_in_the_same_wrapped_file_fails():
    sql = "ALTER TYPE mood ADD VALUE 'meh';\nUPDATE users SET mood = 'meh' WHERE id = 1;\n"
    assert errors(sql) == set()
    assert errors(sql, WRAPPED) == {"enum-value-in-transaction"}
    alone = "ALTER TYPE mood ADD VALUE 'meh';"
    assert errors(alone, WRAPPED) == set()
    assert errors(alone, LintOptions(wrapped=True, pg_version=11)) == {"enum-value-in-transaction"}


def test_validate_in_the_same_wrapped_file_as_its_not_valid():
    sql = (
        "ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) "
        "REFERENCES users (id) NOT VALID;\n"
        "ALTER TABLE orders VALIDATE CONSTRAINT orders_user_fk;\n"
    )
    assert errors(sql) == set()
    assert errors(sql, WRAPPED) == {"validate-in-transaction"}


def test_a_commit_in_a_wrapped_file_ends_the_transaction_that_held_the_lock():
    sql = (
        "BEGIN;\nALTER TABLE users ADD COLUMN prefs jsonb;\nCOMMIT;\n"
        "UPDATE users SET prefs = '{}' WHERE id BETWEEN 1 AND 1000;\n"
    )
    assert errors(sql, WRAPPED) == set()


def test_each_file_is_its_own_transaction():
    ddl = Source("001.sql", "ALTER TABLE users ADD COLUMN prefs jsonb;\n")
    dml = Source("002.sql", "UPDATE users SET prefs = '{}' WHERE id BETWEEN 1 AND 1000;\n")
    assert not lint_sources([ddl, dml], WRAPPED).errors
    both = Source("003.sql", ddl.text + dml.text)
    assert {f.rule for f in lint_sources([both], WRAPPED).errors} == {"dml-after-lock"}
    # objects created in one file are still new in the next
    new = Source("001.sql", "CREATE TABLE widgets (id bigint, name text);\n")
    index = Source("002.sql", "CREATE INDEX ON widgets (name);\n")
    assert not lint_sources([new, index], WRAPPED).errors


def test_a_do_block_in_a_wrapped_file_shares_the_files_transaction():
    sql = (
        "ALTER TABLE users ADD COLUMN prefs jsonb;\n"
        "DO $$ BEGIN UPDATE users SET prefs = '{}' WHERE id = 1; END $$;\n"
    )
    assert "dml-after-lock" not in errors(sql)
    assert "dml-after-lock" in errors(sql, WRAPPED)


def test_pretend_output_keeps_laravels_own_rule():
    """Laravel already wraps each migration, and a migration with CONCURRENTLY must have
    opted out (``$withinTransaction = false``): ``wrapped`` changes nothing there."""
    text = (
        "  2026_01_01_000000_backfill ....\n"
        '  ⇂ alter table "users" add column "x" int\n'
        '  ⇂ update "users" set "x" = 1 where "id" = 5\n'
        "  2026_01_02_000000_index ....\n"
        '  ⇂ create index concurrently "i" on "users" ("x")\n'
    )
    for pretend in (text, PRETEND_NEW):
        plain = [(f.rule, f.line, f.severity) for f in lint_text(pretend, "p.txt").findings]
        wrapped = [
            (f.rule, f.line, f.severity) for f in lint_text(pretend, "p.txt", WRAPPED).findings
        ]
        assert plain == wrapped
    assert errors(text, WRAPPED) == {"dml-after-lock"}


def test_report_says_it_was_wrapped():
    report = lint_text("SELECT 1;", "m.sql", WRAPPED)
    assert report.wrapped
    assert "each file one transaction" in report.to_markdown()
    assert "each file one transaction" not in lint_text("SELECT 1;", "m.sql").to_markdown()


def test_config_and_overrides():
    assert LintOptions.from_config({"wrapped": True}).wrapped is True
    assert LintOptions.from_config({"wrapped": False}).wrapped is False
    assert LintOptions.from_config({"wrapped": True}, wrapped=None).wrapped is True
    assert LintOptions.from_config({"wrapped": True}, wrapped=False).wrapped is False
    assert LintOptions.from_config({}, wrapped=True).wrapped is True
    with pytest.raises(BadInput) as info:
        LintOptions.from_config({"wrapped": "yes"})
    assert "wrapped" in info.value.message and info.value.exit_code == 2


# --- the command line -----------------------------------------------------------------

MIGRATION = (
    "ALTER TABLE users ADD COLUMN prefs jsonb;\n"
    "UPDATE users SET prefs = '{}' WHERE id BETWEEN 1 AND 1000;\n"
)


@pytest.fixture
def project(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("PHASETUI_CONFIG", raising=False)
    (tmp_path / "m.sql").write_text(MIGRATION)
    return tmp_path


def run(*args: str):
    return CliRunner().invoke(main, ["lint", *args], catch_exceptions=False)


def test_cli_flag(project):
    assert run("m.sql").exit_code == 0
    result = run("m.sql", "--wrapped")
    assert result.exit_code == 1
    assert "m.sql:2:1: error [dml-after-lock]" in result.output
    assert "each file one transaction: 1 error(s)" in result.output


def test_cli_config_and_no_wrapped(project):
    (project / "phasetui.toml").write_text("[lint]\nwrapped = true\n")
    assert run("m.sql").exit_code == 1
    assert run("m.sql", "--no-wrapped").exit_code == 0
    (project / "phasetui.toml").write_text('[lint]\nwrapped = "sometimes"\n')
    result = CliRunner().invoke(main, ["lint", "m.sql"])
    assert result.exit_code == 2 and "wrapped" in result.output


# --- the lint predicts what a real server does ----------------------------------------

SCHEMA = """
CREATE TYPE mood AS ENUM ('ok', 'sad');
CREATE TABLE users (id bigint PRIMARY KEY, email text, mood mood);
CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint);
CREATE INDEX users_email_idx ON users (email);
INSERT INTO users VALUES (1, 'a@example.com', 'ok');
"""

FILES = {
    "add-column-then-index-concurrently": (
        "ALTER TABLE users ADD COLUMN prefs jsonb;\n"
        "CREATE INDEX CONCURRENTLY users_prefs_idx ON users (prefs);\n"
    ),
    "lone-index-concurrently": "CREATE INDEX CONCURRENTLY users_mood_idx ON users (mood);\n",
    "drop-index-concurrently": "DROP INDEX CONCURRENTLY users_email_idx;\n",
    "vacuum": "VACUUM users;\n",
    "enum-value-used": (
        "ALTER TYPE mood ADD VALUE 'meh';\nUPDATE users SET mood = 'meh' WHERE id = 1;\n"
    ),
    "enum-value-alone": "ALTER TYPE mood ADD VALUE 'meh';\n",
    "ddl-then-dml": (
        "ALTER TABLE users ADD COLUMN prefs jsonb;\n"
        "UPDATE users SET prefs = '{}' WHERE id BETWEEN 1 AND 1000;\n"
    ),
    "not-valid-then-validate": (
        "ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) "
        "REFERENCES users (id) NOT VALID;\n"
        "ALTER TABLE orders VALIDATE CONSTRAINT orders_user_fk;\n"
    ),
    "explicit-block-then-concurrently": (
        "BEGIN;\nALTER TABLE users ADD COLUMN prefs jsonb;\nCOMMIT;\n"
        "CREATE INDEX CONCURRENTLY users_prefs_idx ON users (prefs);\n"
    ),
}


def _run_on_server(dsn: str, sql: str, wrapped: bool) -> str | None:
    """Runs the file as a runner would; the server's error, or None when it succeeds."""
    try:
        if wrapped:
            # sqlx, psql -1: BEGIN, the whole file as one query string, COMMIT
            with psycopg.connect(dsn) as conn:
                conn.execute(sql)
        else:
            # psql -f: each statement on its own, in autocommit
            with psycopg.connect(dsn, autocommit=True) as conn:
                for stmt in split_source(Source("m.sql", sql)):
                    conn.execute(stmt.text)
    except psycopg.Error as exc:
        return str(exc).strip()
    return None


@pytest.mark.parametrize("wrapped", [True, False], ids=["wrapped", "autocommit"])
@pytest.mark.parametrize("name", sorted(FILES))
def test_the_lint_predicts_which_runs_fail_on_a_real_server(make_db, name, wrapped):
    dsn = make_db("wrap")
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(SCHEMA)
        pg = conn.info.server_version // 10000
    sql = FILES[name]
    report = lint_text(sql, f"{name}.sql", LintOptions(wrapped=wrapped, pg_version=pg))
    predicted = [f for f in report.findings if f.severity == ERROR and f.duration == FAILS]
    failure = _run_on_server(dsn, sql, wrapped)
    assert bool(predicted) == (failure is not None), (
        f"lint predicted {[(f.rule, f.line) for f in predicted]}, server said {failure!r}"
    )
