"""The `phasetui rehearse` / `phasetui apply` verbs end to end, on the real test server."""

from __future__ import annotations

import json

import psycopg
import pytest
from click.testing import CliRunner

from phasetui.cli import main

MIGRATION = """\
BEGIN;
ALTER TABLE users ADD COLUMN token uuid DEFAULT gen_random_uuid();
COMMIT;
ALTER TABLE users ADD CONSTRAINT email_nn CHECK (email IS NOT NULL) NOT VALID;
ALTER TABLE users VALIDATE CONSTRAINT email_nn;
CREATE INDEX CONCURRENTLY users_email ON users (email);
"""


@pytest.fixture
def project(db_dsn, tmp_path, monkeypatch):
    with psycopg.connect(db_dsn, autocommit=True) as conn:
        conn.execute(
            "CREATE TABLE users (id bigint PRIMARY KEY, email text);"
            "INSERT INTO users SELECT g, 'u' || g FROM generate_series(1, 300) g;"
        )
    (tmp_path / "phasetui.toml").write_text(
        "[environments.prod]\n"
        'dsn_env = "PHASETUI_T_PROD"\n'
        "production = true\n"
        "[environments.prod_rehearsable]\n"
        'dsn_env = "PHASETUI_T_PROD"\n'
        "production = true\n"
        "rehearsal_allowed = true\n"
        "[environments.replica]\n"
        'dsn_env = "PHASETUI_T_PROD"\n'
        "read_only = true\n"
        "[environments.staging]\n"
        'dsn_env = "PHASETUI_T_PROD"\n'
    )
    monkeypatch.setenv("PHASETUI_CONFIG", str(tmp_path / "phasetui.toml"))
    monkeypatch.setenv("PHASETUI_T_PROD", db_dsn)
    (tmp_path / "m.sql").write_text(MIGRATION)
    return tmp_path


def _columns(dsn):
    with psycopg.connect(dsn) as conn:
        return {
            r[0]
            for r in conn.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name = 'users'"
            )
        }


def run(*args):
    return CliRunner().invoke(main, list(args))


def test_rehearse_json_on_staging(project, db_dsn):
    r = run("rehearse", str(project / "m.sql"), "--env", "staging", "--format", "json")
    assert r.exit_code == 0, r.output
    data = json.loads(r.output)
    assert data["target"] == "staging" and data["committed"] is False
    by_line = {s["line"]: s for s in data["statements"]}
    assert by_line[2]["strongest_lock"] == "ACCESS EXCLUSIVE" and by_line[2]["rewritten"]
    assert by_line[5]["strongest_lock"] == "SHARE UPDATE EXCLUSIVE"
    assert by_line[6]["status"] == "not-rehearsed"
    assert "token" not in _columns(db_dsn)


def test_rehearse_text_output(project):
    r = run("rehearse", str(project / "m.sql"), "--env", "staging")
    assert r.exit_code == 0, r.output
    assert "ACCESS EXCLUSIVE" in r.output and "rolled back" in r.output
    assert "nothing was committed" in r.output


def test_rehearse_markdown_is_the_evidence(project):
    r = run("rehearse", str(project / "m.sql"), "--env", "staging", "--format", "markdown")
    assert r.exit_code == 0
    assert r.output.startswith("# Lock rehearsal of")
    assert "| 2 | 2 | `ALTER TABLE users ADD COLUMN token" in r.output


def test_rehearse_refuses_production_unless_allowed(project):
    r = run("rehearse", str(project / "m.sql"), "--env", "prod")
    assert r.exit_code == 1
    assert "refusing to rehearse on 'prod'" in r.output and "rehearsal_allowed" in r.output
    r = run("rehearse", str(project / "m.sql"), "--env", "prod_rehearsable")
    assert r.exit_code == 0, r.output


def test_rehearse_exit_1_when_a_statement_fails(project):
    (project / "bad.sql").write_text("ALTER TABLE missing ADD COLUMN x int;\n")
    r = run("rehearse", str(project / "bad.sql"), "--env", "staging")
    assert r.exit_code == 1
    assert 'relation "missing" does not exist' in r.output


def test_unparseable_sql_is_exit_2_with_position(project):
    (project / "bad.sql").write_text("SELECT 1;\nALTER TABLE users ADD COLUMN;\n")
    for verb in ("rehearse", "apply"):
        r = run(verb, str(project / "bad.sql"), "--env", "staging")
        assert r.exit_code == 2, r.output
        assert "bad.sql:2:" in r.output and "syntax error" in r.output


def test_apply_on_production_needs_the_typed_name(project, db_dsn):
    r = run("apply", str(project / "m.sql"), "--env", "prod")
    assert r.exit_code == 1 and "--yes-i-mean-production prod" in r.output
    r = run("apply", str(project / "m.sql"), "--env", "prod", "--yes-i-mean-production", "stg")
    assert r.exit_code == 1
    assert "token" not in _columns(db_dsn)
    r = run(
        "apply",
        str(project / "m.sql"),
        "--env",
        "prod",
        "--yes-i-mean-production",
        "prod",
        "--format",
        "json",
    )
    assert r.exit_code == 0, r.output
    data = json.loads(r.output)
    assert data["ok"] and [s["mode"] for s in data["steps"]] == [
        "transaction",
        "transaction",
        "transaction",
        "autocommit",
    ]
    assert "token" in _columns(db_dsn)


def test_apply_never_writes_on_read_only(project, db_dsn):
    r = run(
        "apply", str(project / "m.sql"), "--env", "replica", "--yes-i-mean-production", "replica"
    )
    assert r.exit_code == 1 and "read-only" in r.output
    assert "token" not in _columns(db_dsn)


def test_apply_invalid_index_cleanup_option(project, db_dsn):
    with psycopg.connect(db_dsn, autocommit=True) as conn:
        conn.execute("UPDATE users SET email = 'same' WHERE id IN (1, 2)")
    (project / "u.sql").write_text(
        "CREATE UNIQUE INDEX CONCURRENTLY users_email_key ON users (email);\n"
    )
    r = run("apply", str(project / "u.sql"), "--env", "staging")
    assert r.exit_code == 1
    assert "left INVALID; clean up with: DROP INDEX CONCURRENTLY IF EXISTS" in r.output
    r = run(
        "apply", str(project / "u.sql"), "--env", "staging", "--cleanup-invalid", "--format", "json"
    )
    assert r.exit_code == 1
    data = json.loads(r.output)
    # The first run's leftover is reported as pre-existing; this run's new one is dropped.
    assert [i["name"] for i in data["preexisting_invalid_indexes"]] == ["users_email_key"]
    assert data["steps"][0]["sqlstate"] == "42P07"  # the name is taken by the INVALID index


def test_apply_options_reach_the_session(project, db_dsn):
    r = run(
        "apply",
        str(project / "m.sql"),
        "--dsn",
        db_dsn,
        "--lock-timeout",
        "750ms",
        "--statement-timeout",
        "2min",
        "--retries",
        "7",
        "--format",
        "json",
    )
    assert r.exit_code == 0, r.output
    s = json.loads(r.output)["settings"]
    assert (s["lock_timeout"], s["statement_timeout"], s["retries"]) == (0.75, 120.0, 7)
    r = run("apply", str(project / "m.sql"), "--dsn", db_dsn, "--lock-timeout", "2")
    assert r.exit_code == 2 and "has no unit" in r.output
