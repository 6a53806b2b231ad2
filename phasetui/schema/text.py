"""Text normalisation for SQL fragments compared as text.

Most definitions in a pg_dump file are the server's own deparse (``pg_get_indexdef``,
``pg_get_constraintdef``, ``pg_get_viewdef``, ``format_type``, ``pg_get_expr``), the same text the
catalog reader gets from those functions. Comparing them as text, with only layout removed,
is exact and costs nothing; re-rendering them through a parser would risk merging distinct
definitions (sqlglot renders ``bit varying(5)`` as ``BIT``).
"""

from __future__ import annotations

import re
from functools import lru_cache

_TOKEN = re.compile(
    r"""(?P<str>E?'(?:[^']|'')*')|(?P<ident>"(?:[^"]|"")*")|(?P<dollar>\$(?P<tag>[A-Za-z_]\w*)?\$.*?\$(?P=tag)?\$)|(?P<ws>\s+)|(?P<other>[^'"\s$]+|\$)""",
    re.S,
)


def squash(text: str) -> str:
    """Collapses whitespace runs outside literals/quoted names to one space; strips ``;``."""
    if not text:
        return text
    if "'" not in text and '"' not in text and "$" not in text:
        result = " ".join(text.split())
        while result.endswith(";"):
            result = result[:-1].rstrip()
        return result
    out: list[str] = []
    for m in _TOKEN.finditer(text):
        if m.lastgroup == "ws":
            out.append(" ")
        else:
            out.append(m[0])
    result = "".join(out).strip()
    while result.endswith(";"):
        result = result[:-1].rstrip()
    return result


def sql_string(text: str) -> str:
    """The value of a SQL string literal (``'it''s'`` / ``E'a\\nb'``)."""
    text = text.strip()
    if text.upper().startswith("E'"):
        body = text[2:-1].replace("''", "'")
        return body.encode("latin-1", "backslashreplace").decode("unicode_escape")
    if text.startswith("'") and text.endswith("'"):
        return text[1:-1].replace("''", "'")
    raise ValueError(f"not a string literal: {text!r}")


def quote_literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


# Quoted identifiers, string literals (E'' with backslash escapes), dollar-quoted bodies and
# comments: the spans a statement regex must never look inside.
_OPAQUE = re.compile(
    r"""(?=["'$]|--|/\*)(?:(?P<ident>"(?:[^"]|"")*"?)"""
    r"""|(?P<estr>(?<=(?<![\w$])[Ee])'(?:[^'\\]|\\.|'')*'?)|(?P<str>'(?:[^']|'')*'?)"""
    r"""|(?P<dollar>(?<![\w$])\$(?P<tag>[A-Za-z_\x80-\U0010ffff][\w\x80-\U0010ffff]*)?\$.*?"""
    r"""(?:\$(?P=tag)?\$|\Z))|(?P<line>--[^\n]*)|(?P<block>/\*.*?(?:\*/|\Z)))""",
    re.S,
)


_MAYBE_OPAQUE = re.compile(r"[\"'$]|--|/\*")


def _fill(m: re.Match) -> str:
    text = m[0]
    kind = m.lastgroup
    if kind in ("ident", "str"):
        q = text[0]
        end = 1 if len(text) > 1 and text.endswith(q) else 0
        return q + "x" * (len(text) - 1 - end) + q * end
    if kind == "estr":  # starts at the quote; the E before it stays as it is
        end = 1 if len(text) > 1 and text.endswith("'") else 0
        return "'" + "x" * (len(text) - 1 - end) + "'" * end
    if kind == "dollar":
        return "$" + "x" * (len(text) - 2) + "$" if len(text) > 1 else text
    return " " * len(text)  # comments read as whitespace


@lru_cache(maxsize=256)  # a statement is masked by its dispatch and again by its handler
def mask(text: str) -> str:
    """``text`` of the same length with the inside of quoted names, literals, dollar bodies
    and comments blanked (``"a ON b"`` → ``"xxxxxx"``), so a regex over the result finds only
    keywords and punctuation of the statement itself; spans map back to ``text`` unchanged."""
    if not _MAYBE_OPAQUE.search(text):
        return text
    return _OPAQUE.sub(_fill, text)


class MaskedMatch:
    """A regex match made on :func:`mask` of a text, whose groups read the original text."""

    __slots__ = ("_m", "text")

    def __init__(self, m: re.Match, text: str) -> None:
        self._m = m
        self.text = text

    def __getitem__(self, group: int | str) -> str | None:
        start, end = self._m.span(group)
        return None if start < 0 else self.text[start:end]

    def group(self, group: int | str = 0) -> str | None:
        return self[group]

    def span(self, group: int | str = 0) -> tuple[int, int]:
        return self._m.span(group)

    def start(self, group: int | str = 0) -> int:
        return self._m.start(group)

    def end(self, group: int | str = 0) -> int:
        return self._m.end(group)


def wrap(m: re.Match | None, text: str, masked: str) -> re.Match | MaskedMatch | None:
    """The match as groups of ``text`` (a plain match when masking changed nothing)."""
    if m is None or masked is text:
        return m
    return MaskedMatch(m, text)


def masked_match(pattern: re.Pattern, text: str) -> re.Match | MaskedMatch | None:
    """``pattern.match`` on the masked ``text``; groups come back as the original text."""
    masked = mask(text)
    return wrap(pattern.match(masked), text, masked)


def masked_search(
    pattern: str | re.Pattern, text: str, flags: int = 0
) -> re.Match | MaskedMatch | None:
    masked = mask(text)
    m = re.search(pattern, masked, flags) if isinstance(pattern, str) else pattern.search(masked)
    return wrap(m, text, masked)
