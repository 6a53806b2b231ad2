"""Snapshots of the main screen at 80x24 and 160x50 (pytest-textual-snapshot).

The run is built with fixed people, run id and times, so frames are deterministic.
Update them after an intended change with `pytest tests/test_tui_snapshots.py --snapshot-update`.
"""

from __future__ import annotations

import pytest

from phasetui.tui.app import PhaseApp
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
