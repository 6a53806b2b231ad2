"""Sees into DO blocks: the SQL a PL/pgSQL body runs, as statements the rules can lint.

A ``DO`` block runs in one transaction, so its statements are linted as one transaction
block: an ALTER TABLE followed by an UPDATE inside it holds the ALTER's lock for the whole
update, exactly as in ``BEGIN … COMMIT``. The body is parsed with PostgreSQL's own PL/pgSQL
parser (``pglast.parse_plpgsql``); static SQL (``PLpgSQL_stmt_execsql``) is taken as
written. Dynamic SQL is taken only when it is a string literal or ``format('…', …)`` with a
literal template, its ``%I`` / ``%s`` / ``%L`` placeholders standing for an unknown (so
existing) object; anything else stays unseen, and the DO block keeps its
``unknown-statement`` warning either way.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from phasetui.sql.statements import Statement

_FORMAT = re.compile(r"^\s*format\s*\(\s*(?:E)?'((?:[^']|'')*)'", re.I | re.S)
_LITERAL = re.compile(r"^\s*'((?:[^']|'')*)'\s*$", re.S)
_PLACEHOLDER = re.compile(r"%(?:\d+\$)?[-]?[ILs]")
DYNAMIC_NAME = "phasetui_dynamic"


def _body(node: Any) -> str | None:
    body = None
    language = "plpgsql"
    for arg in node.args or ():
        if arg.defname == "as":
            body = getattr(arg.arg, "sval", None)
        elif arg.defname == "language":
            language = (getattr(arg.arg, "sval", "") or "").lower()
    return body if language == "plpgsql" else None


def _walk(tree: Any) -> Iterator[tuple[int, str, bool]]:
    """(line in the body, SQL text, dynamic?) in the order the body lists them."""
    if isinstance(tree, list):
        for item in tree:
            yield from _walk(item)
        return
    if not isinstance(tree, dict):
        return
    for key, value in tree.items():
        if key == "PLpgSQL_stmt_execsql":
            query = value.get("sqlstmt", {}).get("PLpgSQL_expr", {}).get("query")
            if query:
                yield value.get("lineno", 1), query, False
            continue
        if key == "PLpgSQL_stmt_dynexecute":
            query = value.get("query", {}).get("PLpgSQL_expr", {}).get("query", "")
            template = _template(query)
            if template:
                yield value.get("lineno", 1), template, True
            continue
        if key == "datums":
            continue
        yield from _walk(value)


def _template(expr: str) -> str | None:
    """The SQL of ``EXECUTE 'literal'`` or ``EXECUTE format('template', …)``."""
    m = _FORMAT.match(expr) or _LITERAL.match(expr)
    if m is None:
        return None
    text = m.group(1).replace("''", "'")
    text = _PLACEHOLDER.sub(DYNAMIC_NAME, text)
    return text.replace("%%", "%")


def do_block_statements(stmt: Statement) -> list[tuple[Statement, int]]:
    """The statements a DO block runs, as far as they can be read without running it, each
    with the line of the file it is written on."""
    body = _body(stmt.node)
    if not body:
        return []
    from pglast import parse_plpgsql, parse_sql

    try:
        tree = parse_plpgsql(
            "CREATE FUNCTION phasetui_do() RETURNS void LANGUAGE plpgsql AS "
            f"$phasetui_do${body}$phasetui_do$"
        )
    except Exception:  # noqa: BLE001 - an unparseable body stays unseen (still warned)
        return []
    start = stmt.text.find(body)
    base = stmt.line + (stmt.text.count("\n", 0, start) if start >= 0 else 0)
    out: list[Statement] = []
    lines: list[int] = []
    for lineno, sql, _dynamic in _walk(tree):
        inner_line = base + lineno - 1
        try:
            raws = parse_sql(sql)
        except Exception:  # noqa: BLE001 - e.g. a placeholder where no name fits
            continue
        for raw in raws:
            start_at = raw.stmt_location or 0
            end_at = start_at + raw.stmt_len if raw.stmt_len else len(sql)
            text = sql[start_at:end_at].strip().rstrip(";").strip()
            out.append(
                Statement(
                    raw.stmt,
                    text,
                    stmt.file,
                    # findings are placed at the DO block (lint, rehearsal and apply number
                    # and place a file's statements alike); the line inside is in `inner_line`
                    stmt.line,
                    stmt.column,
                    stmt.end_line,
                    index=stmt.index,
                    unit=stmt.unit,
                    migration=stmt.migration,
                    implicit_txn=stmt.implicit_txn,
                    suppressions=dict(stmt.suppressions),
                )
            )
            lines.append(inner_line)
    return list(zip(out, lines, strict=True))


def expand_do_blocks(
    statements: list[Statement],
) -> tuple[list[Statement], dict[int, tuple[int, int]]]:
    """The statements with each DO block followed by the statements it runs, and a map
    from each such statement's position in the list to (its DO block's position, the line
    it is written on)."""
    if not any(s.kind == "DoStmt" for s in statements):
        return statements, {}
    out: list[Statement] = []
    inner: dict[int, tuple[int, int]] = {}
    for stmt in statements:
        out.append(stmt)
        if stmt.kind != "DoStmt":
            continue
        do_index = len(out) - 1
        for sub, line in do_block_statements(stmt):
            inner[len(out)] = (do_index, line)
            out.append(sub)
    return out, inner
