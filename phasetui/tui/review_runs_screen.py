"""The run list: date, runbook, target, outcome, people, duration, failed and overridden steps."""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Input, Static

from phasetui.review.listing import RunRow, filter_runs, list_runs
from phasetui.review.mdtext import took
from phasetui.review.source import ReviewSource
from phasetui.review.times import local_zone_name

OUTCOMES = ("", "done", "rolled-back", "abandoned", "open")
OUTCOME_STYLE = {"done": "green", "rolled-back": "yellow", "abandoned": "red", "open": "cyan"}


def _shown_path(path: Path) -> str:
    """The repo relative to the working folder when it is under it (short, and stable)."""
    try:
        return str(path.relative_to(Path.cwd())) or "."
    except ValueError:
        return str(path)


def _counts(row: RunRow) -> Text:
    """``2/3``: steps failed, gates overridden; coloured when not zero."""
    text = Text(str(len(row.steps_failed)), style="bold red" if row.steps_failed else "")
    text.append("/")
    text.append(str(row.overrides), style="bold yellow" if row.overrides else "")
    return text


class ReviewRunsScreen(Screen[None]):
    BINDINGS = [
        Binding("slash", "search", "Search", id="review_search"),
        Binding("o", "cycle_outcome", "Outcome", id="review_outcome"),
        Binding("enter", "open", "Open", id="review_open", show=True),
        Binding("m", "mark", "Mark", id="review_mark"),
        Binding("c", "compare", "Compare marked", id="review_compare"),
        Binding("r", "reload", "Reload", id="review_reload"),
        Binding("escape", "leave_search", "Back", show=False, id="review_back"),
    ]

    def __init__(self, source: ReviewSource) -> None:
        super().__init__()
        self.source = source
        self.rows: list[RunRow] = []
        self.shown: list[RunRow] = []
        self.outcome = ""
        self.marked: str | None = None

    def compose(self) -> ComposeResult:
        yield Static(
            Text(f"Runs in {_shown_path(self.source.path)}", style="bold"), id="review-header"
        )
        yield Input(placeholder="search (/): runbook, target, person, date…", id="review-search")
        table = DataTable(id="review-runs", cursor_type="row", zebra_stripes=True)
        table.border_title = "Runs"
        yield table
        yield Static("", id="review-run-detail")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for label, width in (
            ("started", 16), ("runbook", 14), ("target", 10), ("outcome", 13), ("took", 7),
            ("fail/ovr", 8),
        ):  # fmt: skip
            table.add_column(label, width=width)
        table.focus()
        self.load()

    @work(thread=True, exclusive=True, exit_on_error=False, group="review-list")
    def load(self) -> None:
        rows = list_runs(self.source)
        self.app.call_from_thread(self._loaded, rows)

    def _loaded(self, rows: list[RunRow]) -> None:
        self.rows = rows
        self._refill()

    def _refill(self) -> None:
        search = self.query_one("#review-search", Input).value
        self.shown = filter_runs(self.rows, search, self.outcome)
        table = self.query_one(DataTable)
        table.clear()
        for r in self.shown:
            outcome = Text(r.outcome, style=OUTCOME_STYLE.get(r.outcome, ""))
            if r.problem:
                outcome = Text("can't review", style="bold red")
            elif r.damaged:
                outcome.append(" !", style="bold red")
            mark = "* " if r.run_id == self.marked else ""
            table.add_row(
                Text(mark + r.started.show()[:16]),
                Text(r.runbook_id or "?"),
                Text(r.target or "-"),
                outcome,
                Text(took(r.duration_s)),
                _counts(r),
                key=r.run_id,
            )
        shown = f"{len(self.shown)} of {len(self.rows)} runs"
        what = f" · outcome {self.outcome}" if self.outcome else ""
        table.border_title = f"Runs ({shown}{what}) · times in {local_zone_name()}"
        self._detail()

    def _current(self) -> RunRow | None:
        table = self.query_one(DataTable)
        if not self.shown or table.cursor_row is None:
            return None
        if 0 <= table.cursor_row < len(self.shown):
            return self.shown[table.cursor_row]
        return None

    def _detail(self) -> None:
        row = self._current()
        detail = self.query_one("#review-run-detail", Static)
        if row is None:
            detail.update(Text("No runs match." if self.rows else "No runs in this audit repo."))
            return
        text = Text(row.run_id, style="bold")
        text.append(f"  {', '.join(row.people) or '?'}")
        if row.steps_failed:
            text.append(f"  failed: {', '.join(row.steps_failed)}", style="red")
        if row.problem:
            text.append(f"\n{row.problem}", style="bold red")
        elif row.damaged:
            text.append(f"\n{row.damaged} damaged journal line(s)", style="red")
        if self.marked:
            text.append(f"\nmarked for compare: {self.marked}", style="dim")
        detail.update(text)

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._detail()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_open()

    def on_input_changed(self, event: Input.Changed) -> None:
        self._refill()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.query_one(DataTable).focus()

    def action_search(self) -> None:
        self.query_one("#review-search", Input).focus()

    def action_leave_search(self) -> None:
        self.query_one(DataTable).focus()

    def action_cycle_outcome(self) -> None:
        self.outcome = OUTCOMES[(OUTCOMES.index(self.outcome) + 1) % len(OUTCOMES)]
        self._refill()

    def action_reload(self) -> None:
        self.load()

    def action_open(self) -> None:
        row = self._current()
        if row is None:
            return
        if row.problem:
            self.notify(row.problem, title="Cannot review this run", severity="error")
            return
        self.app.open_run(row.run_id)

    def action_mark(self) -> None:
        row = self._current()
        if row is None:
            return
        self.marked = None if self.marked == row.run_id else row.run_id
        cursor = self.query_one(DataTable).cursor_row
        self._refill()
        self.query_one(DataTable).move_cursor(row=cursor)

    def action_compare(self) -> None:
        row = self._current()
        if row is None or not self.marked or self.marked == row.run_id:
            self.notify("mark a run (m), move to another, then press c", title="Compare")
            return
        self.app.open_compare(self.marked, row.run_id)
