"""Sequence options in one canonical form, shared by the dump loader and the catalog reader.

pg_dump leaves out what is default (``NO MINVALUE``, no ``AS bigint``) while the catalog
stores every value; both pass through :func:`seq_options` so defaults compare equal.
"""

from __future__ import annotations

import re

_LIMITS = {
    "smallint": (-32768, 32767),
    "integer": (-2147483648, 2147483647),
    "bigint": (-9223372036854775808, 9223372036854775807),
}


def seq_options(
    as_type: str | None,
    start: int | None,
    increment: int | None,
    minvalue: int | None,
    maxvalue: int | None,
    cache: int | None,
    cycle: bool,
) -> dict[str, object]:
    as_type = as_type or "bigint"
    inc = increment if increment is not None else 1
    lo, hi = _LIMITS.get(as_type, _LIMITS["bigint"])
    default_min, default_max = (1, hi) if inc > 0 else (lo, -1)
    if minvalue == default_min:
        minvalue = None
    if maxvalue == default_max:
        maxvalue = None
    first = minvalue if minvalue is not None else default_min
    if inc < 0:
        first = maxvalue if maxvalue is not None else default_max
    return {
        "as": None if as_type == "bigint" else as_type,
        "start": None if start in (None, first) else start,
        "increment": None if inc == 1 else inc,
        "minvalue": minvalue,
        "maxvalue": maxvalue,
        "cache": None if cache in (None, 1) else cache,
        "cycle": True if cycle else None,
    }


_OPT = re.compile(
    r"\b(?:AS\s+(?P<as>smallint|integer|bigint)|START\s+(?:WITH\s+)?(?P<start>-?\d+)"
    r"|INCREMENT\s+(?:BY\s+)?(?P<inc>-?\d+)|NO\s+(?P<nomm>MINVALUE|MAXVALUE)"
    r"|MINVALUE\s+(?P<min>-?\d+)|MAXVALUE\s+(?P<max>-?\d+)|CACHE\s+(?P<cache>\d+)"
    r"|(?P<nocycle>NO\s+CYCLE)|(?P<cycle>CYCLE))\b",
    re.I,
)


def parse_seq_options(text: str, default_type: str | None = None) -> dict[str, object]:
    """The option clauses of ``CREATE SEQUENCE`` / ``ADD GENERATED … AS IDENTITY (…)``.

    ``default_type`` is the type when no ``AS`` is written: an identity column's own type
    (pg_dump writes no ``AS`` there), else bigint.
    """
    found: dict[str, object] = {"cycle": False}
    for m in _OPT.finditer(text):
        if m["as"]:
            found["as"] = m["as"].lower()
        elif m["start"]:
            found["start"] = int(m["start"])
        elif m["inc"]:
            found["inc"] = int(m["inc"])
        elif m["min"]:
            found["min"] = int(m["min"])
        elif m["max"]:
            found["max"] = int(m["max"])
        elif m["cache"]:
            found["cache"] = int(m["cache"])
        elif m["cycle"]:
            found["cycle"] = True
    as_type = found.get("as") or (default_type if default_type in _LIMITS else None)
    return seq_options(
        as_type,  # type: ignore[arg-type]
        found.get("start"),  # type: ignore[arg-type]
        found.get("inc"),  # type: ignore[arg-type]
        found.get("min"),  # type: ignore[arg-type]
        found.get("max"),  # type: ignore[arg-type]
        found.get("cache"),  # type: ignore[arg-type]
        bool(found["cycle"]),
    )


def describe(opts: dict[str, object]) -> str | None:
    """A short canonical text (``AS integer START 10``) or None when all default."""
    words = {
        "as": "AS",
        "start": "START",
        "increment": "INCREMENT",
        "minvalue": "MINVALUE",
        "maxvalue": "MAXVALUE",
        "cache": "CACHE",
    }
    parts = [f"{words[k]} {opts[k]}" for k in words if opts.get(k) is not None]
    if opts.get("cycle"):
        parts.append("CYCLE")
    return " ".join(parts) or None
