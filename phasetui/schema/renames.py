"""Renames in the semantic diff: a removed and an added object that differ only by their name.

The diff sees two schemas, not their history, so a rename is inferred from what a rename
keeps:

- table: the same columns (names and types, order-insensitive; at least one);
- column: the same table, type, ``NOT NULL``, default, collation, identity (with its sequence
  options) and generation; and every index and constraint on the old column is still on B,
  naming the new one (a rename carries them along, a drop loses them);
- index: the same table, uniqueness, method, validity and definition, read with renamed
  tables and columns under their new names;
- constraint: the same table, type and definition, read the same way.

A pair counts only when it is unambiguous, exactly one candidate each way. Otherwise the
removal and the addition stay, each with a note naming the possible rename; so do two tables
whose column types match one to one under other column names (a table renamed together with
some of its columns).

What merely follows a rename is no change of its own: a renamed table's columns, constraints,
triggers and policies (keyed by the table's name) and its indexes, and definitions elsewhere
that only name a renamed table or column (an index or a CHECK on the renamed column, an FK to
the renamed table, a sequence's ``OWNED BY``, a partition's parent). Those count in the
rename's ``folded``; whatever else differs stays a change.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from phasetui.schema.diff import AttrChange, Change
from phasetui.schema.idents import qualify, split_qualified
from phasetui.schema.model import SchemaModel, SchemaObject

# kinds named ``<table>.<name>``: they move with a renamed table
IN_TABLE = ("column", "constraint", "trigger", "policy")
# what a column rename keeps (and a drop + add of another column may not)
COLUMN_KEY = (
    "type",
    "not_null",
    "default",
    "collation",
    "identity",
    "identity_options",
    "generated",
    "generated_kind",
)
COLUMN_SAME = "same type, nullability, default, collation, identity and generation"
TEXT_ATTRS = {
    "constraint": ("definition",),
    "index": ("definition", "predicate"),
    "trigger": ("definition",),
    "policy": ("definition",),
    "column": ("generated",),
}

RenameKey = tuple[str, ...]  # ("table", old) | ("column", new table, old column) | (kind, old)


def find_renames(
    changes: list[Change], a: SchemaModel, b: SchemaModel, facets: set[str]
) -> list[Change]:
    """``changes`` with unambiguous removed + added pairs merged into ``renamed`` changes."""
    if not any(c.status == "added" for c in changes) or not any(
        c.status == "removed" for c in changes
    ):
        return changes
    return _Renames(changes, a, b, facets).run()


def local_name(name: str, parent: str | None) -> str:
    """``app.orders.note`` → ``note`` (quoted as in SQL) for an object of table ``parent``."""
    if parent and name.startswith(parent + "."):
        return name[len(parent) + 1 :]
    return qualify(split_qualified(name)[-1])


def _schema_of(name: str) -> str:
    try:
        return split_qualified(name)[0]
    except ValueError:
        return name.split(".", 1)[0]


def _words(text: str) -> tuple[list[Any], list[str]] | None:
    """PostgreSQL's own scanner: tokens and their text (literals stay whole), or None."""
    from pglast.parser import scan

    try:
        tokens = scan(text)
    except Exception:  # noqa: BLE001 - a fragment the scanner refuses is compared as is
        return None
    return tokens, [text[t.start : t.end + 1] for t in tokens]


class _Renames:
    def __init__(
        self, changes: list[Change], a: SchemaModel, b: SchemaModel, facets: set[str]
    ) -> None:
        self.changes = changes
        self.a, self.b, self.facets = a, b, facets
        self.added = {(c.kind, c.name): c for c in changes if c.status == "added"}
        self.removed = {(c.kind, c.name): c for c in changes if c.status == "removed"}
        self.changed = {(c.kind, c.name) for c in changes if c.status == "changed"}
        self.tables: dict[str, str] = {}  # old table -> new table
        self.columns: dict[str, dict[str, str]] = {}  # new table -> {old column: new column}
        self.indexes: dict[str, str] = {}  # old index -> new index
        self.table_words: list[tuple[list[str], str, RenameKey]] = []
        self.renamed: dict[RenameKey, Change] = {}
        self.moved: list[tuple[Change, SchemaObject, SchemaObject]] = []  # renamed tables' kids

    def run(self) -> list[Change]:
        self.find_tables()
        self.find_columns()
        self.find_indexes()
        self.find_constraints()
        if not self.renamed:
            return self.changes
        return self.settle()

    # --- pairing ---------------------------------------------------------------------------

    def pair(
        self,
        kind: str,
        key_a: Callable[[SchemaObject], Any],
        key_b: Callable[[SchemaObject], Any],
        same: str,
    ) -> list[tuple[Change, Change]]:
        """Removed/added ``kind`` objects with equal keys, exactly one candidate each way."""
        by_a: dict[Any, list[Change]] = {}
        by_b: dict[Any, list[Change]] = {}
        for c in self.removed.values():
            if c.kind == kind and (k := key_a(c.old)) is not None:
                by_a.setdefault(k, []).append(c)
        for c in self.added.values():
            if c.kind == kind and (k := key_b(c.new)) is not None:
                by_b.setdefault(k, []).append(c)
        pairs = []
        for k, olds in by_a.items():
            news = by_b.get(k)
            if not news:
                continue
            if len(olds) == 1 and len(news) == 1:
                pairs.append((olds[0], news[0]))
                continue
            for c in olds:
                c.notes.append(
                    f"possibly renamed to {_names(news)} ({same}); not assumed: the pairing is "
                    "ambiguous, check the migration before reading this as a drop"
                )
            for c in news:
                c.notes.append(
                    f"possibly renamed from {_names(olds)} ({same}); not assumed: the pairing "
                    "is ambiguous"
                )
        pairs.sort(key=lambda p: p[1].name)
        return pairs

    def rename(self, old: Change, new: Change, key: RenameKey) -> Change:
        del self.removed[(old.kind, old.name)]
        del self.added[(new.kind, new.name)]
        change = Change(
            new.kind, new.name, "renamed", new.parent, old=old.old, new=new.new, old_name=old.name
        )
        self.renamed[key] = change
        return change

    def find_tables(self) -> None:
        def columns_of(model: SchemaModel, schema: bool = True) -> Callable[[SchemaObject], Any]:
            def key(table: SchemaObject) -> Any:
                cols = frozenset(
                    (local_name(o.name, table.name), o.attrs.get("type"))
                    for o in model.children(table.name)
                    if o.kind == "column"
                )
                # a rename never crosses schemas (that is ALTER TABLE … SET SCHEMA)
                return ((_schema_of(table.name) if schema else None), cols) if cols else None

            return key

        same = "same columns and types"
        for old, new in self.pair("table", columns_of(self.a), columns_of(self.b), same):
            change = self.rename(old, new, ("table", old.name))
            change.notes.append(f"inferred from {same}")
            self.tables[old.name] = new.name
            found = _words(old.name)
            if found is not None:
                self.table_words.append((found[1], new.name, ("table", old.name)))
            for kid in self.a.children(old.name):
                if kid.kind == "index":
                    twin = self.b.find("index", kid.name)
                    if twin is not None and twin.parent == new.name:
                        if ("index", kid.name) not in self.changed:
                            change.folded["index"] = change.folded.get("index", 0) + 1
                    continue
                if kid.kind not in IN_TABLE:
                    continue
                twin_key = (kid.kind, f"{new.name}.{local_name(kid.name, old.name)}")
                if (kid.kind, kid.name) in self.removed and twin_key in self.added:
                    del self.removed[(kid.kind, kid.name)]
                    self.moved.append((change, kid, self.added.pop(twin_key).new))
        self.hint_tables()
        self.hint_moves(columns_of(self.a, schema=False), columns_of(self.b, schema=False))

    def hint_moves(self, key_a: Callable, key_b: Callable) -> None:
        """A table dropped in one schema and one like it added in another: a note only."""
        olds = [c for c in self.removed.values() if c.kind == "table"]
        news = [c for c in self.added.values() if c.kind == "table"]
        for old in olds:
            ka = key_a(old.old)
            twins = [
                n
                for n in news
                if ka is not None
                and key_b(n.new) == ka
                and _schema_of(n.name) != _schema_of(old.name)
                and local_name(n.name, None) == local_name(old.name, None)
            ]
            if len(twins) != 1:
                continue
            new = twins[0]
            old.notes.append(
                f"possibly moved to {new.name} (same name and columns; ALTER TABLE … SET "
                "SCHEMA); not assumed: a rename is never inferred across schemas"
            )
            new.notes.append(f"possibly moved from {old.name} (same name and columns); not assumed")

    def hint_tables(self) -> None:
        """Tables left unpaired whose column types match one to one: a note, not a rename
        (a table renamed together with some of its columns looks like this)."""

        def types_of(model: SchemaModel) -> Callable[[SchemaObject], Any]:
            def key(table: SchemaObject) -> Any:
                kids = model.children(table.name)
                types = sorted(o.attrs.get("type") or "" for o in kids if o.kind == "column")
                return (_schema_of(table.name), tuple(types)) if types else None

            return key

        olds = [c for c in self.removed.values() if c.kind == "table" and not c.notes]
        news = [c for c in self.added.values() if c.kind == "table" and not c.notes]
        by_a: dict[Any, list[Change]] = {}
        by_b: dict[Any, list[Change]] = {}
        for c in olds:
            by_a.setdefault(types_of(self.a)(c.old), []).append(c)
        for c in news:
            by_b.setdefault(types_of(self.b)(c.new), []).append(c)
        for key, found in by_a.items():
            twins = by_b.get(key) if key is not None else None
            if len(found) == 1 and twins is not None and len(twins) == 1:
                old, new = found[0], twins[0]
                old.notes.append(
                    f"possibly renamed to {new.name} (same column types, other column names): "
                    "not assumed; check the migration before reading this as a drop"
                )
                new.notes.append(
                    f"possibly renamed from {old.name} (same column types, other column names): "
                    "not assumed"
                )

    def find_columns(self) -> None:
        def key_a(col: SchemaObject) -> tuple:
            parent = self.tables.get(col.parent or "", col.parent)
            return (parent, *(col.attrs.get(k) for k in COLUMN_KEY))

        def key_b(col: SchemaObject) -> tuple:
            return (col.parent, *(col.attrs.get(k) for k in COLUMN_KEY))

        pairs = self.pair("column", key_a, key_b, COLUMN_SAME)
        for old, new in pairs:
            self.columns.setdefault(new.parent or "", {})[local_name(old.name, old.parent)] = (
                local_name(new.name, new.parent)
            )
        while True:  # a pair whose index or constraint did not follow was a drop + add
            lost = [(o, n, gone) for o, n in pairs if (gone := self.lost_dependent(o.old, n.new))]
            if not lost:
                break
            for old, new, gone in lost:
                pairs.remove((old, new))
                del self.columns[new.parent or ""][local_name(old.name, old.parent)]
                was, now = local_name(old.name, old.parent), local_name(new.name, new.parent)
                old.notes.append(
                    f"possibly renamed to {now} ({COLUMN_SAME}); not assumed: its {gone} is "
                    "not on B naming the new column, as a rename would have left it"
                )
                new.notes.append(
                    f"possibly renamed from {was} ({COLUMN_SAME}); not assumed: the old "
                    f"column's {gone} did not follow"
                )
        for old, new in pairs:
            change = self.rename(
                old, new, ("column", new.parent or "", local_name(old.name, old.parent))
            )
            change.notes.append(
                f"inferred from {COLUMN_SAME}: a DROP COLUMN plus an ADD COLUMN of such a "
                "column looks the same in the schema; check the migration"
            )

    def lost_dependent(self, old: SchemaObject, new: SchemaObject) -> str | None:
        """The first index/constraint on ``old`` that B lacks with ``new`` in its definition."""
        table = new.parent or ""
        key = ("column", table, local_name(old.name, old.parent))
        theirs = [o for o in self.b.children(table) if o.kind in ("index", "constraint")]
        for dep in self.a.children(old.parent or ""):
            if dep.kind not in ("index", "constraint"):
                continue
            text, used = self.rewrite(dep.attrs.get("definition") or "", dep)
            if key not in used:
                continue
            if not any(
                o.kind == dep.kind
                and o.attrs.get("definition") == text
                and o.attrs.get("type") == dep.attrs.get("type")
                and o.attrs.get("unique") == dep.attrs.get("unique")
                for o in theirs
            ):
                return f"{dep.kind} {_names([dep])}"
        return None

    def find_indexes(self) -> None:
        def key(index: SchemaObject, text: str) -> tuple:
            a = index.attrs
            return (index.parent, a.get("unique"), a.get("method"), a.get("valid"), text)

        def key_a(index: SchemaObject) -> tuple:
            parent = self.tables.get(index.parent or "", index.parent)
            moved = SchemaObject("index", index.name, parent, index.attrs)
            return key(moved, self.rewrite(index.attrs.get("definition") or "", index)[0])

        def key_b(index: SchemaObject) -> tuple:
            return key(index, index.attrs.get("definition") or "")

        for old, new in self.pair("index", key_a, key_b, "same table and definition"):
            self.rename(old, new, ("index", old.name))
            self.indexes[old.name] = new.name

    def find_constraints(self) -> None:
        def key_a(con: SchemaObject) -> tuple:
            text = self.rewrite(con.attrs.get("definition") or "", con)[0]
            return (self.tables.get(con.parent or "", con.parent), con.attrs.get("type"), text)

        def key_b(con: SchemaObject) -> tuple:
            return (con.parent, con.attrs.get("type"), con.attrs.get("definition") or "")

        for old, new in self.pair("constraint", key_a, key_b, "same table, type and definition"):
            self.rename(old, new, ("constraint", old.name))

    # --- reading A's text with B's names --------------------------------------------------

    def rewrite(self, text: str, obj: SchemaObject) -> tuple[str, set[RenameKey]]:
        """``text`` of A-side ``obj`` with renamed tables and columns under their new names.

        Token by token (PostgreSQL's scanner), so literals and quoted names stay intact: the
        object's own columns, and in a foreign key the referenced table and its columns.
        """
        table = self.tables.get(obj.parent or "", obj.parent or "")
        own = self.columns.get(table, {})
        fk = obj.kind == "constraint" and obj.attrs.get("type") == "foreign key"
        if not text or not (own or self.table_words or (fk and self.columns)):
            return text, set()
        found = _words(text)
        if found is None:
            return text, set()
        tokens, words = found
        edits: list[tuple[int, int, str]] = []
        used: set[RenameKey] = set()
        i, n = 0, len(words)
        while i < n:
            hit = self._table_at(words, i)
            if hit is not None:
                length, new_name, key = hit
                edits.append((tokens[i].start, tokens[i + length - 1].end + 1, new_name))
                used.add(key)
                i += length
                continue
            if fk and tokens[i].name == "REFERENCES" and i + 1 < n:
                i = self._references(text, tokens, words, i + 1, edits, used)
                continue
            word = words[i]
            if (
                word in own
                and not (i + 1 < n and words[i + 1] in ("(", "."))
                and not (i > 0 and words[i - 1] == "::")
                and not (i > 1 and words[i - 1] == "." and words[i - 2].lower() not in _ROWS)
            ):
                edits.append((tokens[i].start, tokens[i].end + 1, own[word]))
                used.add(("column", table, word))
            i += 1
        for start, end, new in reversed(edits):
            text = text[:start] + new + text[end:]
        return text, used

    def _table_at(self, words: list[str], i: int) -> tuple[int, str, RenameKey] | None:
        if i > 0 and words[i - 1] == ".":
            return None
        for old, new, key in self.table_words:
            if words[i : i + len(old)] == old:
                return len(old), new, key
        return None

    def _references(
        self,
        text: str,
        tokens: list[Any],
        words: list[str],
        i: int,
        edits: list[tuple[int, int, str]],
        used: set[RenameKey],
    ) -> int:
        """``REFERENCES name (cols)`` at token ``i``: both read with B's names; next index."""
        n, end = len(words), i
        while end + 2 < n and words[end + 1] == ".":
            end += 2
        ref = text[tokens[i].start : tokens[end].end + 1]
        target = self.tables.get(ref, ref)
        if target != ref:
            edits.append((tokens[i].start, tokens[end].end + 1, target))
            used.add(("table", ref))
        cols = self.columns.get(target, {})
        i = end + 1
        if i < n and words[i] == "(":
            i += 1
            while i < n and words[i] != ")":
                if words[i] in cols:
                    edits.append((tokens[i].start, tokens[i].end + 1, cols[words[i]]))
                    used.add(("column", target, words[i]))
                i += 1
            i += 1
        return i

    def translate(self, obj: SchemaObject, attr: str, value: Any) -> tuple[Any, set[RenameKey]]:
        """An A-side attribute value as B would name it, and the renames that touched it."""
        if value is None:
            return value, set()
        if attr in TEXT_ATTRS.get(obj.kind, ()) and isinstance(value, str):
            return self.rewrite(value, obj)
        if obj.kind == "sequence" and attr == "owned_by":
            parts = split_qualified(value)
            table, col = qualify(*parts[:-1]), qualify(parts[-1])
            new_table = self.tables.get(table, table)
            new_col = self.columns.get(new_table, {}).get(col, col)
            used: set[RenameKey] = set()
            if new_table != table:
                used.add(("table", table))
            if new_col != col:
                used.add(("column", new_table, col))
            return f"{new_table}.{new_col}", used
        if obj.kind == "table" and attr == "partition_of":
            return self.tables.get(value, value), {("table", value)} & self._keys("table")
        if obj.kind == "table" and attr == "inherits":
            return tuple(self.tables.get(p, p) for p in value), {
                ("table", p) for p in value if p in self.tables
            }
        if obj.kind == "index" and attr == "partition_of":
            return self.indexes.get(value, value), {("index", value)} & self._keys("index")
        return value, set()

    def _keys(self, kind: str) -> set[RenameKey]:
        return {k for k in self.renamed if k[0] == kind}

    # --- what is left --------------------------------------------------------------------

    def attr_changes(
        self, old: SchemaObject, new: SchemaObject
    ) -> tuple[list[AttrChange], set[RenameKey]]:
        """Attributes that differ even with A's names read as B's; the renames that explained
        the others. Only attributes that differ as written are looked at, so reading with the
        new names can hide a difference a rename explains, never invent one."""
        x, y = self.a.comparable(old, self.facets), self.b.comparable(new, self.facets)
        out, explained = [], set()
        for k in sorted(x.keys() | y.keys()):
            if x.get(k) == y.get(k):
                continue
            value, used = self.translate(old, k, x.get(k))
            if used and value == y.get(k):
                explained |= used
                continue
            out.append(AttrChange(k, x.get(k), y.get(k)))
        return out, explained

    def settle(self) -> list[Change]:
        out: list[Change] = []
        for change in self.renamed.values():
            change.attrs = self.attr_changes(change.old, change.new)[0]
            out.append(change)
        for table, old, new in self.moved:
            attrs, _ = self.attr_changes(old, new)
            if attrs:
                out.append(Change(new.kind, new.name, "changed", new.parent, attrs, old, new))
            else:
                _count(table, old.kind)
        for c in self.changes:
            key = (c.kind, c.name)
            if c.status == "changed":
                attrs, explained = self.attr_changes(c.old, c.new)
                if not attrs:
                    for k in explained:
                        _count(self.renamed[k], c.kind)
                    continue
                c.attrs = attrs
                out.append(c)
            elif key in (self.added if c.status == "added" else self.removed):
                out.append(c)
        return out


_ROWS = {"new", "old"}  # a trigger's WHEN (NEW.col ...): the row's columns are the table's


def _count(change: Change, kind: str) -> None:
    change.folded[kind] = change.folded.get(kind, 0) + 1


def _names(objects: Iterable[Change | SchemaObject]) -> str:
    """Candidates as a reader names them: ``b or c`` for columns, ``app.i1`` for indexes."""
    names = sorted(local_name(o.name, o.parent) if o.kind in IN_TABLE else o.name for o in objects)
    return " or ".join(names)
