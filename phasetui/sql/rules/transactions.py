"""Transaction rules: lock_timeout, locks held across later statements, unbounded DML,
backfill batches that are not safe to run twice.

A blocking lock request waits behind every running query on the table and, while it
waits, every new query queues behind *it*: without ``lock_timeout`` a catalog-only ALTER
can stop a busy table for as long as the slowest running query. phasetui's own apply sets
lock_timeout itself, so a missing one is a warning, not an error.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from phasetui.sql import locks as L
from phasetui.sql.context import Context
from phasetui.sql.findings import ERROR, WARNING, Finding
from phasetui.sql.names import bare, qualified, relname, walk
from phasetui.sql.rewrite import LOCK_TIMEOUT, phase_or, step
from phasetui.sql.rules.base import Rule


def lock_timeout(node: Any, ctx: Context) -> Iterator[Finding]:
    """A blocking lock with no non-zero lock_timeout in effect can queue the whole table."""
    if ctx.lock_timeout_set or not ctx.effects or ctx.stmt.unit in ctx.timeout_warned:
        return
    if any(f.counts for f in ctx.current):
        return  # the error's rewrite already replaces this statement
    blocking = [e for e in ctx.effects if L.is_blocking(e.mode) and not ctx.is_new(e.relation)]
    if not blocking:
        return
    eff = max(blocking, key=lambda e: L.strength(e.mode))
    ctx.timeout_warned.add(ctx.stmt.unit)  # once per migration: the first such statement
    hint = ""
    if ctx.local_outside_seen:
        hint = " (an earlier SET LOCAL lock_timeout ran outside a transaction: it did nothing)"
    yield ctx.finding(
        "lock-timeout",
        f"{eff.mode} on `{eff.relation}` is requested with no lock_timeout in effect: while "
        f"it waits, every query on the table queues behind it{hint}",
        severity=WARNING,
        relation=eff.relation,
        lock=eff.mode,
        duration=eff.duration,
        rewrite=[
            step(
                phase_or(ctx.phase, "expand"),
                LOCK_TIMEOUT,
                "first in the migration (or SET LOCAL inside its transaction); "
                "retry on timeout — `phasetui apply` does both",
            ),
            step(phase_or(ctx.phase, "expand"), ctx.stmt.text),
        ],
        size_matters=False,
    )


def set_local_outside(node: Any, ctx: Context) -> Iterator[Finding]:
    """SET LOCAL outside a transaction block only warns and changes nothing."""
    if not node.is_local or ctx.txn.in_block:
        return
    ctx.local_outside_seen = True
    yield ctx.finding(
        "set-local-outside-transaction",
        f"SET LOCAL {node.name} outside a transaction block has no effect",
        severity=WARNING,
        rewrite=[
            step(
                phase_or(ctx.phase, "expand"),
                ctx.stmt.text.replace("LOCAL ", "", 1)
                if "LOCAL " in ctx.stmt.text
                else ctx.stmt.text,
                "a session SET, or put SET LOCAL after BEGIN",
            )
        ],
        size_matters=False,
    )


def dml_after_lock(node: Any, ctx: Context) -> Iterator[Finding]:
    """UPDATE/DELETE after a blocking lock in the same transaction holds that lock for the
    whole data change."""
    target = relname(node.relation)
    verb = type(node).__name__.replace("Stmt", "").upper()
    if ctx.held:
        table, mode = max(ctx.held.items(), key=lambda kv: L.strength(kv[1]))
        why = f"runs in a transaction that already holds {mode} on `{table}`"
    else:
        # Outside an explicit transaction: a whole-table UPDATE/DELETE of a table this
        # migration has just altered is its backfill, written into the DDL migration.
        # Migration runners (golang-migrate, sqlx, diesel, Flyway, Rails, Django, pop …)
        # run each file as one transaction, so the ALTER's lock lasts the whole update.
        mode = ctx.unit_locked.get(bare(target))
        whole = type(node).__name__ in {"UpdateStmt", "DeleteStmt"} and node.whereClause is None
        if mode is None or not whole or ctx.txn.in_block:
            return
        table = target
        why = (
            f"rewrites every row of `{table}` after this migration took {mode} on it; "
            "migration tools run a file as one transaction, so that lock is held throughout"
        )
    yield ctx.finding(
        "dml-after-lock",
        f"{verb} on `{target}` {why}: "
        f"{L.blocks(mode)} on `{table}` wait until the data change commits",
        relation=table,
        lock=mode,
        duration=L.ROW_CHANGES,
        rewrite=[
            step(phase_or(ctx.phase, "expand"), "COMMIT", "commit the DDL first"),
            step(
                "backfill", ctx.stmt.text, "in its own short transactions, in batches by key range"
            ),
        ],
        assumptions=ctx.assume_large(table),
    )


_LOWER, _UPPER = {">", ">="}, {"<", "<="}


def is_bounded(where: Any) -> bool:
    """Whether a WHERE clause limits the rows to a key range, a list or a LIMITed subquery."""
    if where is None:
        return False
    lower = upper = False
    for node in walk(where):
        kind = type(node).__name__
        if kind == "SubLink" and getattr(node.subselect, "limitCount", None) is not None:
            return True
        if kind != "A_Expr":
            continue
        op = node.kind.name
        if op in {"AEXPR_BETWEEN", "AEXPR_BETWEEN_SYM", "AEXPR_IN", "AEXPR_OP_ANY"}:
            return True
        if op != "AEXPR_OP":
            continue
        name = node.name[-1].sval
        sides = {type(node.lexpr).__name__, type(node.rexpr).__name__}
        if "ColumnRef" not in sides or not sides & {"A_Const", "ParamRef", "TypeCast"}:
            continue
        column_left = type(node.lexpr).__name__ == "ColumnRef"
        if name == "=":
            return True
        if name in _LOWER:
            lower, upper = (lower or column_left), (upper or not column_left)
        elif name in _UPPER:
            upper, lower = (upper or column_left), (lower or not column_left)
    return lower and upper


def unbounded_dml(node: Any, ctx: Context) -> Iterator[Finding]:
    """UPDATE/DELETE with no key range touches the whole table in one long transaction."""
    table = relname(node.relation)
    if ctx.is_new(table) or is_bounded(node.whereClause):
        return
    backfill = ctx.phase == "backfill"
    verb = type(node).__name__.replace("Stmt", "").upper()
    scope = "every row" if node.whereClause is None else "rows with no key range"
    yield ctx.finding(
        "unbounded-dml",
        f"{verb} on `{table}` touches {scope} in one transaction: long row locks, "
        "bloat and replication lag" + (" (backfill needs a bounded key range)" if backfill else ""),
        severity=ERROR if backfill else WARNING,
        relation=table,
        lock=L.ROW_EXCLUSIVE,
        duration=L.ROW_CHANGES,
        rewrite=[
            step(
                "backfill",
                f"-- {verb} {qualified(node.relation)} … WHERE id >= :lo "
                "AND id < :hi, one batch per transaction (`phasetui backfill`)",
            )
        ],
        assumptions=ctx.assume_large(table),
    )


def backfill_not_idempotent(node: Any, ctx: Context) -> Iterator[Finding]:
    """A backfill batch runs again: cron retries it, a crashed job is restarted, two
    workers overlap. Filtered on what it sets (``prefs IS NULL``), a second run finds
    nothing to do; unfiltered, it rewrites (or, for ``n = n + 1``, changes) its rows again."""
    if ctx.phase != "backfill" or ctx.is_new(relname(node.relation)):
        return
    targets = {t.name for t in node.targetList if getattr(t, "name", None)}
    if not targets:
        return
    filtered = {
        getattr(n.fields[-1], "sval", None)
        for n in walk(node.whereClause)
        if type(n).__name__ == "ColumnRef"
    }
    if targets & filtered:
        return
    table = relname(node.relation)
    first = sorted(targets)[0]
    yield ctx.finding(
        "backfill-not-idempotent",
        f"UPDATE on `{table}` does not filter on what it sets ({', '.join(sorted(targets))}): "
        "a batch that runs twice (a cron retry, a restarted job) updates its rows again",
        severity=WARNING,
        relation=table,
        lock=L.ROW_EXCLUSIVE,
        duration=L.ROW_CHANGES,
        rewrite=[
            step(
                "backfill",
                f"-- UPDATE {qualified(node.relation)} SET … WHERE <key range> AND {first} IS NULL",
                "a second run of the same batch then finds nothing to do",
            )
        ],
        size_matters=False,
    )


RULES = [
    Rule(
        "dml-after-lock",
        "UPDATE/DELETE after a blocking lock",
        ("UpdateStmt", "DeleteStmt", "MergeStmt"),
        dml_after_lock,
    ),
    Rule(
        "unbounded-dml",
        "UPDATE/DELETE without a bounded key range",
        ("UpdateStmt", "DeleteStmt"),
        unbounded_dml,
    ),
    Rule(
        "set-local-outside-transaction",
        "SET LOCAL outside a transaction",
        ("VariableSetStmt",),
        set_local_outside,
    ),
    Rule("lock-timeout", "blocking lock without lock_timeout", ("*",), lock_timeout),
    Rule(
        "backfill-not-idempotent",
        "backfill UPDATE that does not filter on what it sets",
        ("UpdateStmt",),
        backfill_not_idempotent,
    ),
]
