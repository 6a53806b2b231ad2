"""Index rules: builds and drops that block writes, and CONCURRENTLY where it cannot run."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from phasetui.sql import locks as L
from phasetui.sql.context import Context, has_concurrent
from phasetui.sql.findings import Finding
from phasetui.sql.names import bare, dotted, quote_ident, quote_name, relname
from phasetui.sql.rewrite import fresh, insert_after_keyword, phase_or, step, to_sql
from phasetui.sql.rules.base import Rule


def create_index(node: Any, ctx: Context) -> Iterator[Finding]:
    """CREATE INDEX without CONCURRENTLY holds SHARE: writes wait for the whole build."""
    table = relname(node.relation)
    if node.concurrent or ctx.is_new(table) or node.relation.relpersistence == "t":
        return
    if not node.relation.inh:
        # ON ONLY parent: builds nothing on the partitions (they are attached one by one)
        return
    sql = insert_after_keyword(ctx.stmt.text, "INDEX", "CONCURRENTLY")
    if sql is None:
        new = fresh(ctx.stmt.text)
        new.concurrent = True
        sql = to_sql(new)
    phase = phase_or(ctx.phase, "contract" if node.unique else "expand")
    yield ctx.finding(
        "create-index-not-concurrent",
        f"CREATE INDEX on `{table}` without CONCURRENTLY blocks writes for the whole build",
        relation=table,
        lock=L.SHARE,
        duration=L.INDEX_BUILD,
        rewrite=[
            step(
                phase,
                sql,
                "outside a transaction; if it fails, DROP INDEX CONCURRENTLY the INVALID "
                "index and retry",
            )
        ],
        assumptions=ctx.assume_large(table),
    )


def drop_index(node: Any, ctx: Context) -> Iterator[Finding]:
    """DROP INDEX takes ACCESS EXCLUSIVE on the table: it queues behind every running read."""
    if node.removeType.name != "OBJECT_INDEX" or node.concurrent:
        return
    names = [dotted(obj) for obj in node.objects]
    old = [n for n in names if not ctx.is_new(n) and not _named_after_new_table(ctx, n)]
    if not old:
        return
    exists = "IF EXISTS " if node.missing_ok else ""
    yield ctx.finding(
        "drop-index-not-concurrent",
        f"DROP INDEX {', '.join(old)} without CONCURRENTLY takes ACCESS EXCLUSIVE on its "
        "table: reads and writes queue behind it",
        relation=old[0],
        lock=L.ACCESS_EXCLUSIVE,
        duration=L.CATALOG,
        rewrite=[
            step(
                phase_or(ctx.phase, "contract"),
                f"DROP INDEX CONCURRENTLY {exists}{quote_name(n)}",
                "outside a transaction, one index per statement",
            )
            for n in old
        ],
        size_matters=False,
    )


def _named_after_new_table(ctx: Context, index: str) -> bool:
    """Whether the index is named after a table created earlier in this input
    (``idx_channelmembers_user_id``, ``user_access_tokens_token_idx``), so is on that new
    table: a migration that creates a table IF NOT EXISTS and then drops an index of the
    table's older shape IF EXISTS. The name must contain the table's name between
    underscores, with or without its own underscores."""
    if not ctx.new_tables:
        return False
    tokens = [t for t in bare(index).lower().split("_") if t]
    joined = {
        "".join(tokens[i:j]) for i in range(len(tokens)) for j in range(i + 1, len(tokens) + 1)
    }
    return any(bare(t).lower().replace("_", "") in joined for t in ctx.new_tables)


def reindex(node: Any, ctx: Context) -> Iterator[Finding]:
    """REINDEX holds SHARE on the table (writes wait) and ACCESS EXCLUSIVE on the index."""
    if any(p.defname == "concurrently" for p in node.params or ()):
        return
    target = relname(node.relation) if node.relation else (node.name or "")
    if ctx.is_new(target):
        return
    if ctx.pg >= 12:
        new = fresh(ctx.stmt.text)
        from pglast import ast

        new.params = (*(new.params or ()), ast.DefElem(defname="concurrently"))
        steps = [step(phase_or(ctx.phase, "expand"), to_sql(new), "outside a transaction")]
    else:
        idx = quote_ident(target.split(".")[-1])
        steps = [
            step("expand", f"CREATE INDEX CONCURRENTLY {idx}_new ON … (same definition)"),
            step("expand", f"DROP INDEX CONCURRENTLY {quote_name(target)}"),
            step("expand", f"ALTER INDEX {idx}_new RENAME TO {idx}"),
        ]
    yield ctx.finding(
        "reindex-not-concurrent",
        f"REINDEX of `{target}` without CONCURRENTLY blocks writes (and reads using the index)",
        relation=target,
        lock=L.SHARE,
        duration=L.INDEX_BUILD,
        rewrite=steps,
        assumptions=ctx.assume_large(target),
    )


def concurrently_in_transaction(node: Any, ctx: Context) -> Iterator[Finding]:
    """CONCURRENTLY (and VACUUM) cannot run inside a transaction block: the migration fails."""
    if not ctx.txn.in_block or not has_concurrent(node):
        return
    what = "VACUUM" if type(node).__name__ == "VacuumStmt" else "CONCURRENTLY"
    if ctx.stmt.implicit_txn and not _opened_by_begin(ctx):
        # a wrapped file (LintOptions.wrapped): the runner's transaction, not a BEGIN
        why = " (the migration tool runs the whole file as one transaction)"
        how = (
            "in a migration of its own that the tool runs outside a transaction (sqlx: "
            "`-- no-transaction` first, goose: `-- +goose NO TRANSACTION`, Rails: "
            "`disable_ddl_transaction!`, Django: `atomic = False`)"
        )
    else:
        why = ""
        how = (
            "run it outside BEGIN…COMMIT (Laravel: `public $withinTransaction = false;`, "
            "Django: `atomic = False`, Rails: `disable_ddl_transaction!`)"
        )
    yield ctx.finding(
        "concurrently-in-transaction",
        f"{what} cannot run inside a transaction block: this statement fails{why}",
        relation=_target(node),
        duration=L.FAILS,
        rewrite=[step(phase_or(ctx.phase, "expand"), ctx.stmt.text, how)],
        size_matters=False,
    )


def _opened_by_begin(ctx: Context) -> bool:
    """Whether the current transaction block was opened by a BEGIN in the input."""
    i = ctx.index
    while i >= 0 and ctx.txns[i].txn == ctx.txn.txn:
        if ctx.statements[i].txn_control == "begin":
            return True
        i -= 1
    return False


def _target(node: Any) -> str:
    rel = getattr(node, "relation", None)
    if rel is not None:
        return relname(rel)
    objects = getattr(node, "objects", None)
    return dotted(objects[0]) if objects else ""


RULES = [
    Rule(
        "create-index-not-concurrent",
        "CREATE INDEX without CONCURRENTLY",
        ("IndexStmt",),
        create_index,
    ),
    Rule("drop-index-not-concurrent", "DROP INDEX without CONCURRENTLY", ("DropStmt",), drop_index),
    Rule("reindex-not-concurrent", "REINDEX without CONCURRENTLY", ("ReindexStmt",), reindex),
    Rule(
        "concurrently-in-transaction",
        "CONCURRENTLY inside a transaction",
        ("IndexStmt", "DropStmt", "ReindexStmt", "AlterTableStmt", "VacuumStmt"),
        concurrently_in_transaction,
    ),
]
