"""The review browser, keyboard only, at 80x24 and 160x50, on a clone with no database."""

from __future__ import annotations

import pytest
from textual.widgets import DataTable, TabbedContent

from phasetui.review.source import ReviewSource
from phasetui.tui.review_app import ReviewApp
from phasetui.tui.review_commit_screen import ReviewCommitScreen
from phasetui.tui.review_compare_screen import ReviewCompareScreen
from phasetui.tui.review_run_screen import ReviewRunScreen
from phasetui.tui.review_runs_screen import ReviewRunsScreen
from phasetui.tui.review_schema import ReviewSchemaScreen
from tests import review_support as rs

pytest_plugins = ("tests.review_fixtures",)  # the built repo, its clone, the Tokyo zone


async def settle(pilot) -> None:
    """Screen switches land (Textual delays them), then every worker ends and posts back."""
    for _ in range(2):
        await pilot.pause(0.1)
        await pilot.app.workers.wait_for_complete()
    await pilot.pause()


@pytest.mark.parametrize("size", [(80, 24), (160, 50)], ids=["80x24", "160x50"])
async def test_runs_to_run_to_commit_to_compare(cloned, size):
    app = ReviewApp(ReviewSource.open(cloned))
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ReviewRunsScreen)
        assert [r.run_id for r in screen.shown][:2] == [rs.NEWER_RUN, rs.PRODUCTION_RUN]
        # search narrows the list; escape goes back to it
        await pilot.press("slash", *"rolled", "enter")
        await pilot.pause()
        assert [r.run_id for r in screen.shown] == [rs.PRODUCTION_RUN]
        await pilot.press("enter")
        await settle(pilot)
        run = app.screen
        assert isinstance(run, ReviewRunScreen) and run.review is not None
        assert app.screen.query_one(TabbedContent).active == "tab-timeline"
        # the first event's commit: its files and diff
        await pilot.press("enter")
        await settle(pilot)
        commit = app.screen
        assert isinstance(commit, ReviewCommitScreen)
        assert commit.view is not None and not commit.view.problem
        assert any(p.endswith("journal.jsonl") for _, p in commit.view.files)
        await pilot.press("escape")
        await pilot.pause()
        # tabs by number and by ]
        await pilot.press("8")
        await pilot.pause()
        assert run.query_one(TabbedContent).active == "tab-backup"
        await pilot.press("right_square_bracket")
        await pilot.pause()
        assert run.query_one(TabbedContent).active == "tab-backfill"
        assert run.query("ReviewChart")
        # compare with the staging rehearsal
        await pilot.press("c")
        await settle(pilot)
        compare = app.screen
        assert isinstance(compare, ReviewCompareScreen) and compare.comparison is not None
        assert compare.comparison.left.run_id == rs.STAGING_RUN
        assert compare.query_one(DataTable).row_count >= 5
        await pilot.press("escape", "escape")
        await pilot.pause()
        assert isinstance(app.screen, ReviewRunsScreen)


async def test_schema_viewer_on_the_committed_dumps(cloned):
    app = ReviewApp(ReviewSource.open(cloned), run_id=rs.STAGING_RUN)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("d")
        await pilot.pause()
        viewer = app.screen
        assert isinstance(viewer, ReviewSchemaScreen)
        assert [c.name for c in viewer.diff.changes] == ["public.users.preferences"]
        await pilot.press("v")  # read only: it stays open, nothing recorded
        await pilot.pause()
        assert app.screen is viewer


async def test_a_newer_run_is_refused_on_screen(cloned):
    app = ReviewApp(ReviewSource.open(cloned), run_id=rs.NEWER_RUN)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        header = str(app.screen.query_one("#run-header").render())
        assert "format 2" in header and "phasetui 9.1.0" in header
