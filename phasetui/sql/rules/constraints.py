"""Constraint rules: validation scans under blocking locks, and their online forms.

Online forms: FOREIGN KEY / CHECK ``NOT VALID`` then ``VALIDATE CONSTRAINT`` in a later
transaction (SHARE UPDATE EXCLUSIVE: reads and writes go on); NOT NULL through a validated
``CHECK (col IS NOT NULL)`` (PG 12+) or ``NOT NULL … NOT VALID`` (PG 18); UNIQUE / PRIMARY
KEY from an index built CONCURRENTLY and attached with ``USING INDEX``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from phasetui.sql import locks as L
from phasetui.sql.context import Context, mentions_value
from phasetui.sql.findings import Finding, RewriteStep
from phasetui.sql.names import bare, qualified, quote_ident, relname
from phasetui.sql.rewrite import fresh, phase_or, step, to_sql
from phasetui.sql.rules.base import Rule
from phasetui.sql.rules.shared import cmds, lock_timeout_steps


def _constraint_name(table: str, con: Any, suffix: str) -> str:
    if con.conname:
        return con.conname
    cols = [k.sval for k in (con.fk_attrs or con.keys or ())]
    return f"{bare(table)}_{'_'.join(cols) or 'check'}_{suffix}"


def _validate_steps(ctx: Context, table_sql: str, name: str) -> list[RewriteStep]:
    phase = phase_or(ctx.phase, "contract")
    return [
        step(
            phase,
            f"ALTER TABLE {table_sql} VALIDATE CONSTRAINT {quote_ident(name)}",
            "in a later transaction (commit the NOT VALID first): SHARE UPDATE EXCLUSIVE, "
            "reads and writes go on during the scan",
        )
    ]


def constraint_not_valid(node: Any, ctx: Context) -> Iterator[Finding]:
    """ADD FOREIGN KEY / CHECK without NOT VALID scans the table while blocking writes."""
    if type(node).__name__ == "AlterDomainStmt":
        yield from _domain_check(node, ctx)
        return
    table = relname(node.relation)
    if ctx.is_new(table):
        return
    for cmd in cmds(node, "AT_AddConstraint"):
        con = cmd.def_
        kind = con.contype.name
        if kind not in {"CONSTR_FOREIGN", "CONSTR_CHECK"} or con.skip_validation:
            continue
        fk = kind == "CONSTR_FOREIGN"
        name = _constraint_name(table, con, "fkey" if fk else "check")
        if len(node.cmds) == 1 and con.conname:
            sql = ctx.stmt.text + " NOT VALID"  # keeps the author's formatting
        else:
            sql = _not_valid_sql(ctx, table, kind, name, fk)
        lock = L.SHARE_ROW_EXCLUSIVE if fk else L.ACCESS_EXCLUSIVE
        what = "FOREIGN KEY" if fk else "CHECK"
        extra = f" and `{relname(con.pktable)}`" if fk else ""
        yield ctx.finding(
            "constraint-not-valid",
            f"ADD {what} on `{table}` without NOT VALID scans every row while holding "
            f"{lock} on `{table}`{extra}",
            relation=table,
            lock=lock,
            duration=L.FULL_SCAN,
            rewrite=[
                step(phase_or(ctx.phase, "contract"), sql, "catalog only"),
                *_validate_steps(ctx, qualified(node.relation), name),
            ],
            assumptions=ctx.assume_large(table),
        )
    for cmd in cmds(node, "AT_AddColumn"):
        yield from _inline_column_constraints(node, cmd.def_, ctx)


def _domain_check(node: Any, ctx: Context) -> Iterator[Finding]:
    """ALTER DOMAIN … ADD CHECK scans every column of the domain's type, in every table."""
    con = node.def_
    if node.subtype != "C" or con is None or con.skip_validation:
        return
    if con.contype.name != "CONSTR_CHECK":
        return
    domain = ".".join(n.sval for n in node.typeName)
    name = con.conname or f"{domain.split('.')[-1]}_check"
    sql = ctx.stmt.text + " NOT VALID" if con.conname else ctx.stmt.text
    yield ctx.finding(
        "constraint-not-valid",
        f"ALTER DOMAIN {domain} ADD CHECK without NOT VALID scans every column of that type "
        "in every table, blocking writes to them",
        relation=domain,
        lock=L.SHARE,
        duration=L.FULL_SCAN,
        rewrite=[
            step(phase_or(ctx.phase, "contract"), sql, "catalog only; name the constraint"),
            step(
                phase_or(ctx.phase, "contract"),
                f"ALTER DOMAIN {domain} VALIDATE CONSTRAINT {quote_ident(name)}",
                "in a later transaction",
            ),
        ],
        assumptions=(f"assuming columns of domain `{domain}` are in large tables",),
        size_matters=False,
    )


def _not_valid_sql(ctx: Context, table: str, kind: str, name: str, fk: bool) -> str:
    """The one ADD CONSTRAINT, named and NOT VALID, printed from a fresh tree."""
    new = fresh(ctx.stmt.text)
    new.cmds = tuple(
        c
        for c in new.cmds
        if c.subtype.name == "AT_AddConstraint"
        and c.def_.contype.name == kind
        and _constraint_name(table, c.def_, "fkey" if fk else "check") == name
    )
    new.cmds[0].def_.skip_validation = True
    new.cmds[0].def_.conname = name
    return to_sql(new)


def _inline_column_constraints(node: Any, coldef: Any, ctx: Context) -> Iterator[Finding]:
    table = relname(node.relation)
    for con in coldef.constraints or ():
        kind = con.contype.name
        if kind not in {"CONSTR_FOREIGN", "CONSTR_CHECK"} or con.skip_validation:
            continue
        fk = kind == "CONSTR_FOREIGN"
        col = coldef.colname
        name = con.conname or f"{bare(table)}_{col}_{'fkey' if fk else 'check'}"
        bare_col = fresh(ctx.stmt.text)
        add = next(
            c for c in bare_col.cmds if c.subtype.name == "AT_AddColumn" and c.def_.colname == col
        )
        add.def_.constraints = (
            tuple(c for c in add.def_.constraints or () if c.contype.name not in {kind}) or None
        )
        bare_col.cmds = (add,)
        t = qualified(node.relation)
        if fk:
            ref = qualified(con.pktable)
            cols = ", ".join(quote_ident(a.sval) for a in con.pk_attrs or ())
            target = f"{ref} ({cols})" if cols else ref
            add_con = (
                f"ALTER TABLE {t} ADD CONSTRAINT {quote_ident(name)} FOREIGN KEY "
                f"({quote_ident(col)}) REFERENCES {target} NOT VALID"
            )
        else:
            from phasetui.sql.rewrite import to_sql as expr_sql

            add_con = (
                f"ALTER TABLE {t} ADD CONSTRAINT {quote_ident(name)} CHECK "
                f"({expr_sql(con.raw_expr)}) NOT VALID"
            )
        what = "REFERENCES" if fk else "CHECK"
        yield ctx.finding(
            "constraint-not-valid",
            f"ADD COLUMN `{col}` with an inline {what} on `{table}` validates every row "
            "while holding ACCESS EXCLUSIVE",
            relation=table,
            lock=L.ACCESS_EXCLUSIVE,
            duration=L.FULL_SCAN,
            rewrite=[
                step(phase_or(ctx.phase, "expand"), to_sql(bare_col), "catalog only"),
                step(phase_or(ctx.phase, "contract"), add_con, "catalog only"),
                *_validate_steps(ctx, t, name),
            ],
            assumptions=ctx.assume_large(table),
        )


def validate_in_transaction(node: Any, ctx: Context) -> Iterator[Finding]:
    """VALIDATE right after its NOT VALID (same transaction) keeps the stronger lock."""
    table = relname(node.relation)
    if ctx.is_new(table):
        return
    for cmd in cmds(node, "AT_ValidateConstraint"):
        added = ctx.not_valid.get((bare(table), cmd.name))
        held = ctx.held.get(bare(table))
        if added == ctx.txn.txn and ctx.txn.in_block:
            why = "in the same transaction as its ADD … NOT VALID"
            lock = held or L.SHARE_ROW_EXCLUSIVE
        elif held and L.strength(held) > L.strength(L.SHARE_UPDATE_EXCLUSIVE):
            why = f"in a transaction that already holds {held} on `{table}`"
            lock = held
        else:
            continue
        yield ctx.finding(
            "validate-in-transaction",
            f"VALIDATE CONSTRAINT {cmd.name} runs {why}: the validation scan then blocks "
            f"{L.blocks(lock)}",
            relation=table,
            lock=lock,
            duration=L.FULL_SCAN,
            rewrite=[
                step(phase_or(ctx.phase, "contract"), "COMMIT", "end the transaction first"),
                *_validate_steps(ctx, qualified(node.relation), cmd.name),
            ],
            assumptions=ctx.assume_large(table),
        )


def set_not_null_steps(ctx: Context, rangevar: Any, column: str) -> list[RewriteStep]:
    t = qualified(rangevar)
    c = quote_ident(column)
    name = quote_ident(f"{bare(relname(rangevar))}_{column}_not_null")
    phase = phase_or(ctx.phase, "contract")
    if ctx.pg >= 18:
        return [
            step(
                phase,
                f"ALTER TABLE {t} ADD CONSTRAINT {name} NOT NULL {c} NOT VALID",
                "catalog only",
            ),
            step(
                phase,
                f"ALTER TABLE {t} VALIDATE CONSTRAINT {name}",
                "in a later transaction: SHARE UPDATE EXCLUSIVE, the column becomes NOT NULL",
            ),
        ]
    if ctx.pg >= 12:
        return [
            step(
                phase,
                f"ALTER TABLE {t} ADD CONSTRAINT {name} CHECK ({c} IS NOT NULL) NOT VALID",
                "catalog only",
            ),
            step(
                phase,
                f"ALTER TABLE {t} VALIDATE CONSTRAINT {name}",
                "in a later transaction: SHARE UPDATE EXCLUSIVE",
            ),
            step(
                phase,
                f"ALTER TABLE {t} ALTER COLUMN {c} SET NOT NULL",
                "no scan: the validated CHECK proves it",
            ),
            step(phase, f"ALTER TABLE {t} DROP CONSTRAINT {name}", "catalog only"),
        ]
    return [
        step(
            phase,
            f"ALTER TABLE {t} ADD CONSTRAINT {name} CHECK ({c} IS NOT NULL) NOT VALID",
            "before PostgreSQL 12 SET NOT NULL always scans: keep the CHECK instead",
        ),
        step(phase, f"ALTER TABLE {t} VALIDATE CONSTRAINT {name}", "in a later transaction"),
    ]


def _not_null_finding(ctx: Context, rangevar: Any, column: str, how: str) -> Iterator[Finding]:
    table = relname(rangevar)
    if ctx.is_new(table):
        return
    if ctx.column_nullable(table, column) is False and ctx.options.catalog is not None:
        return  # already NOT NULL: a no-op
    if ctx.pg >= 12 and ctx.not_null_proven(table, column):
        return
    assumptions: tuple[str, ...] = ()
    if ctx.options.catalog is None:
        assumptions = (
            f"assuming `{table}` is large and `{column}` is nullable "
            "(no catalog: pass --env/--dsn for facts)",
        )
    else:
        assumptions = ctx.assume_large(table)
    yield ctx.finding(
        "set-not-null",
        f"{how} on `{table}`.`{column}` scans every row under ACCESS EXCLUSIVE "
        f"(reads and writes wait); no validated CHECK ({column} IS NOT NULL) precedes it",
        relation=table,
        lock=L.ACCESS_EXCLUSIVE,
        duration=L.FULL_SCAN,
        rewrite=set_not_null_steps(ctx, rangevar, column),
        assumptions=assumptions,
    )


def set_not_null(node: Any, ctx: Context) -> Iterator[Finding]:
    """SET NOT NULL scans the table under ACCESS EXCLUSIVE unless a CHECK proves it."""
    for cmd in cmds(node, "AT_SetNotNull"):
        yield from _not_null_finding(ctx, node.relation, cmd.name, "SET NOT NULL")
    for cmd in cmds(node, "AT_AddConstraint"):
        con = cmd.def_
        if con.contype.name == "CONSTR_NOTNULL" and not con.skip_validation and con.keys:
            yield from _not_null_finding(
                ctx, node.relation, con.keys[0].sval, "ADD CONSTRAINT … NOT NULL"
            )


def unique_without_index(node: Any, ctx: Context) -> Iterator[Finding]:
    """ADD UNIQUE / PRIMARY KEY builds the index under ACCESS EXCLUSIVE: use USING INDEX."""
    table = relname(node.relation)
    if ctx.is_new(table):
        return
    t = qualified(node.relation)
    for cmd in node.cmds:
        sub = cmd.subtype.name
        cons: list[tuple[Any, list[str]]] = []
        if sub == "AT_AddConstraint" and cmd.def_.contype.name in {
            "CONSTR_UNIQUE",
            "CONSTR_PRIMARY",
        }:
            if cmd.def_.indexname:
                continue
            cons.append((cmd.def_, [k.sval for k in cmd.def_.keys or ()]))
        elif sub == "AT_AddColumn":
            for con in cmd.def_.constraints or ():
                if con.contype.name in {"CONSTR_UNIQUE", "CONSTR_PRIMARY"}:
                    cons.append((con, [cmd.def_.colname]))
        for con, cols in cons:
            pk = con.contype.name == "CONSTR_PRIMARY"
            name = con.conname or f"{bare(table)}_{'pkey' if pk else '_'.join(cols) + '_key'}"
            kind = "PRIMARY KEY" if pk else "UNIQUE"
            collist = ", ".join(quote_ident(c) for c in cols)
            phase = phase_or(ctx.phase, "contract")
            steps = [
                step(
                    phase,
                    f"CREATE UNIQUE INDEX CONCURRENTLY {quote_ident(name)} ON {t} ({collist})",
                    "outside a transaction",
                ),
                step(
                    phase,
                    f"ALTER TABLE {t} ADD CONSTRAINT {quote_ident(name)} {kind} "
                    f"USING INDEX {quote_ident(name)}",
                    "catalog only",
                ),
            ]
            if sub == "AT_AddColumn":
                add = fresh(ctx.stmt.text)
                add.cmds = tuple(c for c in add.cmds if c.subtype.name == "AT_AddColumn")
                for c in add.cmds:
                    c.def_.constraints = (
                        tuple(
                            x
                            for x in c.def_.constraints or ()
                            if x.contype.name not in {"CONSTR_UNIQUE", "CONSTR_PRIMARY"}
                        )
                        or None
                    )
                steps.insert(0, step(phase_or(ctx.phase, "expand"), to_sql(add)))
            if pk:
                note = (
                    "PRIMARY KEY also needs its columns NOT NULL: prove that first with a "
                    "validated CHECK (col IS NOT NULL), or SET NOT NULL scans under the lock"
                )
                steps[-1] = RewriteStep(steps[-1].phase, steps[-1].sql, note)
            yield ctx.finding(
                "unique-without-index",
                f"ADD {kind} on `{table}` builds its index under ACCESS EXCLUSIVE: reads and "
                "writes wait for the whole build",
                relation=table,
                lock=L.ACCESS_EXCLUSIVE,
                duration=L.INDEX_BUILD,
                rewrite=steps,
                assumptions=ctx.assume_large(table),
            )


def exclusion_constraint(node: Any, ctx: Context) -> Iterator[Finding]:
    """EXCLUDE constraints have no online form: the index is built under ACCESS EXCLUSIVE."""
    table = relname(node.relation)
    if ctx.is_new(table):
        return
    for cmd in cmds(node, "AT_AddConstraint"):
        if cmd.def_.contype.name != "CONSTR_EXCLUSION":
            continue
        yield ctx.finding(
            "exclusion-constraint",
            f"ADD EXCLUDE on `{table}` builds its index under ACCESS EXCLUSIVE and has no "
            "CONCURRENTLY / USING INDEX form",
            relation=table,
            lock=L.ACCESS_EXCLUSIVE,
            duration=L.INDEX_BUILD,
            rewrite=lock_timeout_steps(
                phase_or(ctx.phase, "contract"),
                ctx.stmt.text,
                "no online form exists: run it in a maintenance window, or enforce the "
                "rule in a new table filled by the backfill and swapped in",
            ),
            assumptions=ctx.assume_large(table),
        )


def enum_add_value(node: Any, ctx: Context) -> Iterator[Finding]:
    """A new enum value cannot be used before its transaction commits (before PG 12 it
    cannot even be added inside a transaction block)."""
    if not node.newVal or node.oldVal:
        return
    typ = ".".join(n.sval for n in node.typeName)
    if not ctx.txn.in_block:
        return
    if ctx.pg < 12:
        why = "ALTER TYPE … ADD VALUE cannot run inside a transaction block before PostgreSQL 12"
    else:
        users = [s for s in ctx.later_in_txn() if mentions_value(s, node.newVal)]
        if not users:
            return
        why = (
            f"the new value '{node.newVal}' is used at line {users[0].line} in the same "
            "transaction: 'unsafe use of new value' error"
        )
    yield ctx.finding(
        "enum-value-in-transaction",
        why,
        relation=typ,
        duration=L.FAILS,
        rewrite=[
            step(
                phase_or(ctx.phase, "expand"),
                ctx.stmt.text,
                "in its own transaction (or migration), committed before any use",
            ),
        ],
        size_matters=False,
    )


RULES = [
    Rule(
        "constraint-not-valid",
        "ADD FOREIGN KEY / CHECK without NOT VALID",
        ("AlterTableStmt", "AlterDomainStmt"),
        constraint_not_valid,
    ),
    Rule(
        "validate-in-transaction",
        "VALIDATE under a stronger lock",
        ("AlterTableStmt",),
        validate_in_transaction,
    ),
    Rule(
        "set-not-null", "SET NOT NULL without a validated CHECK", ("AlterTableStmt",), set_not_null
    ),
    Rule(
        "unique-without-index",
        "UNIQUE / PRIMARY KEY without USING INDEX",
        ("AlterTableStmt",),
        unique_without_index,
    ),
    Rule(
        "exclusion-constraint",
        "exclusion constraint on an existing table",
        ("AlterTableStmt",),
        exclusion_constraint,
    ),
    Rule(
        "enum-value-in-transaction",
        "ALTER TYPE … ADD VALUE used in its transaction",
        ("AlterEnumStmt",),
        enum_add_value,
    ),
]
