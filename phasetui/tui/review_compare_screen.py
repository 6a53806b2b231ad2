"""Two runs of one runbook side by side, step by step: outcome, time, lint and rehearsal."""

from __future__ import annotations

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from phasetui.errors import UserError
from phasetui.review.compare import Comparison, StepSide, compare_runs
from phasetui.review.mdtext import took
from phasetui.review.run import load_run
from phasetui.review.source import ReviewSource


def _side(s: StepSide | None) -> Text:
    if s is None:
        return Text("—", style="dim")
    verdict = Text("ok", style="green") if s.ok else Text("FAILED", style="bold red")
    out = verdict + Text(f" {took(s.seconds, s.measured)}")
    if s.attempts > 1:
        out.append(f" ×{s.attempts}", style="yellow")
    return out


class ReviewCompareScreen(Screen[None]):
    BINDINGS = [Binding("escape", "app.pop_screen", "Back", id="compare_back")]

    def __init__(self, source: ReviewSource, left: str, right: str, gap: float = 15.0) -> None:
        super().__init__()
        self.source = source
        self.left_id, self.right_id = left, right
        self.gap = gap
        self.comparison: Comparison | None = None

    def compose(self) -> ComposeResult:
        yield Static(Text("Comparing…"), id="compare-header")
        table = DataTable(id="compare-table", cursor_type="row")
        table.border_title = "Step by step"
        yield table
        yield Static("", id="compare-detail")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(DataTable).focus()
        self.load()

    @work(thread=True, exclusive=True, exit_on_error=False, group="review-compare")
    def load(self) -> None:
        try:
            left = load_run(self.source, self.left_id, gap_minutes=self.gap)
            right = load_run(self.source, self.right_id, gap_minutes=self.gap)
            comparison = compare_runs(left, right)
        except UserError as exc:
            self.app.call_from_thread(self._refused, exc)
            return
        self.app.call_from_thread(self._loaded, comparison)

    def _refused(self, exc: UserError) -> None:
        text = Text("Cannot compare\n\n", style="bold red")
        text.append(exc.message + (f"\n\nfix: {exc.hint}" if exc.hint else ""))
        self.query_one("#compare-header", Static).update(text)

    def _loaded(self, c: Comparison) -> None:
        self.comparison = c
        left, right = c.left.row, c.right.row
        head = Text("Left: ", style="bold")
        head.append(f"{left.target or '?'} {left.outcome} {took(left.duration_s)}  {left.run_id}\n")
        head.append("Right: ", style="bold")
        head.append(
            f"{right.target or '?'} {right.outcome} {took(right.duration_s)}  {right.run_id}"
        )
        if c.warning:
            head.append(f"\n{c.warning}", style="bold yellow")
        self.query_one("#compare-header", Static).update(head)
        table = self.query_one(DataTable)
        table.add_columns("step", left.target or "left", right.target or "right", "differences")
        for row in c.rows:
            diff = Text("; ".join(row.differences), style="yellow" if row.differences else "")
            table.add_row(Text(row.step), _side(row.left), _side(row.right), diff, key=row.step)
        self._detail()

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._detail()

    def _detail(self) -> None:
        if self.comparison is None or not self.comparison.rows:
            return
        table = self.query_one(DataTable)
        row = self.comparison.rows[min(table.cursor_row, len(self.comparison.rows) - 1)]
        text = Text(row.step, style="bold")
        if row.title:
            text.append(f" — {row.title}")
        for label, side in (("left", row.left), ("right", row.right)):
            text.append(f"\n{label}: ", style="bold")
            text.append(f"{side.kind}: {side.summary}" if side else "not in this run")
        for d in row.differences:
            text.append(f"\n• {d}", style="yellow")
        self.query_one("#compare-detail", Static).update(text)
