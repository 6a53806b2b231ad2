"""The sign-off checklist: done or not, who ticked it, when, and the note."""

from __future__ import annotations

from rich.text import Text
from textual.binding import Binding
from textual.widgets import DataTable

from phasetui.audit.run_state import RunState
from phasetui.tui.messages import TickRequested


class ChecklistPane(DataTable):
    BINDINGS = [Binding("enter,space", "tick_selected", "Tick", show=False, id="tick_enter")]

    def __init__(self, **kwargs) -> None:
        super().__init__(cursor_type="row", zebra_stripes=False, **kwargs)
        self.state: RunState | None = None

    def on_mount(self) -> None:
        self.add_column("", key="mark", width=3)
        self.add_column("item", key="item")
        self.add_column("by", key="by")
        self.add_column("when", key="when")

    def show_state(self, state: RunState) -> None:
        self.state = state
        row = self.cursor_row
        self.clear()
        for n, entry in enumerate(state.checklist, 1):
            tick = state.ticks.get(entry.id)
            done = bool(tick and tick.done)
            mark = Text("[x]" if done else "[ ]", style="bold green" if done else "")
            item = Text(f"{n}. {entry.text}")
            if entry.evidence:
                result = state.evidence(entry.id)
                if result is None:
                    item.append(f"  ← {entry.evidence}", style="dim")
                else:
                    mark_ok = "✓" if result.ok else "✗"
                    item.append(
                        f"  {mark_ok} {entry.evidence}", style="green" if result.ok else "bold red"
                    )
            who = Text(tick.who.split(" <")[0] if tick else "", style="dim")
            when = Text(_short_time(tick.time) if tick else "", style="dim")
            self.add_row(mark, item, who, when, key=entry.id)
        if state.checklist:
            self.move_cursor(row=min(max(row, 0), len(state.checklist) - 1))

    @property
    def selected_item(self) -> str | None:
        if self.state is None or not self.state.checklist:
            return None
        return self.state.checklist[self.cursor_row].id

    def action_tick_selected(self) -> None:
        if self.selected_item:
            self.post_message(TickRequested(self.selected_item))


def _short_time(iso: str) -> str:
    """``2026-11-24T03:24:44+00:00`` → ``11-24 03:24Z``: enough to order a change window."""
    date, _, clock = iso.partition("T")
    return f"{date[5:]} {clock[:5]}Z" if clock else iso
