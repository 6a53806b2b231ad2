"""Functions and procedures in one canonical form, from pg_dump text or ``pg_proc`` rows.

pg_dump writes ``CREATE FUNCTION name(args) RETURNS type`` then a line of options in a fixed
order (``LANGUAGE``, ``WINDOW``, volatility, ``STRICT``, ``SECURITY DEFINER``, ``LEAKPROOF``,
``COST``, ``ROWS``, ``SUPPORT``, ``PARALLEL``), ``SET`` lines and the body. The catalog reader
produces the same attributes from ``pg_proc``, so both compare equal without re-parsing bodies.
"""

from __future__ import annotations

import re

from phasetui.schema.text import squash

_HEAD = re.compile(
    r"^CREATE\s+(?:OR\s+REPLACE\s+)?(?P<kind>FUNCTION|PROCEDURE)\s+(?P<rest>.*)$", re.S | re.I
)
_DOLLAR = re.compile(r"^\$(?P<tag>[A-Za-z_]\w*)?\$(?P<body>.*)\$(?P=tag)?\$$", re.S)


def split_signature(text: str) -> tuple[str, str, str]:
    """``app.add(a integer) RETURNS integer …`` → (name, args, after-args text)."""
    from phasetui.schema.text import mask

    masked = mask(text)  # a quoted name or a default literal may hold parentheses
    depth = 0
    start = masked.index("(")
    for i in range(start, len(masked)):
        ch = masked[i]
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                return text[:start].strip(), text[start + 1 : i], text[i + 1 :]
    raise ValueError("unbalanced parentheses in a function signature")


def _body_from_as(text: str) -> str:
    text = text.strip()
    m = _DOLLAR.match(text)
    if m:
        return m["body"]
    if text.startswith("'") or text.upper().startswith("E'"):
        from phasetui.schema.text import sql_string

        parts = re.findall(r"E?'(?:[^']|'')*'", text)
        if len(parts) == 2:  # C functions: AS 'obj_file', 'link_symbol'
            return sql_string(parts[0]) + ", " + sql_string(parts[1])
        return sql_string(text)
    return text


def parse_function(stmt: str) -> tuple[str, str, str, dict[str, object]]:
    """(kind, qualified name as written, identity-ish args, attrs) from a pg_dump statement."""
    m = _HEAD.match(stmt.strip())
    if not m:
        raise ValueError("not a CREATE FUNCTION")
    kind = m["kind"].lower()
    name, args, after = split_signature(m["rest"])
    lines = after.split("\n")
    head = lines[0]
    opts_lines: list[str] = []
    set_lines: list[str] = []
    body_text = ""
    for i, line in enumerate(lines[1:], start=1):
        s = line.strip()
        if s.startswith("AS "):
            body_text = "\n".join(lines[i:]).strip()[3:]
            break
        if s.upper().startswith("BEGIN ATOMIC") or s.upper().startswith("RETURN "):
            body_text = "\n".join(lines[i:]).strip()
            break
        if s.startswith("SET "):
            set_lines.append(squash(s[4:]))
        else:
            opts_lines.append(s)
    returns = None
    if head.strip().upper().startswith("RETURNS "):
        returns = squash(head.strip()[8:])
    opts = " ".join(opts_lines)
    attrs = _options(opts)
    attrs.update(
        {
            "arguments": squash(args) or None,
            "returns": returns,
            "config": tuple(sorted(set_lines)) or None,
            "body": _body_from_as(body_text)
            if body_text.startswith(("$", "'", "E'"))
            else (squash(body_text) or None),
        }
    )
    return kind, name, args, attrs


_OPTS = re.compile(
    r"LANGUAGE\s+(?P<lang>\S+)|(?P<window>\bWINDOW\b)|(?P<vol>\bIMMUTABLE\b|\bSTABLE\b)"
    r"|(?P<strict>\bSTRICT\b)|(?P<secdef>\bSECURITY DEFINER\b)|(?P<leak>\bLEAKPROOF\b)"
    r"|COST\s+(?P<cost>[\d.]+)|ROWS\s+(?P<rows>[\d.]+)|SUPPORT\s+(?P<support>\S+)"
    r"|PARALLEL\s+(?P<parallel>SAFE|RESTRICTED)|TRANSFORM\s+(?P<transform>.*?)(?=\s+[A-Z]+\b|$)",
    re.I,
)


def _options(text: str) -> dict[str, object]:
    out: dict[str, object] = {}
    for m in _OPTS.finditer(text):
        if m["lang"]:
            out["language"] = m["lang"].strip('"')
        elif m["window"]:
            out["window"] = True
        elif m["vol"]:
            out["volatility"] = m["vol"].upper()
        elif m["strict"]:
            out["strict"] = True
        elif m["secdef"]:
            out["security_definer"] = True
        elif m["leak"]:
            out["leakproof"] = True
        elif m["cost"]:
            out["cost"] = _num(m["cost"])
        elif m["rows"]:
            out["rows"] = _num(m["rows"])
        elif m["support"]:
            out["support"] = m["support"]
        elif m["parallel"]:
            out["parallel"] = m["parallel"].upper()
    return out


def _num(text: str) -> str:
    value = float(text)
    return str(int(value)) if value.is_integer() else str(value)


def catalog_attrs(row: dict) -> dict[str, object]:
    """The same attributes from a ``pg_proc`` row (see catalog.FUNCTIONS_SQL)."""
    lang = row["lang"]
    cost = float(row["procost"])
    default_cost = 1.0 if lang in ("internal", "c") else 100.0
    rows = float(row["prorows"])
    body = row["sqlbody"]
    if body is None:
        body = row["prosrc"] if not row["probin"] else f"{row['probin']}, {row['prosrc']}"
    else:
        body = squash(body)
    return {
        "language": lang,
        "window": True if row["prokind"] == "w" else None,
        "volatility": {"i": "IMMUTABLE", "s": "STABLE"}.get(row["provolatile"]),
        "strict": True if row["proisstrict"] else None,
        "security_definer": True if row["prosecdef"] else None,
        "leakproof": True if row["proleakproof"] else None,
        "cost": _num(str(cost)) if cost and cost != default_cost else None,
        "rows": _num(str(rows)) if rows and rows != 1000 else None,
        "support": row["support"],
        "parallel": {"s": "SAFE", "r": "RESTRICTED"}.get(row["proparallel"]),
        "arguments": squash(row["args"]) or None,
        "returns": squash(row["result"]) if row["prokind"] != "p" else None,
        "config": tuple(sorted(_config(c) for c in row["proconfig"] or [])) or None,
        "body": body,
    }


def _config(item: str) -> str:
    """``search_path=public, pg_temp`` → pg_dump's ``search_path TO 'public', 'pg_temp'``."""
    name, _, value = item.partition("=")
    if name.lower() in (
        "search_path",
        "temp_tablespaces",
        "local_preload_libraries",
        "session_preload_libraries",
        "shared_preload_libraries",
    ):
        parts = [p.strip() for p in value.split(",")]
        return f"{name} TO " + ", ".join("'" + p.replace("'", "''") + "'" for p in parts)
    return f"{name} TO '" + value.replace("'", "''") + "'"
