"""A runbook sql step end to end on real databases: lint, rehearse, apply, evidence."""

from __future__ import annotations

import json

import psycopg
import pytest
from click.testing import CliRunner

from phasetui.audit.repo import AuditRepo
from phasetui.audit.runs import open_run
from phasetui.cli import main
from phasetui.errors import UserError
from phasetui.ops.sql_step import SqlStep, apply_gate
from phasetui.runbook.loader import load_runbook
from tests.helpers import SAMPLES, git, write
from tests.tui_fixtures import ALICE

USERS = "CREATE TABLE users (id bigserial PRIMARY KEY, email text, locale text DEFAULT 'en');"


@pytest.fixture
def envs(make_db, monkeypatch):
    staging, production = make_db("staging"), make_db("production")
    for dsn in (staging, production):
        with psycopg.connect(dsn) as conn:
            conn.execute(USERS)
            conn.execute("INSERT INTO users (email) SELECT 'u' || g FROM generate_series(1, 50) g")
    monkeypatch.setenv("PHASETUI_STAGING_DSN", staging)
    monkeypatch.setenv("PHASETUI_PRODUCTION_DSN", production)
    return staging, production


def columns(dsn: str) -> list[str]:
    with psycopg.connect(dsn) as conn:
        rows = conn.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'users' "
            "ORDER BY ordinal_position"
        ).fetchall()
    return [r[0] for r in rows]


def test_phase_sql_and_rehearsal_environment_of_samples():
    rb = load_runbook(SAMPLES / "users_preferences.toml")
    with pytest.raises(UserError, match="names no environment and the run has no target"):
        SqlStep.of(rb, "add-column").environment  # noqa: B018 - the property raises
    # The sample's steps take the run's target: here a production run's.
    add = SqlStep(rb, rb.step("add-column"), rb.environments["production"])
    assert add.phase == "expand" and "ADD COLUMN preferences jsonb" in add.sql()
    assert add.environment.name == "production"
    assert add.rehearsal_environment().name == "staging"
    assert SqlStep.of(rb, "not-null").phase == "contract"
    assert add.settings().lock_timeout == 2.0 and add.settings().retries == 5
    with pytest.raises(UserError, match="is a backfill step"):
        SqlStep.of(rb, "fill-preferences")


def test_sql_from_a_file_next_to_the_runbook(tmp_path):
    write(tmp_path / "m.sql", "ALTER TABLE users ADD COLUMN x int;\n")
    rb_path = write(
        tmp_path / "rb.toml",
        '[runbook]\nid="r"\ntitle="t"\n'
        '[environments.s]\nservice="s"\n[[phases]]\nid="expand"\n'
        '[[phases.steps]]\nid="m"\nkind="sql"\nenv="s"\nfile="m.sql"\n'
        '[[phases.steps]]\nid="gone"\nkind="sql"\nenv="s"\nfile="missing.sql"\n',
    )
    rb = load_runbook(rb_path)
    assert SqlStep.of(rb, "m").sql().startswith("ALTER TABLE users")
    with pytest.raises(UserError, match="cannot read .*missing.sql"):
        SqlStep.of(rb, "gone").sql()


def test_lint_rehearse_apply_record_evidence(tmp_path, envs):
    staging, production = envs
    rb = load_runbook(SAMPLES / "users_preferences.toml")
    repo = AuditRepo.open(tmp_path / "audit")
    run_id = open_run(repo, rb, who=ALICE, env="production").run_id
    step = SqlStep(rb, rb.step("add-column"), rb.environments["production"])

    report = step.lint()
    assert report.exit_code == 0 and report.catalog
    step.record_lint(repo, run_id, report, ALICE)

    rehearsal = step.rehearse()
    assert rehearsal.passed and rehearsal.target == "staging"
    step.record_rehearsal(repo, run_id, rehearsal, ALICE)
    assert "preferences" not in columns(staging)  # rolled back

    with pytest.raises(UserError, match="production"):
        step.apply(confirm=None)
    result = step.apply(confirm="production")
    assert result.ok
    step.record_apply(repo, run_id, result, ALICE)
    assert "preferences" in columns(production)
    assert "preferences" not in columns(staging)

    folder = repo.run_dir(run_id)
    for name in ("lint/add-column.md", "rehearsal/add-column.md", "apply/add-column.md"):
        assert (folder / name).is_file(), name
    assert json.loads((folder / "rehearsal" / "add-column.json").read_text())["committed"] is False
    state = repo.state(run_id)
    assert state.results["add-column"].kind == "apply" and state.results["add-column"].ok
    subjects = git(repo.path, "log", "--format=%s").splitlines()
    assert subjects[0].startswith(f"{run_id}: apply add-column ok")


def test_apply_is_gated_on_lint_errors_unless_overridden(tmp_path, envs, monkeypatch):
    # Every table counts as big here, so the catalog does not downgrade the finding.
    config = write(tmp_path / "phasetui.toml", "[lint]\nsmall_table_mb = 0\n")
    monkeypatch.setenv("PHASETUI_CONFIG", str(config))
    rb_path = write(
        tmp_path / "rb.toml",
        '[runbook]\nid="r"\ntitle="t"\n'
        '[environments.staging]\ndsn_env="PHASETUI_STAGING_DSN"\n'
        '[[phases]]\nid="contract"\n[[phases.steps]]\nid="nn"\nkind="sql"\n'
        'env="staging"\nsql="ALTER TABLE users ALTER COLUMN email SET NOT NULL;"\n',
    )
    rb = load_runbook(rb_path)
    step = SqlStep.of(rb, "nn")
    report = step.lint()
    assert report.errors
    with pytest.raises(UserError, match="nothing was applied"):
        apply_gate(report, "")
    apply_gate(report, "users has 50 rows; lock is instant")

    audit = str(tmp_path / "audit")
    result = CliRunner().invoke(
        main, ["step", "apply", "--init", str(rb_path), "nn", "--audit-repo", audit]
    )
    assert result.exit_code == 1 and "nothing was applied" in result.output
    result = CliRunner().invoke(
        main,
        [
            "step",
            "apply",
            "--init",
            str(rb_path),
            "nn",
            "--audit-repo",
            audit,
            "--override",
            "50 rows, instant",
        ],
    )
    assert result.exit_code == 0, result.output
    repo = AuditRepo.open(audit)
    [run] = repo.run_ids()
    lint_events = [e for e in repo.events(run) if e.kind == "lint"]
    assert lint_events[-1].payload["override"] == "50 rows, instant"
    assert lint_events[0].payload["ok"] is False


def test_step_cli_rehearse_records_in_the_open_run(tmp_path, envs):
    audit = str(tmp_path / "audit")
    rb = str(SAMPLES / "users_preferences.toml")
    result = CliRunner().invoke(
        main,
        [
            "step",
            "rehearse",
            "--init",
            rb,
            "add-column",
            "--env",
            "production",
            "--audit-repo",
            audit,
        ],
    )
    assert result.exit_code == 0, result.output
    assert "rolled back" in result.output
    # No --env: the open run (for production) is found and its target used.
    result = CliRunner().invoke(
        main, ["step", "lint", "--init", rb, "add-column", "--audit-repo", audit]
    )
    assert result.exit_code == 0
    repo = AuditRepo.open(audit)
    [run] = repo.run_ids()
    assert repo.state(run).target == "production"
    assert [e.kind for e in repo.events(run)] == ["run-started", "rehearsal", "lint"]


def test_a_runbook_sql_step_is_linted_as_phasetui_applies_it_even_with_wrapped_config(
    tmp_path, monkeypatch
):
    """`[lint] wrapped = true` describes the team's runner; phasetui's apply runs a step
    statement by statement, so the step's lint must not assume one transaction."""
    cfg = write(tmp_path / "phasetui.toml", "[lint]\nwrapped = true\n")
    monkeypatch.setenv("PHASETUI_CONFIG", str(cfg))
    write(tmp_path / "m.sql", "CREATE INDEX CONCURRENTLY users_email_idx ON users (email);\n")
    rb_path = write(
        tmp_path / "rb.toml",
        '[runbook]\nid="r"\ntitle="t"\n'
        '[environments.s]\nservice="s"\n[[phases]]\nid="expand"\n'
        '[[phases.steps]]\nid="m"\nkind="sql"\nenv="s"\nfile="m.sql"\n',
    )
    report = SqlStep.of(load_runbook(rb_path), "m").lint(connect=False)
    assert not report.wrapped
    assert "concurrently-in-transaction" not in {f.rule for f in report.findings}


def test_step_apply_of_a_contract_step_waits_for_its_verify(tmp_path, envs):
    staging, _ = envs
    rb_path = write(
        tmp_path / "rb.toml",
        '[runbook]\nid="r"\ntitle="t"\n'
        '[environments.staging]\ndsn_env="PHASETUI_STAGING_DSN"\n'
        '[[phases]]\nid="contract"\nkind="contract"\n'
        '[[phases.steps]]\nid="no-null"\nkind="verify"\n'
        'sql="SELECT count(*) FROM users WHERE locale IS NULL"\nexpect=0\n'
        '[[phases.steps]]\nid="nn"\nkind="sql"\n'
        'sql="ALTER TABLE users ADD CONSTRAINT locale_nn CHECK (locale IS NOT NULL) NOT VALID;"\n',
    )
    audit = str(tmp_path / "audit")
    args = [
        "step",
        "apply",
        "--init",
        str(rb_path),
        "nn",
        "--audit-repo",
        audit,
        "--env",
        "staging",
    ]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 1 and "verify first: no-null has not run" in result.output
    with psycopg.connect(staging) as conn:
        assert not conn.execute(
            "SELECT 1 FROM pg_constraint WHERE conname = 'locale_nn'"
        ).fetchone()
    ran = CliRunner().invoke(main, ["step", "run", str(rb_path), "no-null", "--audit-repo", audit])
    assert ran.exit_code == 0, ran.output
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    with psycopg.connect(staging) as conn:
        assert conn.execute("SELECT 1 FROM pg_constraint WHERE conname = 'locale_nn'").fetchone()
