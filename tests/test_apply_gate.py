"""`phasetui apply FILE` lints for its phase and refuses lint errors unless given a written
reason, which is recorded; one gate for the CLI, `step apply` and the TUI."""

from __future__ import annotations

import json

import psycopg
import pytest
from click.testing import CliRunner

from phasetui.audit.repo import AuditRepo
from phasetui.audit.runs import open_run
from phasetui.cli import main
from phasetui.errors import UserError
from phasetui.ops.sql_step import MIN_REASON, apply_gate, lint_sql
from phasetui.runbook.loader import load_runbook
from tests.helpers import write
from tests.tui_fixtures import ALICE

INDEX = "CREATE INDEX users_email_idx ON users (email);\n"  # no CONCURRENTLY: an error
REWRITE = "ALTER TABLE users ALTER COLUMN id TYPE numeric;\n"  # rewrites the table
REASON = "users has 300 rows; the lock lasts milliseconds"


@pytest.fixture
def project(db_dsn, tmp_path, monkeypatch):
    with psycopg.connect(db_dsn, autocommit=True) as conn:
        conn.execute(
            "CREATE TABLE users (id bigint PRIMARY KEY, email text, legacy text);"
            "INSERT INTO users SELECT g, 'u' || g FROM generate_series(1, 300) g;"
        )
    # Every table counts as big, so the catalog does not soften the findings to warnings.
    write(
        tmp_path / "phasetui.toml",
        "[lint]\nsmall_table_mb = 0\n"
        '[environments.prod]\ndsn_env = "PHASETUI_T_DSN"\nproduction = true\n'
        '[environments.staging]\ndsn_env = "PHASETUI_T_DSN"\n',
    )
    monkeypatch.setenv("PHASETUI_CONFIG", str(tmp_path / "phasetui.toml"))
    monkeypatch.setenv("PHASETUI_T_DSN", db_dsn)
    write(tmp_path / "index.sql", INDEX)
    write(tmp_path / "rewrite.sql", REWRITE)
    return tmp_path


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def indexes(dsn: str) -> set[str]:
    with psycopg.connect(dsn) as conn:
        rows = conn.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'users'")
        return {r[0] for r in rows}


def column_type(dsn: str, column: str) -> str:
    with psycopg.connect(dsn) as conn:
        return conn.execute(
            "SELECT data_type FROM information_schema.columns "
            "WHERE table_name = 'users' AND column_name = %s",
            (column,),
        ).fetchone()[0]


@pytest.mark.parametrize("name", ["index.sql", "rewrite.sql"])
def test_lint_errors_stop_apply_even_with_the_production_name_typed(project, db_dsn, name):
    r = run("apply", project / name, "--env", "prod", "--yes-i-mean-production", "prod")
    assert r.exit_code == 1, r.output
    assert "lint found 1 error(s)" in r.output and "nothing was applied" in r.output
    assert '--override "why this is safe"' in r.output
    assert "users_email_idx" not in indexes(db_dsn)
    assert column_type(db_dsn, "id") == "bigint"


def test_an_override_with_a_reason_applies_and_the_reason_is_in_every_output(project, db_dsn):
    args = ("apply", project / "index.sql", "--env", "staging", "--override", REASON)
    r = run(*args, "--format", "json")
    assert r.exit_code == 0, r.output
    data = json.loads(r.output)
    assert data["override"] == REASON
    assert data["lint"]["rules"] == ["create-index-not-concurrent"]
    assert data["lint"]["errors"] == 1 and data["lint"]["phase"] == "any"
    assert "users_email_idx" in indexes(db_dsn)

    write(project / "index2.sql", INDEX.replace("users_email_idx", "users_email2_idx"))
    r = run("apply", project / "index2.sql", "--env", "staging", "--override", REASON)
    assert r.exit_code == 0, r.output
    assert f"OVERRIDDEN with the reason: {REASON}" in r.output
    assert f"lint errors overridden: {REASON}" in r.output
    assert r.output.rstrip().endswith("applied 1 statement, 0 retries")

    write(project / "index3.sql", INDEX.replace("users_email_idx", "users_email3_idx"))
    r = run(
        "apply", project / "index3.sql", "--env", "staging", "--override", REASON,
        "--format", "markdown",
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    assert f"OVERRIDDEN with the reason: {REASON}" in r.output


@pytest.mark.parametrize("reason", ["", "   ", "\t\n", "ok", "  fine   "])
def test_an_empty_or_empty_sounding_reason_is_not_a_reason(project, db_dsn, reason):
    r = run("apply", project / "index.sql", "--env", "staging", "--override", reason)
    assert r.exit_code == 1, r.output
    assert "nothing was applied" in r.output
    assert "users_email_idx" not in indexes(db_dsn)


def test_the_gate_function(project, db_dsn):
    report = lint_sql(INDEX, "index.sql", dsn=db_dsn)
    with pytest.raises(UserError, match="nothing was applied"):
        apply_gate(report, "   ")
    with pytest.raises(UserError, match=f"at least {MIN_REASON} characters"):
        apply_gate(report, "short")
    gate = apply_gate(report, f"  {REASON}\n")
    assert gate.override == REASON and gate.rules == ("create-index-not-concurrent",)
    clean = apply_gate(lint_sql("SELECT 1;", "x.sql"), REASON)
    assert clean.errors == 0 and clean.override == ""


def test_the_phase_decides_the_verdict(project, db_dsn):
    write(project / "drop.sql", "ALTER TABLE users DROP COLUMN legacy;\n")
    r = run("apply", project / "drop.sql", "--env", "staging", "--phase", "expand")
    assert r.exit_code == 1 and "drop-column" in r.output
    r = run("apply", project / "drop.sql", "--env", "staging", "--phase", "contract")
    assert r.exit_code == 0, r.output
    assert "lint (phase contract): no errors" in r.output


def test_the_default_phase_is_the_one_lint_uses(project, db_dsn):
    cfg = project / "phasetui.toml"
    cfg.write_text(cfg.read_text().replace("[lint]\n", '[lint]\nphase = "contract"\n'))
    write(project / "drop.sql", "ALTER TABLE users DROP COLUMN legacy;\n")
    r = run("apply", project / "drop.sql", "--env", "staging", "--format", "json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["lint"]["phase"] == "contract"


def test_the_lint_is_catalog_aware(project, db_dsn):
    cfg = project / "phasetui.toml"
    cfg.write_text(cfg.read_text().replace("small_table_mb = 0", "small_table_mb = 10"))
    r = run("apply", project / "index.sql", "--env", "staging", "--format", "json")
    assert r.exit_code == 0, r.output  # 300 rows: the catalog makes it a warning
    assert json.loads(r.output)["lint"]["catalog"]


def test_the_ceiling_is_not_overridable(project, db_dsn):
    write(project / "dump.sql", "SET lock_timeout = 0;\n" + INDEX)
    r = run("apply", project / "dump.sql", "--env", "staging", "--override", REASON)
    assert r.exit_code == 1, r.output
    assert "refusing to apply: statement #1 (line 1) `SET lock_timeout = 0`" in r.output
    assert "--override does not lift them" in r.output
    assert "remove it; phasetui sets lock_timeout itself: --lock-timeout (2s)" in r.output
    assert "users_email_idx" not in indexes(db_dsn)


@pytest.fixture
def audit_run(project):
    rb = load_runbook(
        write(
            project / "rb.toml",
            '[runbook]\nid="r"\ntitle="t"\n[environments.staging]\ndsn_env="PHASETUI_T_DSN"\n'
            '[[phases]]\nid="expand"\n[[phases.steps]]\nid="s"\nkind="sql"\nenv="staging"\n'
            'sql="SELECT 1;"\n',
        )
    )
    repo = AuditRepo.open(project / "audit")
    return repo, open_run(repo, rb, who=ALICE).run_id


def test_apply_records_lint_and_apply_in_the_run(project, db_dsn, audit_run):
    repo, run_id = audit_run
    r = run(
        "apply", project / "index.sql", "--env", "staging", "--override", REASON,
        "--audit-repo", repo.path, "--run", run_id, "--as", "Alice DBA <alice@example.org>",
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    events = repo.events(run_id)
    assert [e.kind for e in events] == ["run-started", "lint", "apply"]
    lint, applied = events[1], events[2]
    assert lint.payload["step"] == "index.sql" and lint.payload["ok"] is True
    assert lint.payload["override"] == REASON
    assert applied.payload["ok"] is True and applied.payload["override"] == REASON
    assert applied.payload["statements"] == 1 and applied.payload["retries"] == 0
    assert applied.payload["summary"].startswith("applied on staging: 1 statement, 0 retries")
    assert applied.who.startswith("Alice DBA")
    folder = repo.run_dir(run_id)
    assert REASON in (folder / "apply" / "index.sql.md").read_text()
    assert json.loads((folder / "apply" / "index.sql.json").read_text())["override"] == REASON


def test_a_refused_apply_records_the_failed_lint(project, db_dsn, audit_run):
    repo, run_id = audit_run
    r = run("apply", project / "index.sql", "--env", "staging", "--audit-repo", repo.path,
            "--run", run_id)  # fmt: skip
    assert r.exit_code == 1
    events = repo.events(run_id)
    assert [e.kind for e in events] == ["run-started", "lint"]
    assert events[-1].payload["ok"] is False and "override" not in events[-1].payload


def test_a_missing_run_is_refused_before_any_database_is_touched(project, audit_run):
    repo, _ = audit_run
    nowhere = "postgresql://nobody@127.0.0.1:1/none"
    r = run("apply", project / "index.sql", "--dsn", nowhere, "--audit-repo", repo.path,
            "--run", "20990101-typo")  # fmt: skip
    assert r.exit_code == 1
    assert "no run '20990101-typo'" in r.output and "cannot connect" not in r.output
    r = run("apply", project / "index.sql", "--dsn", nowhere, "--audit-repo", repo.path)
    assert r.exit_code == 1 and "add --run ID" in r.output
    r = run("apply", project / "index.sql", "--dsn", nowhere, "--audit-repo",
            project / "no-such-repo", "--run", "x")  # fmt: skip
    assert r.exit_code == 1 and "no audit repo" in r.output


def test_step_apply_refuses_an_empty_sounding_override_and_records_the_lint_failed(
    tmp_path, project, db_dsn
):
    rb_path = write(
        tmp_path / "rb.toml",
        '[runbook]\nid="r"\ntitle="t"\n'
        '[environments.staging]\ndsn_env="PHASETUI_T_DSN"\n'
        '[[phases]]\nid="expand"\nkind="expand"\n[[phases.steps]]\nid="idx"\nkind="sql"\n'
        f'env="staging"\nsql="{INDEX.strip()}"\n',
    )
    audit = tmp_path / "audit2"
    r = run("step", "apply", "--init", rb_path, "idx", "--audit-repo", audit, "--override", "   ")
    assert r.exit_code == 1 and "nothing was applied" in r.output
    repo = AuditRepo.open(audit)
    [run_id] = repo.run_ids()
    lint = [e for e in repo.events(run_id) if e.kind == "lint"][-1]
    assert lint.payload["ok"] is False and "override" not in lint.payload
    assert "users_email_idx" not in indexes(db_dsn)


def test_step_apply_refuses_the_ceiling_before_lint_and_prompt(tmp_path, project, db_dsn):
    rb_path = write(
        tmp_path / "rb.toml",
        '[runbook]\nid="r"\ntitle="t"\n'
        '[environments.prod]\ndsn_env="PHASETUI_T_DSN"\nproduction=true\n'
        '[[phases]]\nid="expand"\nkind="expand"\n[[phases.steps]]\nid="idx"\nkind="sql"\n'
        'env="prod"\nlock_timeout="500ms"\n'
        "sql=\"SET lock_timeout = '1s';\\nALTER TABLE users ADD COLUMN token text;\"\n",
    )
    audit = tmp_path / "audit3"
    r = run("step", "apply", "--init", rb_path, "idx", "--audit-repo", audit, "--override", REASON)
    assert r.exit_code == 1, r.output
    assert "raises phasetui's lock_timeout (500ms) to 1s" in r.output
    assert 'phasetui sets lock_timeout itself: lock_timeout = "500ms" in the step' in r.output
    assert "Type 'prod'" not in r.output  # refused before the production prompt
    repo = AuditRepo.open(audit)
    [run_id] = repo.run_ids()
    assert [e.kind for e in repo.events(run_id)] == ["run-started"]


def test_step_apply_after_a_failed_rehearsal_says_so_and_records_it(tmp_path, project, db_dsn):
    rb_path = write(
        tmp_path / "rb.toml",
        '[runbook]\nid="r"\ntitle="t"\n'
        '[environments.staging]\ndsn_env="PHASETUI_T_DSN"\n'
        '[[phases]]\nid="expand"\nkind="expand"\n[[phases.steps]]\nid="add"\nkind="sql"\n'
        'env="staging"\nsql="ALTER TABLE users ADD COLUMN token text;"\n',
    )
    audit = tmp_path / "audit4"
    with psycopg.connect(db_dsn, autocommit=True) as conn:
        conn.execute("ALTER TABLE users ADD COLUMN token text")  # the rehearsal fails
    r = run("step", "rehearse", "--init", rb_path, "add", "--audit-repo", audit)
    assert r.exit_code == 1
    with psycopg.connect(db_dsn, autocommit=True) as conn:
        conn.execute("ALTER TABLE users DROP COLUMN token")
    r = run("step", "apply", "--init", rb_path, "add", "--audit-repo", audit)
    assert r.exit_code == 0, r.output
    assert "note: the last rehearsal of add in this run FAILED: #1 (line 1):" in r.output
    repo = AuditRepo.open(audit)
    [run_id] = repo.run_ids()
    applied = [e for e in repo.events(run_id) if e.kind == "apply"][-1]
    assert (
        'column "token" of relation "users" already exists'
        in (applied.payload["after_failed_rehearsal"])
    )
