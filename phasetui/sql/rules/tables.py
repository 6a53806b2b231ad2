"""Table rules: drops and renames the application still sees, and whole-table rewrites."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from phasetui.sql import locks as L
from phasetui.sql.context import Context
from phasetui.sql.findings import WARNING, Finding
from phasetui.sql.names import dotted, qualified, quote_ident, relname
from phasetui.sql.rewrite import fresh, phase_or, step, to_sql
from phasetui.sql.rules.base import Rule
from phasetui.sql.rules.shared import cmds, drop_in_use, lock_timeout_steps


def drop_table(node: Any, ctx: Context) -> Iterator[Finding]:
    """DROP TABLE of a table the application may still use; ACCESS EXCLUSIVE on it and
    on every table whose foreign keys point at it."""
    if node.removeType.name != "OBJECT_TABLE":
        return
    old = [dotted(o) for o in node.objects if not ctx.is_new(dotted(o))]
    if not old:
        return
    yield drop_in_use(
        ctx,
        "drop-table",
        f"DROP TABLE {', '.join(old)}: code that still uses it fails; takes ACCESS EXCLUSIVE "
        "on it and on tables referencing it",
        contract_hint="contract: confirm nothing uses it",
        relation=old[0],
        stop_using="-- remove every use of the table from the application",
        once_unused="in the contract phase, once unused",
    )


def rename_table(node: Any, ctx: Context) -> Iterator[Finding]:
    """RENAME of a table breaks every deployed query that names it, instantly."""
    if node.renameType.name != "OBJECT_TABLE" or node.relation is None:
        return
    table = relname(node.relation)
    if ctx.is_new(table):
        return
    t = qualified(node.relation)
    new = quote_ident(node.newname)
    yield ctx.finding(
        "rename-table",
        f"RENAME TABLE `{table}` to `{node.newname}` breaks the running application at once",
        relation=table,
        lock=L.ACCESS_EXCLUSIVE,
        duration=L.CATALOG,
        rewrite=[
            step("expand", f"ALTER TABLE {t} RENAME TO {new}", "in one transaction with:"),
            step(
                "expand",
                f"CREATE VIEW {t} AS SELECT * FROM {new}",
                "a simple view is updatable: old code keeps working",
            ),
            step("contract", f"DROP VIEW {t}", "once no code uses the old name"),
        ],
        size_matters=False,
    )


def _full_rewrite(
    ctx: Context, rule: str, message: str, relation: str, sql: str, note: str = ""
) -> Finding:
    """A rewrite of the whole relation under ACCESS EXCLUSIVE (reads and writes wait, for
    as long as the relation is large); its online form is one step of the contract phase."""
    return ctx.finding(
        rule,
        message,
        relation=relation,
        lock=L.ACCESS_EXCLUSIVE,
        duration=L.FULL_REWRITE,
        rewrite=[step(phase_or(ctx.phase, "contract"), sql, note)],
        assumptions=ctx.assume_large(relation),
    )


def vacuum_full(node: Any, ctx: Context) -> Iterator[Finding]:
    """VACUUM FULL rewrites the table under ACCESS EXCLUSIVE: reads and writes wait."""
    if not any(o.defname == "full" for o in node.options or ()):
        return
    rels = [relname(r.relation) for r in node.rels or ()] or ["(every table)"]
    targets = " ".join(qualified(r.relation) for r in node.rels or ())
    yield _full_rewrite(
        ctx,
        "vacuum-full",
        f"VACUUM FULL {', '.join(rels)} rewrites the table under ACCESS EXCLUSIVE",
        rels[0],
        f"VACUUM (ANALYZE) {targets}".strip(),
        "reclaims space for reuse online; to shrink files use pg_repack or "
        "pg_squeeze, which hold ACCESS EXCLUSIVE only for a moment",
    )


def cluster(node: Any, ctx: Context) -> Iterator[Finding]:
    """CLUSTER rewrites the table in index order under ACCESS EXCLUSIVE."""
    table = relname(node.relation) if node.relation else "(every clustered table)"
    if node.relation is not None and ctx.is_new(table):
        return
    yield _full_rewrite(
        ctx,
        "cluster",
        f"CLUSTER {table} rewrites the table under ACCESS EXCLUSIVE: reads and writes wait",
        table,
        "-- pg_repack --order-by=<columns> --table=" + table,
        "reorders online, holding ACCESS EXCLUSIVE only at the swap",
    )


def truncate_cascade(node: Any, ctx: Context) -> Iterator[Finding]:
    """TRUNCATE … CASCADE empties every table that references these, under ACCESS EXCLUSIVE."""
    old = [relname(r) for r in node.relations if not ctx.is_new(relname(r))]
    if old and node.behavior.name == "DROP_CASCADE":
        new = fresh(ctx.stmt.text)
        from pglast.enums import DropBehavior

        new.behavior = DropBehavior.DROP_RESTRICT
        yield ctx.finding(
            "truncate-cascade",
            f"TRUNCATE {', '.join(old)} CASCADE also empties every table with a foreign key "
            "to it, each under ACCESS EXCLUSIVE",
            relation=old[0],
            lock=L.ACCESS_EXCLUSIVE,
            duration=L.CATALOG,
            rewrite=[
                step(
                    phase_or(ctx.phase, "contract"),
                    to_sql(new),
                    "name every table to empty; it fails instead of silently cascading",
                )
            ],
            size_matters=False,
        )


def truncate(node: Any, ctx: Context) -> Iterator[Finding]:
    """Plain TRUNCATE: ACCESS EXCLUSIVE, brief, but every row is gone (a warning)."""
    old = [relname(r) for r in node.relations if not ctx.is_new(relname(r))]
    if not old or node.behavior.name == "DROP_CASCADE":
        return
    yield ctx.finding(
        "truncate",
        f"TRUNCATE {', '.join(old)} takes ACCESS EXCLUSIVE and removes every row",
        severity=WARNING,
        relation=old[0],
        lock=L.ACCESS_EXCLUSIVE,
        duration=L.CATALOG,
        rewrite=lock_timeout_steps(phase_or(ctx.phase, "contract"), ctx.stmt.text),
        size_matters=False,
    )


def detach_partition(node: Any, ctx: Context) -> Iterator[Finding]:
    """DETACH PARTITION takes ACCESS EXCLUSIVE on the parent; PG 14 added CONCURRENTLY."""
    table = relname(node.relation)
    if ctx.is_new(table):
        return
    for cmd in cmds(node, "AT_DetachPartition"):
        if cmd.def_.concurrent:
            continue
        part = relname(cmd.def_.name)
        if ctx.pg >= 14:
            new = fresh(ctx.stmt.text)
            for c in new.cmds:
                if c.subtype.name == "AT_DetachPartition":
                    c.def_.concurrent = True
            steps = [
                step(
                    phase_or(ctx.phase, "contract"),
                    to_sql(new),
                    "outside a transaction; SHARE UPDATE EXCLUSIVE on the parent",
                )
            ]
            severity = "error"
        else:
            steps = lock_timeout_steps(
                phase_or(ctx.phase, "contract"),
                ctx.stmt.text,
                "DETACH … CONCURRENTLY needs PostgreSQL 14",
            )
            severity = WARNING
        yield ctx.finding(
            "detach-partition-not-concurrent",
            f"DETACH PARTITION `{part}` from `{table}` takes ACCESS EXCLUSIVE on the parent",
            severity=severity,
            relation=table,
            lock=L.ACCESS_EXCLUSIVE,
            duration=L.CATALOG,
            rewrite=steps,
            size_matters=False,
        )


_REWRITES = {
    "AT_SetTableSpace": "SET TABLESPACE copies the whole table",
    "AT_SetLogged": "SET LOGGED rewrites the table (and WAL-logs all of it)",
    "AT_SetUnLogged": "SET UNLOGGED rewrites the table",
    "AT_SetAccessMethod": "SET ACCESS METHOD rewrites the table",
    "AT_SetExpression": "SET EXPRESSION recomputes a stored generated column for every row",
}


def table_rewrite(node: Any, ctx: Context) -> Iterator[Finding]:
    """ALTER TABLE forms that copy every row under ACCESS EXCLUSIVE."""
    table = relname(node.relation)
    if ctx.is_new(table) or node.objtype.name != "OBJECT_TABLE":
        return
    for cmd in node.cmds:
        why = _REWRITES.get(cmd.subtype.name)
        if why is None:
            continue
        yield _full_rewrite(
            ctx,
            "table-rewrite",
            f"ALTER TABLE `{table}`: {why} under ACCESS EXCLUSIVE",
            table,
            "-- build a new table, backfill it in batches, swap names in one "
            "short transaction (or pg_repack --tablespace)",
        )


def refresh_matview(node: Any, ctx: Context) -> Iterator[Finding]:
    """REFRESH MATERIALIZED VIEW without CONCURRENTLY blocks reads of it until done."""
    view = relname(node.relation)
    if node.concurrent or ctx.is_new(view) or node.skipData:
        return
    new = fresh(ctx.stmt.text)
    new.concurrent = True
    yield _full_rewrite(
        ctx,
        "refresh-matview-not-concurrent",
        f"REFRESH MATERIALIZED VIEW `{view}` holds ACCESS EXCLUSIVE on it: reads wait for "
        "the whole refresh",
        view,
        to_sql(new),
        "needs a unique index on the view",
    )


RULES = [
    Rule("drop-table", "DROP TABLE", ("DropStmt",), drop_table),
    Rule("rename-table", "RENAME TABLE", ("RenameStmt",), rename_table),
    Rule("vacuum-full", "VACUUM FULL", ("VacuumStmt",), vacuum_full),
    Rule("cluster", "CLUSTER", ("ClusterStmt",), cluster),
    Rule("truncate-cascade", "TRUNCATE … CASCADE", ("TruncateStmt",), truncate_cascade),
    Rule("truncate", "TRUNCATE of an existing table", ("TruncateStmt",), truncate),
    Rule(
        "detach-partition-not-concurrent",
        "DETACH PARTITION without CONCURRENTLY",
        ("AlterTableStmt",),
        detach_partition,
    ),
    Rule(
        "table-rewrite",
        "ALTER TABLE forms that rewrite the table",
        ("AlterTableStmt",),
        table_rewrite,
    ),
    Rule(
        "refresh-matview-not-concurrent",
        "REFRESH MATERIALIZED VIEW without CONCURRENTLY",
        ("RefreshMatViewStmt",),
        refresh_matview,
    ),
]
