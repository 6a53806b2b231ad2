"""Loads a ``pg_dump --schema-only`` file (any of its shapes) into a SchemaModel.

The file is split with ``pglast.split`` (PostgreSQL's own scanner), every byte between
statements is checked to be only comments and whitespace, and each statement goes to the
first handler whose pattern matches its head. Handlers for modelled statements build objects;
anything else becomes an opaque ``other`` object compared by normalised text, so nothing in a
dump is dropped silently. Session noise (``SET``, ``\\restrict``), ``--clean`` drops and data
rows (``INSERT INTO schema_migrations``) are not objects: they are counted in ``model.notes``.
"""

from __future__ import annotations

import gc
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from phasetui.errors import BadInput
from phasetui.schema import acl as aclmod
from phasetui.schema.idents import IDENT, QNAME, last_part, parse_ident, qualify, split_qualified
from phasetui.schema.model import SchemaModel, SchemaObject
from phasetui.schema.sequences import describe as describe_seq
from phasetui.schema.sequences import parse_seq_options
from phasetui.schema.text import (
    MaskedMatch,
    line_of,
    mask,
    masked_search,
    sql_string,
    squash,
    wrap,
)

R = re.IGNORECASE | re.DOTALL


@dataclass
class _Ctx:
    model: SchemaModel
    path: str
    owners: dict[tuple[str, str], str] = field(default_factory=dict)
    grants: list[tuple[dict, int]] = field(default_factory=list)
    comments: list[tuple[str, str, str, int]] = field(default_factory=list)
    opaque_seen: dict[str, int] = field(default_factory=dict)
    skipped: dict[str, int] = field(default_factory=dict)
    saw_owner: bool = False
    saw_grant: bool = False
    default_acls: dict[str, tuple[str, aclmod.Acl, str]] = field(default_factory=dict)
    # inheritance and partitions as a restore builds them: parent -> children, and which
    # children are partitions (a statement without ONLY reaches every descendant)
    kids: dict[str, list[str]] = field(default_factory=dict)
    partitions: set[str] = field(default_factory=set)
    extensions_without_version: int = 0
    unreadable: int = 0
    last_unreadable: int = 0

    def warn(self, line: int, why: str, stmt: str) -> None:
        """Records a statement that could not be read (the first few in full)."""
        warnings = self.model.warnings
        self.unreadable += 1
        self.last_unreadable = line
        if len(warnings) < _MAX_WARNINGS:
            head = " ".join(stmt.split())[:80]
            warnings.append(
                f"{self.path}:{line}: cannot read this statement ({why}); kept as text and "
                f"compared as a whole: {head!r}"
            )

    def skip(self, why: str, quiet: bool = False) -> None:
        """Counts a statement that is not an object; ``quiet`` ones never reach a report."""
        if not quiet:
            self.skipped[why] = self.skipped.get(why, 0) + 1


Handler = Callable[[_Ctx, re.Match, str, int], None]
# first word of a statement -> its handlers in registration order (a dump has ~10 per table:
# trying only the few that can match keeps dispatch off the profile)
_HANDLERS: dict[str, list[tuple[re.Pattern, Handler]]] = {}


def handles(pattern: str) -> Callable[[Handler], Handler]:
    firsts = set(re.findall(r"\^\(?((?:[A-Z]+\|?)+)", pattern))
    words = {w for group in firsts for w in group.split("|") if w}

    def register(fn: Handler) -> Handler:
        for word in words:
            _HANDLERS.setdefault(word, []).append((re.compile(pattern, R), fn))
        return fn

    return register


def _name(text: str) -> tuple[str, str]:
    parts = split_qualified(text)
    return (parts[-2], parts[-1]) if len(parts) >= 2 else ("public", parts[0])


def _q(text: str) -> str:
    return qualify(*_name(text))


# --- noise ---------------------------------------------------------------------------------


@handles(r"^(SET|RESET)\s|^SELECT\s+pg_catalog\.set_config\(")
def _session(ctx, m, stmt, line):
    ctx.skip("session settings (SET …)", quiet=True)


@handles(
    r"^DROP\s|^ALTER\s+(TABLE|FOREIGN TABLE)\s+(IF\s+EXISTS\s+)?(ONLY\s+)?\S.*\s+DROP\s+"
    r"(CONSTRAINT|DEFAULT)\b|^ALTER\s+TABLE\s.*ALTER\s+COLUMN\s+\S+\s+DROP\s+DEFAULT$"
)
def _clean(ctx, m, stmt, line):
    ctx.skip("--clean drops")


@handles(r"^(INSERT|COPY|SELECT\s+pg_catalog\.setval)\s")
def _data(ctx, m, stmt, line):
    ctx.skip("data rows (INSERT/COPY/setval)")


# --- containers ----------------------------------------------------------------------------


@handles(
    rf"^CREATE\s+SCHEMA\s+(IF\s+NOT\s+EXISTS\s+)?(?P<n>{IDENT})(\s+AUTHORIZATION\s+(?P<o>\S+))?$"
)
def _schema(ctx, m, stmt, line):
    name = qualify(parse_ident(m["n"]))
    ctx.model.add(SchemaObject("schema", name, line=line))
    if m["o"]:
        ctx.owners[("schema", name)] = parse_ident(m["o"])


@handles(rf"^CREATE\s+EXTENSION\s+(IF\s+NOT\s+EXISTS\s+)?(?P<n>{IDENT})(?P<rest>.*)$")
def _extension(ctx, m, stmt, line):
    schema = masked_search(rf"\bSCHEMA\s+({IDENT})", m["rest"], re.I)
    version = masked_search(r"\bVERSION\s+('(?:[^']|'')*'|[^\s;]+)", m["rest"], re.I)
    if version is None:
        ctx.extensions_without_version += 1
    ctx.model.add(
        SchemaObject(
            "extension",
            qualify(parse_ident(m["n"])),
            attrs={
                "schema": qualify(parse_ident(schema[1])) if schema else None,
                "version": _version_text(version[1]) if version else None,
            },
            line=line,
        )
    )


def _version_text(text: str) -> str:
    return sql_string(text) if text.startswith("'") else parse_ident(text)


@handles(rf"^CREATE\s+COLLATION\s+(IF\s+NOT\s+EXISTS\s+)?(?P<n>{QNAME})\s*\((?P<opts>.*)\)$")
def _collation(ctx, m, stmt, line):
    from phasetui.schema.collations import collation_attrs

    opts: dict[str, str] = {}
    for item in aclmod._split_top(m["opts"]):
        key, eq, value = item.partition("=")
        if not eq:
            raise ValueError(f"collation option without a value: {item[:40]!r}")
        value = value.strip()
        opts[key.strip().lower()] = sql_string(value) if value.startswith(("'", "E'")) else value
    ctx.model.add(SchemaObject("collation", _q(m["n"]), attrs=collation_attrs(opts), line=line))


# --- types ---------------------------------------------------------------------------------


@handles(rf"^CREATE\s+TYPE\s+(?P<n>{QNAME})\s+AS\s+ENUM\s*\((?P<labels>.*)\)$")
def _enum(ctx, m, stmt, line):
    labels = tuple(sql_string(s) for s in re.findall(r"E?'(?:[^']|'')*'", m["labels"]))
    ctx.model.add(
        SchemaObject("type", _q(m["n"]), attrs={"variant": "enum", "labels": labels}, line=line)
    )


@handles(rf"^CREATE\s+TYPE\s+(?P<n>{QNAME})\s+AS\s*\((?P<body>.*)\)$")
def _composite(ctx, m, stmt, line):
    fields = tuple(squash(f) for f in aclmod._split_top(m["body"]))
    ctx.model.add(
        SchemaObject(
            "type", _q(m["n"]), attrs={"variant": "composite", "attributes": fields}, line=line
        )
    )


@handles(rf"^CREATE\s+TYPE\s+(?P<n>{QNAME})\s+AS\s+RANGE\s*\((?P<body>.*)\)$")
def _range(ctx, m, stmt, line):
    ctx.model.add(
        SchemaObject(
            "type",
            _q(m["n"]),
            attrs={"variant": "range", "definition": squash(m["body"])},
            line=line,
        )
    )


@handles(rf"^CREATE\s+DOMAIN\s+(?P<n>{QNAME})\s+AS\s+(?P<body>.*)$")
def _domain(ctx, m, stmt, line):
    parts = _masked_split(r"\n\s*CONSTRAINT\s+", m["body"])
    head, cons = parts[0], parts[1:]
    hm = masked_search(
        r"^(?P<type>.+?)(?:\s+COLLATE\s+(?P<coll>\S+))?(?P<nn>\s+NOT NULL)?"
        r"(?:\s+DEFAULT\s+(?P<default>.*))?$",
        head.strip(),
        R,
    )
    if not hm:
        raise ValueError("cannot read the domain definition")
    checks = []
    for c in cons:
        cm = masked_search(rf"^(?P<cn>{IDENT})\s+(?P<def>.*)$", c.strip(), R)
        if cm:
            checks.append(f"{qualify(parse_ident(cm['cn']))} {squash(cm['def'])}")
    ctx.model.add(
        SchemaObject(
            "domain",
            _q(m["n"]),
            attrs={
                "type": squash(hm["type"]),
                "collation": hm["coll"],
                "not_null": True if hm["nn"] else None,
                "default": squash(hm["default"]) if hm["default"] else None,
                "constraints": tuple(sorted(checks)) or None,
            },
            line=line,
        )
    )


@handles(rf"^ALTER\s+DOMAIN\s+(?P<n>{QNAME})\s+ADD\s+CONSTRAINT\s+(?P<cn>{IDENT})\s+(?P<def>.*)$")
def _domain_constraint(ctx, m, stmt, line):
    obj = ctx.model.find("domain", _q(m["n"]))
    if obj is None:
        return _opaque(ctx, None, stmt, line)
    checks = list(obj.attrs.get("constraints") or ())
    checks.append(f"{qualify(parse_ident(m['cn']))} {squash(m['def'])}")
    obj.attrs["constraints"] = tuple(sorted(checks))


def _masked_split(pattern: str, text: str) -> list[str]:
    """``re.split`` that never splits inside a quoted name, a literal or a comment."""
    out, pos = [], 0
    for m in re.finditer(pattern, mask(text), R):
        out.append(text[pos : m.start()])
        pos = m.end()
    out.append(text[pos:])
    return out


# --- sequences -----------------------------------------------------------------------------


@handles(rf"^CREATE\s+(?:UNLOGGED\s+)?SEQUENCE\s+(?P<n>{QNAME})(?P<opts>.*)$")
def _sequence(ctx, m, stmt, line):
    attrs = {"options": describe_seq(parse_seq_options(m["opts"]))}
    ctx.model.add(SchemaObject("sequence", _q(m["n"]), attrs=attrs, line=line))


@handles(rf"^ALTER\s+SEQUENCE\s+(?P<n>{QNAME})\s+OWNED\s+BY\s+(?P<col>{QNAME})$")
def _owned_by(ctx, m, stmt, line):
    obj = ctx.model.find("sequence", _q(m["n"]))
    if obj is None:
        return _opaque(ctx, None, stmt, line)
    parts = split_qualified(m["col"])
    obj.attrs["owned_by"] = qualify(*parts)


# --- tables --------------------------------------------------------------------------------
#
# A dump is read the way a restore runs it: a child created with INHERITS (or PARTITION OF)
# starts with copies of its parents' columns, as PostgreSQL's MergeAttributes makes them, and
# an ALTER TABLE without ONLY reaches every descendant, so a child's own default or NOT NULL
# on an inherited column (pg_dump writes ``ALTER TABLE ONLY child … SET DEFAULT`` and, from
# 18 on, ``NOT NULL col`` items) lands on a column the model holds.

# what a new child copies from its parent's column (identity, statistics, per-column options,
# comments and privileges stay with the parent)
_INHERITED = (
    "type",
    "collation",
    "default",
    "generated",
    "generated_kind",
    "storage",
    "compression",
)
_NULL_DEFAULT = re.compile(r"^NULL(?:::[\w\s.\"\[\](),]+)?$", re.I)


def default_text(text: str | None) -> str | None:
    """A default as compared: ``DEFAULT NULL`` (pg_dump's override of an inherited default;
    the server stores no default for it) is no default."""
    if text is None:
        return None
    text = squash(text)
    return None if text[:4].upper() == "NULL" and _NULL_DEFAULT.match(text) else text


def _new_column(table: str, name: str, attrs: dict, line: int) -> SchemaObject:
    base = dict.fromkeys(
        ("type", "not_null", "default", "collation", "generated", "generated_kind", "identity")
    )
    base.update(attrs)
    return SchemaObject("column", f"{table}.{name}", parent=table, line=line, attrs=base)


def _columns(ctx: _Ctx, table: str) -> list[SchemaObject]:
    return [o for o in ctx.model.children(table) if o.kind == "column"]


def _inherit_columns(
    ctx: _Ctx, child: str, parents: list[str], line: int
) -> dict[str, SchemaObject]:
    """The child's copies of its parents' columns, merged by name in the parents' order."""
    cols: dict[str, SchemaObject] = {}
    for parent in parents:
        for pcol in _columns(ctx, parent):
            local = last_part(pcol.name)
            inherited = {k: pcol.attrs.get(k) for k in _INHERITED if pcol.attrs.get(k) is not None}
            if pcol.attrs.get("not_null") and not pcol.attrs.get("not_null_no_inherit"):
                inherited["not_null"] = True
                if pcol.attrs.get("not_null_validated") is False:
                    inherited["not_null_validated"] = False
            have = cols.get(local)
            if have is None:
                cols[local] = ctx.model.add(_new_column(child, local, inherited, line))
            else:  # the same column from two parents: one column, NOT NULL if either says so
                for k, v in inherited.items():
                    if have.attrs.get(k) is None:
                        have.attrs[k] = v
    return cols


@handles(
    rf"^CREATE\s+(?:UNLOGGED\s+)?TABLE\s+(?P<n>{QNAME})\s+PARTITION\s+OF\s+(?P<p>{QNAME})"
    r"(?P<rest>.*)$"
)
def _partition_of(ctx, m, stmt, line):
    bound = masked_search(
        r"(FOR\s+VALUES\s+.*|DEFAULT)(\s+PARTITION\s+BY\s+.*)?$", m["rest"].strip(), R
    )
    name, parent = _q(m["n"]), _q(m["p"])
    ctx.model.add(
        SchemaObject(
            "table",
            name,
            line=line,
            attrs={
                "partition_of": parent,
                "bound": squash(bound[1]) if bound else None,
                "partition_key": squash(bound[2].strip()[len("PARTITION BY") :])
                if bound and bound[2]
                else None,
            },
        )
    )
    ctx.partitions.add(name)
    ctx.kids.setdefault(parent, []).append(name)
    if _columns(ctx, parent):
        _inherit_columns(ctx, name, [parent], line)
        if parent in ctx.model.column_order:
            ctx.model.column_order[name] = ctx.model.column_order[parent]
    else:  # the parent comes later in a hand-made file: filled in at the end
        ctx.model.find("table", name).attrs["inherit_columns_from"] = parent


@handles(r"^CREATE\s+(?:UNLOGGED\s+)?TABLE\s")
def _table(ctx, m, stmt, line):
    from phasetui.schema.dump_tables import parse_create_table

    notes: list[str] = []
    t = parse_create_table(stmt, notes)
    if notes:
        ctx.skip("tables read without sqlglot's tree (a form its grammar lacks)")
    name = qualify(t.schema, t.name)
    tail = t.tail
    attrs: dict = {"unlogged": True if t.unlogged else None}
    pm = masked_search(r"\bPARTITION\s+BY\s+(?P<key>.+?)(?=\s+WITH\s*\(|\s+USING\s|$)", tail, R)
    if pm:
        attrs["partition_key"] = squash(pm["key"])
    im = masked_search(r"\bINHERITS\s*\((?P<p>[^)]*)\)", tail, R)
    parents: list[str] = []
    if im:
        parents = [_q(p) for p in aclmod._split_top(im["p"])]
        attrs["inherits"] = tuple(parents)
    wm = masked_search(r"\bWITH\s*\((?P<o>.*?)\)", tail, R)
    if wm:
        attrs["options"] = tuple(sorted(squash(o) for o in aclmod._split_top(wm["o"])))
    known = {qualify(c.name) for c in t.columns}
    known |= {last_part(c.name) for p in parents for c in _columns(ctx, p)}
    for nn in t.not_nulls:  # checked before the model changes: a bad statement adds nothing
        if qualify(nn.column) not in known:
            raise ValueError(f"NOT NULL {qualify(nn.column)}: no such column in {name}")
    ctx.model.add(SchemaObject("table", name, attrs=attrs, line=line))
    cols = _inherit_columns(ctx, name, parents, line) if parents else {}
    for parent in parents:
        ctx.kids.setdefault(parent, []).append(name)
    order = []
    for col in t.columns:
        local = qualify(col.name)
        order.append(local)
        own = {
            "type": col.type,
            "not_null": True if col.not_null else None,
            "default": default_text(col.default),
            "collation": col.collation,
            "generated": col.generated,
            "generated_kind": col.generated_kind,
            "identity": col.identity,
            "not_null_no_inherit": True if col.not_null_no_inherit else None,
        }
        have = cols.get(local)
        if have is None:
            obj = SchemaObject("column", f"{name}.{local}", parent=name, line=line, attrs=own)
            cols[local] = ctx.model.add(obj)
            continue
        # a column the child declares again: merged with the inherited one
        for k, v in own.items():
            if k == "default":
                if col.default is not None:  # DEFAULT NULL overrides the parent's default
                    have.attrs[k] = v
            elif v is not None:
                have.attrs[k] = v
    for nn in t.not_nulls:
        col = cols[qualify(nn.column)]
        col.attrs["not_null"] = True
        if nn.no_inherit:
            col.attrs["not_null_no_inherit"] = True
    if not parents:  # a child's physical order is left to INHERITS by pg_dump: not recorded
        ctx.model.column_order[name] = tuple(order)
    for cname, definition in t.checks:
        _add_constraint(ctx, name, cname, definition, line)


def _add_constraint(ctx: _Ctx, table: str, cname: str, definition: str, line: int) -> None:
    """``cname`` is the stored name (already unquoted)."""
    definition = squash(definition)
    validated = True
    if definition.upper().endswith(" NOT VALID"):
        validated = False
        definition = definition[: -len(" NOT VALID")]
    ctype = _constraint_type(definition)
    if ctype == "not null":
        return  # the column's not_null says it
    ctx.model.add(
        SchemaObject(
            "constraint",
            f"{table}.{qualify(cname)}",
            parent=table,
            line=line,
            attrs={
                "type": ctype,
                "definition": definition,
                "validated": None if validated else False,
            },
        )
    )


def _constraint_type(definition: str) -> str:
    head = definition.upper()
    for prefix, kind in (
        ("PRIMARY KEY", "primary key"),
        ("UNIQUE", "unique"),
        ("CHECK", "check"),
        ("FOREIGN KEY", "foreign key"),
        ("EXCLUDE", "exclusion"),
        ("NOT NULL", "not null"),
    ):
        if head.startswith(prefix):
            return kind
    return "other"


_ALTER_TABLE = (
    r"^ALTER\s+(?:TABLE|FOREIGN\s+TABLE)\s+(?:IF\s+EXISTS\s+)?(?P<only>ONLY\s+)?"
    rf"(?P<t>{QNAME})\s+"
)


def _targets(ctx: _Ctx, table: str, only: bool) -> list[str]:
    """The table and, without ONLY, every descendant (as the server recurses)."""
    out, todo = [table], [] if only else list(ctx.kids.get(table, ()))
    while todo:
        kid = todo.pop(0)
        if kid not in out:
            out.append(kid)
            todo.extend(ctx.kids.get(kid, ()))
    return out


def _alter_columns(ctx: _Ctx, m: MaskedMatch, stmt: str, line: int, col: str, apply) -> None:
    """Applies ``apply(column)`` to the column on the table (and descendants without ONLY)."""
    table = _q(m["t"])
    local = qualify(parse_ident(col))
    found = False
    for target in _targets(ctx, table, bool(m["only"])):
        obj = ctx.model.find("column", f"{target}.{local}")
        if obj is not None:
            apply(obj)
            found = found or target == table
    if not found:
        _opaque(ctx, None, stmt, line)


@handles(_ALTER_TABLE + rf"ADD\s+CONSTRAINT\s+(?P<cn>{IDENT})\s+(?P<def>.*)$")
def _add_constraint_stmt(ctx, m, stmt, line):
    if not m["def"][:3].upper() == "NOT":
        return _add_constraint(ctx, _q(m["t"]), parse_ident(m["cn"]), m["def"], line)
    nn = masked_search(
        rf"^NOT\s+NULL\s+(?P<c>{IDENT})(?P<noinh>\s+NO\s+INHERIT)?(?P<nv>\s+NOT\s+VALID)?$",
        m["def"].strip(),
        R,
    )
    if nn is None:
        return _add_constraint(ctx, _q(m["t"]), parse_ident(m["cn"]), m["def"], line)

    table = _q(m["t"])

    def apply(col: SchemaObject) -> None:
        col.attrs["not_null"] = True
        # NOT VALID stays on the table named; descendants get a validated copy (PG 18)
        if nn["nv"] and col.parent == table:
            col.attrs["not_null_validated"] = False

    if nn["noinh"]:
        col = _column_of(ctx, _q(m["t"]), nn["c"])
        if col is None:
            return _opaque(ctx, None, stmt, line)
        apply(col)
        col.attrs["not_null_no_inherit"] = True
        return
    _alter_columns(ctx, m, stmt, line, nn["c"], apply)


def _column_of(ctx: _Ctx, table: str, col: str) -> SchemaObject | None:
    return ctx.model.find("column", f"{table}.{qualify(parse_ident(col))}")


@handles(_ALTER_TABLE + rf"ALTER\s+COLUMN\s+(?P<c>{IDENT})\s+SET\s+DEFAULT\s+(?P<e>.*)$")
def _set_default(ctx, m, stmt, line):
    value = default_text(m["e"])
    _alter_columns(ctx, m, stmt, line, m["c"], lambda col: col.attrs.__setitem__("default", value))


@handles(_ALTER_TABLE + rf"ALTER\s+COLUMN\s+(?P<c>{IDENT})\s+SET\s+NOT\s+NULL$")
def _set_not_null(ctx, m, stmt, line):
    _alter_columns(ctx, m, stmt, line, m["c"], lambda col: col.attrs.__setitem__("not_null", True))


@handles(_ALTER_TABLE + rf"ALTER\s+COLUMN\s+(?P<c>{IDENT})\s+SET\s+STATISTICS\s+(?P<n>-?\d+)$")
def _set_statistics(ctx, m, stmt, line):
    value = int(m["n"])
    _alter_columns(
        ctx, m, stmt, line, m["c"], lambda col: col.attrs.__setitem__("statistics", value)
    )


@handles(
    _ALTER_TABLE + rf"ALTER\s+COLUMN\s+(?P<c>{IDENT})\s+SET\s+STORAGE\s+"
    r"(?P<s>PLAIN|EXTERNAL|EXTENDED|MAIN|DEFAULT)$"
)
def _set_storage(ctx, m, stmt, line):
    value = m["s"].upper()
    _alter_columns(ctx, m, stmt, line, m["c"], lambda col: col.attrs.__setitem__("storage", value))


@handles(_ALTER_TABLE + rf"ALTER\s+COLUMN\s+(?P<c>{IDENT})\s+SET\s+COMPRESSION\s+(?P<s>\S+)$")
def _set_compression(ctx, m, stmt, line):
    value = parse_ident(m["s"])
    value = None if value == "default" else value
    _alter_columns(
        ctx, m, stmt, line, m["c"], lambda col: col.attrs.__setitem__("compression", value)
    )


@handles(_ALTER_TABLE + rf"ALTER\s+COLUMN\s+(?P<c>{IDENT})\s+SET\s*\((?P<o>.*)\)$")
def _set_column_options(ctx, m, stmt, line):
    value = column_options(aclmod._split_top(m["o"]))
    _alter_columns(ctx, m, stmt, line, m["c"], lambda col: col.attrs.__setitem__("options", value))


def column_options(items: list[str]) -> tuple[str, ...] | None:
    """``n_distinct=100`` items in one form (pg_dump writes them without spaces)."""
    out = []
    for item in items:
        key, _, value = item.partition("=")
        out.append(f"{key.strip().lower()}={value.strip()}")
    return tuple(sorted(out)) or None


@handles(
    _ALTER_TABLE
    + rf"ALTER\s+COLUMN\s+(?P<c>{IDENT})\s+ADD\s+GENERATED\s+(?P<how>ALWAYS|BY\s+DEFAULT)"
    r"\s+AS\s+IDENTITY\s*(?:\((?P<opts>.*)\))?$"
)
def _identity(ctx, m, stmt, line):
    col = _column_of(ctx, _q(m["t"]), m["c"])
    if col is None:
        return _opaque(ctx, None, stmt, line)
    opts = m["opts"] or ""
    seq = masked_search(rf"SEQUENCE\s+NAME\s+({QNAME})", opts, re.I)
    col.attrs["identity"] = squash(m["how"].upper())
    col.attrs["identity_sequence"] = _q(seq[1]) if seq else None
    rest = opts[: seq.start()] + opts[seq.end() :] if seq else opts
    # pg_dump leaves out ``AS type``: an identity sequence takes its column's type
    col.attrs["identity_options"] = describe_seq(
        parse_seq_options(rest, default_type=col.attrs.get("type"))
    )


@handles(_ALTER_TABLE + rf"ATTACH\s+PARTITION\s+(?P<c>{QNAME})\s+(?P<bound>.*)$")
def _attach(ctx, m, stmt, line):
    child = ctx.model.find("table", _q(m["c"]))
    if child is None:
        return _opaque(ctx, None, stmt, line)
    parent = _q(m["t"])
    child.attrs["partition_of"] = parent
    child.attrs["bound"] = squash(m["bound"])
    ctx.partitions.add(child.name)
    if child.name not in ctx.kids.get(parent, ()):
        ctx.kids.setdefault(parent, []).append(child.name)


@handles(_ALTER_TABLE + r"(?P<what>ENABLE|FORCE)\s+ROW\s+LEVEL\s+SECURITY$")
def _rls(ctx, m, stmt, line):
    table = ctx.model.find("table", _q(m["t"]))
    if table is None:
        return _opaque(ctx, None, stmt, line)
    table.attrs["row_security" if m["what"].upper() == "ENABLE" else "force_row_security"] = True


@handles(
    _ALTER_TABLE
    + rf"REPLICA\s+IDENTITY\s+(?P<how>FULL|NOTHING|DEFAULT|USING\s+INDEX\s+(?P<i>{IDENT}))$"
)
def _replica_identity(ctx, m, stmt, line):
    table = ctx.model.find("table", _q(m["t"]))
    if table is None:
        return _opaque(ctx, None, stmt, line)
    how = squash(m["how"]).upper()
    if m["i"]:
        how = f"USING INDEX {qualify(parse_ident(m['i']))}"
    table.attrs["replica_identity"] = None if how == "DEFAULT" else how


@handles(_ALTER_TABLE + rf"CLUSTER\s+ON\s+(?P<i>{IDENT})$")
def _cluster_on(ctx, m, stmt, line):
    table = ctx.model.find("table", _q(m["t"]))
    if table is None:
        return _opaque(ctx, None, stmt, line)
    table.attrs["cluster_on"] = qualify(parse_ident(m["i"]))


@handles(
    _ALTER_TABLE
    + rf"(?P<how>DISABLE|ENABLE\s+ALWAYS|ENABLE\s+REPLICA)\s+TRIGGER\s+(?P<tg>{IDENT})$"
)
def _trigger_state(ctx, m, stmt, line):
    trig = ctx.model.find("trigger", f"{_q(m['t'])}.{qualify(parse_ident(m['tg']))}")
    if trig is None:
        return _opaque(ctx, None, stmt, line)
    trig.attrs["enabled"] = squash(m["how"].upper())


# --- indexes, views, functions, triggers, policies -------------------------------------------

_INDEX = (
    rf"^CREATE\s+(?P<u>UNIQUE\s+)?INDEX\s+(?P<n>{IDENT})\s+ON\s+(?P<only>ONLY\s+)?"
    rf"(?P<t>{QNAME})\s+(?P<def>.*)$"
)


def index_attrs(m: re.Match | MaskedMatch) -> dict:
    definition = squash(m["def"])
    method = masked_search(r"^USING\s+(\S+)", definition, re.I)
    where = masked_search(r"\sWHERE\s+(.*)$", definition, re.S)
    return {
        "unique": True if m["u"] else None,
        "method": method[1] if method else None,
        "definition": definition,
        "predicate": where[1] if where else None,
    }


@handles(_INDEX)
def _index(ctx, m, stmt, line):
    schema, _ = _name(m["t"])
    table = _q(m["t"])
    name = qualify(schema, parse_ident(m["n"]))
    ctx.model.add(SchemaObject("index", name, parent=table, attrs=index_attrs(m), line=line))


@handles(rf"^ALTER\s+INDEX\s+(?P<p>{QNAME})\s+ATTACH\s+PARTITION\s+(?P<c>{QNAME})$")
def _index_attach(ctx, m, stmt, line):
    child = ctx.model.find("index", _q(m["c"]))
    if child is None:
        # a child index backing a constraint: recorded on that constraint's table
        ctx.skip("index partitions attached (constraint indexes)", quiet=True)
        return
    child.attrs["partition_of"] = _q(m["p"])


@handles(
    rf"^CREATE\s+(?:OR\s+REPLACE\s+)?(?P<m>MATERIALIZED\s+)?VIEW\s+(?P<n>{QNAME})"
    r"(?:\s+WITH\s*\((?P<o>[^)]*)\))?\s+AS\s+(?P<def>.*)$"
)
def _view(ctx, m, stmt, line):
    definition = m["def"]
    check = masked_search(r"\s+WITH\s+(CASCADED|LOCAL)\s+CHECK\s+OPTION\s*$", definition, re.I)
    options = sorted(squash(o) for o in aclmod._split_top(m["o"] or ""))
    if check:
        definition = definition[: check.start()]
        options.append(f"check_option={check[1].lower()}")
    kind = "materialized view" if m["m"] else "view"
    definition = re.sub(r"\s+WITH\s+(NO\s+)?DATA\s*$", "", definition, flags=re.I)
    obj = SchemaObject(
        kind,
        _q(m["n"]),
        line=line,
        attrs={"definition": squash(definition), "options": tuple(options) or None},
    )
    existing = ctx.model.find(kind, obj.name)
    if existing is not None:  # pg_dump's dummy view, then CREATE OR REPLACE for cycles
        existing.attrs.update(obj.attrs)
    else:
        ctx.model.add(obj)


@handles(r"^CREATE\s+(?:OR\s+REPLACE\s+)?(?:FUNCTION|PROCEDURE)\s")
def _function(ctx, m, stmt, line):
    from phasetui.schema.functions import parse_function

    kind, name, args, attrs = parse_function(stmt)
    ident = _identity_args(args)
    ctx.model.add(SchemaObject(kind, f"{_q(name)}({ident})", attrs=attrs, line=line))


def _identity_args(args: str) -> str:
    """Drops DEFAULT clauses and ``IN``: the identity pg_dump uses in ALTER/COMMENT."""
    out = []
    for a in aclmod._split_top(args):
        a = _masked_split(r"\s+DEFAULT\s+|\s*=\s*", a)[0].strip()
        a = re.sub(r"^IN\s+", "", a, flags=re.I)
        out.append(squash(a))
    return ", ".join(out)


@handles(rf"^CREATE\s+(?P<c>CONSTRAINT\s+)?TRIGGER\s+(?P<n>{IDENT})\s+(?P<rest>.*)$")
def _trigger(ctx, m, stmt, line):
    on = masked_search(rf"\sON\s+(?P<t>{QNAME})\s", m["rest"], re.I)
    if on is None:
        return _opaque(ctx, None, stmt, line)
    table = _q(on["t"])
    name = f"{table}.{qualify(parse_ident(m['n']))}"
    ctx.model.add(
        SchemaObject(
            "trigger",
            name,
            parent=table,
            line=line,
            attrs={"definition": squash(m["rest"])},
        )
    )


@handles(rf"^CREATE\s+(?:OR\s+REPLACE\s+)?RULE\s+(?P<n>{IDENT})\s+AS\s+(?P<def>.*)$")
def _rule(ctx, m, stmt, line):
    on = masked_search(rf"^ON\s+\w+\s+TO\s+(?P<t>{QNAME})\s", m["def"], re.I)
    if on is None:
        return _opaque(ctx, None, stmt, line)
    table = _q(on["t"])
    ctx.model.add(
        SchemaObject(
            "rule",
            f"{table}.{qualify(parse_ident(m['n']))}",
            parent=table,
            line=line,
            attrs={"definition": squash(m["def"])},
        )
    )


@handles(
    _ALTER_TABLE + rf"(?P<how>DISABLE|ENABLE\s+ALWAYS|ENABLE\s+REPLICA)\s+RULE\s+(?P<r>{IDENT})$"
)
def _rule_state(ctx, m, stmt, line):
    rule = ctx.model.find("rule", f"{_q(m['t'])}.{qualify(parse_ident(m['r']))}")
    if rule is None:
        return _opaque(ctx, None, stmt, line)
    rule.attrs["enabled"] = squash(m["how"].upper())


@handles(r"^CREATE\s+(?:OR\s+REPLACE\s+)?AGGREGATE\s")
def _aggregate(ctx, m, stmt, line):
    from phasetui.schema.functions import split_signature

    head = re.sub(r"(?is)^CREATE\s+(?:OR\s+REPLACE\s+)?AGGREGATE\s+", "", stmt)
    name, args, after = split_signature(head)
    body = after.strip()
    if not (body.startswith("(") and body.endswith(")")):
        raise ValueError("not an AGGREGATE (…) definition pg_dump writes")
    ctx.model.add(
        SchemaObject(
            "aggregate",
            f"{_q(name)}({_identity_args(args)})",
            line=line,
            attrs={"options": aggregate_options(aclmod._split_top(body[1:-1]))},
        )
    )


def aggregate_options(items: list[str]) -> tuple[str, ...]:
    """``SFUNC = int4pl`` items in one form, order-free (``KEY = value``, key upper-cased)."""
    out = []
    for item in items:
        key, eq, value = item.partition("=")
        out.append(f"{key.strip().upper()} = {squash(value)}" if eq else squash(item).upper())
    return tuple(sorted(out))


@handles(rf"^CREATE\s+POLICY\s+(?P<n>{IDENT})\s+ON\s+(?P<t>{QNAME})(?P<rest>.*)$")
def _policy(ctx, m, stmt, line):
    table = _q(m["t"])
    ctx.model.add(
        SchemaObject(
            "policy",
            f"{table}.{qualify(parse_ident(m['n']))}",
            parent=table,
            line=line,
            attrs={"definition": squash(m["rest"]) or None},
        )
    )


# --- owners, comments, grants ---------------------------------------------------------------

_OWNER_KINDS = {
    "SCHEMA": ("schema",),
    "TYPE": ("type", "domain"),
    "DOMAIN": ("domain",),
    "SEQUENCE": ("sequence",),
    "TABLE": ("table", "sequence", "view", "materialized view"),
    "VIEW": ("view",),
    "MATERIALIZED VIEW": ("materialized view",),
    "FUNCTION": ("function", "aggregate"),
    "PROCEDURE": ("procedure",),
    "ROUTINE": ("function", "procedure"),
    "AGGREGATE": ("aggregate",),
    "FOREIGN TABLE": ("table",),
    "COLLATION": ("collation",),
}


@handles(
    r"^ALTER\s+(?P<k>SCHEMA|TYPE|DOMAIN|SEQUENCE|TABLE|VIEW|MATERIALIZED\s+VIEW|FUNCTION|"
    rf"PROCEDURE|ROUTINE|FOREIGN\s+TABLE|COLLATION|AGGREGATE)\s+(?P<n>.+?)\s+OWNER\s+TO\s+"
    rf"(?P<o>{IDENT})$"
)
def _owner(ctx, m, stmt, line):
    ctx.saw_owner = True
    kind = squash(m["k"].upper())
    target = _resolve(ctx, kind, m["n"])
    if target is None:
        return _opaque(ctx, None, stmt, line)
    ctx.owners[target.key] = parse_ident(m["o"])


def _resolve(ctx: _Ctx, kind: str, text: str) -> SchemaObject | None:
    """The object an ``ALTER/COMMENT/GRANT … ON KIND name`` statement names."""
    text = text.strip()
    if kind in ("FUNCTION", "PROCEDURE", "ROUTINE", "AGGREGATE") and "(" in text:
        from phasetui.schema.functions import split_signature

        fname, args, _ = split_signature(text)
        name = f"{_q(fname)}({_identity_args(args)})"
    elif kind == "SCHEMA":
        name = qualify(parse_ident(text))
    else:
        name = _q(text)
    for k in _OWNER_KINDS.get(kind, ()):
        obj = ctx.model.find(k, name)
        if obj is not None:
            return obj
    if kind == "SCHEMA" and name == "public":
        return ctx.model.add(SchemaObject("schema", "public"))
    return None


_COMMENT_KINDS = {
    **_OWNER_KINDS,
    "EXTENSION": ("extension",),
    "INDEX": ("index",),
}


@handles(
    r"^COMMENT\s+ON\s+(?P<k>COLUMN|CONSTRAINT|TRIGGER|POLICY|SCHEMA|TYPE|DOMAIN|SEQUENCE|"
    r"TABLE|VIEW|MATERIALIZED\s+VIEW|FUNCTION|PROCEDURE|EXTENSION|INDEX|COLLATION|AGGREGATE|"
    r"RULE)\s+(?P<n>.+?)"
    r"\s+IS\s+(?P<v>E?'(?:[^']|'')*'|NULL)$"
)
def _comment(ctx, m, stmt, line):
    kind = squash(m["k"].upper())
    value = None if m["v"].upper() == "NULL" else sql_string(m["v"])
    target: SchemaObject | None
    if kind == "COLUMN":
        parts = split_qualified(m["n"])
        target = ctx.model.find("column", qualify(*parts))
    elif kind in ("CONSTRAINT", "TRIGGER", "POLICY", "RULE"):
        cm = masked_search(
            rf"^(?P<cn>{IDENT})\s+ON\s+(?P<d>DOMAIN\s+)?(?P<t>{QNAME})$", m["n"].strip(), re.I
        )
        target = None
        if cm and not cm["d"]:  # a domain's constraint comment stays an opaque statement
            key = f"{_q(cm['t'])}.{qualify(parse_ident(cm['cn']))}"
            target = ctx.model.find(kind.lower(), key)
    else:
        target = _resolve(ctx, kind, m["n"])
        if target is None:
            for k in _COMMENT_KINDS.get(kind, ()):
                name = qualify(parse_ident(m["n"])) if k in ("extension",) else _q(m["n"])
                target = ctx.model.find(k, name)
                if target:
                    break
    attr = "comment"
    if target is None and kind == "INDEX":
        target = _constraint_for_index(ctx, m["n"])
        attr = "index_comment"
    if target is None:
        return _opaque(ctx, None, stmt, line)
    target.attrs[attr] = value


def _constraint_for_index(ctx: _Ctx, index: str) -> SchemaObject | None:
    """The constraint whose index has this name (pg_dump names them alike)."""
    schema, name = _name(index)
    prefix, suffix = qualify(schema) + ".", "." + qualify(name)
    for obj in ctx.model:
        if obj.kind == "constraint" and obj.name.startswith(prefix) and obj.name.endswith(suffix):
            return obj
    return None


@handles(r"^(GRANT|REVOKE)\s")
def _grant(ctx, m, stmt, line):
    op = aclmod.parse_grant(stmt)
    if op is None or op["objkind"] not in (
        "TABLE",
        "SEQUENCE",
        "FUNCTION",
        "PROCEDURE",
        "ROUTINE",
        "SCHEMA",
        "TYPE",
        "DOMAIN",
    ):
        return _opaque(ctx, None, stmt, line)
    ctx.saw_grant = True
    ctx.grants.append((op, line))


@handles(r"^ALTER\s+DEFAULT\s+PRIVILEGES\s")
def _default_privileges(ctx, m, stmt, line):
    parsed = aclmod.parse_default_privileges(stmt)
    if parsed is None:
        return _opaque(ctx, None, stmt, line)
    role, schema, objtype, op = parsed
    name = aclmod.default_privileges_name(role, schema, objtype)
    kind = aclmod._DEF_KIND[objtype]
    if name not in ctx.default_acls:
        ctx.default_acls[name] = (kind, aclmod.default_privileges_base(objtype, bool(schema)), role)
        ctx.model.add(SchemaObject("default privileges", name, line=line))
    kind, acl, role = ctx.default_acls[name]
    letters = [p for p, _cols in op["privs"]]
    aclmod.apply_grant(acl, op, aclmod.acl_class(kind), role, letters)


# --- everything else ------------------------------------------------------------------------


def _opaque(ctx: _Ctx, m, stmt: str, line: int) -> None:
    text = squash(stmt)
    label = _label(text)
    n = ctx.opaque_seen.get(label, 0) + 1
    ctx.opaque_seen[label] = n
    name = label if n == 1 else f"{label} #{n}"
    ctx.model.add(SchemaObject("other", name, attrs={"sql": text}, line=line))


def _label(text: str) -> str:
    """A readable, stable name for an opaque statement: its head up to the object name."""
    if len(text) <= 100:
        return text
    words = text.split(" ")
    head = " ".join(words[:8])
    for stop in (" AS ", " (", "(", " IS "):
        if stop in head:
            head = head.split(stop)[0]
    return head if len(head) <= 80 else head[:77] + "..."


# --- driver ---------------------------------------------------------------------------------


@dataclass
class _Unreadable:
    """A stretch of the file PostgreSQL's parser refuses, and why."""

    start: int
    stop: int
    why: str


def _pg_error(exc: Exception) -> tuple[str, int]:
    """(message, character offset) of a pglast error."""
    args = getattr(exc, "args", ())
    message = str(args[0]) if args else str(exc)
    where = args[1] if len(args) > 1 and isinstance(args[1], int) else 0
    return message, where


def _parse_error(piece: str) -> str | None:
    """None when PostgreSQL's parser accepts ``piece``, else its message."""
    import pglast

    try:
        pglast.split(piece, with_parser=True, only_slices=True)
    except Exception as exc:  # noqa: BLE001 - pglast raises its own error types
        return _pg_error(exc)[0]
    return None


_STATEMENT_END = re.compile(r";[ \t]*$", re.M)
_JOINABLE = re.compile(r"\bBEGIN\s+ATOMIC\b|\bDO\s+(?:ALSO\s+|INSTEAD\s+)?\(", re.I)
_MAX_JOIN = 500
_CHUNK = 200


_PIECE_TOKEN = re.compile(
    r"""(?P<semi>;)|"(?:[^"]|"")*"|(?<![\w$])[Ee]'(?:[^'\\]|\\.|'')*'|'(?:[^']|'')*'"""
    r"""|(?<![\w$])(?P<dq>\$(?:[A-Za-z_\x80-\U0010ffff][\w\x80-\U0010ffff]*)?\$).*?(?P=dq)"""
    r"""|--[^\n]*|/\*.*?\*/|(?P<open>["']|(?<![\w$])\$(?:[A-Za-z_][\w]*)?\$|/\*)""",
    re.S,
)


def _scan_pieces(text: str) -> tuple[list[tuple[int, int]], list[_Unreadable]]:
    """The file cut at every ``;`` outside quotes, literals, dollar bodies and comments.

    Unlike PostgreSQL's scanner this ignores parentheses, so one unbalanced ``(`` loses only
    its own statement. An unterminated quote, dollar body or comment is reported: that
    statement runs to the next line ending in ``;`` (a guess), and cutting goes on after it.
    """
    pieces: list[tuple[int, int]] = []
    bad: list[_Unreadable] = []
    begin = pos = 0
    while True:
        m = _PIECE_TOKEN.search(text, pos)
        if m is None:
            break
        if m["semi"]:
            pieces.append((begin, m.start()))
            begin = pos = m.end()
        elif m["open"]:
            what = {"'": "quoted string", '"': "quoted name", "/*": "/* comment"}
            why = f"unterminated {what.get(m['open'], 'dollar-quoted string')} at or near"
            cut = _STATEMENT_END.search(text, m.end())
            stop = cut.end() if cut else len(text)
            bad.append(_Unreadable(begin, stop, f"{why} {text[m.start() : m.start() + 20]!r}"))
            begin = pos = stop
        else:
            pos = m.end()
    if begin < len(text):
        pieces.append((begin, len(text)))
    return pieces, bad


def _split(text: str) -> tuple[list[tuple[int, int]], list[_Unreadable]]:
    """Statement spans, and the stretches the parser refuses (each loses only itself).

    PostgreSQL's own parser splits a good file in one pass (a ``BEGIN ATOMIC`` body holds
    semicolons, so a scanner alone cannot). When it refuses something, the file is cut into
    scanner pieces and each is parsed alone; a piece that fails is joined with the next ones
    when it opens a body that may hold semicolons, else it is reported.
    """
    import pglast

    try:
        found = pglast.split(text, with_parser=True, only_slices=True)
        return [(sl.start, sl.stop) for sl in found], []
    except Exception:  # noqa: BLE001 - recover below
        pass
    pieces, bad = _scan_pieces(text)
    out: list[tuple[int, int]] = []
    i = 0
    single_until = 0  # pieces before this index are parsed one by one
    while i < len(pieces):
        if i >= single_until:  # a run of pieces in one call: most of a file is fine
            j = min(len(pieces), i + _CHUNK)
            begin = pieces[i][0]
            try:
                found = pglast.split(
                    text[begin : pieces[j - 1][1]], with_parser=True, only_slices=True
                )
            except Exception:  # noqa: BLE001 - the bad statement is in this run
                single_until = j
            else:
                out += [(begin + sl.start, begin + sl.stop) for sl in found]
                i = j
                continue
        start, stop = pieces[i]
        why = _parse_error(text[start:stop])
        if why is None:
            out.append((start, stop))
            i += 1
            continue
        joined = None
        if _JOINABLE.search(mask(text[start:stop])):
            for j in range(i + 1, min(len(pieces), i + _MAX_JOIN)):
                if _parse_error(text[start : pieces[j][1]]) is None:
                    joined = j
                    break
        if joined is not None:
            out.append((start, pieces[joined][1]))
            i = joined + 1
            continue
        bad.append(_Unreadable(start, stop, why))
        i += 1
    return out, bad


_GAP = re.compile(r"(?:\s+|;|--[^\n]*|/\*.*?\*/)*", re.S)


def _statements(text: str) -> list[tuple[str, int, str | None]]:
    """(statement, first line, None | why it cannot be read), in file order.

    Comments and blank runs between statements are dropped; anything else between them is
    reported, never skipped silently.
    """
    spans, bad = _split(text)
    items: list[tuple[int, int, str | None]] = [(a, b, None) for a, b in spans]
    items += [(u.start, u.stop, u.why) for u in bad]
    items.sort()
    out: list[tuple[str, int, str | None]] = []
    line, counted = 1, 0  # running line count: line_of() per statement would be quadratic

    def emit(start: int, stop: int, why: str | None) -> None:
        nonlocal line, counted
        line += text.count("\n", counted, start)
        counted = start
        out.append((text[start:stop], line, why))

    pos = 0
    for start, stop, why in items:
        if start > pos:
            gap = _GAP.match(text, pos, start)
            if gap.end() < start:  # neither comment nor whitespace: never dropped silently
                emit(gap.end(), start, "text between statements that is not SQL")
        lead = _GAP.match(text, start, stop)
        first = lead.end() if lead else start
        if first < stop:
            emit(first, stop, why)
        pos = max(pos, stop)
    if pos < len(text):
        gap = _GAP.match(text, pos)
        if gap.end() < len(text):
            emit(gap.end(), len(text), "text after the last statement that is not SQL")
    return out


_COPY_DATA = re.compile(r"(?ms)^(COPY [^\n]* FROM stdin;\n)(.*?)^\\\.$")
_MAX_WARNINGS = 50


_META = re.compile(r"(?m)^\\[^\n]*$")
_UNRESTRICT = re.compile(r"\\unrestrict\s+\w+\s*$")


def _blank_meta_commands(text: str) -> str:
    """psql meta-commands (``\\restrict KEY``, ``\\connect``) are not SQL: blanked, lines kept.

    Only lines outside quotes, literals and bodies: a comment or a function body may hold a
    line that starts with a backslash. pg_dump's own ``\\restrict`` (before any statement)
    and ``\\unrestrict`` (the last line) are certain; any other such line is checked on the
    masked text.
    """
    spans = [m.span() for m in _META.finditer(text)]
    if not spans:
        return text
    unsure = [
        (a, b)
        for a, b in spans
        if not (
            _GAP.fullmatch(text, 0, a)  # before any statement
            or (not text[b:].strip() and _UNRESTRICT.match(text, a, b))  # pg_dump's last line
        )
    ]
    if unsure:
        masked = mask.__wrapped__(text)  # not cached: a whole file
        spans = [(a, b) for a, b in spans if masked[a] == "\\"]
    out, pos = [], 0
    for a, b in spans:
        out.append(text[pos:a])
        pos = b
    out.append(text[pos:])
    return "".join(out)


def _prepare(text: str, ctx: _Ctx) -> str:
    """The file as SQL: no BOM, LF line ends, no psql meta-commands or COPY rows, no NULs."""
    if text.startswith("\ufeff"):
        text = text[1:]
    if "\r\n" in text and text.count("\r\n") == text.count("\n"):
        text = text.replace("\r\n", "\n")  # a file whose every line ends in CRLF
    # a full (not schema-only) dump: COPY … FROM stdin rows are data, not SQL
    text = _COPY_DATA.sub(lambda m: m[1] + "\n" * m[2].count("\n"), text)
    text = _blank_meta_commands(text)
    if "\x00" in text:  # PostgreSQL's scanner stops at NUL: read on, and say where it was
        at = text.index("\x00")
        ctx.warn(line_of(text, at), "a NUL byte (not text); read as a space", text[at : at + 40])
        text = text.replace("\x00", " ")
    return text


def load_dump(text: str, source: str = "dump", path: str | None = None) -> SchemaModel:
    """Parses pg_dump output into a SchemaModel.

    A statement that cannot be read loses only itself: it becomes an ``other`` object
    (compared as text, so it still shows as a difference) and a warning naming its line in
    ``model.warnings``; the rest of the file loads. Raises BadInput only when nothing in the
    file can be read as SQL.
    """
    # tens of thousands of small objects and no cycles: the cyclic GC would only rescan the
    # growing model again and again (a third of the time on a 2,000-table dump)
    collect = gc.isenabled()
    gc.disable()
    try:
        return _load(text, source, path or source)
    finally:
        if collect:
            gc.enable()


def _load(text: str, source: str, path: str) -> SchemaModel:
    model = SchemaModel(source=source)
    ctx = _Ctx(model=model, path=path)
    text = _prepare(text, ctx)
    model.add(SchemaObject("schema", "public"))
    read = 0
    statements = _statements(text)
    for stmt, line, why in statements:
        head = stmt.lstrip()
        if why is not None:
            ctx.warn(line, why, head)
            _opaque(ctx, None, head, line)
            continue
        read += 1
        masked = mask(head)
        first = masked.split(None, 1)[0].upper() if masked.strip() else ""
        for pattern, handler in _HANDLERS.get(first, ()):
            found = pattern.match(masked)
            if found:
                m = wrap(found, head, masked)
                size = len(model.objects)
                try:
                    handler(ctx, m, head, line)
                except BadInput:
                    raise
                except Exception as exc:  # noqa: BLE001 - any reader failure names the line
                    model.discard_since(size)  # nothing half-read stays
                    detail = str(exc).splitlines()[0][:120] if str(exc) else ""
                    ctx.warn(line, f"{type(exc).__name__}: {detail}", head)
                    _opaque(ctx, None, head, line)
                break
        else:
            _opaque(ctx, None, head, line)
    if statements and not read:
        raise BadInput(
            f"{path}: nothing in it reads as SQL ({model.warnings[0] if model.warnings else ''})",
            "give a pg_dump --schema-only file",
        )
    if not statements:
        model.warnings.append(f"{path}:1: no SQL statements in it")
    _finish(ctx)
    return model


_ENCODINGS = {
    "utf8": "utf-8",
    "unicode": "utf-8",
    "sql_ascii": "utf-8",
    "latin1": "latin-1",
    "latin9": "iso8859-15",
    "win1252": "cp1252",
    "win1250": "cp1250",
    "win1251": "cp1251",
    "koi8r": "koi8-r",
    "euc_jp": "euc-jp",
    "sjis": "shift-jis",
    "gbk": "gbk",
    "big5": "big5",
    "euc_kr": "euc-kr",
}


def decode_dump(data: bytes, path: str) -> str:
    """The text of a dump: in the ``client_encoding`` its header names, else UTF-8."""
    head = re.search(rb"(?m)^SET\s+client_encoding\s*=\s*'([A-Za-z0-9_]+)'", data[:20000])
    declared = head[1].decode("ascii").lower() if head else "utf8"
    codec = _ENCODINGS.get(declared, "utf-8")
    try:
        return data.decode(codec)
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise BadInput(
            f"{path}:{line}: not {codec.upper()} text (byte 0x{data[exc.start]:02x} at "
            f"offset {exc.start})",
            "dump with --encoding=UTF8, or check that the file was not damaged",
        ) from exc


def load_dump_file(path: str | Path) -> SchemaModel:
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError as exc:
        raise BadInput(f"{path}: no such file", "give a pg_dump --schema-only file") from exc
    except IsADirectoryError as exc:
        raise BadInput(f"{path}: a directory", "give a pg_dump --schema-only file") from exc
    except OSError as exc:
        raise BadInput(f"{path}: cannot read it ({exc.strerror})", "check the path") from exc
    return load_dump(decode_dump(data, str(path)), source=str(path), path=str(path))


def _finish(ctx: _Ctx) -> None:
    model = ctx.model
    # partitions written as PARTITION OF before their parent take its columns now
    for obj in [o for o in model if o.kind == "table" and o.attrs.get("inherit_columns_from")]:
        parent = obj.attrs.pop("inherit_columns_from")
        if not _columns(ctx, obj.name):
            _inherit_columns(ctx, obj.name, [parent], obj.line or 0)
            if parent in model.column_order:
                model.column_order[obj.name] = model.column_order[parent]
    if ctx.extensions_without_version:
        model.facets.discard("versions")  # pg_dump writes CREATE EXTENSION without VERSION
    if ctx.unreadable > len(model.warnings):
        model.warnings.append(
            f"{ctx.path}:{ctx.last_unreadable}: … and {ctx.unreadable - len(model.warnings)} "
            "more unreadable "
            "statement(s), each kept as text"
        )
    if not ctx.saw_owner:
        model.facets.discard("owners")
    if not ctx.saw_grant:
        model.facets.discard("grants")
    for obj in model:
        if obj.kind in _OWNED_KINDS and "owners" in model.facets:
            owner = ctx.owners.get(obj.key)
            if obj.kind == "schema" and obj.name == "public":
                owner = None
            obj.attrs["owner"] = owner
    if "grants" in model.facets:
        _apply_grants(ctx)
    for name, (kind, acl, _role) in ctx.default_acls.items():
        model.objects[("default privileges", name)].attrs["acl"] = aclmod.freeze(
            acl, kind, relative=False
        )
    for why, n in sorted(ctx.skipped.items()):
        model.notes.append(f"{n} statement(s) not part of the schema: {why}")


_OWNED_KINDS = {
    "schema",
    "collation",
    "aggregate",
    "type",
    "domain",
    "sequence",
    "table",
    "view",
    "materialized view",
    "function",
    "procedure",
}


def _apply_grants(ctx: _Ctx) -> None:
    model = ctx.model
    acls: dict[tuple[str, str], aclmod.Acl] = {}
    for op, line in ctx.grants:
        target = _resolve(ctx, op["objkind"], op["target"])
        if target is None:
            _opaque(
                ctx,
                None,
                f"{'GRANT' if op['grant'] else 'REVOKE'} … ON {op['objkind']} {op['target']}",
                line,
            )
            continue
        owner = ctx.owners.get(target.key)
        cls = aclmod.acl_class(target.kind)
        table_letters = [p for p, cols in op["privs"] if not cols]
        if table_letters:
            acl = acls.setdefault(target.key, aclmod.default_acl(target.kind))
            aclmod.apply_grant(acl, op, cls, owner, table_letters)
        for p, cols in op["privs"]:
            for c in cols:
                col = model.find("column", f"{target.name}.{qualify(c)}")
                if col is None:
                    continue
                acl = acls.setdefault(col.key, {})
                aclmod.apply_grant(acl, op, "column", owner, [p])
    for obj in model:
        if obj.kind in _OWNED_KINDS or obj.kind == "column":
            acl = acls.get(obj.key)
            if obj.kind == "schema" and obj.name == "public":
                base = {aclmod.OWNER: {"ALL"}, aclmod.PUBLIC: {"U"}}
                obj.attrs["acl"] = None if acl is None else _public_acl(acl, base)
                continue
            obj.attrs["acl"] = aclmod.freeze(acl, obj.kind) if acl is not None else None


def _public_acl(acl: aclmod.Acl, base: aclmod.Acl) -> tuple[str, ...] | None:
    frozen = aclmod.freeze(acl, "schema")
    return None if frozen == aclmod.freeze(base, "schema") else frozen
