"""The review browser: runs → a run's sections → an event's commit, or two runs side by side.

Read only and offline: everything comes from :mod:`phasetui.review` (no database code is
imported); loading runs in thread workers so a big repo never freezes the screen.
"""

from __future__ import annotations

from textual.app import App
from textual.binding import Binding

from phasetui.review.source import ReviewSource


class ReviewApp(App[None]):
    CSS_PATH = "review.tcss"
    TITLE = "phasetui review"
    BINDINGS = [Binding("ctrl+q", "quit", "Quit", id="review_quit", priority=True)]

    def __init__(
        self,
        source: ReviewSource,
        *,
        run_id: str | None = None,
        other_id: str | None = None,
        gap_minutes: float = 15.0,
    ) -> None:
        super().__init__()
        self.source = source
        self.start_run = run_id
        self.start_other = other_id
        self.gap_minutes = gap_minutes

    def on_mount(self) -> None:
        from phasetui.tui.review_runs_screen import ReviewRunsScreen

        self.push_screen(ReviewRunsScreen(self.source))
        if self.start_run:
            self.open_run(self.start_run, compare_with=self.start_other)

    def open_run(self, run_id: str, compare_with: str | None = None) -> None:
        from phasetui.tui.review_run_screen import ReviewRunScreen

        self.push_screen(ReviewRunScreen(self.source, run_id, self.gap_minutes))
        if compare_with:
            self.open_compare(run_id, compare_with)

    def open_compare(self, left: str, right: str) -> None:
        from phasetui.tui.review_compare_screen import ReviewCompareScreen

        self.push_screen(ReviewCompareScreen(self.source, left, right, self.gap_minutes))
