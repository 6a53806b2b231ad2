"""Text normalisation for SQL fragments compared as text.

Most definitions in a pg_dump file are the server's own deparse (``pg_get_indexdef``,
``pg_get_constraintdef``, ``pg_get_viewdef``, ``format_type``, ``pg_get_expr``), the same text the
catalog reader gets from those functions. Comparing them as text, with only layout removed,
is exact and costs nothing; re-rendering them through a parser would risk merging distinct
definitions (sqlglot renders ``bit varying(5)`` as ``BIT``).
"""

from __future__ import annotations

import re

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
