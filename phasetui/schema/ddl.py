"""DDL text for one object as it stands on one side, for the viewer and the Markdown report.

Rebuilt from the model's attributes (not copied from a dump), so both sides print the same
way whatever their source and differences show line by line. Columns, constraints, triggers
and policies print as their table, so the reader sees them in context.
"""

from __future__ import annotations

from phasetui.schema.idents import last_part, quote_ident
from phasetui.schema.model import SchemaModel, SchemaObject
from phasetui.schema.text import quote_literal

_IN_TABLE = {"column", "constraint", "trigger", "policy", "rule"}


def object_ddl(obj: SchemaObject | None, model: SchemaModel) -> str:
    """The DDL for ``obj`` (its table's DDL for a column/constraint/trigger/policy)."""
    if obj is None:
        return ""
    if obj.kind in _IN_TABLE and obj.parent:
        table = model.find("table", obj.parent)
        if table is not None:
            return object_ddl(table, model)
    fn = _BUILDERS.get(obj.kind, _generic)
    lines = fn(obj, model)
    lines += _extras(obj)
    return "\n".join(lines)


def _last(name: str) -> str:
    return last_part(name)


def _column_line(col: SchemaObject) -> str:
    a = col.attrs
    parts = [_last(col.name), a.get("type") or "?"]
    if a.get("collation"):
        parts.append(f"COLLATE {a['collation']}")
    if a.get("default"):
        parts.append(f"DEFAULT {a['default']}")
    if a.get("generated"):
        parts.append(f"GENERATED ALWAYS AS ({a['generated']}) {a.get('generated_kind') or ''}")
    if a.get("identity"):
        opts = f" ({a['identity_options']})" if a.get("identity_options") else ""
        parts.append(f"GENERATED {a['identity']} AS IDENTITY{opts}")
    if a.get("not_null"):
        parts.append("NOT NULL")
        if a.get("not_null_no_inherit"):
            parts.append("NO INHERIT")
        if a.get("not_null_validated") is False:
            parts.append("NOT VALID")
    return " ".join(p.strip() for p in parts)


def _table(obj: SchemaObject, model: SchemaModel) -> list[str]:
    a = obj.attrs
    kids = model.children(obj.name)
    cols = [c for c in kids if c.kind == "column"]
    order = model.column_order.get(obj.name)
    if order:
        rank = {name: i for i, name in enumerate(order)}
        cols.sort(key=lambda c: rank.get(_last(c.name), len(rank)))
    cons = sorted((c for c in kids if c.kind == "constraint"), key=lambda c: c.name)
    items = [f"    {_column_line(c)}" for c in cols]
    for c in cons:
        nv = " NOT VALID" if c.attrs.get("validated") is False else ""
        items.append(f"    CONSTRAINT {_last(c.name)} {c.attrs.get('definition')}{nv}")
    head = "CREATE UNLOGGED TABLE" if a.get("unlogged") else "CREATE TABLE"
    lines = [f"{head} {obj.name} ("] + [i + "," for i in items[:-1]] + items[-1:] + [")"]
    if a.get("inherits"):
        lines.append(f"INHERITS ({', '.join(a['inherits'])})")
    if a.get("partition_key"):
        lines.append(f"PARTITION BY {a['partition_key']}")
    if a.get("options"):
        lines.append(f"WITH ({', '.join(a['options'])})")
    lines[-1] += ";"
    if a.get("partition_of"):
        lines.append(
            f"ALTER TABLE {a['partition_of']} ATTACH PARTITION {obj.name} {a.get('bound') or ''};"
        )
    for c in cols:
        if c.attrs.get("statistics") is not None:
            lines.append(
                f"ALTER TABLE {obj.name} ALTER COLUMN {_last(c.name)} SET STATISTICS "
                f"{c.attrs['statistics']};"
            )
        for attr, word in (("storage", "STORAGE"), ("compression", "COMPRESSION")):
            if c.attrs.get(attr):
                lines.append(
                    f"ALTER TABLE ONLY {obj.name} ALTER COLUMN {_last(c.name)} SET {word} "
                    f"{c.attrs[attr]};"
                )
        if c.attrs.get("options"):
            lines.append(
                f"ALTER TABLE ONLY {obj.name} ALTER COLUMN {_last(c.name)} SET "
                f"({', '.join(c.attrs['options'])});"
            )
        if c.attrs.get("comment") is not None:
            lines.append(f"COMMENT ON COLUMN {c.name} IS {quote_literal(c.attrs['comment'])};")
        if c.attrs.get("acl"):
            lines.append(f"-- privileges on {_last(c.name)}: {', '.join(c.attrs['acl'])}")
    for k in ("row_security", "force_row_security"):
        if a.get(k):
            verb = "ENABLE" if k == "row_security" else "FORCE"
            lines.append(f"ALTER TABLE {obj.name} {verb} ROW LEVEL SECURITY;")
    for c in cons:
        if c.attrs.get("comment") is not None:
            lines.append(
                f"COMMENT ON CONSTRAINT {_last(c.name)} ON {obj.name} IS "
                f"{quote_literal(c.attrs['comment'])};"
            )
    for t in sorted((k for k in kids if k.kind == "trigger"), key=lambda k: k.name):
        lines.append(f"CREATE TRIGGER {_last(t.name)} {t.attrs.get('definition')};")
        if t.attrs.get("enabled"):
            lines.append(f"ALTER TABLE {obj.name} {t.attrs['enabled']} TRIGGER {_last(t.name)};")
    if a.get("replica_identity"):
        lines.append(f"ALTER TABLE ONLY {obj.name} REPLICA IDENTITY {a['replica_identity']};")
    if a.get("cluster_on"):
        lines.append(f"ALTER TABLE {obj.name} CLUSTER ON {a['cluster_on']};")
    for r in sorted((k for k in kids if k.kind == "rule"), key=lambda k: k.name):
        lines.append(f"CREATE RULE {_last(r.name)} AS {r.attrs.get('definition')};")
        if r.attrs.get("enabled"):
            lines.append(f"ALTER TABLE {obj.name} {r.attrs['enabled']} RULE {_last(r.name)};")
    for p in sorted((k for k in kids if k.kind == "policy"), key=lambda k: k.name):
        lines.append(
            f"CREATE POLICY {_last(p.name)} ON {obj.name} "
            f"{p.attrs.get('definition') or ''}".rstrip()
            + ";"
        )
    return lines


def _index(obj: SchemaObject, model: SchemaModel) -> list[str]:
    a = obj.attrs
    unique = "UNIQUE " if a.get("unique") else ""
    lines = [f"CREATE {unique}INDEX {_last(obj.name)} ON {obj.parent} {a.get('definition')};"]
    if a.get("partition_of"):
        lines.append(f"ALTER INDEX {a['partition_of']} ATTACH PARTITION {obj.name};")
    if a.get("valid") is False:
        lines.append("-- INVALID: a failed CREATE INDEX CONCURRENTLY; queries do not use it")
    return lines


def _view(obj: SchemaObject, model: SchemaModel) -> list[str]:
    kind = "MATERIALIZED VIEW" if obj.kind == "materialized view" else "VIEW"
    opts = f" WITH ({', '.join(obj.attrs['options'])})" if obj.attrs.get("options") else ""
    return [f"CREATE {kind} {obj.name}{opts} AS", f"    {obj.attrs.get('definition')};"]


def _sequence(obj: SchemaObject, model: SchemaModel) -> list[str]:
    opts = f" {obj.attrs['options']}" if obj.attrs.get("options") else ""
    lines = [f"CREATE SEQUENCE {obj.name}{opts};"]
    if obj.attrs.get("owned_by"):
        lines.append(f"ALTER SEQUENCE {obj.name} OWNED BY {obj.attrs['owned_by']};")
    return lines


def _type(obj: SchemaObject, model: SchemaModel) -> list[str]:
    a = obj.attrs
    if a.get("variant") == "enum":
        labels = ",\n    ".join(quote_literal(v) for v in a.get("labels") or ())
        return [f"CREATE TYPE {obj.name} AS ENUM (\n    {labels}\n);"]
    if a.get("variant") == "composite":
        return [
            f"CREATE TYPE {obj.name} AS (\n    "
            + ",\n    ".join(a.get("attributes") or ())
            + "\n);"
        ]
    return [f"CREATE TYPE {obj.name} AS RANGE ({a.get('definition')});"]


def _domain(obj: SchemaObject, model: SchemaModel) -> list[str]:
    a = obj.attrs
    line = f"CREATE DOMAIN {obj.name} AS {a.get('type')}"
    if a.get("collation"):
        line += f" COLLATE {a['collation']}"
    if a.get("not_null"):
        line += " NOT NULL"
    if a.get("default"):
        line += f" DEFAULT {a['default']}"
    return [line] + [f"    CONSTRAINT {c}" for c in a.get("constraints") or ()] + [";"]


def _function(obj: SchemaObject, model: SchemaModel) -> list[str]:
    a = obj.attrs
    kind = obj.kind.upper()
    name = obj.name.split("(", 1)[0]
    head = f"CREATE {kind} {name}({a.get('arguments') or ''})"
    if a.get("returns"):
        head += f" RETURNS {a['returns']}"
    opts = [f"LANGUAGE {a.get('language')}"]
    for key, word in (
        ("window", "WINDOW"),
        ("strict", "STRICT"),
        ("security_definer", "SECURITY DEFINER"),
        ("leakproof", "LEAKPROOF"),
    ):
        if a.get(key):
            opts.append(word)
    if a.get("volatility"):
        opts.append(a["volatility"])
    for key, word in (
        ("cost", "COST"),
        ("rows", "ROWS"),
        ("parallel", "PARALLEL"),
        ("support", "SUPPORT"),
    ):
        if a.get(key):
            opts.append(f"{word} {a[key]}")
    lines = [head, "    " + " ".join(opts)]
    lines += [f"    SET {c}" for c in a.get("config") or ()]
    body = a.get("body") or ""
    lines.append(f"AS $body${body}$body$;")
    return lines


def _simple(word: str):
    def build(obj: SchemaObject, model: SchemaModel) -> list[str]:
        extra = ""
        if obj.kind == "extension" and obj.attrs.get("schema"):
            extra = f" WITH SCHEMA {obj.attrs['schema']}"
        if obj.kind == "extension" and obj.attrs.get("version"):
            extra += f" VERSION {quote_literal(obj.attrs['version'])}"
        return [f"CREATE {word} {obj.name}{extra};"]

    return build


def _aggregate(obj: SchemaObject, model: SchemaModel) -> list[str]:
    items = ",\n    ".join(obj.attrs.get("options") or ())
    return [f"CREATE AGGREGATE {obj.name} (\n    {items}\n);"]


def _collation(obj: SchemaObject, model: SchemaModel) -> list[str]:
    a = obj.attrs
    opts = [f"provider = {a.get('provider') or 'libc'}"]
    if a.get("deterministic") is False:
        opts.append("deterministic = false")
    for key in ("locale", "lc_collate", "lc_ctype", "rules"):
        if a.get(key) is not None:
            opts.append(f"{key} = {quote_literal(a[key])}")
    return [f"CREATE COLLATION {obj.name} ({', '.join(opts)});"]


def _generic(obj: SchemaObject, model: SchemaModel) -> list[str]:
    if obj.kind == "other":
        return [str(obj.attrs.get("sql")) + ";"]
    if obj.kind == "default privileges":
        return [f"-- default privileges {obj.name}: " + ", ".join(obj.attrs.get("acl") or ())]
    return [f"-- {obj.kind} {obj.name}"] + [
        f"--   {k}: {v}" for k, v in obj.attrs.items() if v is not None
    ]


_BUILDERS = {
    "table": _table,
    "index": _index,
    "view": _view,
    "materialized view": _view,
    "sequence": _sequence,
    "type": _type,
    "domain": _domain,
    "function": _function,
    "procedure": _function,
    "collation": _collation,
    "aggregate": _aggregate,
    "schema": _simple("SCHEMA"),
    "extension": _simple("EXTENSION"),
}

_OWNER_WORD = {"materialized view": "MATERIALIZED VIEW"}


def _extras(obj: SchemaObject) -> list[str]:
    if obj.kind in ("other", "default privileges"):
        return []
    a = obj.attrs
    word = _OWNER_WORD.get(obj.kind, obj.kind.upper())
    lines = []
    if a.get("owner"):
        lines.append(f"ALTER {word} {obj.name} OWNER TO {quote_ident(a['owner'])};")
    if a.get("comment") is not None and obj.kind not in _IN_TABLE:
        lines.append(f"COMMENT ON {word} {obj.name} IS {quote_literal(a['comment'])};")
    if a.get("acl") and obj.kind != "column":
        lines.append(f"-- privileges: {', '.join(a['acl'])}")
    return lines
