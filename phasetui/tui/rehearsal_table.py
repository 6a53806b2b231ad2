"""A rehearsal's statements: status, the locks each took, what they block, rewrites, time."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import DataTable

from phasetui.db.locks import blocks_summary
from phasetui.db.rehearse import RehearsalResult

STATUS_STYLE = {"rehearsed": "green", "failed": "bold red", "not-rehearsed": "yellow"}


class RehearsalTable(DataTable):
    def __init__(self, **kwargs) -> None:
        super().__init__(cursor_type="row", **kwargs)

    def on_mount(self) -> None:
        for label, key in (
            ("#", "n"),
            ("line", "line"),
            ("status", "status"),
            ("locks", "locks"),
            ("blocks", "blocks"),
            ("rewrite", "rewrite"),
            ("ms", "ms"),
            ("statement", "sql"),
        ):
            self.add_column(label, key=key)

    def show(self, result: RehearsalResult) -> None:
        self.clear()
        for st in result.statements:
            lock = st.strongest_lock or st.documented_lock
            ms = "" if st.duration_s is None else f"{st.duration_s * 1000:.0f}"
            sql = " ".join(st.sql.split())
            self.add_row(
                Text(str(st.index)),
                Text(str(st.line)),
                Text(st.status, style=STATUS_STYLE.get(st.status, "dim")),
                Text("; ".join(st.lock_summary()) or (lock or "")),
                Text(blocks_summary(lock) if lock else ""),
                Text(
                    "REWRITE" if st.rewritten else "no", style="bold red" if st.rewritten else "dim"
                ),
                Text(ms),
                Text(sql if len(sql) <= 80 else sql[:77] + "..."),
                key=str(st.index),
            )
