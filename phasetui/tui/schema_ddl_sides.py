"""The selected object's DDL on side A and side B, with SQL highlighting and changed lines marked.

Both sides are rebuilt from the model (``phasetui.schema.ddl``), so a line-level match shows
exactly what differs; unmatched lines get Rich Syntax's line highlight. Side by side when
wide, stacked at 80 columns (the screen's ``-narrow`` class switches the layout in .tcss).
"""

from __future__ import annotations

import difflib

from rich.syntax import Syntax
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Container, ScrollableContainer
from textual.widgets import Static

from phasetui.schema.ddl import object_ddl
from phasetui.schema.diff import Change, SchemaDiff


def changed_lines(a: list[str], b: list[str]) -> tuple[set[int], set[int]]:
    """1-based line numbers in ``a`` and in ``b`` that the other side does not have."""
    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    only_a, only_b = set(range(1, len(a) + 1)), set(range(1, len(b) + 1))
    for block in matcher.get_matching_blocks():
        only_a -= set(range(block.a + 1, block.a + block.size + 1))
        only_b -= set(range(block.b + 1, block.b + block.size + 1))
    return only_a, only_b


class SchemaDdlSides(Container):
    def __init__(self, diff: SchemaDiff, **kwargs) -> None:
        super().__init__(**kwargs)
        self.diff = diff

    def compose(self) -> ComposeResult:
        for side, label in (("a", self.diff.a.source), ("b", self.diff.b.source)):
            with ScrollableContainer(id=f"schema-side-{side}", classes="schema-side") as pane:
                pane.border_title = f"{side.upper()}: {label}"
                yield Static(Text(""), id=f"schema-ddl-{side}")

    def show(self, change: Change | None) -> None:
        a_text = object_ddl(change.old, self.diff.a) if change else ""
        b_text = object_ddl(change.new, self.diff.b) if change else ""
        if change and change.old is None and change.new is not None:
            # added: A shows its parent table (if any) so the reader sees the context
            a_text = self._parent_ddl(change, self.diff.a)
        if change and change.new is None and change.old is not None:
            b_text = self._parent_ddl(change, self.diff.b)
        only_a, only_b = changed_lines(a_text.splitlines(), b_text.splitlines())
        for side, text, marks in (("a", a_text, only_a), ("b", b_text, only_b)):
            widget = self.query_one(f"#schema-ddl-{side}", Static)
            pane = self.query_one(f"#schema-side-{side}", ScrollableContainer)
            if not text:
                widget.update(Text("(not on this side)", style="italic"))
                pane.scroll_home(animate=False)
                continue
            widget.update(
                Syntax(
                    text,
                    "sql",
                    theme="ansi_dark",
                    word_wrap=True,
                    highlight_lines=marks,
                    background_color="default",
                )
            )
            lines = text.splitlines()
            first = min(marks) if marks and len(marks) < len(lines) else 1
            self.call_after_refresh(self._scroll_to_line, pane, lines, first)

    @staticmethod
    def _scroll_to_line(pane: ScrollableContainer, lines: list[str], first: int) -> None:
        """Scrolls so line ``first`` (1-based) shows near the top, counting wrapped rows."""
        width = max(1, pane.scrollable_content_region.width)
        rows = sum(max(1, -(-len(line) // width)) for line in lines[: max(0, first - 2)])
        pane.scroll_to(x=0, y=rows, animate=False)

    @staticmethod
    def _parent_ddl(change: Change, model) -> str:
        """For a column/constraint/trigger/policy: its table on the side that lacks it."""
        if change.parent and change.kind in ("column", "constraint", "trigger", "policy"):
            table = model.find("table", change.parent)
            if table is not None:
                return object_ddl(table, model)
        return ""
