"""The timeline of a run: one row per event (who, when, what, result), gaps and overrides marked."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import DataTable

from phasetui.review.listing import person_name
from phasetui.review.run import TimelineEntry
from phasetui.units import human_duration

CHUNK = 400  # timeline rows added per turn of the event loop


class ReviewTimeline(DataTable):
    """Rows keyed by the event's seq; a long gap is its own row before the event."""

    def __init__(self, entries: list[TimelineEntry], **kwargs) -> None:
        super().__init__(cursor_type="row", zebra_stripes=False, **kwargs)
        self.entries = entries
        self.by_key: dict[str, TimelineEntry] = {}

    def on_mount(self) -> None:
        self.add_columns("#", "time", "who", "what", "step", "result", "summary")
        rows = []
        for e in self.entries:
            if e.long_gap:
                rows.append(
                    (
                        [
                            Text(""),
                            Text(""),
                            Text(""),
                            Text(f"gap {human_duration(e.gap_s)}", style="bold yellow"),
                            Text(""),
                            Text(""),
                            Text(""),
                        ],
                        f"gap-{e.seq}",
                    )
                )
            result = Text("")
            if e.ok is True:
                result = Text("ok", style="green")
            elif e.ok is False:
                result = Text("FAILED", style="bold red")
            summary = Text(e.summary)
            if e.override:
                summary = Text("OVERRIDE: ", style="bold yellow") + Text(e.override)
            if any(not f.present for f in e.files):
                summary = Text("file missing! ", style="bold red") + summary
            key = f"ev-{e.seq}"
            self.by_key[key] = e
            rows.append(
                (
                    [
                        Text(str(e.seq)),
                        Text(e.time.show(date=False)),
                        Text(person_name(e.who)),
                        Text(e.kind, style="bold" if e.override else ""),
                        Text(e.step or ""),
                        result,
                        summary,
                    ],
                    key,
                )
            )
        self._pending = rows
        self._add_some()

    def _add_some(self) -> None:
        """Rows in slices, so a 20,000-event run shows its first screen at once and the
        event loop keeps answering keys while the rest arrive."""
        batch, self._pending = self._pending[:CHUNK], self._pending[CHUNK:]
        for cells, key in batch:
            self.add_row(*cells, key=key)
        if self._pending:
            self.set_timer(0.01, self._add_some)

    def current(self) -> TimelineEntry | None:
        if self.row_count == 0:
            return None
        key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value
        return self.by_key.get(key or "")
