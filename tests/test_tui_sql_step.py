"""The sql step screen on real databases: lint, rehearse, typed production apply, evidence."""

from __future__ import annotations

import psycopg
import pytest

from phasetui.tui.app import PhaseApp
from phasetui.tui.command_dialog import CommandDialog
from phasetui.tui.rehearsal_table import RehearsalTable
from phasetui.tui.sql_step_screen import SqlStepScreen
from phasetui.tui.text_dialog import TextDialog
from tests.test_step_sql import USERS, columns
from tests.tui_fixtures import ALICE, fixed_run, screen_text


@pytest.fixture
def envs(make_db, monkeypatch):
    staging, production = make_db("staging"), make_db("production")
    for dsn in (staging, production):
        with psycopg.connect(dsn) as conn:
            conn.execute(USERS)
    monkeypatch.setenv("PHASETUI_STAGING_DSN", staging)
    monkeypatch.setenv("PHASETUI_PRODUCTION_DSN", production)
    return staging, production


async def settle(pilot) -> None:
    for _ in range(3):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()


async def open_add_column(pilot) -> SqlStepScreen:
    await settle(pilot)
    for _ in range(5):  # Preparation, 3 steps, Phase 1, then the sql step
        await pilot.press("down")
    await pilot.press("enter")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, SqlStepScreen)
    return screen


@pytest.mark.parametrize("size", [(80, 24), (160, 50)])
async def test_lint_rehearse_and_apply_on_production(tmp_path, envs, size):
    staging, production = envs
    rb, repo, run_id = fixed_run(tmp_path, ticks=False)
    app = PhaseApp(rb, repo, run_id, ALICE, poll=False)
    async with app.run_test(size=size) as pilot:
        screen = await open_add_column(pilot)
        assert screen.report is not None and not screen.report.errors
        await pilot.press("r")
        await settle(pilot)
        assert screen.rehearsal.passed and screen.rehearsal.target == "staging"
        assert pilot.app.screen.query_one(RehearsalTable).row_count == 2
        await pilot.press("a")
        await pilot.pause()
        assert isinstance(pilot.app.screen, TextDialog)
        await pilot.press(*"prod", "enter")  # wrong name: nothing applied
        await settle(pilot)
        assert screen.applied is None and "preferences" not in columns(production)
        await pilot.press("a")
        await pilot.pause()
        await pilot.press(*"production", "enter")
        await settle(pilot)
        assert screen.applied.ok
        await pilot.press("escape")
        await settle(pilot)
        assert not isinstance(pilot.app.screen, SqlStepScreen)
    assert "preferences" in columns(production) and "preferences" not in columns(staging)
    kinds = [e.kind for e in repo.events(run_id)]
    assert kinds == ["run-started", "lint", "rehearsal", "apply"]
    assert app.state.results["add-column"].kind == "apply"


async def test_lint_errors_need_a_typed_override(tmp_path, envs, monkeypatch):
    from tests.helpers import write

    monkeypatch.setenv(
        "PHASETUI_CONFIG", str(write(tmp_path / "phasetui.toml", "[lint]\nsmall_table_mb = 0\n"))
    )
    rb, repo, run_id = fixed_run(tmp_path, ticks=False)
    step = rb.step("add-column")
    step.params["sql"] = "CREATE INDEX users_email_idx ON users (email);"
    app = PhaseApp(rb, repo, run_id, ALICE, poll=False)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_add_column(pilot)
        assert screen.report.errors
        await pilot.press("a")
        await pilot.pause()
        assert pilot.app.screen.id == "override-dialog"
        await pilot.press("escape")
        await settle(pilot)
        assert screen.applied is None
    events = repo.events(run_id)
    assert [e.kind for e in events] == ["run-started", "lint"]
    assert events[-1].payload["ok"] is False


async def test_unset_environment_variable_is_a_clear_message(tmp_path, monkeypatch):
    monkeypatch.delenv("PHASETUI_PRODUCTION_DSN", raising=False)
    rb, repo, run_id = fixed_run(tmp_path, ticks=False)
    app = PhaseApp(rb, repo, run_id, ALICE, poll=False)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_add_column(pilot)
        status = str(screen.query_one("#step-status").render())
        assert "PHASETUI_PRODUCTION_DSN is not set" in status
        assert screen.report is not None  # linted offline, and said so


async def test_run_screen_keys_are_inert_on_the_step_screen(tmp_path, envs):
    rb, repo, run_id = fixed_run(tmp_path, ticks=False)
    app = PhaseApp(rb, repo, run_id, ALICE, poll=False)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_add_column(pilot)
        await pilot.press("c", "p", "t", "n")
        await settle(pilot)
        assert pilot.app.screen is screen and app.is_running


@pytest.mark.parametrize("size", [(80, 24), (160, 50)])
async def test_x_on_a_backfill_step_gives_the_command_that_records_in_this_run(
    tmp_path, size, monkeypatch
):
    """The command is shown whole in a dialog that stays until dismissed; w writes it."""
    monkeypatch.chdir(tmp_path)
    rb, repo, run_id = fixed_run(tmp_path, ticks=False)
    app = PhaseApp(rb, repo, run_id, ALICE, poll=False)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        for _ in range(7):  # Preparation, 3 steps, Phase 1, add-column, Phase 2, the backfill
            await pilot.press("down")
        await pilot.press("x")
        await pilot.pause(0.5)  # a toast would be gone by now... the dialog is not
        dialog = pilot.app.screen
        assert isinstance(dialog, CommandDialog)
        command = dialog.command
        assert command.startswith("phasetui step run ") and " fill-preferences " in command
        assert f"--run {run_id}" in command and str(repo.path) in command
        # whole: folded, never cut, and its box needs no scrolling at this size
        body = dialog.query_one("#command-text")
        assert "".join(command.split()) in "".join(str(body.render()).split())
        assert dialog.query_one("#command-scroll").max_scroll_y == 0
        assert body.region.height >= len(command) // body.region.width + 1
        assert "$PHASETUI_PRODUCTION_DSN" in screen_text(app)
        await pilot.press("w")
        await pilot.pause()
        written = tmp_path / f"phasetui-{run_id}-fill-preferences.sh"
        assert command in written.read_text()
        assert str(written) in str(dialog.query_one("#command-written").render())
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(pilot.app.screen, CommandDialog)
    assert [e.kind for e in repo.events(run_id)] == ["run-started"]  # showing runs nothing
