"""Loads a ``pg_dump --schema-only`` file (any of its shapes) into a SchemaModel.

The file is split with ``pglast.split`` (PostgreSQL's own scanner), every byte between
statements is checked to be only comments and whitespace, and each statement goes to the
first handler whose pattern matches its head. Handlers for modelled statements build objects;
anything else becomes an opaque ``other`` object compared by normalised text, so nothing in a
dump is dropped silently. Session noise (``SET``, ``\\restrict``), ``--clean`` drops and data
rows (``INSERT INTO schema_migrations``) are not objects: they are counted in ``model.notes``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from phasetui.errors import BadInput
from phasetui.schema import acl as aclmod
from phasetui.schema.idents import IDENT, QNAME, qualify, split_qualified
from phasetui.schema.model import SchemaModel, SchemaObject
from phasetui.schema.sequences import describe as describe_seq
from phasetui.schema.sequences import parse_seq_options
from phasetui.schema.text import line_of, sql_string, squash

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
    return (parts[0], parts[1]) if len(parts) >= 2 else ("public", parts[0])


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
    name = qualify(*split_qualified(m["n"]))
    ctx.model.add(SchemaObject("schema", name, line=line))
    if m["o"]:
        ctx.owners[("schema", name)] = split_qualified(m["o"])[0]


@handles(rf"^CREATE\s+EXTENSION\s+(IF\s+NOT\s+EXISTS\s+)?(?P<n>{IDENT})(?P<rest>.*)$")
def _extension(ctx, m, stmt, line):
    schema = re.search(rf"\bSCHEMA\s+({IDENT})", m["rest"], re.I)
    ctx.model.add(
        SchemaObject(
            "extension",
            qualify(*split_qualified(m["n"])),
            attrs={"schema": qualify(*split_qualified(schema[1])) if schema else None},
            line=line,
        )
    )


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
    body = m["body"]
    parts = re.split(r"\n\s*CONSTRAINT\s+", body)
    head, cons = parts[0], parts[1:]
    hm = re.match(
        r"^(?P<type>.+?)(?:\s+COLLATE\s+(?P<coll>\S+))?(?P<nn>\s+NOT NULL)?"
        r"(?:\s+DEFAULT\s+(?P<default>.*))?$",
        head.strip(),
        R,
    )
    if not hm:
        raise ValueError("cannot read the domain definition")
    checks = []
    for c in cons:
        cm = re.match(rf"^(?P<cn>{IDENT})\s+(?P<def>.*)$", c.strip(), R)
        if cm:
            checks.append(f"{qualify(*split_qualified(cm['cn']))} {squash(cm['def'])}")
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
    checks.append(f"{qualify(*split_qualified(m['cn']))} {squash(m['def'])}")
    obj.attrs["constraints"] = tuple(sorted(checks))


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


@handles(
    rf"^CREATE\s+(?:UNLOGGED\s+)?TABLE\s+(?P<n>{QNAME})\s+PARTITION\s+OF\s+(?P<p>{QNAME})"
    r"(?P<rest>.*)$"
)
def _partition_of(ctx, m, stmt, line):
    rest = m["rest"].strip()
    bound = re.search(r"(FOR\s+VALUES\s+.*|DEFAULT)(\s+PARTITION\s+BY\s+.*)?$", rest, R)
    name = _q(m["n"])
    ctx.model.add(
        SchemaObject(
            "table",
            name,
            line=line,
            attrs={
                "partition_of": _q(m["p"]),
                "bound": squash(bound[1]) if bound else None,
                "partition_key": squash(bound[2].strip()[len("PARTITION BY") :])
                if bound and bound[2]
                else None,
                "inherit_columns_from": _q(m["p"]),
            },
        )
    )


@handles(r"^CREATE\s+(?:UNLOGGED\s+)?TABLE\s")
def _table(ctx, m, stmt, line):
    from phasetui.schema.dump_tables import parse_create_table

    notes: list[str] = []
    t = parse_create_table(stmt, notes)
    if notes:
        ctx.skip("tables read without sqlglot's tree (a type its grammar lacks)")
    name = qualify(t.schema, t.name)
    tail = t.tail
    attrs: dict = {"unlogged": True if t.unlogged else None}
    pm = re.search(r"\bPARTITION\s+BY\s+(?P<key>.+?)(?=\s+WITH\s*\(|\s+USING\s|$)", tail, R)
    if pm:
        attrs["partition_key"] = squash(pm["key"])
    im = re.search(r"\bINHERITS\s*\((?P<p>[^)]*)\)", tail, R)
    if im:
        attrs["inherits"] = tuple(_q(p) for p in aclmod._split_top(im["p"]))
    wm = re.search(r"\bWITH\s*\((?P<o>.*?)\)", tail, R)
    if wm:
        attrs["options"] = tuple(sorted(squash(o) for o in aclmod._split_top(wm["o"])))
    ctx.model.add(SchemaObject("table", name, attrs=attrs, line=line))
    for col in t.columns:
        ctx.model.add(
            SchemaObject(
                "column",
                f"{name}.{qualify(col.name)}",
                parent=name,
                line=line,
                attrs={
                    "type": col.type,
                    "not_null": True if col.not_null else None,
                    "default": col.default,
                    "collation": col.collation,
                    "generated": col.generated,
                    "generated_kind": col.generated_kind,
                    "identity": col.identity,
                },
            )
        )
    for cname, definition in t.checks:
        _add_constraint(ctx, name, cname, definition, line)


def _add_constraint(ctx: _Ctx, table: str, cname: str, definition: str, line: int) -> None:
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
            f"{table}.{qualify(*split_qualified(cname))}",
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
    rf"^ALTER\s+(?:TABLE|FOREIGN\s+TABLE)\s+(?:IF\s+EXISTS\s+)?(?:ONLY\s+)?(?P<t>{QNAME})\s+"
)


@handles(_ALTER_TABLE + rf"ADD\s+CONSTRAINT\s+(?P<cn>{IDENT})\s+(?P<def>.*)$")
def _add_constraint_stmt(ctx, m, stmt, line):
    _add_constraint(ctx, _q(m["t"]), m["cn"], m["def"], line)


def _column_of(ctx: _Ctx, table: str, col: str) -> SchemaObject | None:
    return ctx.model.find("column", f"{table}.{qualify(*split_qualified(col))}")


@handles(_ALTER_TABLE + rf"ALTER\s+COLUMN\s+(?P<c>{IDENT})\s+SET\s+DEFAULT\s+(?P<e>.*)$")
def _set_default(ctx, m, stmt, line):
    col = _column_of(ctx, _q(m["t"]), m["c"])
    if col is None:
        return _opaque(ctx, None, stmt, line)
    col.attrs["default"] = squash(m["e"])


@handles(_ALTER_TABLE + rf"ALTER\s+COLUMN\s+(?P<c>{IDENT})\s+SET\s+STATISTICS\s+(?P<n>-?\d+)$")
def _set_statistics(ctx, m, stmt, line):
    col = _column_of(ctx, _q(m["t"]), m["c"])
    if col is None:
        return _opaque(ctx, None, stmt, line)
    col.attrs["statistics"] = int(m["n"])


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
    seq = re.search(rf"SEQUENCE\s+NAME\s+({QNAME})", opts, re.I)
    col.attrs["identity"] = squash(m["how"].upper())
    col.attrs["identity_sequence"] = _q(seq[1]) if seq else None
    rest = re.sub(rf"SEQUENCE\s+NAME\s+{QNAME}", "", opts, flags=re.I)
    col.attrs["identity_options"] = describe_seq(parse_seq_options(rest))


@handles(_ALTER_TABLE + rf"ATTACH\s+PARTITION\s+(?P<c>{QNAME})\s+(?P<bound>.*)$")
def _attach(ctx, m, stmt, line):
    child = ctx.model.find("table", _q(m["c"]))
    if child is None:
        return _opaque(ctx, None, stmt, line)
    child.attrs["partition_of"] = _q(m["t"])
    child.attrs["bound"] = squash(m["bound"])


@handles(_ALTER_TABLE + r"(?P<what>ENABLE|FORCE)\s+ROW\s+LEVEL\s+SECURITY$")
def _rls(ctx, m, stmt, line):
    table = ctx.model.find("table", _q(m["t"]))
    if table is None:
        return _opaque(ctx, None, stmt, line)
    table.attrs["row_security" if m["what"].upper() == "ENABLE" else "force_row_security"] = True


@handles(
    _ALTER_TABLE
    + rf"(?P<how>DISABLE|ENABLE\s+ALWAYS|ENABLE\s+REPLICA)\s+TRIGGER\s+(?P<tg>{IDENT})$"
)
def _trigger_state(ctx, m, stmt, line):
    trig = ctx.model.find("trigger", f"{_q(m['t'])}.{qualify(*split_qualified(m['tg']))}")
    if trig is None:
        return _opaque(ctx, None, stmt, line)
    trig.attrs["enabled"] = squash(m["how"].upper())


# --- indexes, views, functions, triggers, policies -------------------------------------------

_INDEX = (
    rf"^CREATE\s+(?P<u>UNIQUE\s+)?INDEX\s+(?P<n>{IDENT})\s+ON\s+(?P<only>ONLY\s+)?"
    rf"(?P<t>{QNAME})\s+(?P<def>.*)$"
)


def index_attrs(m: re.Match) -> dict:
    definition = squash(m["def"])
    method = re.match(r"USING\s+(\S+)", definition, re.I)
    where = re.search(r"\sWHERE\s+(.*)$", definition, re.S)
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
    name = qualify(schema, split_qualified(m["n"])[0])
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
    check = re.search(r"\s+WITH\s+(CASCADED|LOCAL)\s+CHECK\s+OPTION\s*$", definition, re.I)
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
        a = re.split(r"\s+DEFAULT\s+|\s*=\s*", a, maxsplit=1, flags=re.I)[0].strip()
        a = re.sub(r"^IN\s+", "", a, flags=re.I)
        out.append(squash(a))
    return ", ".join(out)


@handles(rf"^CREATE\s+(?P<c>CONSTRAINT\s+)?TRIGGER\s+(?P<n>{IDENT})\s+(?P<rest>.*)$")
def _trigger(ctx, m, stmt, line):
    on = re.search(rf"\sON\s+(?P<t>{QNAME})\s", m["rest"], re.I)
    if on is None:
        return _opaque(ctx, None, stmt, line)
    table = _q(on["t"])
    name = f"{table}.{qualify(*split_qualified(m['n']))}"
    ctx.model.add(
        SchemaObject(
            "trigger",
            name,
            parent=table,
            line=line,
            attrs={"definition": squash(stmt.split(None, 3)[3] if not m["c"] else m["rest"])},
        )
    )


@handles(rf"^CREATE\s+POLICY\s+(?P<n>{IDENT})\s+ON\s+(?P<t>{QNAME})(?P<rest>.*)$")
def _policy(ctx, m, stmt, line):
    table = _q(m["t"])
    ctx.model.add(
        SchemaObject(
            "policy",
            f"{table}.{qualify(*split_qualified(m['n']))}",
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
    "FUNCTION": ("function",),
    "PROCEDURE": ("procedure",),
    "ROUTINE": ("function", "procedure"),
    "FOREIGN TABLE": ("table",),
}


@handles(
    r"^ALTER\s+(?P<k>SCHEMA|TYPE|DOMAIN|SEQUENCE|TABLE|VIEW|MATERIALIZED\s+VIEW|FUNCTION|"
    r"PROCEDURE|ROUTINE|FOREIGN\s+TABLE)\s+(?P<n>.+?)\s+OWNER\s+TO\s+(?P<o>\S+)$"
)
def _owner(ctx, m, stmt, line):
    ctx.saw_owner = True
    kind = squash(m["k"].upper())
    target = _resolve(ctx, kind, m["n"])
    if target is None:
        return _opaque(ctx, None, stmt, line)
    ctx.owners[target.key] = split_qualified(m["o"])[0]


def _resolve(ctx: _Ctx, kind: str, text: str) -> SchemaObject | None:
    """The object an ``ALTER/COMMENT/GRANT … ON KIND name`` statement names."""
    text = text.strip()
    if kind in ("FUNCTION", "PROCEDURE", "ROUTINE") and "(" in text:
        from phasetui.schema.functions import split_signature

        fname, args, _ = split_signature(text)
        name = f"{_q(fname)}({_identity_args(args)})"
    elif kind == "SCHEMA":
        name = qualify(*split_qualified(text))
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
    r"TABLE|VIEW|MATERIALIZED\s+VIEW|FUNCTION|PROCEDURE|EXTENSION|INDEX)\s+(?P<n>.+?)"
    r"\s+IS\s+(?P<v>E?'(?:[^']|'')*'|NULL)$"
)
def _comment(ctx, m, stmt, line):
    kind = squash(m["k"].upper())
    value = None if m["v"].upper() == "NULL" else sql_string(m["v"])
    target: SchemaObject | None
    if kind == "COLUMN":
        parts = split_qualified(m["n"])
        target = ctx.model.find("column", qualify(*parts))
    elif kind in ("CONSTRAINT", "TRIGGER", "POLICY"):
        cm = re.match(
            rf"^(?P<cn>{IDENT})\s+ON\s+(?:DOMAIN\s+)?(?P<t>{QNAME})$", m["n"].strip(), re.I
        )
        target = None
        if cm:
            key = f"{_q(cm['t'])}.{qualify(*split_qualified(cm['cn']))}"
            target = ctx.model.find(kind.lower(), key)
    else:
        target = _resolve(ctx, kind, m["n"])
        if target is None:
            for k in _COMMENT_KINDS.get(kind, ()):
                name = qualify(*split_qualified(m["n"])) if k in ("extension",) else _q(m["n"])
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


def _statements(text: str, path: str) -> list[tuple[str, int]]:
    """(statement, first line) pairs; comments and blank runs between them are dropped.

    PostgreSQL's own parser splits (a ``BEGIN ATOMIC`` body holds semicolons, so a scanner
    cannot); a statement it rejects is reported with its line.
    """
    import pglast

    try:
        slices = pglast.split(text, with_parser=True, only_slices=True)
    except Exception as exc:  # noqa: BLE001 - pglast raises its own error types
        where = exc.args[1] if len(exc.args) > 1 and isinstance(exc.args[1], int) else 0
        raise BadInput(
            f"{path}:{line_of(text, where)}: PostgreSQL's parser rejects this: {exc.args[0]}",
            "is the statement complete (quotes, parentheses, $$ bodies)?",
        ) from exc
    out: list[tuple[str, int]] = []
    pos = 0
    line, counted = 1, 0  # running line count: line_of() per statement would be quadratic
    for sl in slices:
        _check_gap(text, pos, sl.start, path)
        lead = _GAP.match(text, sl.start, sl.stop)
        start = lead.end() if lead else sl.start
        if start < sl.stop:
            line += text.count("\n", counted, start)
            counted = start
            out.append((text[start : sl.stop], line))
        pos = sl.stop
    _check_gap(text, pos, len(text), path)
    return out


_GAP = re.compile(r"(?:\s+|;|--[^\n]*|/\*.*?\*/)*", re.S)


def _check_gap(text: str, start: int, stop: int, path: str) -> None:
    gap = text[start:stop]
    m = _GAP.fullmatch(gap)
    if m is None:
        bad = _GAP.match(gap)
        offset = start + (bad.end() if bad else 0)
        snippet = text[offset : offset + 60].split("\n")[0]
        raise BadInput(
            f"{path}:{line_of(text, offset)}: cannot read this statement: {snippet!r}",
            "is the statement complete (quotes, parentheses, $$ bodies)?",
        )


_COPY_DATA = re.compile(r"(?ms)^(COPY [^\n]* FROM stdin;\n)(.*?)^\\\.$")


def load_dump(text: str, source: str = "dump", path: str | None = None) -> SchemaModel:
    """Parses pg_dump output into a SchemaModel; raises BadInput naming the line on failure."""
    path = path or source
    # a full (not schema-only) dump: COPY … FROM stdin rows are data, not SQL
    text = _COPY_DATA.sub(lambda m: m[1] + "\n" * m[2].count("\n"), text)
    # psql meta-commands (\restrict KEY, \connect) are not SQL: blank them, keep line numbers
    text = re.sub(r"(?m)^\\[^\n]*$", "", text)
    model = SchemaModel(source=source)
    ctx = _Ctx(model=model, path=path)
    model.add(SchemaObject("schema", "public"))
    for stmt, line in _statements(text, path):
        head = stmt.lstrip()
        first = head.split(None, 1)[0].upper() if head else ""
        for pattern, handler in _HANDLERS.get(first, ()):
            m = pattern.match(head)
            if m:
                try:
                    handler(ctx, m, head, line)
                except BadInput:
                    raise
                except Exception as exc:  # noqa: BLE001 - any parser failure names the line
                    raise BadInput(
                        f"{path}:{line}: cannot parse this statement ({type(exc).__name__}: "
                        f"{str(exc).splitlines()[0][:120] if str(exc) else ''}): "
                        f"{head.splitlines()[0][:80]!r}",
                        "report it with the statement; meanwhile diff the catalogs "
                        "(env:NAME) instead",
                    ) from exc
                break
        else:
            _opaque(ctx, None, head, line)
    _finish(ctx)
    return model


def load_dump_file(path: str | Path) -> SchemaModel:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise BadInput(f"{path}: no such file", "give a pg_dump --schema-only file") from exc
    except UnicodeDecodeError as exc:
        raise BadInput(f"{path}: not UTF-8 text", "dump with --encoding=UTF8") from exc
    return load_dump(text, source=str(path), path=str(path))


def _finish(ctx: _Ctx) -> None:
    model = ctx.model
    # partitions written as PARTITION OF without columns take the parent's
    pending = [o for o in model if o.kind == "table" and o.attrs.get("inherit_columns_from")]
    inherited = []
    for obj in pending:
        parent = obj.attrs.pop("inherit_columns_from")
        if not model.children(obj.name):
            for col in model.children(parent):
                if col.kind == "column":
                    cname = col.name[len(parent) + 1 :]
                    inherited.append(
                        SchemaObject(
                            "column",
                            f"{obj.name}.{cname}",
                            parent=obj.name,
                            attrs=dict(col.attrs),
                            line=obj.line,
                        )
                    )
    for col in inherited:
        model.add(col)
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
