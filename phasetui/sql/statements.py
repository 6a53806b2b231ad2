"""Splits migration input into parsed statements with file, line and column.

PostgreSQL's own grammar (pglast / libpg_query) parses the whole input at once, so every
statement comes back as an AST node, never as opaque text; a parse failure becomes
``BadInput`` naming ``file:line:col`` and the parser's message (exit 2, no traceback).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field
from typing import Any

from pglast import parse_sql
from pglast.parser import ParseError

from phasetui.errors import BadInput
from phasetui.sql.pretend import fill_placeholders, looks_like_pretend, parse_pretend

_META_LINE = re.compile(r"^[ \t]*\\.*$", re.M)  # psql meta-commands: \restrict, \connect


@dataclass
class Statement:
    node: Any  # a pglast.ast node (the RawStmt's .stmt)
    text: str
    file: str
    line: int
    column: int
    end_line: int
    index: int = 0
    unit: int = 0  # which migration (a file, or one Laravel migration) it belongs to
    migration: str | None = None
    implicit_txn: bool = False  # the tool wraps its migration in a transaction
    suppressions: dict[str, str] = field(default_factory=dict)

    @property
    def kind(self) -> str:
        return type(self.node).__name__


@dataclass(frozen=True)
class Source:
    name: str
    text: str


class _Lines:
    """Offset -> (line, column), both 1-based."""

    def __init__(self, text: str) -> None:
        self.starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def at(self, offset: int) -> tuple[int, int]:
        row = bisect_right(self.starts, offset) - 1
        return row + 1, offset - self.starts[row] + 1


def _parse(text: str, name: str, line0: int = 1, col0: int = 1) -> list[tuple[Any, int, int]]:
    """[(node, start, end)] with offsets into ``text``; BadInput on a syntax error."""
    try:
        raws = parse_sql(text)
    except ParseError as exc:
        message = exc.args[0]
        offset = exc.args[1] if len(exc.args) > 1 and exc.args[1] is not None else len(text)
        line, col = _Lines(text).at(max(0, min(offset, len(text))))
        if line == 1:
            col += col0 - 1
        raise BadInput(
            f"{name}:{line + line0 - 1}:{col}: {message}",
            "fix the SQL (it must parse with PostgreSQL's own grammar)",
        ) from None
    out = []
    for raw in raws:
        start = raw.stmt_location or 0
        end = start + raw.stmt_len if raw.stmt_len else len(text)
        out.append((raw.stmt, start, end))
    return out


def _blank_meta(text: str) -> str:
    if "\\" not in text:
        return text
    return _META_LINE.sub(lambda m: " " * len(m.group(0)), text)


def split_source(source: Source, unit0: int = 0) -> list[Statement]:
    """Every statement of one input, plain SQL or Laravel's pretend output."""
    if looks_like_pretend(source.text):
        return _split_pretend(source, unit0)
    text = _blank_meta(source.text)
    lines = _Lines(text)
    out = []
    for node, start, end in _parse(text, source.name):
        body = text[start:end].rstrip().rstrip(";").rstrip()
        line, col = lines.at(start)
        end_line, _ = lines.at(start + max(len(body) - 1, 0))
        out.append(Statement(node, body, source.name, line, col, end_line, unit=unit0))
    return out


def _split_pretend(source: Source, unit0: int) -> list[Statement]:
    out: list[Statement] = []
    units: dict[str, int] = {}
    for query in parse_pretend(source.text):
        unit = units.setdefault(query.migration, unit0 + len(units))
        sql = query.sql
        try:
            parsed = _parse(sql, source.name, query.line, query.column)
        except BadInput:
            if "?" not in sql:
                raise
            sql = fill_placeholders(sql)
            parsed = _parse(sql, source.name, query.line, query.column)
        lines = _Lines(sql)
        for node, start, end in parsed:
            body = sql[start:end].rstrip().rstrip(";").rstrip()
            line, col = lines.at(start)
            if line == 1:
                col += query.column - 1
            end_line, _ = lines.at(start + max(len(body) - 1, 0))
            out.append(
                Statement(
                    node,
                    body,
                    source.name,
                    line + query.line - 1,
                    col,
                    end_line + query.line - 1,
                    unit=unit,
                    migration=query.migration,
                    implicit_txn=True,
                )
            )
    return out
