"""Reads the output of ``php artisan migrate --pretend`` back into SQL statements.

Laravel 9+ prints each migration's name as a dotted header line followed by its queries
prefixed with ``⇂``; Laravel 8 and older print ``ClassName: query`` per line. Either way
we keep the migration name, so a finding can say which Laravel migration it came from,
and the file line/column of each query, so a finding points back into the output.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_NEW_QUERY = re.compile(r"^(\s*⇂\s*)(\S.*?)\s*$")
_NEW_HEADER = re.compile(r"^\s*(\d{4}_\d{2}_\d{2}_\d{6}_\w+)(?:\s*\.+.*)?\s*$")
_OLD_LINE = re.compile(r"^([A-Za-z_\\][\w\\]*|\d{4}_\d{2}_\d{2}_\d{6}_\w+): (\S.*?)\s*$")
# The first word of every PostgreSQL command: a Laravel 8 line `Class: <command>` is a query
# (a `DB::statement('ROLLBACK')` included), not the continuation of the one before it.
_SQL_START = re.compile(
    r"^(abort|alter|analyze|begin|call|checkpoint|close|cluster|comment|commit|copy|create|"
    r"deallocate|declare|delete|discard|do|drop|end|execute|explain|fetch|grant|import|insert|"
    r"listen|load|lock|merge|move|notify|prepare|reassign|refresh|reindex|release|reset|"
    r"revoke|rollback|savepoint|security|select|set|show|start|table|truncate|unlisten|"
    r"update|vacuum|values|with)\b",
    re.I,
)
_NOISE = re.compile(r"^\s*(INFO|WARN|ERROR)?\s*(Running migrations|Nothing to migrate)", re.I)


@dataclass(frozen=True)
class PretendQuery:
    migration: str
    sql: str
    line: int  # 1-based line in the pretend output
    column: int  # 1-based column where the SQL starts


def _lines(text: str) -> list[str]:
    """Lines as PostgreSQL, git and editors count them: ended by ``\\n`` only. ``splitlines``
    would also end one at U+2028, U+0085, a form feed, …, and every later line number of a
    finding would point above the statement it means."""
    return text.split("\n")


def looks_like_pretend(text: str) -> bool:
    """True for Laravel's pretend output (either format), False for plain SQL."""
    head = text[:20000]
    if "⇂" in head and any(_NEW_QUERY.match(line) for line in _lines(head)):
        return True
    lines = [line for line in _lines(head) if line.strip()]
    if not lines:
        return False
    first = _OLD_LINE.match(lines[0])
    return bool(first and _SQL_START.match(first.group(2)))


def parse_pretend(text: str) -> list[PretendQuery]:
    queries: list[PretendQuery] = []
    migration = "(unknown migration)"
    current: list[str] | None = None
    start = (0, 0)

    def flush() -> None:
        nonlocal current
        if current:
            queries.append(PretendQuery(migration, "\n".join(current), *start))
        current = None

    for number, line in enumerate(_lines(text), start=1):
        if not line.strip() or _NOISE.match(line):
            flush()
            continue
        if m := _NEW_QUERY.match(line):
            flush()
            current, start = [m.group(2)], (number, len(m.group(1)) + 1)
        elif m := _NEW_HEADER.match(line):
            flush()
            migration = m.group(1)
        elif (m := _OLD_LINE.match(line)) and _SQL_START.match(m.group(2)):
            flush()
            migration = m.group(1)
            current, start = [m.group(2)], (number, len(m.group(1)) + 3)
        elif current is not None:
            current.append(line)  # a query that spans lines
    flush()
    return queries


_PLACEHOLDER = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|\?")


def fill_placeholders(sql: str) -> str:
    """Laravel prints bound queries with ``?``: give the parser ``$n`` parameters instead."""
    counter = 0

    def swap(m: re.Match[str]) -> str:
        nonlocal counter
        if m.group(0) != "?":
            return m.group(0)
        counter += 1
        return f"${counter}"

    return _PLACEHOLDER.sub(swap, sql)
