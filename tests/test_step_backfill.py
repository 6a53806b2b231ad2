"""A runbook backfill step, headless: production confirmation, the engine, the evidence."""

from __future__ import annotations

import json

import psycopg
import pytest
from click.testing import CliRunner

from phasetui.audit.repo import AuditRepo
from phasetui.cli import main
from tests.helpers import SAMPLES

RB = str(SAMPLES / "users_preferences.toml")


@pytest.fixture
def production(make_db, monkeypatch):
    dsn = make_db("production")
    with psycopg.connect(dsn) as conn:
        conn.execute(
            "CREATE TABLE users (id bigserial PRIMARY KEY, locale text, preferences jsonb)"
        )
        conn.execute("INSERT INTO users (locale) SELECT 'az' FROM generate_series(1, 3000)")
    monkeypatch.setenv("PHASETUI_PRODUCTION_DSN", dsn)
    monkeypatch.setenv("PHASETUI_STAGING_DSN", make_db("staging"))
    return dsn


def test_backfill_step_runs_and_records_evidence(tmp_path, production):
    audit = str(tmp_path / "audit")
    result = CliRunner().invoke(
        main,
        [
            "step",
            "backfill",
            "--init",
            RB,
            "fill-preferences",
            "--audit-repo",
            audit,
            "--format",
            "json",
            "--yes-i-mean-production",
            "production",
            "--env",
            "production",
        ],
    )
    assert result.exit_code == 0, result.output
    last = json.loads(result.output.strip().splitlines()[-1])
    assert last["event"] == "result" and last["state"] == "done"
    with psycopg.connect(production) as conn:
        left = conn.execute("SELECT count(*) FROM users WHERE preferences IS NULL").fetchone()[0]
        sample = conn.execute("SELECT preferences FROM users WHERE id = 1").fetchone()[0]
    assert left == 0 and sample == {"theme": "light", "locale": "az"}
    repo = AuditRepo.open(audit)
    [run] = repo.run_ids()
    state = repo.state(run)
    assert state.target == "production"
    assert state.evidence("backfill").ok and state.evidence("backfill").kind == "backfill"
    figures = json.loads((repo.run_dir(run) / "backfill" / "fill-preferences.json").read_text())
    assert figures["rows_updated"] == 3000


def test_backfill_step_on_production_needs_its_name(tmp_path, production):
    result = CliRunner().invoke(
        main,
        [
            "step",
            "backfill",
            "--init",
            RB,
            "fill-preferences",
            "--env",
            "production",
            "--audit-repo",
            str(tmp_path / "a"),
        ],
        input="prod\n",
    )
    assert result.exit_code == 1
    assert "production environment: it takes an explicit confirmation" in result.output
    with psycopg.connect(production) as conn:
        assert (
            conn.execute("SELECT count(*) FROM users WHERE preferences IS NULL").fetchone()[0]
            == 3000
        )


def test_unknown_backfill_step(tmp_path, production):
    result = CliRunner().invoke(
        main, ["step", "backfill", "--init", RB, "add-column", "--audit-repo", str(tmp_path / "a")]
    )
    assert result.exit_code == 1 and "backfill steps here: fill-preferences" in result.output


def test_a_mistyped_step_creates_no_run(tmp_path, production):
    audit = tmp_path / "a"
    for verb in ("lint", "rehearse", "apply", "schema-diff"):
        result = CliRunner().invoke(
            main, ["step", verb, RB, "no-such-step", "--audit-repo", str(audit)]
        )
        assert result.exit_code == 1 and "does not exist" in result.output, result.output
    assert not (audit / "runs").exists()
