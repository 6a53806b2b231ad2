"""The help screen: the keys of the screen it was opened on, from the one key registry."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from phasetui.tui.actions import KEYSETS, bindings, help_rows, key_hint


class HelpScreen(ModalScreen[None]):
    KEYS = "help"
    BINDINGS = bindings(KEYS)

    def __init__(self, screen: str = "main") -> None:
        super().__init__(id="help")
        self.keyset = screen

    def compose(self) -> ComposeResult:
        keys = KEYSETS[self.keyset]
        table = Table.grid(padding=(0, 2))
        table.add_column(style="bold", no_wrap=True)
        table.add_column(overflow="fold")
        for key, text in help_rows(self.keyset):
            table.add_row(Text(key), Text(text))
        self.table = table
        with VerticalScroll(classes="dialog", id="help-body"):
            yield Static(Text(f"phasetui — keys of the {keys.title}", style="bold"))
            yield Static(table, id="help-keys")
            if keys.legend:
                yield Static(Text("\n" + "\n".join(keys.legend)), id="help-legend")
            yield Static(
                Text(
                    "\nEvery tick, note and step result is one commit in the audit repo, "
                    f"authored by you.\n{key_hint('help')}",
                    style="dim",
                )
            )

    def action_dismiss_help(self) -> None:
        self.dismiss(None)
