"""Building safe rewrites: a fresh copy of a statement's tree, changed, printed back to SQL.

pglast's printer (imported only when a rewrite is needed) writes PostgreSQL's own syntax,
so a rewrite keeps every detail of the original (schema, opclass, predicate, INCLUDE).
"""

from __future__ import annotations

from typing import Any

from phasetui.sql.findings import RewriteStep

LOCK_TIMEOUT = "SET lock_timeout = '2s'"


def fresh(text: str) -> Any:
    """A new tree of one statement, safe to change."""
    from pglast import parse_sql

    return parse_sql(text)[0].stmt


def to_sql(node: Any) -> str:
    from pglast.stream import RawStream

    return RawStream()(node)


def step(phase: str, sql: str, note: str = "") -> RewriteStep:
    if not sql.endswith(";") and not sql.startswith("--"):
        sql += ";"
    return RewriteStep(phase, sql, note)


def phase_or(ctx_phase: str, default: str) -> str:
    """The phase a rewrite step belongs to: the one being linted, unless it is 'any'."""
    return default if ctx_phase in {"any", "backfill"} else ctx_phase


def insert_after_keyword(text: str, keyword: str, words: str) -> str | None:
    """The statement text with ``words`` inserted after its first ``keyword`` token, keeping
    the author's formatting; None when the keyword is not there."""
    from pglast.parser import scan

    for token in scan(text):
        if token.name == keyword:
            return f"{text[: token.end + 1]} {words}{text[token.end + 1 :]}"
    return None
