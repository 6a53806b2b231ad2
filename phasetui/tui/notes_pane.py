"""The run's notes, newest last, as plain text (never markup: notes hold SQL)."""

from __future__ import annotations

from rich.text import Text
from textual.containers import VerticalScroll
from textual.widgets import Static

from phasetui.audit.run_state import RunState


class NotesPane(VerticalScroll, can_focus=True):
    def compose(self):
        yield Static(id="notes-body")

    def show_state(self, state: RunState) -> None:
        body = self.query_one("#notes-body", Static)
        if not state.notes:
            body.update(Text("No notes yet — press n to add one.", style="dim"))
            return
        text = Text()
        for n, note in enumerate(state.notes):
            if n:
                text.append("\n")
            text.append(f"{note.time[5:16].replace('T', ' ')}Z ", style="dim")
            text.append(note.who.split(" <")[0], style="bold")
            if note.item:
                text.append(f" on {note.item}", style="dim")
            text.append(": ")
            text.append(note.text)
        body.update(text)
        self.scroll_end(animate=False)
