"""Splits migration input into parsed statements with file, line and column.

PostgreSQL's own grammar (pglast / libpg_query) parses the whole input at once, so every
statement comes back as an AST node, never as opaque text, and a ``;`` inside a string, a
dollar-quoted body or a comment never splits a statement; a parse failure becomes
``BadInput`` naming ``file:line:col`` and the parser's message (exit 2, no traceback).

This is the one splitter of phasetui: the linter, the lock rehearsal and apply all number
and place statements with it, so statement ``#n`` at ``line:col`` is the same statement in a
lint finding, a rehearsal report and an apply step. Input is plain SQL or the output of
``php artisan migrate --pretend``; psql meta-command lines (``\\connect``) are not SQL and are
left out of every statement (:func:`meta_commands` lists them).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field
from typing import Any

from pglast import parse_sql
from pglast.parser import ParseError

from phasetui.errors import BadInput
from phasetui.redaction import mask_error
from phasetui.sql.pretend import fill_placeholders, looks_like_pretend, parse_pretend

_META_LINE = re.compile(r"^[ \t]*\\.*$", re.M)  # psql meta-commands: \restrict, \connect
# Characters PostgreSQL's parser cannot be given: NUL ends its C string (the rest of the file
# would silently go unread), a lone surrogate cannot be encoded to UTF-8.
_UNREADABLE = re.compile(r"[\x00\ud800-\udfff]")
# A long run of operator characters (``/*/*/*…``, ``+-+-…``) makes PostgreSQL's scanner
# back up over the run at every character: quadratic, 40 s for 200 kB. No migration has one.
_OPERATOR_RUN = re.compile(r"[~!@#^&|`?+\-*/%<>=]{10000,}")
_SHOWN_ESCAPED = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029]")

# TransactionStmt kinds, by pglast's enum member name.
_TXN_KINDS = {
    "TRANS_STMT_BEGIN": "begin",
    "TRANS_STMT_START": "begin",
    "TRANS_STMT_COMMIT": "commit",
    "TRANS_STMT_ROLLBACK": "rollback",
    "TRANS_STMT_SAVEPOINT": "savepoint",
    "TRANS_STMT_RELEASE": "release",
    "TRANS_STMT_ROLLBACK_TO": "rollback_to",
    "TRANS_STMT_PREPARE": "prepare",
    "TRANS_STMT_COMMIT_PREPARED": "commit_prepared",
    "TRANS_STMT_ROLLBACK_PREPARED": "rollback_prepared",
}


@dataclass
class Statement:
    """One statement of a migration input, as written (comments before it and the final
    ``;`` trimmed), where it starts, and what the linter or the executor learns about it."""

    node: Any  # a pglast.ast node (the RawStmt's .stmt)
    text: str
    file: str
    line: int  # 1-based, of the statement's first token
    column: int  # 1-based
    end_line: int
    index: int = 0  # 1-based position in its source: the "#n" every report shows
    unit: int = 0  # which migration (a file, or one Laravel migration) it belongs to
    migration: str | None = None
    implicit_txn: bool = False  # the tool wraps its migration in a transaction
    suppressions: dict[str, str] = field(default_factory=dict)
    start: int = 0  # character offset of the first token in the source's text
    # Why PostgreSQL refuses it inside a transaction block on the server at hand; filled in
    # by phasetui.db.statements.split_statements (the linter's rules judge this themselves).
    no_transaction: str | None = None

    @property
    def kind(self) -> str:
        """The parse node's class name, e.g. ``"AlterTableStmt"``."""
        return type(self.node).__name__

    @property
    def where(self) -> str:
        return f"{self.line}:{self.column}"

    @property
    def first_line(self) -> str:
        """A one-line label for tables: the statement on one line, shortened."""
        first = " ".join(self.text.split())
        return first if len(first) <= 80 else first[:77] + "..."

    @property
    def txn_control(self) -> str | None:
        """``"begin"``, ``"commit"``, ``"savepoint"``, … for BEGIN/COMMIT and friends."""
        if self.kind != "TransactionStmt":
            return None
        name = self.node.kind.name
        return _TXN_KINDS.get(name, name.lower())


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
        # the parser quotes the input ("at or near …"): keep the message one line, and
        # never hand the terminal an escape sequence from the file
        message = _SHOWN_ESCAPED.sub(lambda m: f"\\u{ord(m[0]):04x}", mask_error(exc.args[0], text))
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


def meta_commands(text: str, statements: list[Statement]) -> list[tuple[int, int, str]]:
    """[(line, column, command)] of the psql meta-commands of a plain SQL input that the
    split left out (a backslash line inside a statement, in a string, is the statement's)."""
    if "\\" not in text or looks_like_pretend(text):
        return []
    lines = _Lines(text)
    out = []
    for m in _META_LINE.finditer(text):
        if any(s.start <= m.start() < s.start + len(s.text) for s in statements):
            continue
        command = m.group(0).strip()
        line, col = lines.at(m.start() + m.group(0).index("\\"))
        out.append((line, col, command))
    return out


def split_source(source: Source, unit0: int = 0) -> list[Statement]:
    """Every statement of one input, plain SQL or Laravel's pretend output, numbered from 1.

    Lines end at ``\\n`` only, as PostgreSQL, psql, git and an editor count them: a U+2028,
    U+0085 or form feed is a character inside its line. A UTF-8 byte-order mark is not
    shown by editors, so it is not a column: line 1 is counted from after it."""
    _check_readable(source)
    bom = source.text.startswith("\ufeff")
    if bom:  # the parser would read it as a letter; a space keeps every offset
        source = Source(source.name, " " + source.text[1:])
    if looks_like_pretend(source.text):
        out = _split_pretend(source, unit0, bom)
    else:
        out = _split_sql(source, unit0, bom)
    for number, stmt in enumerate(out, start=1):
        stmt.index = number
        if bom and stmt.line == 1:
            stmt.column -= 1
    return out


def _check_readable(source: Source) -> None:
    """BadInput naming ``file:line:col`` for text PostgreSQL's parser cannot read whole."""
    m = _UNREADABLE.search(source.text) or _OPERATOR_RUN.search(source.text)
    if not m:
        return
    line, col = _Lines(source.text).at(m.start())
    where = f"{source.name}:{line}:{col}"
    if m[0] == "\0":
        raise BadInput(
            f"{where}: a NUL character (\\0): PostgreSQL cannot be given one, and would stop "
            "reading the statement there",
            "remove it (a file saved as UTF-16, or a binary file, is full of them)",
        )
    if len(m[0]) == 1:
        raise BadInput(
            f"{where}: not valid Unicode (a lone surrogate U+{ord(m[0]):04X})",
            "give UTF-8 text",
        )
    raise BadInput(
        f"{where}: a run of {len(m[0])} operator characters, which PostgreSQL's scanner "
        "reads in quadratic time",
        "no migration needs one; remove it",
    )


def _split_sql(source: Source, unit0: int, bom: bool = False) -> list[Statement]:
    # Meta-command lines are blanked only when the input does not parse as it is (a line
    # starting with a backslash may be inside a string) and only for the parser: the same
    # offsets hold in the original, whose text each statement keeps exactly.
    text = source.text
    col0 = 0 if bom else 1
    try:
        parsed = _parse(text, source.name, col0=col0)
    except BadInput:
        text = _blank_meta(text)
        if text == source.text:
            raise
        parsed = _parse(text, source.name, col0=col0)
    lines = _Lines(text)
    out = []
    for node, start, end in parsed:
        length = len(text[start:end].rstrip().rstrip(";").rstrip())
        body = source.text[start : start + length]
        line, col = lines.at(start)
        end_line, _ = lines.at(start + max(length - 1, 0))
        out.append(Statement(node, body, source.name, line, col, end_line, unit=unit0, start=start))
    return out


def _split_pretend(source: Source, unit0: int, bom: bool = False) -> list[Statement]:
    out: list[Statement] = []
    units: dict[str, int] = {}
    file_lines = _Lines(source.text)
    for query in parse_pretend(source.text):
        unit = units.setdefault(query.migration, unit0 + len(units))
        sql = query.sql
        col0 = query.column - (1 if bom and query.line == 1 else 0)
        try:
            parsed = _parse(sql, source.name, query.line, col0)
        except BadInput:
            if "?" not in sql:
                raise
            sql = fill_placeholders(sql)
            parsed = _parse(sql, source.name, query.line, col0)
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
                    start=file_lines.starts[line + query.line - 2] + col - 1,
                )
            )
    return out
