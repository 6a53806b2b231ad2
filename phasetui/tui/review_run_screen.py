"""One run: a tab per section (overview, timeline, checklist, lint, rehearsal, schema, status,
backup, backfill, release notes), the same content as ``phasetui review --run ID --format md``."""

from __future__ import annotations

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Markdown, Static, TabbedContent, TabPane, TextArea

from phasetui.errors import UserError
from phasetui.review.commits import CommitFinder
from phasetui.review.render_md import SECTIONS, section
from phasetui.review.review import RunReview, build_review
from phasetui.review.run import load_run
from phasetui.review.source import ReviewSource
from phasetui.tui.review_chart import ReviewChart
from phasetui.tui.review_timeline import ReviewTimeline

TAB_KEYS = "1234567890"


class ReviewRunScreen(Screen[None]):
    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", id="run_back"),
        Binding("right_square_bracket", "tab(1)", "Next tab", id="run_next_tab"),
        Binding("left_square_bracket", "tab(-1)", "Prev tab", id="run_prev_tab"),
        Binding("d", "schema", "Diff viewer", id="run_schema"),
        Binding("c", "compare", "Compare", id="run_compare"),
        *[
            Binding(k, f"goto({n})", show=False, id=f"run_tab_{k}")
            for n, k in enumerate(TAB_KEYS[: len(SECTIONS)])
        ],
    ]

    def __init__(self, source: ReviewSource, run_id: str, gap_minutes: float = 15.0) -> None:
        super().__init__()
        self.source = source
        self.run_id = run_id
        self.gap_minutes = gap_minutes
        self.review: RunReview | None = None
        self.finder = CommitFinder(source)

    def compose(self) -> ComposeResult:
        review = self.review
        if review is None:
            yield Static(Text(f"Loading run {self.run_id}…"), id="run-header")
        else:
            yield Static(self._header(review), id="run-header")
            with TabbedContent(id="run-tabs", initial="tab-timeline"):
                for n, (sid, title, _) in enumerate(SECTIONS):
                    key = TAB_KEYS[n] if n < len(TAB_KEYS) else ""
                    yield TabPane(f"{key} {title}", *self._pane(review, sid), id=f"tab-{sid}")
        yield Footer()

    def on_mount(self) -> None:
        self.load()

    @work(thread=True, exclusive=True, exit_on_error=False, group="review-run")
    def load(self) -> None:
        try:
            review = build_review(load_run(self.source, self.run_id, gap_minutes=self.gap_minutes))
        except UserError as exc:
            self.app.call_from_thread(self._refused, exc)
            return
        self.app.call_from_thread(self._loaded, review)

    def _refused(self, exc: UserError) -> None:
        text = Text(f"Cannot review run {self.run_id}\n\n", style="bold red")
        text.append(exc.message)
        if exc.hint:
            text.append(f"\n\nfix: {exc.hint}", style="italic")
        self.query_one("#run-header", Static).update(text)
        self.query_one("#run-header", Static).add_class("-refused")

    def _header(self, review: RunReview) -> Text:
        row = review.run.row
        style = {"done": "green", "rolled-back": "yellow", "abandoned": "red"}.get(row.outcome, "")
        text = Text(row.outcome, style=f"bold reverse {style}")
        text.append(f" {row.target or '-'} ", style="bold")
        text.append(row.title or row.runbook_id or self.run_id)
        text.append(f"\n{self.run_id} · {row.started.show()}", style="dim")
        problems = len(review.run.damaged) + len(review.run.missing)
        if problems:
            text.append(f" · {problems} problem(s), see 1", style="bold red")
        text.no_wrap = True
        text.overflow = "ellipsis"
        return text

    async def _loaded(self, review: RunReview) -> None:
        self.review = review
        await self.recompose()
        self.query_one(ReviewTimeline).focus()

    def _pane(self, review: RunReview, sid: str) -> list:
        if sid == "timeline":
            return [
                ReviewTimeline(review.run.timeline, id="run-timeline"),
                Static("", id="timeline-detail"),
            ]
        if sid == "release":  # filled when first shown: it holds the whole timeline again
            return [TextArea("", read_only=True, id="run-release")]
        widgets: list = []
        if sid == "schema" and any(b.diff is not None for b in review.schema):
            hint = Text("d: open the diff viewer on the committed dumps", style="bold")
            widgets.append(Static(hint, classes="hint"))
        if sid == "backfill":  # the replay first: it is what the live pane showed
            for b in review.backfills:
                if b.series is not None and b.series.samples:
                    title = Text(f"{b.entry.step}: replayed from {b.samples_file}", style="bold")
                    widgets += [
                        Static(title, classes="hint"),
                        ReviewChart(b.series, id=f"chart-{b.entry.step}"),
                    ]
        widgets.append(Markdown(section(review, sid), id=f"md-{sid}"))
        return [VerticalScroll(*widgets, classes="section")]

    def on_tabbed_content_tab_activated(self, event: TabbedContent.TabActivated) -> None:
        if self.review is None or event.pane.id != "tab-release":
            return
        area = self.query_one("#run-release", TextArea)
        if not area.text:
            area.load_text(self.review.release_notes)

    # -- actions ----------------------------------------------------------------------------

    def action_tab(self, step: int) -> None:
        if self.review is None:
            return
        tabs = self.query_one(TabbedContent)
        ids = [f"tab-{sid}" for sid, _, _ in SECTIONS]
        current = ids.index(tabs.active) if tabs.active in ids else 0
        self.action_goto((current + step) % len(ids))

    def action_goto(self, n: int) -> None:
        if self.review is None or not 0 <= n < len(SECTIONS):
            return
        sid = SECTIONS[n][0]
        self.query_one(TabbedContent).active = f"tab-{sid}"
        pane = self.query_one(f"#tab-{sid}", TabPane)
        focusable = [w for w in pane.query("*") if w.focusable]
        if focusable:
            focusable[0].focus()

    def on_data_table_row_highlighted(self, event: ReviewTimeline.RowHighlighted) -> None:
        timeline = self.query(ReviewTimeline)
        if not timeline or event.data_table is not timeline.first():
            return
        entry = timeline.first().current()
        detail = self.query_one("#timeline-detail", Static)
        if entry is None:
            detail.update("")
            return
        text = Text(f"{entry.seq} ", style="bold")
        text.append(f"{entry.time.show()} (recorded {entry.time.recorded}) {entry.who}\n")
        if entry.override:
            text.append("OVERRIDE: ", style="bold yellow")
            text.append(entry.override + "\n")
        text.append(entry.summary)
        for f in entry.files:
            text.append(f"\n  {f.path}", style="" if f.present else "bold red")
            if not f.present:
                text.append(" — missing from the run folder", style="bold red")
        text.append("\nenter: its commit", style="dim")
        detail.update(text)

    def on_data_table_row_selected(self, event: ReviewTimeline.RowSelected) -> None:
        event.stop()
        timeline = self.query_one(ReviewTimeline)
        entry = timeline.current()
        if entry is None:
            return
        from phasetui.tui.review_commit_screen import ReviewCommitScreen

        self.app.push_screen(ReviewCommitScreen(self.finder, self.run_id, entry))

    def action_schema(self) -> None:
        if self.review is None:
            return
        diffs = [b for b in self.review.schema if b.diff is not None]
        if not diffs:
            self.notify("this run holds no schema dumps to diff", title="Schema")
            return
        from phasetui.tui.review_schema import ReviewSchemaScreen

        block = diffs[-1]
        title = f"Schema diff {block.entry.step} (from the run's dumps, read only)"
        self.app.push_screen(ReviewSchemaScreen(block.diff, title=title))

    def action_compare(self) -> None:
        if self.review is None:
            return
        from phasetui.review.compare import partner_run
        from phasetui.review.listing import list_runs

        other = partner_run(list_runs(self.source), self.review.run)
        if other is None:
            self.notify("no other run of this runbook to compare with", title="Compare")
            return
        self.app.open_compare(other, self.run_id)
