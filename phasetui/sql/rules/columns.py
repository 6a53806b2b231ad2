"""Column rules: ADD COLUMN that rewrites or fails, type changes that rewrite, renames/drops.

Since PostgreSQL 11, ADD COLUMN with a non-volatile default is catalog only; a volatile
default, a stored generated column, an identity or a serial column still fills every row,
rewriting the table under ACCESS EXCLUSIVE.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from phasetui.sql import locks as L
from phasetui.sql.context import Context, column_def_type
from phasetui.sql.findings import WARNING, Finding, RewriteStep
from phasetui.sql.names import bare, qualified, quote_ident, relname
from phasetui.sql.rewrite import fresh, phase_or, step, to_sql
from phasetui.sql.rules.base import Rule
from phasetui.sql.rules.constraints import set_not_null_steps
from phasetui.sql.rules.shared import cmds, drop_in_use
from phasetui.sql.typechange import ColumnType, type_change
from phasetui.sql.volatility import default_volatility

SERIAL = {"serial", "bigserial", "smallserial", "serial2", "serial4", "serial8"}


def _added(node: Any) -> Iterator[Any]:
    for cmd in cmds(node, "AT_AddColumn"):
        if cmd.def_ is not None:
            yield cmd.def_


def _cons(coldef: Any, *kinds: str) -> list[Any]:
    return [c for c in coldef.constraints or () if c.contype.name in kinds]


def _plain_add(ctx: Context, node: Any, coldef: Any, keep_default: bool = False) -> str:
    """ADD COLUMN with only its type (nullable, no default, no generation)."""
    new = fresh(ctx.stmt.text)
    cmd = next(
        c for c in new.cmds if c.subtype.name == "AT_AddColumn" and c.def_.colname == coldef.colname
    )
    drop = {
        "CONSTR_NOTNULL",
        "CONSTR_IDENTITY",
        "CONSTR_GENERATED",
        "CONSTR_PRIMARY",
        "CONSTR_UNIQUE",
    }
    if not keep_default:
        drop.add("CONSTR_DEFAULT")
    cmd.def_.constraints = (
        tuple(c for c in cmd.def_.constraints or () if c.contype.name not in drop) or None
    )
    name, _ = column_def_type(cmd.def_).name, None
    if name in SERIAL:
        from pglast import ast

        base = {
            "bigserial": "int8",
            "serial8": "int8",
            "smallserial": "int2",
            "serial2": "int2",
        }.get(name, "int4")
        cmd.def_.typeName = ast.TypeName(names=(ast.String(sval=base),), typemod=-1)
    new.cmds = (cmd,)
    return to_sql(new)


def _backfill_steps(ctx: Context, node: Any, col: str, value: str) -> list[RewriteStep]:
    t = qualified(node.relation)
    c = quote_ident(col)
    return [
        step(
            phase_or(ctx.phase, "backfill") if ctx.phase == "backfill" else "backfill",
            f"UPDATE {t} SET {c} = {value} WHERE id >= :lo AND id < :hi AND {c} IS NULL",
            "in batches by key range, one short transaction each (`phasetui backfill`)",
        ),
    ]


def add_column_not_null(node: Any, ctx: Context) -> Iterator[Finding]:
    """ADD COLUMN … NOT NULL without a default fails on any table that has rows."""
    table = relname(node.relation)
    if ctx.is_new(table):
        return
    facts = ctx.table_facts(table)
    if facts is not None and facts.rows == 0:
        return
    for coldef in _added(node):
        if not (coldef.is_not_null or _cons(coldef, "CONSTR_NOTNULL", "CONSTR_PRIMARY")):
            continue
        if _cons(coldef, "CONSTR_DEFAULT", "CONSTR_IDENTITY", "CONSTR_GENERATED"):
            continue
        if column_def_type(coldef).name in SERIAL:
            continue
        col = coldef.colname
        steps = [
            step(phase_or(ctx.phase, "expand"), _plain_add(ctx, node, coldef), "catalog only"),
            *_backfill_steps(ctx, node, col, "…"),
            *set_not_null_steps(ctx, node.relation, col),
        ]
        yield ctx.finding(
            "add-column-not-null-no-default",
            f"ADD COLUMN `{col}` NOT NULL without a DEFAULT fails if `{table}` has any row",
            relation=table,
            lock=L.ACCESS_EXCLUSIVE,
            duration=L.FAILS,
            rewrite=steps,
            assumptions=() if facts else (f"assuming `{table}` has rows",),
            size_matters=False,
        )


def _rewrite_reason(ctx: Context, coldef: Any, pre11: bool) -> tuple[str, list[str]] | None:
    if pre11:
        if ctx.pg < 11 and _cons(coldef, "CONSTR_DEFAULT"):
            return "before PostgreSQL 11 any DEFAULT on ADD COLUMN fills every row", []
        return None
    if column_def_type(coldef).name in SERIAL:
        return f"a {column_def_type(coldef).name} column fills every row from a sequence", []
    if _cons(coldef, "CONSTR_IDENTITY"):
        return "an identity column fills every row from its sequence", []
    for gen in _cons(coldef, "CONSTR_GENERATED"):
        if gen.generated_kind == "s" or ctx.pg < 18:
            return "a stored generated column computes every row", []
    for default in _cons(coldef, "CONSTR_DEFAULT"):
        if ctx.pg < 11:
            return None  # add-column-default-before-pg11 reports it
        known = ctx.options.catalog.volatility if ctx.options.catalog else None
        verdict, assumed = default_volatility(default.raw_expr, known)
        if verdict == "volatile":
            names = ", ".join(f"{n}()" for n in assumed)
            assumptions = [f"assuming {names} is volatile"] if assumed else []
            return "a volatile DEFAULT is computed for every existing row", assumptions
    return None


def add_column_rewrite(node: Any, ctx: Context) -> Iterator[Finding]:
    """ADD COLUMN with a volatile default / stored generated / identity / serial rewrites."""
    return _add_column_rewrites(node, ctx, pre11=False)


def add_column_default_pre11(node: Any, ctx: Context) -> Iterator[Finding]:
    """Before PostgreSQL 11 every ADD COLUMN … DEFAULT rewrites the table."""
    if ctx.pg >= 11:
        return iter(())
    return _add_column_rewrites(node, ctx, pre11=True)


def _add_column_rewrites(node: Any, ctx: Context, pre11: bool) -> Iterator[Finding]:
    table = relname(node.relation)
    if ctx.is_new(table):
        return
    for coldef in _added(node):
        found = _rewrite_reason(ctx, coldef, pre11)
        if found is None:
            continue
        why, assumptions = found
        col = coldef.colname
        t, c = qualified(node.relation), quote_ident(col)
        rule = "add-column-default-before-pg11" if pre11 else "add-column-rewrite"
        defaults = _cons(coldef, "CONSTR_DEFAULT")
        value = to_sql(defaults[0].raw_expr) if defaults else "…"
        steps = [step(phase_or(ctx.phase, "expand"), _plain_add(ctx, node, coldef), "catalog only")]
        if defaults:
            steps.append(
                step(
                    phase_or(ctx.phase, "expand"),
                    f"ALTER TABLE {t} ALTER COLUMN {c} SET DEFAULT {value}",
                    "new rows only; catalog only",
                )
            )
        elif column_def_type(coldef).name in SERIAL or _cons(coldef, "CONSTR_IDENTITY"):
            seq = quote_ident(f"{bare(table)}_{col}_seq")
            steps += [
                step(phase_or(ctx.phase, "expand"), f"CREATE SEQUENCE {seq} OWNED BY {t}.{c}"),
                step(
                    phase_or(ctx.phase, "expand"),
                    f"ALTER TABLE {t} ALTER COLUMN {c} SET DEFAULT nextval('{seq}')",
                    "new rows only",
                ),
            ]
            value = f"nextval('{seq}')"
        steps += _backfill_steps(ctx, node, col, value)
        if coldef.is_not_null or _cons(coldef, "CONSTR_NOTNULL", "CONSTR_PRIMARY"):
            steps += set_not_null_steps(ctx, node.relation, col)
        yield ctx.finding(
            rule,
            f"ADD COLUMN `{col}` on `{table}`: {why}, a full rewrite under ACCESS EXCLUSIVE",
            relation=table,
            lock=L.ACCESS_EXCLUSIVE,
            duration=L.FULL_REWRITE,
            rewrite=steps,
            assumptions=[*ctx.assume_large(table), *assumptions],
        )


_LIKELY_WIDENING = {"varchar", "text", "numeric", "varbit", "inet", "timestamptz"}


def column_type(node: Any, ctx: Context) -> Iterator[Finding]:
    """ALTER COLUMN TYPE rewrites the table and its indexes unless binary coercible."""
    table = relname(node.relation)
    if ctx.is_new(table):
        return
    for cmd in cmds(node, "AT_AlterColumnType"):
        col = cmd.name
        new = column_def_type(cmd.def_)
        old, source = ctx.column_type(table, col)
        assumptions: list[str] = list(ctx.assume_large(table))
        severity = None
        if cmd.def_.raw_default is not None and not (old and old == new):
            why = "a USING expression recomputes every row"
        elif old is not None:
            verdict = type_change(old, new, ctx.pg, ctx.utc or _catalog_utc(ctx))
            if not verdict.rewrite:
                continue
            why = verdict.why + (" (type from the catalog)" if source == "catalog" else "")
        else:
            why = f"changing `{col}` to {new} rewrites unless it is binary coercible"
            assumptions.append(
                f"assuming the current type of `{table}`.`{col}` is not binary "
                f"coercible to {new} (no catalog: pass --env/--dsn for facts)"
            )
            if new.name in _LIKELY_WIDENING:
                severity = WARNING
        t, c = qualified(node.relation), quote_ident(col)
        phase = phase_or(ctx.phase, "expand")
        steps = [
            step(
                phase,
                f"ALTER TABLE {t} ADD COLUMN {quote_ident(col + '_new')} {new}",
                "catalog only",
            ),
            step("expand", "-- keep it in sync: a trigger, or the application writes both"),
            step(
                "backfill",
                f"UPDATE {t} SET {quote_ident(col + '_new')} = {c}::{new} "
                "WHERE id >= :lo AND id < :hi",
                "in batches by key range",
            ),
            step(
                "contract",
                f"ALTER TABLE {t} RENAME COLUMN {c} TO {quote_ident(col + '_old')}"
                f"; ALTER TABLE {t} RENAME COLUMN {quote_ident(col + '_new')} TO {c}",
                "in one transaction, when reads have switched",
            ),
            step("contract", f"ALTER TABLE {t} DROP COLUMN {quote_ident(col + '_old')}"),
        ]
        kwargs = {"severity": severity} if severity else {}
        yield ctx.finding(
            "column-type-rewrite",
            f"ALTER COLUMN `{col}` TYPE {new} on `{table}`: {why}; ACCESS EXCLUSIVE for a "
            "full rewrite and index rebuild",
            relation=table,
            lock=L.ACCESS_EXCLUSIVE,
            duration=L.FULL_REWRITE,
            rewrite=steps,
            assumptions=assumptions,
            **kwargs,
        )


def _catalog_utc(ctx: Context) -> bool:
    catalog = ctx.options.catalog
    return bool(catalog and catalog.timezone.lower() in {"utc", "etc/utc", "gmt", "zulu"})


def json_column(node: Any, ctx: Context) -> Iterator[Finding]:
    """``json`` keeps text as written: no equality operator, no GIN index, slower reads."""
    coldefs: list[tuple[str, Any]] = []
    kind = type(node).__name__
    if kind == "CreateStmt":
        table = relname(node.relation)
        coldefs = [(table, e) for e in node.tableElts or () if type(e).__name__ == "ColumnDef"]
    else:
        table = relname(node.relation)
        for cmd in node.cmds:
            if cmd.subtype.name in {"AT_AddColumn", "AT_AlterColumnType"} and cmd.def_:
                coldefs.append((table, cmd.def_))
    for table, coldef in coldefs:
        if column_def_type(coldef) != ColumnType("json"):
            continue
        col = coldef.colname or "column"
        yield ctx.finding(
            "json-column",
            f"`{table}`.`{col}` uses json: prefer jsonb (equality, GIN indexes, no reparse)",
            severity=WARNING,
            relation=table,
            rewrite=[
                step(
                    phase_or(ctx.phase, "expand"),
                    ctx.stmt.text.replace("json", "jsonb").replace("JSON", "JSONB"),
                    "same statement with jsonb",
                )
            ],
            size_matters=False,
        )


def drop_column(node: Any, ctx: Context) -> Iterator[Finding]:
    """DROP COLUMN breaks every running query and cached statement that names the column."""
    table = relname(node.relation)
    if ctx.is_new(table):
        return
    for cmd in cmds(node, "AT_DropColumn"):
        yield drop_in_use(
            ctx,
            "drop-column",
            f"DROP COLUMN `{cmd.name}` on `{table}`: application code that still reads or "
            "writes it fails",
            contract_hint="contract: make sure no code uses it",
            relation=table,
            stop_using=f"-- stop reading and writing `{cmd.name}` in the application "
            "(Rails: ignored_columns; Django: remove the field with "
            "SeparateDatabaseAndState)",
            once_unused="once no deployed code uses the column",
        )


def rename_column(node: Any, ctx: Context) -> Iterator[Finding]:
    """RENAME COLUMN breaks every deployed query that uses the old name, instantly."""
    if node.renameType.name != "OBJECT_COLUMN" or node.relation is None:
        return
    table = relname(node.relation)
    if ctx.is_new(table) or node.relationType.name != "OBJECT_TABLE":
        return
    t = qualified(node.relation)
    old, new = quote_ident(node.subname), quote_ident(node.newname)
    yield ctx.finding(
        "rename-column",
        f"RENAME COLUMN `{node.subname}` to `{node.newname}` on `{table}` breaks the running "
        "application at once",
        relation=table,
        lock=L.ACCESS_EXCLUSIVE,
        duration=L.CATALOG,
        rewrite=[
            step("expand", f"ALTER TABLE {t} ADD COLUMN {new} <type of {old}>", "catalog only"),
            step("expand", "-- keep both in sync: a trigger, or the application writes both"),
            step(
                "backfill",
                f"UPDATE {t} SET {new} = {old} WHERE id >= :lo AND id < :hi",
                "in batches",
            ),
            step("contract", f"ALTER TABLE {t} DROP COLUMN {old}", "once reads have switched"),
        ],
        size_matters=False,
    )


RULES = [
    Rule(
        "add-column-not-null-no-default",
        "ADD COLUMN NOT NULL without DEFAULT",
        ("AlterTableStmt",),
        add_column_not_null,
    ),
    Rule(
        "add-column-rewrite",
        "ADD COLUMN that rewrites the table",
        ("AlterTableStmt",),
        add_column_rewrite,
    ),
    Rule(
        "add-column-default-before-pg11",
        "ADD COLUMN DEFAULT before PostgreSQL 11",
        ("AlterTableStmt",),
        add_column_default_pre11,
    ),
    Rule(
        "column-type-rewrite", "ALTER COLUMN TYPE that rewrites", ("AlterTableStmt",), column_type
    ),
    Rule("json-column", "json instead of jsonb", ("AlterTableStmt", "CreateStmt"), json_column),
    Rule("drop-column", "DROP COLUMN", ("AlterTableStmt",), drop_column),
    Rule("rename-column", "RENAME COLUMN", ("RenameStmt",), rename_column),
]
