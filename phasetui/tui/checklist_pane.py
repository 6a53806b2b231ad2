"""The sign-off checklist: done or not, its evidence, who ticked it, when.

Item texts wrap at the pane's width (never cut), and the evidence mark has a column of its
own at the left, so it shows at 80 columns without scrolling. Narrow, the who/when columns
give their room to the text (the top pane shows them for the highlighted item); wide, they
come back, with the evidence step's id.
"""

from __future__ import annotations

from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.widgets import DataTable

from phasetui.audit.run_state import RunState
from phasetui.tui.messages import TickRequested

# Below this pane width the by/when/evidence columns are dropped.
WIDE = 90
WHEN = 12


class ChecklistPane(DataTable):
    BINDINGS = [Binding("enter,space", "tick_selected", "Tick", show=False, id="tick_enter")]

    def __init__(self, **kwargs) -> None:
        super().__init__(cursor_type="row", zebra_stripes=False, **kwargs)
        self.state: RunState | None = None
        self._wide: bool | None = None
        self._text_width = 0

    def on_resize(self, event: events.Resize) -> None:
        if self.state is not None:
            self.show_state(self.state)

    def _columns(self) -> None:
        """(Re)creates the columns for the pane's width; the item column takes the rest."""
        width = self.scrollable_content_region.width or 50
        wide = width >= WIDE
        state = self.state
        evidence = max([len(e.evidence or "") for e in state.checklist] + [8]) if state else 8
        by = max([len(_who(t.who)) for t in state.ticks.values()] + [2]) if state else 2
        evidence, by = min(evidence, 20), min(by, 16)
        # each column has one cell of padding either side
        fixed = 3 + 1 + ((evidence + by + WHEN) if wide else 0)
        columns = 6 if wide else 3
        text_width = max(12, width - fixed - 2 * columns)
        if (wide, text_width) == (self._wide, self._text_width):
            return
        self._wide, self._text_width = wide, text_width
        self.clear(columns=True)
        self.show_header = wide
        self.add_column("", key="mark", width=3)
        self.add_column("", key="ev", width=1)
        self.add_column("item", key="item", width=text_width)
        if wide:
            self.add_column("evidence", key="evidence", width=evidence)
            self.add_column("by", key="by", width=by)
            self.add_column("when", key="when", width=WHEN)

    def show_state(self, state: RunState) -> None:
        self.state = state
        row = self.cursor_row
        self._columns()
        self.clear()
        for n, entry in enumerate(state.checklist, 1):
            tick = state.ticks.get(entry.id)
            done = bool(tick and tick.done)
            mark = Text("[x]" if done else "[ ]", style="bold green" if done else "")
            ev = Text("")
            if entry.evidence:
                result = state.evidence(entry.id)
                if result is None:
                    ev = Text("…", style="dim")
                else:
                    ev = Text("✓", "green") if result.ok else Text("✗", "bold red")
            cells = [mark, ev, Text(f"{n}. {entry.text}")]
            if self._wide:
                cells.append(Text(entry.evidence or "", style="dim", overflow="ellipsis"))
                cells.append(Text(_who(tick.who) if tick else "", style="dim"))
                cells.append(Text(short_time(tick.time) if tick else "", style="dim"))
            self.add_row(*cells, key=entry.id, height=None)
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


def _who(who: str) -> str:
    """``Bob Pair <bob@example.org>`` → ``Bob Pair``."""
    return who.split(" <")[0]


def short_time(iso: str) -> str:
    """``2026-11-24T03:24:44+00:00`` → ``11-24 03:24Z``: enough to order a change window."""
    date, _, clock = iso.partition("T")
    return f"{date[5:]} {clock[:5]}Z" if clock else iso
