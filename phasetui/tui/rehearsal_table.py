"""A rehearsal's statements: status, time, rewrite, what each lock blocks, the locks taken.

What a decision needs comes first and wraps instead of being cut: status, ms, rewrite,
blocks and locks fit at 80 columns; the statement text (the SQL pane above shows it by line
number) gets a column only when the table is wide.
"""

from __future__ import annotations

from rich.text import Text
from textual import events
from textual.widgets import DataTable

from phasetui.db.locks import blocks_summary
from phasetui.db.rehearse import RehearsalResult

STATUS_STYLE = {"rehearsed": "green", "failed": "bold red", "not-rehearsed": "yellow"}
# (label, key, width); blocks and locks share what is left, the statement when wide.
FIXED = (("#", "n", 2), ("line", "line", 4), ("status", "status", 13), ("ms", "ms", 5))
REWRITE = ("rewrite", "rewrite", 7)
WIDE = 110


class RehearsalTable(DataTable):
    def __init__(self, **kwargs) -> None:
        super().__init__(cursor_type="row", **kwargs)
        self.result: RehearsalResult | None = None
        self._layout: tuple[int, ...] = ()

    def on_mount(self) -> None:
        self._columns()

    def on_resize(self, event: events.Resize) -> None:
        if self._columns() and self.result is not None:
            self.show(self.result)

    def _columns(self) -> bool:
        """(Re)creates the columns for the table's width; True when they changed."""
        width = self.scrollable_content_region.width or 76
        wide = width >= WIDE
        columns = [*FIXED, REWRITE]
        used = sum(w for _, _, w in columns) + 2 * (len(columns) + 2 + wide)
        rest = max(20, width - used)
        if wide:
            blocks, locks = rest * 3 // 10, rest * 3 // 10
            statement = rest - blocks - locks - 2
        else:
            blocks, locks, statement = rest // 2, rest - rest // 2, 0
        layout = (blocks, locks, statement)
        if layout == self._layout:
            return False
        self._layout = layout
        self.clear(columns=True)
        for label, key, w in columns:
            self.add_column(label, key=key, width=w)
        self.add_column("blocks", key="blocks", width=blocks)
        self.add_column("locks", key="locks", width=locks)
        if statement:
            self.add_column("statement", key="sql", width=statement)
        return True

    def show(self, result: RehearsalResult) -> None:
        self.result = result
        self.clear()
        for st in result.statements:
            lock = st.strongest_lock or st.documented_lock
            ms = "" if st.duration_s is None else f"{st.duration_s * 1000:.0f}"
            cells = [
                Text(str(st.index)),
                Text(str(st.line)),
                Text(st.status, style=STATUS_STYLE.get(st.status, "dim")),
                Text(ms),
                Text(
                    "REWRITE" if st.rewritten else "no", style="bold red" if st.rewritten else "dim"
                ),
                Text(blocks_summary(lock) if lock else ""),
                Text("; ".join(st.lock_summary()) or (lock or "")),
            ]
            if self._layout[2]:
                sql = " ".join(st.sql.split())
                cells.append(Text(sql if len(sql) <= 160 else sql[:157] + "..."))
            self.add_row(*cells, key=str(st.index), height=None)
