"""Privileges as one comparable value, from GRANT/REVOKE statements or ``aclitem[]``.

pg_dump writes grants relative to the default ACL (owner holds everything; PUBLIC may
EXECUTE functions and USE types), and the catalog stores NULL for "still the default". Both
become the same effective ACL here, which is then kept only when it differs from the
default. The owner's own entry is named ``(owner)`` so an owner change is reported once, as
an owner change, not again as a privilege change.
"""

from __future__ import annotations

import re

from phasetui.schema.idents import split_qualified
from phasetui.schema.text import masked_match, masked_search

OWNER = "(owner)"
PUBLIC = "PUBLIC"

LETTERS = {
    "SELECT": "r",
    "INSERT": "a",
    "UPDATE": "w",
    "DELETE": "d",
    "TRUNCATE": "D",
    "REFERENCES": "x",
    "TRIGGER": "t",
    "MAINTAIN": "m",
    "EXECUTE": "X",
    "USAGE": "U",
    "CREATE": "C",
    "CONNECT": "c",
    "TEMPORARY": "T",
    "TEMP": "T",
}
NAMES = {v: k for k, v in LETTERS.items() if k != "TEMP"}

# Every privilege an object class has (PostgreSQL 17 added MAINTAIN on tables).
FULL = {
    "table": "arwdDxtm",
    "sequence": "rwU",
    "function": "X",
    "schema": "UC",
    "type": "U",
    "column": "arwx",
}


def acl_class(kind: str) -> str:
    if kind in ("table", "view", "materialized view"):
        return "table"
    if kind in ("function", "procedure", "aggregate"):
        return "function"
    if kind == "domain":
        return "type"
    return kind


Acl = dict[str, set[str]]  # grantee -> privilege letters, "X*" for grant option, "ALL"


def default_acl(kind: str) -> Acl:
    cls = acl_class(kind)
    if cls == "column":
        return {}
    acl: Acl = {OWNER: {"ALL"}}
    if cls in ("function", "type"):
        acl[PUBLIC] = set(FULL[cls])
    return acl


def _tidy(acl: Acl, cls: str, full: str) -> Acl:
    """Collapses a complete privilege set to ``ALL`` so versions with more privileges agree."""
    out: Acl = {}
    for grantee, privs in acl.items():
        plain = {p for p in privs if len(p) == 1}
        if full and set(full) <= plain:
            privs = {"ALL"} | {p for p in privs if p.endswith("*")}
        if privs:
            out[grantee] = privs
    return out


def freeze(acl: Acl, kind: str, relative: bool = True) -> tuple[str, ...] | None:
    """The comparable form; ``None`` when it is the default for the kind (if ``relative``)."""
    cls = acl_class(kind)
    tidy = _tidy(acl, cls, FULL.get(cls, ""))
    if relative and tidy == _tidy(default_acl(kind), cls, FULL.get(cls, "")):
        return None
    return tuple(
        f"{grantee}=" + ",".join(sorted(privs, key=_order))
        for grantee, privs in sorted(tidy.items())
    ) or ("(none)",)


def _order(p: str) -> str:
    return "" if p == "ALL" else NAMES.get(p[0], p)


# --- catalog side -------------------------------------------------------------------------

_ITEM = re.compile(r'^(?P<grantee>"(?:[^"]|"")*"|[^=]*)=(?P<privs>[A-Za-z*]*)/')


def from_aclitems(
    items: list[str] | None,
    owner: str | None,
    kind: str,
    server_version: int = 180000,
    relative: bool = True,
) -> tuple[str, ...] | None:
    """``{postgres=arwdDxtm/postgres,=r/postgres}`` (as text items) → comparable ACL."""
    if items is None:
        return None
    acl: Acl = {}
    for item in items:
        m = _ITEM.match(item)
        if not m:
            continue
        grantee = m["grantee"]
        if grantee.startswith('"'):
            grantee = grantee[1:-1].replace('""', '"')
        grantee = PUBLIC if grantee == "" else (OWNER if grantee == owner else grantee)
        privs: set[str] = set()
        raw = m["privs"]
        for i, ch in enumerate(raw):
            if ch == "*":
                continue
            privs.add(ch)
            if i + 1 < len(raw) and raw[i + 1] == "*":
                privs.add(ch + "*")
        if server_version < 170000 and acl_class(kind) == "table" and set("arwdDxt") <= privs:
            privs.add("m")  # before 17, these seven were ALL
        acl.setdefault(grantee, set()).update(privs)
    return freeze(acl, kind, relative)


# --- dump side ----------------------------------------------------------------------------

_GRANT = re.compile(
    r"^(?P<verb>GRANT|REVOKE)\s+(?P<go>GRANT OPTION FOR\s+)?(?P<privs>.+?)\s+ON\s+"
    r"(?P<objkind>TABLE|SEQUENCE|FUNCTION|PROCEDURE|ROUTINE|SCHEMA|TYPE|DOMAIN|LANGUAGE|"
    r"FOREIGN DATA WRAPPER|FOREIGN SERVER|LARGE OBJECT|DATABASE|TABLESPACE|PARAMETER)\s+"
    r"(?P<target>.+?)\s+(?:TO|FROM)\s+(?P<grantees>.+?)(?P<wgo>\s+WITH GRANT OPTION)?"
    r"(?:\s+GRANTED BY\s+\S+)?(?:\s+CASCADE|\s+RESTRICT)?$",
    re.S | re.I,
)


def parse_grant(stmt: str) -> dict | None:
    """A GRANT/REVOKE statement as pg_dump writes it, or None when it is not one."""
    m = masked_match(_GRANT, stmt.strip().rstrip(";"))
    if not m:
        return None
    privs: list[tuple[str, tuple[str, ...]]] = []  # (letter or ALL, columns)
    for part in _split_top(m["privs"]):
        pm = re.match(r"^\s*([A-Za-z ]+?)\s*(?:\((.*)\))?\s*$", part, re.S)
        if not pm:
            return None
        word = pm[1].upper().replace("ALL PRIVILEGES", "ALL")
        cols = tuple(c for p in _split_top(pm[2]) for c in split_qualified(p)) if pm[2] else ()
        privs.append(("ALL" if word == "ALL" else LETTERS.get(word, word), cols))
    grantees = []
    for g in _split_top(m["grantees"]):
        g = g.strip()
        if g.upper().startswith("GROUP "):
            g = g[6:].strip()
        grantees.append(PUBLIC if g.upper() == "PUBLIC" else split_qualified(g)[0])
    return {
        "grant": m["verb"].upper() == "GRANT",
        "grant_option": bool(m["wgo"]) or bool(m["go"]),
        "only_option": bool(m["go"]),
        "privs": privs,
        "objkind": m["objkind"].upper(),
        "target": m["target"].strip(),
        "grantees": grantees,
    }


def _split_top(text: str) -> list[str]:
    """Splits at top-level commas (not inside parentheses, quoted names or literals)."""
    parts, depth, cur, quote = [], 0, [], ""
    for ch in text:
        if ch in "\"'" and (not quote or quote == ch):
            quote = "" if quote else ch
        elif not quote and ch == "(":
            depth += 1
        elif not quote and ch == ")":
            depth -= 1
        elif not quote and ch == "," and depth == 0:
            parts.append("".join(cur))
            cur = []
            continue
        cur.append(ch)
    parts.append("".join(cur))
    return [p.strip() for p in parts if p.strip()]


def apply_grant(acl: Acl, op: dict, cls: str, owner: str | None, letters: list[str]) -> None:
    """Applies one parsed GRANT/REVOKE (``letters``: its privileges for this object)."""
    full = FULL.get(cls, "")
    expanded: set[str] = set()
    for letter in letters:
        expanded |= set(full) if letter == "ALL" else {letter}
    for grantee in op["grantees"]:
        key = OWNER if owner is not None and grantee == owner else grantee
        current = acl.setdefault(key, set())
        if "ALL" in current:
            current.discard("ALL")
            current |= set(full)
        if op["grant"]:
            if not op["only_option"]:
                current |= expanded
            if op["grant_option"]:
                current |= {p + "*" for p in expanded}
        else:
            current -= {p + "*" for p in expanded}
            if not op["only_option"]:
                current -= expanded
        if not current:
            acl.pop(key, None)


# --- default privileges (ALTER DEFAULT PRIVILEGES / pg_default_acl) ----------------------------

DEFAULT_OBJTYPES = {"r": "TABLES", "S": "SEQUENCES", "f": "FUNCTIONS", "T": "TYPES", "n": "SCHEMAS"}
_DEF_KIND = {
    "TABLES": "table",
    "SEQUENCES": "sequence",
    "FUNCTIONS": "function",
    "ROUTINES": "function",
    "TYPES": "type",
    "SCHEMAS": "schema",
}


def default_privileges_name(role: str, schema: str | None, objtype: str) -> str:
    from phasetui.schema.idents import qualify

    where = f" IN SCHEMA {qualify(schema)}" if schema else ""
    return f"FOR ROLE {qualify(role)}{where} ON {objtype}"


def default_privileges_base(objtype: str, in_schema: bool) -> Acl:
    """What a role's new objects get before any ALTER DEFAULT PRIVILEGES."""
    return {} if in_schema else default_acl(_DEF_KIND[objtype])


def parse_default_privileges(stmt: str) -> tuple[str, str | None, str, dict] | None:
    m = masked_search(
        r"^ALTER\s+DEFAULT\s+PRIVILEGES\s+FOR\s+(?:ROLE|USER)\s+(?P<r>\S+)"
        r"(?:\s+IN\s+SCHEMA\s+(?P<s>\S+))?\s+(?P<g>(?:GRANT|REVOKE)\s.*)$",
        stmt.strip().rstrip(";"),
        re.S | re.I,
    )
    if not m:
        return None
    on = masked_search(
        r"\sON\s+(TABLES|SEQUENCES|FUNCTIONS|ROUTINES|TYPES|SCHEMAS)\s", m["g"], re.I
    )
    if not on:
        return None
    objtype = on[1].upper().replace("ROUTINES", "FUNCTIONS")
    kind = _DEF_KIND[objtype].upper()
    inner = m["g"][: on.start()] + f" ON {kind} x " + m["g"][on.end() :]
    op = parse_grant(inner)
    if op is None:
        return None
    role = split_qualified(m["r"])[0]
    schema = split_qualified(m["s"])[0] if m["s"] else None
    return role, schema, objtype, op
