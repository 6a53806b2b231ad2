"""A small modal asking for one line of text: a tick's optional note, or a run note."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label

from phasetui.tui.actions import bindings, key_hint


class TextDialog(ModalScreen[str | None]):
    """Dismisses with the text typed (possibly empty when ``allow_empty``) or None."""

    KEYS = "text-dialog"
    BINDINGS = bindings(KEYS)

    def __init__(
        self,
        title: str,
        prompt: str,
        *,
        allow_empty: bool,
        placeholder: str = "",
        dialog_id: str = "text-dialog",
    ) -> None:
        super().__init__(id=dialog_id)
        self.title_text = title
        self.prompt = prompt
        self.allow_empty = allow_empty
        self.placeholder = placeholder

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(Text(self.title_text, style="bold"), classes="dialog-title")
            yield Label(Text(self.prompt), classes="dialog-prompt")
            yield Input(placeholder=self.placeholder, id="dialog-input")
            yield Label(Text(key_hint(self.KEYS), style="dim"), classes="dialog-keys")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        value = event.value.strip()
        if not value and not self.allow_empty:
            self.notify("Type some text, or press escape to cancel.", severity="warning")
            return
        self.dismiss(value)

    def action_cancel(self) -> None:
        self.dismiss(None)
