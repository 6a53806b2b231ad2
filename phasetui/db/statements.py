"""What executing migration statements needs on top of the shared split: transactions.

Rehearsal and apply run a migration statement by statement, numbered and placed by
:mod:`phasetui.sql.statements` (the splitter the linter uses too, so ``#n`` at ``line:col``
is the same statement in a lint finding, a rehearsal and an apply). On top of that they
must know whether PostgreSQL refuses a statement inside a transaction block (``CREATE INDEX
CONCURRENTLY`` and friends: rehearsal cannot run it, apply must run it in autocommit) and
how the input groups statements into transactions (``BEGIN``/``COMMIT`` in a SQL file, one
transaction per Laravel migration in ``migrate --pretend`` output).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from phasetui.errors import BadInput
from phasetui.sql.names import walk
from phasetui.sql.statements import Source, Statement, meta_commands, split_source

__all__ = [
    "Batch",
    "Statement",
    "check_sql_ceiling",
    "for_server",
    "needs_parameters",
    "no_transaction_reason",
    "plan_batches",
    "split_statements",
]


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


def needs_parameters(st: Statement) -> bool:
    """True for a statement with ``$n`` parameters (Laravel prints bound values as ``?``):
    their values are not in the input, so it cannot run as written. A function body or a
    PREPARE has parameters of its own and runs fine."""
    if st.kind in ("CreateFunctionStmt", "PrepareStmt"):
        return False
    return any(type(n).__name__ == "ParamRef" for n in walk(st.node))


def split_statements(
    sql: str, *, source: str = "<sql>", server_version: int | None = None
) -> list[Statement]:
    """The statements of ``sql`` (plain SQL or ``migrate --pretend`` output) in order, each
    knowing whether it can run in a transaction on ``server_version``; BadInput names
    ``file:line:col`` for a parse error or a psql meta-command (it is not SQL)."""
    statements = split_source(Source(source, sql))
    if found := meta_commands(sql, statements):
        line, col, command = found[0]
        raise BadInput(
            f"{source}:{line}:{col}: `{command}` is a psql meta-command, not SQL",
            "remove it (phasetui runs the file's SQL statements, not psql)",
        )
    for st in statements:
        st.no_transaction = no_transaction_reason(st.node, server_version)
    return statements


def for_server(statements: list[Statement], server_version: int) -> list[Statement]:
    """The statements split before connecting, told what the connected server refuses
    inside a transaction block (``ADD VALUE`` before 12)."""
    for st in statements:
        st.no_transaction = no_transaction_reason(st.node, server_version)
    return statements


def check_sql_ceiling(
    sql: str,
    *,
    source: str,
    lock_timeout: float,
    statement_timeout: float,
    verb: str,
    runbook: bool = False,
) -> list[Statement]:
    """The statements of ``sql``, once it is sure none lifts phasetui's timeouts (else a
    UserError naming statement #n, its line and the fix, before anything connects or runs).

    Rehearse and apply call it with the limits they run with; the ``timeout-override`` lint
    rule judges the same way against the defaults (:mod:`phasetui.sql.ceiling`)."""
    from phasetui.sql.ceiling import Limits, check_ceiling

    statements = split_statements(sql, source=source)
    limits = Limits.of_seconds(lock_timeout, statement_timeout)
    check_ceiling(statements, limits, source=source, text=sql, verb=verb, runbook=runbook)
    return statements


@dataclass(frozen=True)
class Batch:
    """Statements that apply runs as one unit: one transaction, or one autocommit statement."""

    statements: tuple[Statement, ...]
    autocommit: bool  # True: runs outside any transaction (CONCURRENTLY, VACUUM, …)
    explicit: bool  # True: the file wrapped it in BEGIN … COMMIT

    @property
    def first(self) -> Statement:
        return self.statements[0]


def plan_batches(statements: list[Statement]) -> list[Batch]:
    """Groups statements the way the input asks: ``BEGIN … COMMIT`` is one transaction, so
    is each Laravel migration of ``migrate --pretend`` output (as Laravel runs it, unless it
    uses CONCURRENTLY, which needs ``$withinTransaction = false``), any other statement runs
    in a transaction of its own (like ``psql``), and a statement that cannot run in a
    transaction runs in autocommit. Refuses what PostgreSQL would refuse mid-way
    (CONCURRENTLY inside BEGIN, an unclosed BEGIN) and statements whose parameter values the
    input lacks, before anything runs."""
    batches: list[Batch] = []
    open_block: list[Statement] | None = None
    opened_at: Statement | None = None
    migration: list[Statement] = []  # the current Laravel migration's own transaction
    autocommit_units = {st.unit for st in statements if st.implicit_txn and st.no_transaction}

    def close_migration() -> None:
        if migration:
            batches.append(Batch(tuple(migration), autocommit=False, explicit=False))
            migration.clear()

    for st in statements:
        where = f"{st.file}:{st.where}"
        if needs_parameters(st):
            raise BadInput(
                f"{where}: {st.first_line!r} has bound parameters whose values the input lacks",
                "run this migration with artisan, or write the values into the SQL",
            )
        if migration and migration[-1].unit != st.unit:
            close_migration()
        if (
            st.implicit_txn
            and st.unit not in autocommit_units
            and st.txn_control is None
            and open_block is None
        ):
            migration.append(st)
            continue
        close_migration()
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
    close_migration()
    if open_block is not None:
        raise BadInput(
            f"{opened_at.file}:{opened_at.where}: BEGIN without a COMMIT",
            "end the transaction with COMMIT",
        )
    return batches
