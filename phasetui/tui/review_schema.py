"""The live schema-diff viewer, opened read only on a run's committed dumps."""

from __future__ import annotations

from textual.binding import Binding

from phasetui.tui.schema_diff_screen import SchemaDiffScreen


class ReviewSchemaScreen(SchemaDiffScreen):
    """Same tree, DDL sides, filter and search as live; marking reviewed is not the
    reviewer's to do (the run records who reviewed it and when)."""

    BINDINGS = [Binding("v", "mark_reviewed", "Reviewed", show=False, id="schema_reviewed")]

    def action_mark_reviewed(self) -> None:
        self.notify("the review is read only: the run records who reviewed this diff")
