"""The sql step screen's apply at 80x24: a failed rehearsal is said plainly before the
production name is asked for; lint errors need the override dialog's reason; SQL that
lifts phasetui's timeouts is refused before any question."""

from __future__ import annotations

import psycopg
import pytest

from phasetui.ops.sql_step import SqlStep
from phasetui.tui.app import PhaseApp
from phasetui.tui.confirm_dialog import ConfirmDialog
from phasetui.tui.override_dialog import OverrideDialog
from phasetui.tui.text_dialog import TextDialog
from tests.helpers import write
from tests.test_step_sql import USERS, columns
from tests.test_tui_sql_step import open_add_column, settle
from tests.tui_fixtures import ALICE, fixed_run

REASON = "users is empty on production; the lock lasts milliseconds"


@pytest.fixture
def envs(make_db, monkeypatch, tmp_path):
    staging, production = make_db("staging"), make_db("production")
    for dsn in (staging, production):
        with psycopg.connect(dsn) as conn:
            conn.execute(USERS)
    monkeypatch.setenv("PHASETUI_STAGING_DSN", staging)
    monkeypatch.setenv("PHASETUI_PRODUCTION_DSN", production)
    cfg = write(tmp_path / "phasetui.toml", "[lint]\nsmall_table_mb = 0\n")
    monkeypatch.setenv("PHASETUI_CONFIG", str(cfg))
    return staging, production


def text_of(screen) -> str:
    return " ".join(str(w.render()) for w in screen.query("Label, Static"))


async def test_a_failed_rehearsal_is_said_before_the_name_is_asked(tmp_path, envs):
    staging, production = envs
    with psycopg.connect(staging, autocommit=True) as conn:  # staging differs: it fails there
        conn.execute("ALTER TABLE users ADD COLUMN preferences jsonb")
    rb, repo, run_id = fixed_run(tmp_path, ticks=False)
    app = PhaseApp(rb, repo, run_id, ALICE, poll=False)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_add_column(pilot)
        await pilot.press("r")
        await settle(pilot)
        assert not screen.rehearsal.passed
        await pilot.press("a")
        await pilot.pause()
        dialog = pilot.app.screen
        assert isinstance(dialog, ConfirmDialog) and dialog.id == "rehearsal-failed-dialog"
        shown = text_of(dialog)
        assert "The last rehearsal FAILED" in shown and "Apply anyway?" in shown
        assert 'column "preferences" of relation "users" already exists' in shown
        await pilot.press("n")
        await settle(pilot)
        assert pilot.app.screen is screen and screen.applied is None
        assert "the last rehearsal failed" in str(screen.query_one("#step-status").render())

        await pilot.press("a")
        await pilot.pause()
        assert isinstance(pilot.app.screen, ConfirmDialog)
        await pilot.press("y")
        await pilot.pause()
        assert isinstance(pilot.app.screen, TextDialog)  # only now: the production name
        assert pilot.app.screen.id == "confirm-dialog"
        await pilot.press(*"production", "enter")
        await settle(pilot)
        assert screen.applied.ok
    assert "preferences" in columns(production)
    applied = [e for e in repo.events(run_id) if e.kind == "apply"][-1]
    assert "already exists" in applied.payload["after_failed_rehearsal"]


async def test_a_failed_rehearsal_recorded_earlier_in_the_run_counts_too(tmp_path, envs):
    """The latest rehearsal of the step in this run, wherever it ran (here: headless)."""
    staging, _production = envs
    with psycopg.connect(staging, autocommit=True) as conn:
        conn.execute("ALTER TABLE users ADD COLUMN preferences jsonb")
    rb, repo, run_id = fixed_run(tmp_path, ticks=False)
    step = SqlStep(rb, rb.step("add-column"), rb.environments["production"])
    step.record_rehearsal(repo, run_id, step.rehearse(), ALICE)
    app = PhaseApp(rb, repo, run_id, ALICE, poll=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_add_column(pilot)
        await pilot.press("a")
        await pilot.pause()
        assert isinstance(pilot.app.screen, ConfirmDialog)
        await pilot.press("escape")
        await settle(pilot)
        with psycopg.connect(staging, autocommit=True) as conn:
            conn.execute("ALTER TABLE users DROP COLUMN preferences")
        await pilot.press("r")  # a passing rehearsal is now the latest
        await settle(pilot)
        await pilot.press("a")
        await pilot.pause()
        assert isinstance(pilot.app.screen, TextDialog)
        await pilot.press("escape")
        await settle(pilot)


async def test_lint_errors_take_the_override_dialog_and_the_reason_is_recorded(tmp_path, envs):
    _staging, production = envs
    rb, repo, run_id = fixed_run(tmp_path, ticks=False)
    rb.step("add-column").params["sql"] = "CREATE INDEX users_email_idx ON users (email);"
    app = PhaseApp(rb, repo, run_id, ALICE, poll=False)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_add_column(pilot)
        assert screen.report.errors
        await pilot.press("a")
        await pilot.pause()
        dialog = pilot.app.screen
        assert isinstance(dialog, OverrideDialog)
        assert "create-index-not-concurrent" in text_of(dialog)
        await pilot.press(*"ok", "enter")  # not a reason: the dialog stays
        await pilot.pause()
        assert pilot.app.screen is dialog
        await pilot.press("backspace", "backspace", *REASON, "enter")
        await pilot.pause()
        assert isinstance(pilot.app.screen, TextDialog)
        await pilot.press(*"production", "enter")
        await settle(pilot)
        assert screen.applied.ok and screen.applied.override == REASON
    lints = [e for e in repo.events(run_id) if e.kind == "lint"]
    assert lints[0].payload["ok"] is False and lints[-1].payload["override"] == REASON
    applied = [e for e in repo.events(run_id) if e.kind == "apply"][-1]
    assert applied.payload["override"] == REASON
    assert applied.payload["summary"].startswith("applied on production: 1 statement, 0 retries")
    with psycopg.connect(production) as conn:
        assert conn.execute("SELECT to_regclass('users_email_idx')").fetchone()[0]


async def test_sql_that_lifts_the_timeouts_is_refused_before_any_question(tmp_path, envs):
    _staging, production = envs
    rb, repo, run_id = fixed_run(tmp_path, ticks=False)
    rb.step("add-column").params["sql"] = (
        "SET lock_timeout = 0;\nALTER TABLE users ADD COLUMN preferences jsonb;"
    )
    app = PhaseApp(rb, repo, run_id, ALICE, poll=False)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_add_column(pilot)
        await pilot.press("a")
        await settle(pilot)
        assert pilot.app.screen is screen and screen.applied is None
        status = str(screen.query_one("#step-status").render())
        assert "refusing to apply" in status and "SET lock_timeout = 0" in status
    assert "preferences" not in columns(production)
    assert [e.kind for e in repo.events(run_id)] == ["run-started", "lint"]
