"""A yes/no question that must be read before going on: dismisses with True or False.

Used before an apply that follows a failed rehearsal: the DBA sees why it failed and
answers ``y`` to go on (then the usual override and production prompts follow) or
``n``/escape to stop.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from phasetui.tui.actions import bindings, key_hint


class ConfirmDialog(ModalScreen[bool]):
    DEFAULT_CSS = """
    ConfirmDialog { align: center middle; }
    ConfirmDialog > #confirm-box {
        width: 90%; max-width: 100; height: auto; max-height: 90%;
        border: thick $warning; background: $surface; padding: 1 2;
    }
    ConfirmDialog #confirm-body { max-height: 12; overflow-y: auto; margin: 1 0; }
    ConfirmDialog #confirm-keys { color: $text-muted; }
    ConfirmDialog Label { width: 100%; }
    """

    KEYS = "confirm-dialog"
    BINDINGS = bindings(KEYS)

    def __init__(self, title: str, body: str, question: str, dialog_id: str) -> None:
        super().__init__(id=dialog_id)
        self.title_text = title
        self.body = body
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-box"):
            yield Label(Text(self.title_text, style="bold"), id="confirm-title")
            yield Static(Text(self.body), id="confirm-body")
            if self.question:
                yield Label(Text(self.question, style="bold"), id="confirm-question")
            yield Label(Text(key_hint(self.KEYS)), id="confirm-keys")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)
