"""Names from the parse tree: relations, identifiers, type names, quoting for rewrites."""

from __future__ import annotations

import re
from typing import Any

from pglast.keywords import RESERVED_KEYWORDS, TYPE_FUNC_NAME_KEYWORDS

_PLAIN = re.compile(r"^[a-z_][a-z0-9_$]*$")


def quote_ident(name: str) -> str:
    """An identifier as PostgreSQL needs it written (quoted only when it must be)."""
    if _PLAIN.match(name) and name not in RESERVED_KEYWORDS and name not in TYPE_FUNC_NAME_KEYWORDS:
        return name
    return '"' + name.replace('"', '""') + '"'


def relname(rangevar: Any) -> str:
    """``schema.table`` as written (schema left out when not given)."""
    if rangevar is None:
        return ""
    if getattr(rangevar, "schemaname", None):
        return f"{rangevar.schemaname}.{rangevar.relname}"
    return rangevar.relname


def qualified(rangevar: Any) -> str:
    """The relation quoted for use in a rewrite."""
    if getattr(rangevar, "schemaname", None):
        return f"{quote_ident(rangevar.schemaname)}.{quote_ident(rangevar.relname)}"
    return quote_ident(rangevar.relname)


def quote_name(name: str) -> str:
    """Quotes a dotted ``schema.name`` string part by part."""
    return ".".join(quote_ident(part) for part in name.split("."))


def bare(name: str) -> str:
    """The unqualified part of ``schema.name`` (how objects are matched across statements)."""
    return name.rsplit(".", 1)[-1]


def dotted(names: Any) -> str:
    """A tuple of pglast String nodes (``schema``, ``name``) to ``schema.name``."""
    return ".".join(getattr(n, "sval", str(n)) for n in names or ())


def type_name(typename: Any) -> tuple[str, tuple[int, ...]]:
    """(base type, integer modifiers) of a TypeName: ``varchar(20)`` -> ('varchar', (20,))."""
    if typename is None:
        return "", ()
    parts = [getattr(n, "sval", "") for n in typename.names or ()]
    if len(parts) > 1 and parts[0] == "pg_catalog":
        parts = parts[1:]
    mods: list[int] = []
    for mod in typename.typmods or ():
        val = getattr(mod, "val", None)
        ival = getattr(val, "ival", None)
        if ival is not None:
            mods.append(int(ival))
    base = ".".join(parts)
    if typename.arrayBounds:
        base += "[]"
    return base, tuple(mods)


_ALIASES = {
    "int": "int4",
    "integer": "int4",
    "int4": "int4",
    "smallint": "int2",
    "bigint": "int8",
    "character varying": "varchar",
    "character": "bpchar",
    "char": "bpchar",
    "decimal": "numeric",
    "timestamp without time zone": "timestamp",
    "timestamp with time zone": "timestamptz",
    "time without time zone": "time",
    "time with time zone": "timetz",
    "double precision": "float8",
    "real": "float4",
    "boolean": "bool",
    "bit varying": "varbit",
}


def normal_type(name: str) -> str:
    """Canonical PostgreSQL type names, as ``format_type`` and the parser write them."""
    name = name.strip().lower()
    return _ALIASES.get(name, name)


def walk(node: Any):
    """Every AST node under ``node`` (itself included), depth first."""
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, tuple | list):
            stack.extend(item)
            continue
        slots = getattr(type(item), "__slots__", None)
        if not isinstance(slots, dict):
            continue
        yield item
        for name in slots:
            value = getattr(item, name, None)
            if value is not None and not isinstance(value, str | int | float | bool):
                stack.append(value)
