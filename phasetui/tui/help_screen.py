"""The help screen: every key, from the same table as the bindings."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from phasetui.tui.actions import help_rows


class HelpScreen(ModalScreen[None]):
    BINDINGS = [
        Binding("escape,q,question_mark", "dismiss_help", "Close", id="help_close"),
    ]

    def compose(self) -> ComposeResult:
        table = Table.grid(padding=(0, 2))
        table.add_column(style="bold")
        table.add_column()
        for key, text in help_rows():
            table.add_row(Text(key), Text(text))
        with VerticalScroll(classes="dialog", id="help-body"):
            yield Static(Text("phasetui — keys", style="bold"))
            yield Static(table)
            yield Static(
                Text(
                    "\nEvery tick and note is one commit in the audit repo, authored by you.\n"
                    "Escape closes this help.",
                    style="dim",
                )
            )

    def action_dismiss_help(self) -> None:
        self.dismiss(None)
