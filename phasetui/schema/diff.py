"""The semantic diff of two SchemaModels: objects added, removed, changed (which attributes).

Objects are matched by kind and qualified name; attributes compare by value, so dump order,
layout and session noise never show. Facets one side lacks (``--no-owner``,
``--no-privileges``) are left out of the comparison and named in ``skipped_facets``. Children
of an added or removed table (its columns, constraints, indexes, triggers) fold into that
table's change instead of being listed one by one. A removed and an added object that differ
only by name are one ``renamed`` change (``phasetui.schema.renames``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from phasetui.schema.model import ALL_FACETS, KINDS, SchemaModel, SchemaObject, kind_compared
from phasetui.schema.phases import Verdict, classify, classify_attr

STATUSES = ("added", "removed", "changed", "renamed")


@dataclass
class AttrChange:
    attr: str
    old: Any
    new: Any
    verdict: Verdict | None = None


@dataclass
class Change:
    kind: str
    name: str
    status: str
    parent: str | None = None
    attrs: list[AttrChange] = field(default_factory=list)
    old: SchemaObject | None = None
    new: SchemaObject | None = None
    verdict: Verdict = field(default_factory=lambda: Verdict("review", "unknown"))
    folded: dict[str, int] = field(default_factory=dict)  # kind -> count of folded children
    old_name: str | None = None  # ``renamed``: the name on side A (``name`` is B's)
    notes: list[str] = field(default_factory=list)  # e.g. a possible rename not assumed

    @property
    def phase(self) -> str:
        return self.verdict.phase

    @property
    def risk(self) -> str:
        return self.verdict.risk

    @property
    def breaks_app(self) -> bool:
        return self.verdict.breaks_app

    @property
    def changed_attrs(self) -> list[str]:
        return [a.attr for a in self.attrs]


@dataclass
class SchemaDiff:
    a: SchemaModel
    b: SchemaModel
    changes: list[Change]
    skipped_facets: set[str]
    facet_notes: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.changes

    def counts(self) -> dict[str, dict[str, int]]:
        """``{kind: {added: n, removed: n, changed: n}}`` for the kinds that changed."""
        out: dict[str, dict[str, int]] = {}
        for c in self.changes:
            out.setdefault(c.kind, dict.fromkeys(STATUSES, 0))[c.status] += 1
        return out

    def find(self, kind: str, name: str) -> Change | None:
        """The change of the object named ``name`` (B's name, or A's for a rename)."""
        found = next((c for c in self.changes if c.kind == kind and c.name == name), None)
        if found is None:
            found = next((c for c in self.changes if c.kind == kind and c.old_name == name), None)
        return found


_FOLD_UNDER = {"table", "view", "materialized view"}


def diff_models(a: SchemaModel, b: SchemaModel) -> SchemaDiff:
    from phasetui.schema.column_order import order_changes
    from phasetui.schema.renames import find_renames

    facets = a.facets & b.facets
    changes: list[Change] = []
    keys = [k for k in a.objects.keys() | b.objects.keys() if kind_compared(k[0], facets)]
    order = {k: i for i, k in enumerate(KINDS)}
    keys.sort(key=lambda k: (order.get(k[0], len(order)), k[1]))
    for key in keys:
        old, new = a.objects.get(key), b.objects.get(key)
        if old is None:
            changes.append(Change(key[0], key[1], "added", new.parent, new=new))
        elif new is None:
            changes.append(Change(key[0], key[1], "removed", old.parent, old=old))
        else:
            x, y = a.comparable(old, facets), b.comparable(new, facets)
            if x == y:
                continue
            attrs = [
                AttrChange(k, x.get(k), y.get(k))
                for k in sorted(x.keys() | y.keys())
                if x.get(k) != y.get(k)
            ]
            changes.append(Change(key[0], key[1], "changed", new.parent, attrs, old, new))
    changes = find_renames(changes, a, b, facets)
    _add_order_changes(changes, a, b, order_changes(a, b, changes))
    changes.sort(key=lambda c: (order.get(c.kind, len(order)), c.name))
    changes = _fold(changes)
    for c in changes:
        model = b if c.status != "removed" else a
        for attr in c.attrs:
            attr.verdict = classify_attr(c.kind, attr.attr, c, model)
        c.verdict = classify(c, model)
    return SchemaDiff(a, b, changes, set(ALL_FACETS - facets), _facet_notes(a, b, facets))


def _add_order_changes(
    changes: list[Change],
    a: SchemaModel,
    b: SchemaModel,
    found: list[tuple[str, tuple[str, ...], tuple[str, ...]]],
) -> None:
    """A table whose column order differs gets a ``column_order`` attribute change."""
    by_name = {c.name: c for c in changes if c.kind == "table"}
    for table, old, new in found:
        attr = AttrChange("column_order", old, new)
        change = by_name.get(table)
        if change is None:
            obj = b.find("table", table)
            change = Change("table", table, "changed", obj.parent, [], a.find("table", table), obj)
            changes.append(change)
        change.attrs.append(attr)


def _facet_notes(a: SchemaModel, b: SchemaModel, facets: set[str]) -> list[str]:
    """Says loudly which facet was not compared and how much the other side holds."""
    from phasetui.schema.model import FACET_ATTRS

    notes = []
    for facet in sorted(ALL_FACETS - facets):
        attrs = FACET_ATTRS[facet]
        for side, model, other in (("A", a, b), ("B", b, a)):
            if facet in model.facets:
                continue
            held = [o for o in other if any(o.attrs.get(x) is not None for x in attrs)]
            if not held:
                continue
            if facet == "versions":
                listed = ", ".join(f"{o.name} {o.attrs['version']}" for o in held[:10])
                notes.append(
                    f"extension versions not compared: {side} is a dump (pg_dump writes "
                    f"CREATE EXTENSION without VERSION); the other side has {listed}"
                )
                continue
            what = "OWNER TO" if facet == "owners" else "GRANT/REVOKE"
            notes.append(
                f"{facet} not compared: {side} has no {what} statements (dumped with "
                f"--no-{'owner' if facet == 'owners' else 'privileges'}?); the other side "
                f"sets them on {len(held)} object(s)"
            )
    return notes


def _fold(changes: list[Change]) -> list[Change]:
    whole = {
        (c.name, c.status): c
        for c in changes
        if c.kind in _FOLD_UNDER and c.status in ("added", "removed")
    }
    out = []
    for c in changes:
        holder = whole.get((c.parent, c.status)) if c.parent else None
        if holder is not None and c.kind != holder.kind:
            holder.folded[c.kind] = holder.folded.get(c.kind, 0) + 1
            continue
        out.append(c)
    return out
