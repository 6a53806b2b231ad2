"""Reading from a target that must not be written: one statement, a READ ONLY transaction,
a statement_timeout.

migration-status and verify only read. The server enforces it (``SET TRANSACTION READ ONLY``
plus ``default_transaction_read_only`` for the session, so a ``COMMIT`` inside the text cannot
open a writable transaction after it), and the text must be exactly one statement: libpq's
simple protocol would otherwise run ``commit; delete …`` as two.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from phasetui.errors import UserError

if TYPE_CHECKING:  # pragma: no cover
    import psycopg

# SQLSTATEs a read can end with that the user must fix (the query, the timeout, the table)
READ_ONLY_VIOLATION = "25006"
QUERY_CANCELED = "57014"
UNDEFINED_TABLE = "42P01"


@dataclass
class ReadResult:
    columns: list[str]
    rows: list[tuple[Any, ...]]
    ms: float


def one_statement(sql: str, what: str) -> None:
    """UserError unless ``sql`` is exactly one statement PostgreSQL's grammar reads."""
    import pglast

    try:
        statements = pglast.parse_sql(sql)
    except pglast.parser.ParseError as exc:
        raise UserError(
            f"{what}: the SQL does not parse: {exc}", "fix the query (PostgreSQL's own grammar)"
        ) from None
    if len(statements) != 1:
        raise UserError(
            f"{what}: {len(statements)} statements where one query goes",
            "give one SELECT (several checks: one query each, in `queries`)",
        )


@contextmanager
def read_only_connection(dsn: str, statement_timeout: float) -> Iterator[psycopg.Connection]:
    """A connection (application_name phasetui) whose every transaction is read-only and
    whose statements stop after ``statement_timeout`` seconds; clear errors on connect."""
    from phasetui.db.session import ExecSettings, connect

    conn = connect(dsn, ExecSettings(statement_timeout=statement_timeout))
    try:
        conn.execute("SELECT set_config('default_transaction_read_only', 'on', false)")
        yield conn
    finally:
        conn.close()


def read(conn: psycopg.Connection, query: Any, params: Any = None) -> ReadResult:
    """Runs ``query`` in its own READ ONLY transaction; database errors propagate (the
    caller words them: it knows which step, env and field the query came from)."""
    t0 = time.perf_counter()
    with conn.transaction():
        conn.execute("SET TRANSACTION READ ONLY")
        cur = conn.execute(query, params)
        columns = [c.name for c in cur.description or ()]
        rows = cur.fetchall() if cur.description else []
    return ReadResult(columns, rows, round((time.perf_counter() - t0) * 1000, 1))


def is_db_error(exc: BaseException, sqlstate: str | None = None) -> bool:
    import psycopg

    return isinstance(exc, psycopg.Error) and (
        sqlstate is None or getattr(exc, "sqlstate", None) == sqlstate
    )
