"""Migration SQL as a list of statements, each with its position and its transaction needs.

Rehearsal and apply both run a file statement by statement, so they must know where each
statement starts (to name ``file:line:col`` in a report), whether it is a transaction
control statement (``BEGIN``/``COMMIT``: rehearsal must never let one through, apply uses them
to group statements) and whether PostgreSQL refuses to run it inside a transaction block
(``CREATE INDEX CONCURRENTLY`` and friends: rehearsal cannot run it, apply must run it in
autocommit). The split uses pglast, i.e. PostgreSQL's own grammar, so a ``;`` inside a string,
a dollar-quoted function body or a comment never splits a statement.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from phasetui.errors import BadInput

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

_LEADING_NOISE = re.compile(r"(?:\s+|--[^\n]*(?:\n|$)|/\*.*?\*/)*", re.S)


@dataclass(frozen=True)
class Statement:
    """One statement of a migration file, as written (comments before it trimmed)."""

    index: int  # 1-based position in the file
    text: str
    start: int  # character offset of the statement's first token in the file
    line: int  # 1-based
    column: int  # 1-based
    kind: str  # the parse node's class name, e.g. "AlterTableStmt"
    txn_control: str | None = None  # "begin", "commit", "savepoint", … for TransactionStmt
    no_transaction: str | None = None  # why PostgreSQL refuses it in a transaction block
    node: Any = field(default=None, compare=False, repr=False)

    @property
    def where(self) -> str:
        return f"{self.line}:{self.column}"

    @property
    def first_line(self) -> str:
        """A one-line label for tables: the statement's first line, shortened."""
        first = " ".join(self.text.split())
        return first if len(first) <= 80 else first[:77] + "..."


def _line_col(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    col = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return line, col


def _has_option(params: Any, name: str) -> bool:
    return any(getattr(p, "defname", None) == name for p in params or ())


def no_transaction_reason(node: Any, server_version: int | None = None) -> str | None:
    """Why this statement cannot run inside a transaction block, or None if it can.

    ``server_version`` is ``server_version_num`` (e.g. 150004); None means "a current one".
    """
    name = type(node).__name__
    if name == "IndexStmt" and node.concurrent:
        return "CREATE INDEX CONCURRENTLY cannot run inside a transaction block"
    if name == "DropStmt" and getattr(node, "concurrent", False):
        return "DROP INDEX CONCURRENTLY cannot run inside a transaction block"
    if name == "ReindexStmt":
        if _has_option(node.params, "concurrently"):
            return "REINDEX CONCURRENTLY cannot run inside a transaction block"
        if node.kind.name in ("REINDEX_OBJECT_SYSTEM", "REINDEX_OBJECT_DATABASE"):
            return "REINDEX SYSTEM/DATABASE cannot run inside a transaction block"
    if name == "AlterTableStmt":
        for cmd in node.cmds or ():
            part = getattr(cmd, "def_", None)
            if type(part).__name__ == "PartitionCmd" and part.concurrent:
                return "DETACH PARTITION CONCURRENTLY cannot run inside a transaction block"
    if name == "VacuumStmt" and node.is_vacuumcmd:
        return "VACUUM cannot run inside a transaction block"
    if name == "ClusterStmt" and node.relation is None:
        return "CLUSTER without a table cannot run inside a transaction block"
    if name in ("CreatedbStmt", "DropdbStmt"):
        verb = "CREATE" if name == "CreatedbStmt" else "DROP"
        return f"{verb} DATABASE cannot run inside a transaction block"
    if name == "AlterSystemStmt":
        return "ALTER SYSTEM cannot run inside a transaction block"
    if name in ("CreateTableSpaceStmt", "DropTableSpaceStmt"):
        return "CREATE/DROP TABLESPACE cannot run inside a transaction block"
    if name == "AlterEnumStmt" and node.newVal is not None:
        if server_version is not None and server_version < 120000:
            return (
                "ALTER TYPE … ADD VALUE cannot run inside a transaction block before PostgreSQL 12"
            )
    if name == "CreateSubscriptionStmt":
        return "CREATE SUBSCRIPTION (creating a slot) cannot run inside a transaction block"
    return None


def split_statements(
    sql: str, *, source: str = "<sql>", server_version: int | None = None
) -> list[Statement]:
    """Parses ``sql`` and returns its statements in order; BadInput names ``file:line:col``."""
    from pglast import parser

    try:
        raw = parser.parse_sql(sql)
    except parser.ParseError as exc:
        offset = exc.args[1] if len(exc.args) > 1 and isinstance(exc.args[1], int) else 0
        offset = max(0, min(len(sql), offset))
        line, col = _line_col(sql, offset)
        raise BadInput(
            f"{source}:{line}:{col}: cannot parse SQL: {exc.args[0]}",
            "fix the statement (phasetui parses with PostgreSQL's own grammar)",
        ) from exc
    out: list[Statement] = []
    for raw_stmt in raw:
        node = raw_stmt.stmt
        begin = raw_stmt.stmt_location or 0
        end = begin + raw_stmt.stmt_len if raw_stmt.stmt_len else len(sql)
        chunk = sql[begin:end]
        skip = _LEADING_NOISE.match(chunk)
        lead = skip.end() if skip else 0
        start = begin + lead
        text = chunk[lead:].rstrip().rstrip(";").rstrip()
        line, col = _line_col(sql, start)
        txn = None
        if type(node).__name__ == "TransactionStmt":
            txn = _TXN_KINDS.get(node.kind.name, node.kind.name.lower())
        out.append(
            Statement(
                index=len(out) + 1,
                text=text,
                start=start,
                line=line,
                column=col,
                kind=type(node).__name__,
                txn_control=txn,
                no_transaction=no_transaction_reason(node, server_version),
                node=node,
            )
        )
    return out


@dataclass(frozen=True)
class Batch:
    """Statements that apply runs as one unit: one transaction, or one autocommit statement."""

    statements: tuple[Statement, ...]
    autocommit: bool  # True: runs outside any transaction (CONCURRENTLY, VACUUM, …)
    explicit: bool  # True: the file wrapped it in BEGIN … COMMIT

    @property
    def first(self) -> Statement:
        return self.statements[0]


def plan_batches(statements: list[Statement], *, source: str = "<sql>") -> list[Batch]:
    """Groups statements the way the file asks: ``BEGIN … COMMIT`` is one transaction, any
    other statement runs in a transaction of its own (like ``psql``), and a statement that
    cannot run in a transaction runs in autocommit. Refuses what PostgreSQL would refuse
    mid-way (CONCURRENTLY inside BEGIN, an unclosed BEGIN), before anything runs."""
    batches: list[Batch] = []
    open_block: list[Statement] | None = None
    opened_at: Statement | None = None
    for st in statements:
        where = f"{source}:{st.line}:{st.column}"
        if st.txn_control == "begin":
            if open_block is not None:
                raise BadInput(
                    f"{where}: BEGIN inside the transaction opened at line {opened_at.line}",
                    "close the first transaction with COMMIT before the next BEGIN",
                )
            open_block, opened_at = [], st
            continue
        if st.txn_control == "commit":
            if open_block is None:
                continue  # a COMMIT with nothing open is a no-op in PostgreSQL too
            if open_block:
                batches.append(Batch(tuple(open_block), autocommit=False, explicit=True))
            open_block, opened_at = None, None
            continue
        if st.txn_control in ("rollback", "prepare", "commit_prepared", "rollback_prepared"):
            raise BadInput(
                f"{where}: {st.first_line!r} in a migration file",
                "apply commits each BEGIN … COMMIT block; remove the statement",
            )
        if st.no_transaction:
            if open_block is not None:
                raise BadInput(
                    f"{where}: {st.no_transaction} (the BEGIN is at line {opened_at.line})",
                    "move the statement after the COMMIT, on its own",
                )
            batches.append(Batch((st,), autocommit=True, explicit=False))
            continue
        if open_block is not None:
            open_block.append(st)
        else:
            batches.append(Batch((st,), autocommit=False, explicit=False))
    if open_block is not None:
        raise BadInput(
            f"{source}:{opened_at.line}:{opened_at.column}: BEGIN without a COMMIT",
            "end the transaction with COMMIT",
        )
    return batches
