"""A runbook schema-diff step: both sides captured into the run, the review as evidence."""

from __future__ import annotations

import psycopg
import pytest
from click.testing import CliRunner

from phasetui.audit.repo import AuditRepo
from phasetui.cli import main
from phasetui.tui.app import PhaseApp
from phasetui.tui.schema_diff_screen import SchemaDiffScreen
from tests.helpers import SAMPLES
from tests.tui_fixtures import ALICE, fixed_run

RB = str(SAMPLES / "users_preferences.toml")
BASE = "CREATE TABLE users (id bigserial PRIMARY KEY, email text NOT NULL);"


@pytest.fixture
def envs(make_db, monkeypatch):
    staging, production = make_db("staging"), make_db("production")
    with psycopg.connect(staging) as conn:
        conn.execute(BASE + "ALTER TABLE users ADD COLUMN preferences jsonb;")
    with psycopg.connect(production) as conn:
        conn.execute(BASE)
        # a backfill's checkpoint schema is phasetui's bookkeeping, not a difference
        conn.execute("CREATE SCHEMA phasetui; CREATE TABLE phasetui.backfills (name text);")
    monkeypatch.setenv("PHASETUI_STAGING_DSN", staging)
    monkeypatch.setenv("PHASETUI_PRODUCTION_DSN", production)
    return staging, production


def test_headless_capture_and_review(tmp_path, envs):
    audit = str(tmp_path / "audit")
    result = CliRunner().invoke(
        main, ["step", "schema-diff", "--init", RB, "schema-diff", "--audit-repo", audit]
    )
    assert result.exit_code == 0, result.output
    assert "public.users.preferences" in result.output and "phasetui" not in result.output
    repo = AuditRepo.open(audit)
    [run] = repo.run_ids()
    folder = repo.run_dir(run)
    for name in ("staging.sql", "production.sql", "diff.md", "diff.json"):
        assert (folder / "schema" / name).is_file(), name
    assert "preferences" in (folder / "schema" / "diff.md").read_text()
    assert repo.state(run).evidence("schema-diff") is None  # captured, not yet reviewed
    result = CliRunner().invoke(
        main,
        [
            "step",
            "schema-diff",
            "--init",
            RB,
            "schema-diff",
            "--audit-repo",
            audit,
            "--reviewed",
            "--format",
            "md",
        ],
    )
    assert result.exit_code == 0
    evidence = repo.state(run).evidence("schema-diff")
    assert evidence.ok and evidence.summary.startswith("reviewed: 1 removed")


async def test_viewer_from_the_run_screen_records_the_review(tmp_path, envs):
    rb, repo, run_id = fixed_run(tmp_path, ticks=False)
    app = PhaseApp(rb, repo, run_id, ALICE, poll=False)
    async with app.run_test(size=(160, 50)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        for _ in range(3):  # Preparation, status, backup, then the schema diff
            await pilot.press("down")
        await pilot.press("enter")
        for _ in range(300):  # two pg_dumps: seconds on a loaded machine
            await pilot.pause(0.1)
            if isinstance(app.screen, SchemaDiffScreen):
                break
        assert isinstance(app.screen, SchemaDiffScreen)
        await pilot.pause(0.3)  # let the viewer mount before the key
        await pilot.press("v")
        for _ in range(100):
            await pilot.pause(0.1)
            if app.state and app.state.evidence("schema-diff"):
                break
        assert not isinstance(app.screen, SchemaDiffScreen)
        assert app.state.evidence("schema-diff").ok
    kinds = [e.kind for e in repo.events(run_id)]
    assert kinds == ["run-started", "schema-capture", "schema-diff"]
