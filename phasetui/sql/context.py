"""What the linter knows at each statement: transactions, timeouts, new objects, proofs.

Statements are walked in order; every rule sees the state *before* its statement, and
``advance`` then folds the statement in. A first pass gives each statement its transaction
(explicit BEGIN…COMMIT, or the migration tool's implicit one) so a rule can also look
ahead within its transaction: a later statement can make an earlier pattern unsafe.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from phasetui.redaction import mask_sql
from phasetui.sql import locks
from phasetui.sql.findings import ERROR, WARNING, Finding, RewriteStep
from phasetui.sql.names import bare, type_name, walk
from phasetui.sql.statements import Statement
from phasetui.sql.typechange import ColumnType

if TYPE_CHECKING:
    from phasetui.sql.catalog import CatalogFacts, TableFacts
    from phasetui.sql.effects import Effect

_CONCURRENT_KINDS = {"IndexStmt", "DropStmt", "ReindexStmt", "AlterTableStmt", "VacuumStmt"}
# Statement.txn_control values that end the open transaction block. ROLLBACK TO SAVEPOINT
# and COMMIT/ROLLBACK PREPARED do not (the latter cannot run inside a block at all).
_TXN_ENDS = {"commit", "rollback", "prepare"}


@dataclass
class TxnInfo:
    """Per statement: its transaction id and whether it runs inside a multi-statement one."""

    txn: int
    in_block: bool


def has_concurrent(node: Any) -> bool:
    kind = type(node).__name__
    if kind not in _CONCURRENT_KINDS:
        return False
    if kind in {"IndexStmt", "DropStmt"}:
        return bool(node.concurrent)
    if kind == "ReindexStmt":
        return any(p.defname == "concurrently" for p in node.params or ())
    if kind == "VacuumStmt":
        return bool(node.is_vacuumcmd)
    return any(
        type(cmd.def_).__name__ == "PartitionCmd" and cmd.def_.concurrent for cmd in node.cmds
    )


def assign_transactions(statements: list[Statement]) -> list[TxnInfo]:
    """Explicit BEGIN…COMMIT blocks, and the transaction a migration tool wraps each of its
    migrations in (``Statement.implicit_txn``): each Laravel migration of ``artisan migrate
    --pretend`` output, and each file linted with ``LintOptions.wrapped``.

    Laravel wraps each migration in a transaction on PostgreSQL unless the migration sets
    ``$withinTransaction = false``, which any migration using CONCURRENTLY must do (it
    would fail otherwise), so such a Laravel migration is treated as running statement by
    statement. A wrapped file has no opt-out the SQL shows: a CONCURRENTLY in it runs inside
    the tool's transaction and fails, as the runner would.
    """
    concurrent_units = {  # Laravel migrations (only pretend output names a migration)
        s.unit
        for s in statements
        if s.implicit_txn and s.migration is not None and has_concurrent(s.node)
    }
    out: list[TxnInfo] = []
    txn = 0
    in_block = False
    last_unit = None
    for stmt in statements:
        implicit = stmt.implicit_txn and stmt.unit not in concurrent_units
        if stmt.unit != last_unit:
            in_block = False
            txn += 1
            last_unit = stmt.unit
        control = stmt.txn_control
        if control == "begin":
            txn += 1
            in_block = True
            out.append(TxnInfo(txn, True))
            continue
        if control in _TXN_ENDS:
            out.append(TxnInfo(txn, in_block or implicit))
            in_block = False
            txn += 1
            continue
        if in_block or implicit:
            out.append(TxnInfo(txn, True))
        else:
            txn += 1
            out.append(TxnInfo(txn, False))
    return out


@dataclass
class Options:
    phase: str = "any"
    pg_version: int = 15
    small_table_bytes: int = 10 * 1024 * 1024
    catalog: CatalogFacts | None = None


@dataclass
class Context:
    options: Options
    statements: list[Statement] = field(default_factory=list)
    txns: list[TxnInfo] = field(default_factory=list)
    index: int = 0
    new_tables: set[str] = field(default_factory=set)
    new_indexes: set[str] = field(default_factory=set)
    columns: dict[str, dict[str, ColumnType]] = field(default_factory=dict)
    not_null_columns: dict[str, set[str]] = field(default_factory=dict)
    proven_not_null: dict[str, set[str]] = field(default_factory=dict)
    pending_checks: dict[tuple[str, str], str] = field(default_factory=dict)  # -> column
    not_valid: dict[tuple[str, str], int] = field(default_factory=dict)  # -> txn added
    validated: set[tuple[str, str]] = field(default_factory=set)
    held: dict[str, str] = field(default_factory=dict)  # relation -> strongest blocking mode
    # relation -> strongest blocking mode taken earlier in this migration unit, in or out of
    # a transaction block (migration runners usually run a whole file as one transaction)
    unit_locked: dict[str, str] = field(default_factory=dict)
    session_timeout: bool = False
    local_timeout: bool = False
    utc: bool = False
    current: list[Finding] = field(default_factory=list)  # findings on this statement so far
    effects: list[Effect] | None = None  # the locks of the statement being linted
    timeout_warned: set[int] = field(default_factory=set)  # units already warned
    local_outside_seen: bool = False  # a SET LOCAL lock_timeout ran outside a transaction

    # --- the statement being linted -------------------------------------------------
    @property
    def stmt(self) -> Statement:
        return self.statements[self.index]

    @property
    def txn(self) -> TxnInfo:
        return self.txns[self.index]

    @property
    def pg(self) -> int:
        return self.options.pg_version

    @property
    def phase(self) -> str:
        return self.options.phase

    @property
    def lock_timeout_set(self) -> bool:
        catalog = self.options.catalog
        preset = bool(catalog and catalog.lock_timeout_ms)
        return self.session_timeout or self.local_timeout or preset

    def later_in_txn(self) -> list[Statement]:
        """The statements after this one in the same multi-statement transaction."""
        if not self.txn.in_block:
            return []
        out = []
        for i in range(self.index + 1, len(self.statements)):
            if self.txns[i].txn != self.txn.txn:
                break
            out.append(self.statements[i])
        return out

    def later(self) -> list[Statement]:
        return self.statements[self.index + 1 :]

    # --- facts about objects -------------------------------------------------------
    def is_new(self, name: str) -> bool:
        """Created earlier in this migration input, so new, empty and unseen by the app."""
        b = bare(name)
        return b in self.new_tables or b in self.new_indexes

    def table_facts(self, name: str) -> TableFacts | None:
        catalog = self.options.catalog
        return catalog.table(name) if catalog else None

    def column_type(self, table: str, column: str) -> tuple[ColumnType | None, str]:
        """The column's current type and where that knowledge came from."""
        known = self.columns.get(bare(table), {}).get(column)
        if known:
            return known, "this migration"
        facts = self.table_facts(table)
        if facts and column in facts.columns:
            return ColumnType.parse(facts.columns[column].type), "catalog"
        return None, ""

    def column_nullable(self, table: str, column: str) -> bool | None:
        if column in self.not_null_columns.get(bare(table), set()):
            return False
        facts = self.table_facts(table)
        if facts and column in facts.columns:
            return not facts.columns[column].not_null
        return None

    def not_null_proven(self, table: str, column: str) -> bool:
        if column in self.proven_not_null.get(bare(table), set()):
            return True
        facts = self.table_facts(table)
        return bool(facts and column in facts.not_null_checks)

    def assume_large(self, table: str) -> tuple[str, ...]:
        if self.options.catalog is None:
            return (f"assuming `{table}` is large (no catalog: pass --env/--dsn for facts)",)
        facts = self.table_facts(table)
        if facts is None:
            return (f"`{table}` was not found in the catalog of the target",)
        return ()

    # --- making findings ----------------------------------------------------------
    def finding(
        self,
        rule: str,
        message: str,
        *,
        severity: str = ERROR,
        relation: str = "",
        lock: str | None = None,
        duration: str = "",
        rewrite: tuple[RewriteStep, ...] | list[RewriteStep] = (),
        assumptions: tuple[str, ...] | list[str] = (),
        size_matters: bool = True,
    ) -> Finding:
        """A finding on the current statement; errors on small tables drop to warnings."""
        stmt = self.stmt
        assumptions = tuple(assumptions)
        facts = self.table_facts(relation) if relation else None
        if severity == ERROR and size_matters and facts is not None:
            if facts.bytes < self.options.small_table_bytes:
                severity = WARNING
                message += f" (`{relation}` is small: {facts.bytes // 1024} kB, so a warning)"
        return Finding(
            rule=rule,
            severity=severity,
            message=message,
            file=stmt.file,
            line=stmt.line,
            column=stmt.column,
            statement_index=stmt.index,
            statement=mask_sql(stmt.text),  # the report is evidence: no password in it
            relation=relation,
            lock=lock,
            duration=duration,
            rewrite=tuple(replace(r, sql=mask_sql(r.sql)) for r in rewrite),
            assumptions=assumptions,
            migration=stmt.migration,
            suppressed=_suppression(stmt, rule),
        )

    # --- folding a statement in ---------------------------------------------------
    def advance(self, effects: list[Effect] | None) -> None:
        from phasetui.sql.tracking import track

        track(self, self.stmt)
        for eff in effects or ():
            if locks.is_blocking(eff.mode) and not self.is_new(eff.relation):
                rel = bare(eff.relation)
                if locks.strength(eff.mode) > locks.strength(self.unit_locked.get(rel)):
                    self.unit_locked[rel] = eff.mode
                if self.txn.in_block and locks.strength(eff.mode) > locks.strength(
                    self.held.get(rel)
                ):
                    self.held[rel] = eff.mode
        nxt = self.index + 1
        if nxt >= len(self.statements) or self.txns[nxt].txn != self.txn.txn:
            self.held.clear()
            self.local_timeout = False
        if nxt < len(self.statements) and self.statements[nxt].unit != self.stmt.unit:
            self.session_timeout = False  # each migration runs in its own session
            self.unit_locked.clear()
        self.index = nxt
        self.current = []


def _suppression(stmt: Statement, rule: str) -> str | None:
    if not stmt.suppressions:
        return None
    return stmt.suppressions.get(rule) or stmt.suppressions.get("*") or stmt.suppressions.get("all")


def column_def_type(coldef: Any) -> ColumnType:
    name, mods = type_name(coldef.typeName)
    from phasetui.sql.names import normal_type

    return ColumnType(normal_type(name), mods)


def mentions_value(stmt: Statement, value: str) -> bool:
    """Whether a statement uses the string constant ``value`` anywhere."""
    if value not in stmt.text:
        return False
    for node in walk(stmt.node):
        if type(node).__name__ == "String" and node.sval == value:
            return True
    return False
