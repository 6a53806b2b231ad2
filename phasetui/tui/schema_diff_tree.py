"""The changed objects of a schema diff as a tree: kind → object, filtered and searched.

Labels are ``rich.text.Text`` built from plain strings (never markup: names may hold ``[``).
Each leaf's ``data`` is its :class:`~phasetui.schema.diff.Change`; kind nodes show counts. A
rename's leaf reads ``R app.orders.note → memo`` and is found by either name.
"""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Tree

from phasetui.schema.diff import STATUSES, Change, SchemaDiff
from phasetui.schema.render import BREAKS_APP, MARK, title

FILTERS = ("all", "added", "removed", "changed", "renamed")
STATUS_STYLE = {"added": "green", "removed": "red", "changed": "yellow", "renamed": "cyan"}
RISK_STYLE = {"high": "bold red", "medium": "yellow", "unknown": "bold magenta"}
BREAKS_STYLE = "bold red"


class SchemaDiffTree(Tree[Change | None]):
    """Rebuilt by :meth:`show` whenever the filter or the search text changes."""

    def __init__(self, diff: SchemaDiff, **kwargs) -> None:
        super().__init__(Text("changes"), **kwargs)
        self.diff = diff
        self.show_root = False
        self.guide_depth = 2
        self.filter = "all"
        self.search = ""

    def on_mount(self) -> None:
        self.show(self.filter, self.search)

    def visible(self) -> list[Change]:
        needle = self.search.lower()
        return [
            c
            for c in self.diff.changes
            if (self.filter == "all" or c.status == self.filter)
            and (
                not needle
                or needle in c.name.lower()
                or needle in (c.old_name or "").lower()
                or needle in c.kind
            )
        ]

    def show(self, filter_: str, search: str) -> None:
        self.filter, self.search = filter_, search
        keep = self.cursor_node.data if self.cursor_node is not None else None
        self.clear()
        groups: dict[str, list[Change]] = {}
        for c in self.visible():
            groups.setdefault(c.kind, []).append(c)
        first = kept = None
        for kind, changes in groups.items():
            counts = {s: sum(1 for c in changes if c.status == s) for s in STATUSES}
            label = Text(kind, style="bold")
            for s in STATUSES:
                if counts[s]:
                    label.append(f" {MARK[s]}{counts[s]}", style=STATUS_STYLE[s])
            node = self.root.add(label, data=None, expand=True)
            for c in changes:
                leaf = node.add_leaf(self.leaf_label(c), data=c)
                first = first or leaf
                if c is keep:
                    kept = leaf
        self.root.expand()
        select = kept or first
        if select is not None:
            self.call_after_refresh(self.move_cursor, select)

    @staticmethod
    def leaf_label(c: Change) -> Text:
        label = Text(f"{MARK[c.status]} ", style=STATUS_STYLE[c.status])
        label.append(title(c, "→"))
        if c.risk in RISK_STYLE:
            label.append(f"  {c.risk}", style=RISK_STYLE[c.risk])
        if c.breaks_app:
            label.append(f"  {BREAKS_APP}", style=BREAKS_STYLE)
        return label
