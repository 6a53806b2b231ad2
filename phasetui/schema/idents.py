"""Identifier quoting and splitting, the way pg_dump and ``quote_ident`` write names.

Both model sources must name objects the same way, so names are kept unquoted internally and
shown through :func:`quote_ident`, which follows PostgreSQL's rule: quote unless the name is
lower-case ASCII letters, digits and ``_`` and is not a reserved (non-unreserved) keyword
(``fmtId`` in pg_dump, ``quote_ident`` in the server). Bare names fold to lower case the way
the server folds them: ASCII letters only (``Ü`` stays ``Ü`` in a UTF-8 database).
"""

from __future__ import annotations

import re
from functools import lru_cache

_SIMPLE = re.compile(r"[a-z_][a-z0-9_]*")  # fullmatch: "$" would let a trailing \n through
_ASCII_UPPER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def fold(name: str) -> str:
    """A bare identifier as the server stores it (ASCII letters folded to lower case)."""
    if name.islower() or not any("A" <= c <= "Z" for c in name):
        return name
    return name.lower() if name.isascii() else name.translate(_ASCII_UPPER)


@lru_cache(maxsize=1)
def _keywords() -> frozenset[str]:
    from pglast import keywords

    return frozenset(
        keywords.RESERVED_KEYWORDS | keywords.COL_NAME_KEYWORDS | keywords.TYPE_FUNC_NAME_KEYWORDS
    )


@lru_cache(maxsize=8192)  # a dump names the same schemas and columns over and over
def quote_ident(name: str) -> str:
    if _SIMPLE.fullmatch(name) and name not in _keywords():
        return name
    return '"' + name.replace('"', '""') + '"'


def qualify(*parts: str) -> str:
    """``qualify("app", "Mixed Case")`` → ``app."Mixed Case"``."""
    return ".".join(quote_ident(p) for p in parts)


_SIMPLE_DOTTED = re.compile(r"[a-z_][a-z0-9_$]*(?:\.[a-z_][a-z0-9_$]*)*")
_PART = re.compile(r'\s*(?:"((?:[^"]|"")*)"|([^".\s(]+))\s*')


def split_qualified(text: str) -> list[str]:
    """Unquoted parts of a dotted name as written in SQL: ``app."Mixed Case"`` → 2 parts.

    Unquoted parts fold to lower case, as PostgreSQL folds them.
    """
    text = text.strip()
    if _SIMPLE_DOTTED.fullmatch(text):
        return text.split(".")
    parts: list[str] = []
    pos = 0
    while pos < len(text):
        m = _PART.match(text, pos)
        if not m:
            raise ValueError(f"not a qualified name: {text!r}")
        parts.append(m[1].replace('""', '"') if m[1] is not None else fold(m[2]))
        pos = m.end()
        if pos < len(text):
            if text[pos] != ".":
                raise ValueError(f"not a qualified name: {text!r}")
            pos += 1
    return parts


def parse_ident(text: str) -> str:
    """One identifier as written in SQL (``"Has Space"``, ``Foo``) → its stored spelling."""
    parts = split_qualified(text)
    if len(parts) != 1:
        raise ValueError(f"not a single name: {text!r}")
    return parts[0]


def last_part(name: str) -> str:
    """The last part of a qualified name, quoted as in SQL (``app."a.b"`` → ``"a.b"``)."""
    try:
        return quote_ident(split_qualified(name)[-1])
    except ValueError:
        return name.rsplit(".", 1)[-1]


def normalise_name(text: str) -> str:
    """A dotted name re-quoted canonically (``"app".orders`` → ``app.orders``)."""
    return qualify(*split_qualified(text))


# One identifier (quoted or bare) and a possibly qualified name, for statement regexes.
IDENT = r'(?:"(?:[^"]|"")*"|[^\s."(),;]+)'
QNAME = rf"{IDENT}(?:\.{IDENT})*"
