"""`phasetui rollback`: the recorded backup and its restore command, a rollback snapshot,
the rollback SQL through the gates, the status refreshed, the manual steps written, and the
run closed as rolled back; production's name comes before anything runs."""

from __future__ import annotations

import psycopg
import pytest
from click.testing import CliRunner

from phasetui.audit.repo import AuditRepo
from phasetui.cli import main
from phasetui.demo.seed import seed
from tests.helpers import SAMPLES, write


@pytest.fixture
def demo_envs(make_db, monkeypatch, tmp_path):
    staging, production = make_db("stg"), make_db("prd")
    seed(staging, users=200, staging=True)
    seed(production, users=2000, staging=False)
    monkeypatch.setenv("PHASETUI_STAGING_DSN", staging)
    monkeypatch.setenv("PHASETUI_PRODUCTION_DSN", production)
    config = write(tmp_path / "phasetui.toml", f'[backups]\ndir = "{tmp_path / "backups"}"\n')
    monkeypatch.setenv("PHASETUI_CONFIG", str(config))
    return staging, production


def _cli(*args: str):
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.output + (result.stderr if result.stderr_bytes else "")


def _has_column(dsn: str) -> bool:
    with psycopg.connect(dsn) as conn:
        return bool(
            conn.execute(
                "SELECT 1 FROM information_schema.columns "
                "WHERE table_name = 'users' AND column_name = 'preferences'"
            ).fetchone()
        )


def _copy_sample(tmp_path):
    """The sample next to a notes folder of its own (it writes database-backups/README.md)."""
    text = (SAMPLES / "users_preferences.toml").read_text()
    return write(tmp_path / "rb" / "users_preferences.toml", text)


def test_rollback_on_staging_undoes_the_change_and_closes_the_run(tmp_path, demo_envs):
    staging, _ = demo_envs
    rb = str(_copy_sample(tmp_path))
    audit = str(tmp_path / "audit")
    code, out = _cli("run", rb, "--env", "staging", "--headless", "--yes", "--until",
                     "fill-preferences", "--audit-repo", audit)  # fmt: skip
    assert code == 0, out
    assert _has_column(staging)
    code, out = _cli("rollback", rb, "--env", "staging", "--audit-repo", audit)
    assert code == 0, out
    assert "restore it with: pg_restore" in out and "rolled back on staging and closed" in out
    assert not _has_column(staging)
    repo = AuditRepo.open(audit, create=False)
    (run,) = repo.runs()
    state = repo.state(run.run_id)
    assert state.closed and state.outcome == "rolled-back"
    kinds = [ev.kind for ev in state.events]
    for kind in ("rollback", "rollback-notes", "run-closed"):
        assert kind in kinds
    snapshot = state.latest("rollback-snapshot")
    assert snapshot.ok and "rollback" in snapshot.summary
    assert state.history["status"][-1].time > state.history["status"][0].time  # refreshed
    notes = (tmp_path / "rb" / "database-backups" / "README.md").read_text()
    assert "pg_restore" in notes and "DROP COLUMN IF EXISTS preferences" in notes
    assert "Stop the application code" in notes
    run_notes = repo.run_dir(run.run_id) / "rollback" / "README.md"
    assert run_notes.read_text() == notes
    # a closed run takes no more steps
    code, out = _cli("step", "run", rb, "drift", "--run", run.run_id, "--audit-repo", audit)
    assert code == 4 and "closed" in out


def test_rollback_on_production_asks_for_its_name_before_anything_runs(tmp_path, demo_envs):
    _, production = demo_envs
    rb = str(_copy_sample(tmp_path))
    audit = str(tmp_path / "audit")
    with psycopg.connect(production, autocommit=True) as conn:
        conn.execute("ALTER TABLE users ADD COLUMN preferences jsonb")
    code, out = _cli("step", "run", rb, "status", "--env", "production", "--audit-repo", audit,
                     "--init", "--yes")  # fmt: skip
    assert code == 0, out
    code, out = _cli("rollback", rb, "--env", "production", "--audit-repo", audit, "--yes")
    assert code == 4 and "type its name to roll back" in out, out
    assert _has_column(production)
    repo = AuditRepo.open(audit, create=False)
    (run,) = repo.runs()
    assert [ev.kind for ev in repo.events(run.run_id)] == ["run-started", "migration-status"]
    # no backup recorded: asked (--yes), said loudly, and the rollback still goes through
    code, out = _cli("rollback", rb, "--env", "production", "--audit-repo", audit, "--yes",
                     "--yes-i-mean-production", "production", "--no-snapshot")  # fmt: skip
    assert code == 0, out
    assert "no backup was recorded" in out
    assert not _has_column(production)
