"""Catalog-aware verdicts against a real PostgreSQL table (the db_dsn fixture)."""

from __future__ import annotations

import psycopg
import pytest
from click.testing import CliRunner

from phasetui.cli import main
from phasetui.sql.catalog import read_catalog
from phasetui.sql.lint import LintOptions, lint_text


@pytest.fixture
def shop(db_dsn):
    """`users` big enough to matter (≈ 12 MB), `countries` tiny, `empty` with no rows."""
    with psycopg.connect(db_dsn, autocommit=True) as conn:
        conn.execute(
            """
            CREATE TABLE users (
                id bigint PRIMARY KEY,
                email varchar(100),
                name varchar(50) NOT NULL,
                balance numeric(10, 2),
                seen timestamp,
                code integer,
                CONSTRAINT users_name_nn CHECK (name IS NOT NULL)
            );
            INSERT INTO users
            SELECT g, 'u' || g || '@example.com', repeat('n', 40), g, now(), g
            FROM generate_series(1, 120000) g;
            ALTER TABLE users ADD CONSTRAINT users_email_nn CHECK (email IS NOT NULL) NOT VALID;
            ALTER TABLE users ADD CONSTRAINT users_code_nn CHECK (code IS NOT NULL);
            CREATE TABLE countries (code text PRIMARY KEY, name text);
            INSERT INTO countries VALUES ('az', 'Azerbaijan');
            CREATE TABLE empty (id int);
            ANALYZE;
            """
        )
    return db_dsn


def lint(sql: str, dsn: str, **kw):
    return lint_text(sql, "m.sql", LintOptions(dsn=dsn, **kw))


def test_catalog_facts(shop):
    facts = read_catalog(shop, {"users", "countries", "empty", "missing"})
    users = facts.table("public.users")
    assert users is facts.table("users")
    assert users.bytes > 10 * 1024 * 1024 and users.rows > 100000
    assert users.columns["email"].type == "character varying(100)"
    assert users.columns["name"].not_null and not users.columns["email"].not_null
    # validated CHECKs (and, on PG 18, NOT NULL constraints); users_email_nn is NOT VALID
    assert {"name", "code"} <= users.not_null_checks and "email" not in users.not_null_checks
    assert users.not_null_check_names["users_email_nn"] == "email"
    assert facts.table("empty").rows == 0
    assert facts.table("missing") is None
    assert facts.server_version >= 12


def test_version_defaults_to_the_servers(shop):
    report = lint("SELECT 1;", shop)
    with psycopg.connect(shop) as conn:
        assert report.pg_version == conn.info.server_version // 10000
    assert report.catalog and "password" not in report.catalog


@pytest.mark.parametrize(
    ("sql", "rules"),
    [
        # binary-coercible changes: facts say no rewrite
        ("ALTER TABLE users ALTER COLUMN email TYPE varchar(200);", set()),
        ("ALTER TABLE users ALTER COLUMN email TYPE text;", set()),
        ("ALTER TABLE users ALTER COLUMN balance TYPE numeric(14, 2);", set()),
        # changes that rewrite, now known rather than assumed
        ("ALTER TABLE users ALTER COLUMN email TYPE varchar(20);", {"column-type-rewrite"}),
        ("ALTER TABLE users ALTER COLUMN balance TYPE numeric(10, 4);", {"column-type-rewrite"}),
        ("ALTER TABLE users ALTER COLUMN code TYPE text;", {"column-type-rewrite"}),
        # SET NOT NULL: a validated CHECK in the catalog proves it; a NOT VALID one does not
        ("ALTER TABLE users ALTER COLUMN code SET NOT NULL;", set()),
        ("ALTER TABLE users ALTER COLUMN email SET NOT NULL;", {"set-not-null"}),
        ("ALTER TABLE users ALTER COLUMN name SET NOT NULL;", set()),  # already NOT NULL
        (
            "ALTER TABLE users VALIDATE CONSTRAINT users_email_nn;\n"
            "ALTER TABLE users ALTER COLUMN email SET NOT NULL;",
            set(),
        ),
        # ADD COLUMN NOT NULL without default cannot fail on a table with no rows
        ("ALTER TABLE empty ADD COLUMN x int NOT NULL;", set()),
        ("ALTER TABLE countries ADD COLUMN x int NOT NULL;", {"add-column-not-null-no-default"}),
        # size threshold: a tiny table's lock findings are warnings
        ("CREATE INDEX ON countries (name);", set()),
        ("CREATE INDEX ON users (name);", {"create-index-not-concurrent"}),
    ],
)
def test_catalog_aware_verdicts(shop, sql, rules):
    report = lint(sql, shop)
    assert {f.rule for f in report.errors} == rules, [f.message for f in report.findings]


def test_facts_replace_assumptions(shop):
    sql = "ALTER TABLE users ALTER COLUMN email SET NOT NULL;"
    without = lint_text(sql, "m.sql").errors[0]
    with_facts = lint(sql, shop).errors[0]
    assert "assuming `users` is large and `email` is nullable" in without.assumptions[0]
    assert with_facts.assumptions == ()


def test_small_table_drops_to_warning_and_says_why(shop):
    report = lint("CREATE INDEX ON countries (name);", shop)
    (finding,) = [f for f in report.findings if f.rule == "create-index-not-concurrent"]
    assert finding.severity == "warning" and "is small" in finding.message


def test_size_threshold_is_configurable(shop):
    report = lint("CREATE INDEX ON users (name);", shop, small_table_bytes=1 << 40)
    assert not report.errors


def test_timezone_utc_from_the_server(shop):
    with psycopg.connect(shop, autocommit=True) as conn:
        dbname = conn.info.dbname
        conn.execute(f"ALTER DATABASE \"{dbname}\" SET timezone = 'UTC'")
    report = lint("ALTER TABLE users ALTER COLUMN seen TYPE timestamptz;", shop)
    assert not report.errors


def test_lock_timeout_preset_on_the_role_counts(shop):
    sql = "ALTER TABLE users ADD COLUMN nick text;"
    assert {f.rule for f in lint(sql, shop).warnings} == {"lock-timeout"}
    with psycopg.connect(shop, autocommit=True) as conn:
        conn.execute(f"ALTER DATABASE \"{conn.info.dbname}\" SET lock_timeout = '3s'")
    assert not lint(sql, shop).warnings


def test_cli_dsn(shop, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "m.sql").write_text("ALTER TABLE users ALTER COLUMN code SET NOT NULL;\n")
    result = CliRunner().invoke(main, ["lint", "m.sql", "--dsn", shop])
    assert result.exit_code == 0, result.output
    assert "catalog of" in result.output
    result = CliRunner().invoke(main, ["lint", "m.sql"])
    assert result.exit_code == 1


def test_cli_unreachable_database_is_a_user_error(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "m.sql").write_text("SELECT 1;\n")
    dsn = "postgresql://nobody:secret@127.0.0.1:1/x"
    result = CliRunner().invoke(main, ["lint", "m.sql", "--dsn", dsn])
    assert result.exit_code == 1
    assert "cannot read the catalog" in result.output and "secret" not in result.output
