"""The schema-diff viewer: changed objects as a tree, their DDL on both sides, mark reviewed.

It takes a computed :class:`~phasetui.schema.diff.SchemaDiff` (no database work here) and is
dismissed with ``True`` once the DBA marks the diff reviewed (``v``), ``False`` on escape.
Marking also posts :class:`SchemaDiffScreen.Reviewed`, so a runbook step can record it as the
evidence for "schema dump diff checked" whichever way it opened the screen.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Input, Static, Tree

from phasetui.schema.diff import STATUSES, Change, SchemaDiff
from phasetui.schema.render import BREAKS_APP, MARK, folded_text, title
from phasetui.tui.actions import bindings
from phasetui.tui.schema_ddl_sides import SchemaDdlSides
from phasetui.tui.schema_diff_tree import (
    BREAKS_STYLE,
    FILTERS,
    RISK_STYLE,
    STATUS_STYLE,
    SchemaDiffTree,
)


def _value(v) -> str:
    from phasetui.schema.render import _value as render_value

    return render_value(v)


class SchemaDiffScreen(Screen[bool]):
    CSS_PATH = "schema_diff_screen.tcss"
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (120, "-wide")]
    KEYS = "schema-diff"
    BINDINGS = bindings(KEYS)

    class Reviewed(Message):
        """The DBA marked this diff reviewed (evidence for "schema dump diff checked")."""

        def __init__(self, diff: SchemaDiff) -> None:
            super().__init__()
            self.diff = diff

    def __init__(self, diff: SchemaDiff, title: str = "Schema diff", **kwargs) -> None:
        super().__init__(**kwargs)
        self.diff = diff
        self.title_text = title
        self.reviewed = False
        self.selected: Change | None = None

    def compose(self) -> ComposeResult:
        yield Static(self._header(), id="schema-header")
        with Horizontal(id="schema-toolbar"):
            yield Static(self._filter_label(), id="schema-filter")
            yield Input(placeholder="search names (/)", id="schema-search-input")
        with Horizontal(id="schema-body"):
            tree = SchemaDiffTree(self.diff, id="schema-tree")
            tree.border_title = "Changes"
            yield tree
            with Vertical(id="schema-detail"):
                with VerticalScroll(id="schema-attrs") as attrs:
                    attrs.border_title = "What changed"
                    yield Static(Text(""), id="schema-attrs-body")
                yield SchemaDdlSides(self.diff, id="schema-sides")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(SchemaDiffTree).focus()
        self.call_after_refresh(self._sync_selection)

    # --- header and panels -------------------------------------------------------------

    def _header(self) -> Text:
        """Title and counts, then both sides; B goes on its own line when A and B do not
        fit together, so neither is ever cut to a bare "B:"."""
        text = Text(self.title_text, style="bold")
        self._counts(text)
        a, b = f"A: {self.diff.a.source}", f"B: {self.diff.b.source}"
        width = (self.size.width or self.app.size.width) - 2
        text.append(f"\n{a}   {b}" if len(a) + 3 + len(b) <= width else f"\n{a}\n{b}")
        return text

    def on_resize(self) -> None:
        self.query_one("#schema-header", Static).update(self._header())

    def _counts(self, text: Text) -> None:
        if self.diff.empty:
            text.append("  no differences", style="bold")
        totals = {s: sum(1 for c in self.diff.changes if c.status == s) for s in STATUSES}
        for s in STATUSES:
            if totals[s]:
                text.append(f"  {MARK[s]}{totals[s]}", style=STATUS_STYLE[s])
        if self.reviewed:
            text.append("  REVIEWED", style="bold reverse")

    def _filter_label(self) -> Text:
        tree = self.query(SchemaDiffTree)
        current = tree.first().filter if tree else "all"
        text = Text("filter (f): ")
        for f in FILTERS:
            text.append(f" {f} ", style="bold reverse" if f == current else "dim")
        return text

    def _attrs_text(self, change: Change | None) -> Text:
        if change is None:
            if self.diff.empty:
                return Text("No differences between A and B.")
            return Text("Select an object in the tree.", style="dim")
        text = Text()
        text.append(
            f"{MARK[change.status]} {change.status} {change.kind} ",
            style=STATUS_STYLE[change.status],
        )
        text.append(title(change, "→"), style="bold")
        text.append(f"\nphase {change.phase}, lock risk ")
        text.append(change.risk, style=RISK_STYLE.get(change.risk, ""))
        if change.breaks_app:
            text.append(", ")
            text.append(BREAKS_APP, style=BREAKS_STYLE)
        if change.verdict.advice:
            text.append(f"\n{change.verdict.advice}", style="italic")
        if change.folded:
            text.append("\n" + folded_text(change))
        for note in change.notes:
            text.append(f"\nnote: {note}", style="dim")
        for a in change.attrs:
            text.append("\n• ", style="bold")
            text.append(a.attr, style="bold underline")
            text.append(": ")
            text.append(_value(a.old), style="red")
            text.append(" → ")
            text.append(_value(a.new), style="green")
            if a.verdict and a.verdict.risk not in ("none", "low"):
                text.append(
                    f"  ({a.verdict.phase}, {a.verdict.risk})",
                    style=RISK_STYLE.get(a.verdict.risk, ""),
                )
        return text

    def _show(self, change: Change | None) -> None:
        self.selected = change
        self.query_one("#schema-attrs-body", Static).update(self._attrs_text(change))
        self.query_one(SchemaDdlSides).show(change)

    # --- events and actions --------------------------------------------------------------

    def on_tree_node_highlighted(self, event: Tree.NodeHighlighted) -> None:
        event.stop()
        if event.node.data is not None:
            self._show(event.node.data)

    def _refilter(self, filter_: str | None = None, search: str | None = None) -> None:
        tree = self.query_one(SchemaDiffTree)
        tree.show(filter_ or tree.filter, tree.search if search is None else search)
        self.query_one("#schema-filter", Static).update(self._filter_label())
        self.call_after_refresh(self._sync_selection)

    def _sync_selection(self) -> None:
        """The detail follows the tree's cursor, or the first visible change."""
        tree = self.query_one(SchemaDiffTree)
        visible = tree.visible()
        node = tree.cursor_node
        change = node.data if node is not None else None
        if change not in visible:
            change = visible[0] if visible else None
        self._show(change)

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        self._refilter(search=event.value)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.query_one(SchemaDiffTree).focus()

    def action_cycle_filter(self) -> None:
        tree = self.query_one(SchemaDiffTree)
        self._refilter(FILTERS[(FILTERS.index(tree.filter) + 1) % len(FILTERS)])

    def set_filter(self, name: str) -> None:
        """Shows only ``added``/``removed``/``changed``/``renamed`` objects (or ``all``)."""
        if name not in FILTERS:
            raise ValueError(f"filter must be one of {FILTERS}")
        self._refilter(name)

    def action_search(self) -> None:
        self.query_one("#schema-search-input", Input).focus()

    def action_mark_reviewed(self) -> None:
        self.reviewed = True
        self.query_one("#schema-header", Static).update(self._header())
        self.post_message(self.Reviewed(self.diff))
        self.dismiss(True)

    def action_back(self) -> None:
        search = self.query_one("#schema-search-input", Input)
        if search.has_focus:
            self.query_one(SchemaDiffTree).focus()
            return
        self.dismiss(self.reviewed)
