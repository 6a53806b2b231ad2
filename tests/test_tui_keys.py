"""One key registry: every screen's bindings come from it, and ? shows that screen's keys."""

from __future__ import annotations

import pytest

from phasetui.tui.actions import KEYSETS, help_rows
from phasetui.tui.app import PhaseApp
from phasetui.tui.help_screen import HelpScreen
from phasetui.tui.schema_diff_screen import SchemaDiffScreen
from phasetui.tui.sql_step_screen import SqlStepScreen
from phasetui.tui.text_dialog import TextDialog
from tests.test_schema_viewer import ViewerApp, make_diff
from tests.tui_fixtures import ALICE, fixed_run, screen_text

SIZES = [(80, 24), (160, 50)]


async def settle(pilot) -> None:
    for _ in range(3):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()


def help_text(app) -> str:
    """The help's table as the user reads it (it scrolls at 80x24), whitespace collapsed."""
    import io

    from rich.console import Console

    console = Console(width=200, file=io.StringIO(), record=True, color_system=None)
    console.print(app.screen.table)
    return " ".join(console.export_text().split())


def test_every_screen_binds_exactly_its_registry_keys():
    for screen, name in ((PhaseApp, "main"), (SqlStepScreen, "sql-step")):
        ids = {b.id for b in screen.BINDINGS}
        assert {a.id for a in KEYSETS[name].actions} <= ids
    assert {b.id for b in SchemaDiffScreen.BINDINGS} == {
        a.id for a in KEYSETS["schema-diff"].actions
    }


@pytest.mark.parametrize("size", SIZES)
async def test_help_on_the_run_screen_shows_its_keys(tmp_path, size):
    rb, repo, run_id = fixed_run(tmp_path, ticks=False)
    app = PhaseApp(rb, repo, run_id, ALICE, poll=False)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        shown = help_text(app)
        assert "Re-read the run from the audit repo" in shown
        assert "On a step: open it" in shown and "tick or untick it" in shown
        assert "Show the command line" in shown
        assert "Rehearse" not in shown and "Cycle the filter" not in shown
        await pilot.press("question_mark")  # ? closes it again
        await pilot.pause()
        assert not isinstance(app.screen, HelpScreen)


@pytest.mark.parametrize("size", SIZES)
async def test_help_on_the_sql_step_screen_says_r_rehearses(tmp_path, size, monkeypatch):
    monkeypatch.delenv("PHASETUI_PRODUCTION_DSN", raising=False)  # lint offline is enough
    rb, repo, run_id = fixed_run(tmp_path, ticks=False)
    app = PhaseApp(rb, repo, run_id, ALICE, poll=False)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        for _ in range(5):
            await pilot.press("down")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, SqlStepScreen)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        shown = help_text(app)
        rows = dict(help_rows("sql-step"))
        assert rows["r"].startswith("Rehearse") and "Re-read" not in shown
        for key in ("l", "r", "a", "w", "x", "escape"):
            assert key in rows
            assert " ".join(rows[key].split()) in shown
        assert "Tick or untick" not in shown
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, SqlStepScreen)  # escape closed the help only


@pytest.mark.parametrize("size", SIZES)
async def test_help_on_the_schema_diff_screen_lists_f_slash_v(size):
    app = ViewerApp(make_diff())
    app.BINDINGS = PhaseApp.BINDINGS[-3:]  # the app-wide keys, as in phasetui
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        app.push_screen(HelpScreen("schema-diff"))
        await pilot.pause()
        shown = help_text(app)
        for key, text in help_rows("schema-diff"):
            assert " ".join(text.split()) in shown, key
        assert "Cycle the filter" in shown and "Search object names" in shown


async def test_q_in_a_dialog_types_instead_of_quitting(tmp_path):
    rb, repo, run_id = fixed_run(tmp_path, ticks=False)
    app = PhaseApp(rb, repo, run_id, ALICE, poll=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await pilot.pause()
        assert isinstance(app.screen, TextDialog)
        await pilot.press("q", "question_mark")
        await pilot.pause()
        assert app.is_running and isinstance(app.screen, TextDialog)
        assert app.screen.query_one("#dialog-input").value == "q?"
        assert "escape: cancel" in screen_text(app)  # the hint, from the registry


def test_the_run_screens_key_bar_comes_from_the_registry():
    from phasetui.tui.actions import MAIN
    from phasetui.tui.key_bar import KeyBar

    line = KeyBar.line("main").plain
    for action in MAIN.actions:
        shown = f"{action.key.split(',')[0]} {action.label}"
        assert (shown in line) == action.show, (shown, line)
    assert line.endswith("? Help  q Quit")
    assert len(line) <= 78  # fits 80 columns with its padding
