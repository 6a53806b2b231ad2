"""The SchemaModel: one flat set of named objects, built from a dump or from a catalog.

Objects are keyed by ``(kind, name)`` where ``name`` is the qualified name as PostgreSQL would
print it (``app.orders``, ``app.orders.note`` for a column, ``app.add(a integer)`` for a
function). Each holds a dict of comparable attributes with plain values (str, bool, int,
None, tuples), so the diff, the renderers and JSON need no per-kind code. ``None`` and a
missing attribute mean the same thing: the PostgreSQL default.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

# The kinds in the order a reader expects them (containers before contents).
KINDS: tuple[str, ...] = (
    "schema",
    "extension",
    "collation",
    "type",
    "domain",
    "sequence",
    "table",
    "column",
    "constraint",
    "index",
    "view",
    "materialized view",
    "function",
    "procedure",
    "aggregate",
    "trigger",
    "rule",
    "policy",
    "default privileges",
    "other",
)

# Facets a source may lack: not compared then. A dump made with --no-owner has no owners,
# with --no-privileges no grants, and no dump has extension versions (pg_dump writes
# ``CREATE EXTENSION name``, never its VERSION).
FACET_ATTRS: dict[str, tuple[str, ...]] = {
    "owners": ("owner",),
    "grants": ("acl",),
    "versions": ("version",),
}
FACET_KINDS: dict[str, tuple[str, ...]] = {"grants": ("default privileges",)}
ALL_FACETS: frozenset[str] = frozenset(FACET_ATTRS)


def kind_compared(kind: str, facets: set[str]) -> bool:
    """False for kinds that only exist with a facet one side lacks."""
    return not any(kind in kinds for f, kinds in FACET_KINDS.items() if f not in facets)


@dataclass
class SchemaObject:
    kind: str
    name: str
    parent: str | None = None
    attrs: dict[str, Any] = field(default_factory=dict)
    line: int | None = None  # first line in the dump it came from; never compared

    @property
    def key(self) -> tuple[str, str]:
        return (self.kind, self.name)

    def get(self, attr: str) -> Any:
        return self.attrs.get(attr)


@dataclass
class SchemaModel:
    """All objects of one database (or one dump of it)."""

    source: str
    objects: dict[tuple[str, str], SchemaObject] = field(default_factory=dict)
    facets: set[str] = field(default_factory=lambda: set(ALL_FACETS))
    notes: list[str] = field(default_factory=list)
    # statements that could not be read (``path:line: why: text``): the rest still loaded
    warnings: list[str] = field(default_factory=list)
    # table -> its columns' names in physical order, where the source records it (a dump
    # does not for inheritance children: pg_dump leaves their order to INHERITS on restore)
    column_order: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def add(self, obj: SchemaObject) -> SchemaObject:
        existing = self.objects.get(obj.key)
        if existing is not None:
            existing.attrs.update({k: v for k, v in obj.attrs.items() if v is not None})
            return existing
        self.objects[obj.key] = obj
        return obj

    def discard_since(self, size: int) -> None:
        """Drops the objects added after the model held ``size`` (a statement that failed
        half-way leaves nothing behind)."""
        for key in list(self.objects)[size:]:
            del self.objects[key]
        self.__dict__.pop("_by_parent", None)

    def find(self, kind: str, name: str) -> SchemaObject | None:
        return self.objects.get((kind, name))

    def __iter__(self) -> Iterator[SchemaObject]:
        return iter(self.objects.values())

    def __len__(self) -> int:
        return len(self.objects)

    def children(self, parent: str) -> list[SchemaObject]:
        """Objects whose parent is ``parent`` (an index by parent, rebuilt when objects grow)."""
        cache = self.__dict__.get("_by_parent")
        if cache is None or cache[0] != len(self.objects):
            index: dict[str, list[SchemaObject]] = {}
            for o in self.objects.values():
                if o.parent is not None:
                    index.setdefault(o.parent, []).append(o)
            cache = (len(self.objects), index)
            self.__dict__["_by_parent"] = cache
        return list(cache[1].get(parent, ()))

    def comparable(self, obj: SchemaObject, facets: set[str] | None = None) -> dict[str, Any]:
        """The attributes of ``obj`` that count, given the facets both sides carry."""
        facets = self.facets if facets is None else facets
        skip = {a for f, attrs in FACET_ATTRS.items() if f not in facets for a in attrs}
        return {k: v for k, v in obj.attrs.items() if v is not None and k not in skip}

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for obj in self.objects.values():
            out[obj.kind] = out.get(obj.kind, 0) + 1
        return out
