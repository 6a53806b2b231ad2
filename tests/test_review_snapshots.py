"""Snapshots of the review browser at 80x24 and 160x50 (pytest-textual-snapshot).

The repo is built with a fixed clock and people, reviewed in Asia/Tokyo from a clone shown
relative to the working folder, so frames are deterministic (commit hashes and dates, which
are not, are on the commit screen only, which is not snapshotted).
Update after an intended change: pytest tests/test_review_snapshots.py --snapshot-update
"""

from __future__ import annotations

import pytest

from phasetui.review.source import ReviewSource
from phasetui.tui.review_app import ReviewApp
from tests import review_support as rs

pytest_plugins = ("tests.review_fixtures",)
SIZES = pytest.mark.parametrize("size", [(80, 24), (160, 50)], ids=["80x24", "160x50"])


async def settle(pilot) -> None:
    for _ in range(2):
        await pilot.pause(0.1)
        await pilot.app.workers.wait_for_complete()
    await pilot.pause()


@pytest.fixture
def here(cloned, monkeypatch):
    monkeypatch.chdir(cloned.parent)
    return ReviewSource.open(cloned)


@SIZES
def test_runs_list(snap_compare, here, size):
    assert snap_compare(ReviewApp(here), terminal_size=size, run_before=settle)


@SIZES
def test_run_timeline(snap_compare, here, size):
    app = ReviewApp(here, run_id=rs.PRODUCTION_RUN)

    async def to_the_gap(pilot) -> None:
        await settle(pilot)
        await pilot.press("down", "down", "down", "down", "down", "down", "down")
        await pilot.pause()

    assert snap_compare(app, terminal_size=size, run_before=to_the_gap)


@SIZES
def test_run_backfill_replayed(snap_compare, here, size):
    app = ReviewApp(here, run_id=rs.PRODUCTION_RUN)

    async def backfill(pilot) -> None:
        await settle(pilot)
        await pilot.press("9")
        await pilot.pause()

    assert snap_compare(app, terminal_size=size, run_before=backfill)


@SIZES
def test_compare(snap_compare, here, size):
    app = ReviewApp(here, run_id=rs.PRODUCTION_RUN, other_id=rs.STAGING_RUN)
    assert snap_compare(app, terminal_size=size, run_before=settle)
