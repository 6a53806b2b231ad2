"""Snapshots of every screen and dialog at 80x24 and 160x50 (pytest-textual-snapshot).

The run is built with fixed people, run id and times, so frames are deterministic.
Update them after an intended change with `pytest tests/test_tui_snapshots.py --snapshot-update`.
"""

from __future__ import annotations

import pytest
from textual.app import App

from phasetui.tui.app import PhaseApp
from phasetui.tui.command_dialog import CommandDialog
from phasetui.tui.confirm_dialog import ConfirmDialog
from phasetui.tui.help_screen import HelpScreen
from tests.tui_fixtures import ALICE, fixed_run


async def _loaded(pilot) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


@pytest.mark.parametrize("size", [(80, 24), (160, 50)], ids=["80x24", "160x50"])
def test_main_screen(snap_compare, tmp_path, size):
    rb, repo, run_id = fixed_run(tmp_path)
    app = PhaseApp(rb, repo, run_id, ALICE, poll=False)
    assert snap_compare(app, terminal_size=size, run_before=_loaded)


@pytest.mark.parametrize("size", [(80, 24), (160, 50)], ids=["80x24", "160x50"])
def test_checklist_item_detail(snap_compare, tmp_path, size):
    rb, repo, run_id = fixed_run(tmp_path)
    app = PhaseApp(rb, repo, run_id, ALICE, poll=False)

    async def select_ticked_item(pilot) -> None:
        await _loaded(pilot)
        await pilot.press("c")
        await pilot.pause()

    assert snap_compare(app, terminal_size=size, run_before=select_ticked_item)


SIZES = [(80, 24), (160, 50)]
IDS = ["80x24", "160x50"]


def _app(tmp_path) -> PhaseApp:
    rb, repo, run_id = fixed_run(tmp_path)
    return PhaseApp(rb, repo, run_id, ALICE, poll=False)


def _pressing(*keys: str):
    async def run_before(pilot) -> None:
        await _loaded(pilot)
        for key in keys:
            await pilot.press(key)
            await _loaded(pilot)
        await pilot.pause(0.1)

    return run_before


@pytest.mark.parametrize("size", SIZES, ids=IDS)
def test_main_help(snap_compare, tmp_path, size):
    assert snap_compare(_app(tmp_path), terminal_size=size, run_before=_pressing("question_mark"))


@pytest.mark.parametrize("size", SIZES, ids=IDS)
def test_tick_dialog_names_the_item(snap_compare, tmp_path, size):
    assert snap_compare(_app(tmp_path), terminal_size=size, run_before=_pressing("t"))


@pytest.mark.parametrize("size", SIZES, ids=IDS)
def test_note_dialog(snap_compare, tmp_path, size):
    assert snap_compare(_app(tmp_path), terminal_size=size, run_before=_pressing("n"))


@pytest.fixture
def offline(monkeypatch):
    """No DSNs: the SQL step screen lints offline, so its frame holds no server path."""
    monkeypatch.delenv("PHASETUI_STAGING_DSN", raising=False)
    monkeypatch.delenv("PHASETUI_PRODUCTION_DSN", raising=False)


SQL_STEP = ("down",) * 5 + ("enter",)


@pytest.mark.parametrize("size", SIZES, ids=IDS)
def test_sql_step_screen(snap_compare, tmp_path, offline, size):
    assert snap_compare(_app(tmp_path), terminal_size=size, run_before=_pressing(*SQL_STEP))


@pytest.mark.parametrize("size", SIZES, ids=IDS)
def test_sql_step_help(snap_compare, tmp_path, offline, size):
    run_before = _pressing(*SQL_STEP, "question_mark")
    assert snap_compare(_app(tmp_path), terminal_size=size, run_before=run_before)


class DialogHost(App[None]):
    """A dialog on its own, with fixed text, so its frame is the same on every machine."""

    def __init__(self, dialog) -> None:
        super().__init__()
        self.dialog = dialog

    def on_mount(self) -> None:
        self.push_screen(self.dialog)


COMMAND = (
    "phasetui step run /srv/runbooks/users_preferences.toml fill-preferences --audit-repo "
    "/srv/phasetui/audit --run 20260101-020000-users-preferences --as 'Alice DBA "
    "<alice@example.org>'"
)


@pytest.mark.parametrize("size", SIZES, ids=IDS)
def test_command_dialog(snap_compare, size):
    dialog = CommandDialog(
        "Command line of Backfill users.preferences",
        COMMAND,
        why="Runs step fill-preferences (backfill) through every gate and records it in run "
        "20260101-020000-users-preferences, exactly as enter does here.",
        needs=("production: $PHASETUI_PRODUCTION_DSN (NOT set in this shell)",),
    )
    assert snap_compare(DialogHost(dialog), terminal_size=size)


@pytest.mark.parametrize("size", SIZES, ids=IDS)
def test_confirm_dialog(snap_compare, size):
    dialog = ConfirmDialog(
        "The last rehearsal FAILED",
        "The latest rehearsal of this step in this run, on staging, failed:\n"
        'column "preferences" of relation "users" already exists',
        "Apply anyway?",
        dialog_id="rehearsal-failed-dialog",
    )
    assert snap_compare(DialogHost(dialog), terminal_size=size)


@pytest.mark.parametrize("size", SIZES, ids=IDS)
def test_schema_diff_help(snap_compare, size):
    from tests.test_schema_viewer import ViewerApp, make_diff

    async def run_before(pilot) -> None:
        await _loaded(pilot)
        pilot.app.push_screen(HelpScreen("schema-diff"))
        await pilot.pause(0.1)

    assert snap_compare(ViewerApp(make_diff()), terminal_size=size, run_before=run_before)
