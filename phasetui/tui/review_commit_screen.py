"""One event's commit: who committed it when, the files it changed, and the diff."""

from __future__ import annotations

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer, Static, TextArea

from phasetui.review.commits import CommitFinder, CommitView
from phasetui.review.run import TimelineEntry


class ReviewCommitScreen(Screen[None]):
    BINDINGS = [Binding("escape", "app.pop_screen", "Back", id="commit_back")]

    def __init__(self, finder: CommitFinder, run_id: str, entry: TimelineEntry) -> None:
        super().__init__()
        self.finder = finder
        self.run_id = run_id
        self.entry = entry
        self.view: CommitView | None = None

    def compose(self) -> ComposeResult:
        yield Static(Text(f"Event {self.entry.seq}: finding its commit…"), id="commit-header")
        files = Static("", id="commit-files")
        files.border_title = "Files changed"
        yield files
        diff = TextArea(
            "", read_only=True, show_line_numbers=False, soft_wrap=False, id="commit-diff"
        )
        diff.border_title = "Diff"
        yield diff
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(TextArea).focus()
        self.load()

    @work(thread=True, exclusive=True, exit_on_error=False, group="review-commit")
    def load(self) -> None:
        view = self.finder.find(self.run_id, self.entry.seq, self.entry.raw)
        self.app.call_from_thread(self._loaded, view)

    def _loaded(self, view: CommitView) -> None:
        self.view = view
        header = self.query_one("#commit-header", Static)
        if view.problem:
            header.update(Text(f"Event {self.entry.seq}: {view.problem}", style="bold red"))
            return
        text = Text(f"Event {self.entry.seq} ({self.entry.kind}) ", style="bold")
        text.append(f"commit {view.sha[:12]} by {view.author} at {view.date.show()}")
        text.append(f" (recorded {view.date.recorded})\n", style="dim")
        text.append(view.message.splitlines()[0] if view.message else "")
        header.update(text)
        files = Text()
        for status, path in view.files:
            files.append(f"{status} ", style="bold")
            files.append(path + "\n")
        self.query_one("#commit-files", Static).update(files)
        more = "\n(the diff is longer; cut at 200,000 characters)" if view.truncated else ""
        self.query_one(TextArea).load_text(view.diff + more)
