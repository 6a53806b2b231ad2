"""Folds one statement into the linter's context: what it created, proved or set."""

from __future__ import annotations

import re
from typing import Any

from phasetui.sql.context import Context, column_def_type
from phasetui.sql.names import bare, relname, walk
from phasetui.sql.statements import Statement

_UTC = {"utc", "etc/utc", "z", "zulu", "gmt", "etc/gmt", "0", "+00", "+00:00", "uct"}


def _const(node: Any) -> str | None:
    val = getattr(node, "val", None)
    if val is None:
        return None
    for attr in ("sval", "ival", "fval"):
        if hasattr(val, attr):
            return str(getattr(val, attr))
    return None


def timeout_value_set(value: str | None) -> bool:
    """A lock_timeout value is in effect when it is not 0 (0 disables it)."""
    if value is None:
        return False
    m = re.match(r"^\s*(\d+(?:\.\d+)?)", value)
    return float(m[1]) != 0 if m else True


def is_not_null_check(expr: Any) -> str | None:
    """The column of ``CHECK (col IS NOT NULL)``, else None."""
    if type(expr).__name__ != "NullTest" or expr.nulltesttype.name != "IS_NOT_NULL":
        return None
    arg = expr.arg
    if type(arg).__name__ == "ColumnRef" and arg.fields:
        return getattr(arg.fields[-1], "sval", None)
    return None


def _track_create(ctx: Context, node: Any) -> None:
    table = bare(relname(node.relation))
    ctx.new_tables.add(table)
    cols = ctx.columns.setdefault(table, {})
    notnull = ctx.not_null_columns.setdefault(table, set())
    for elt in node.tableElts or ():
        if type(elt).__name__ != "ColumnDef":
            continue
        cols[elt.colname] = column_def_type(elt)
        if elt.is_not_null or any(
            c.contype.name in {"CONSTR_NOTNULL", "CONSTR_PRIMARY"} for c in elt.constraints or ()
        ):
            notnull.add(elt.colname)


def _track_alter(ctx: Context, stmt: Statement, node: Any) -> None:
    table = bare(relname(node.relation))
    for cmd in node.cmds:
        sub = cmd.subtype.name
        if sub == "AT_AddColumn" and cmd.def_ is not None:
            ctx.columns.setdefault(table, {})[cmd.def_.colname] = column_def_type(cmd.def_)
            if any(c.contype.name == "CONSTR_NOTNULL" for c in cmd.def_.constraints or ()):
                ctx.not_null_columns.setdefault(table, set()).add(cmd.def_.colname)
        elif sub == "AT_AlterColumnType" and cmd.def_ is not None:
            ctx.columns.setdefault(table, {})[cmd.name] = column_def_type(cmd.def_)
        elif sub == "AT_SetNotNull":
            ctx.not_null_columns.setdefault(table, set()).add(cmd.name)
        elif sub == "AT_DropNotNull":
            ctx.not_null_columns.get(table, set()).discard(cmd.name)
        elif sub == "AT_AddConstraint":
            _track_constraint(ctx, stmt, table, cmd.def_)
        elif sub == "AT_ValidateConstraint":
            key = (table, cmd.name)
            ctx.validated.add(key)
            column = ctx.pending_checks.get(key)
            if column is None and ctx.options.catalog:
                facts = ctx.table_facts(table)
                column = facts.not_null_check_names.get(cmd.name) if facts else None
            if column:
                ctx.proven_not_null.setdefault(table, set()).add(column)


def _track_constraint(ctx: Context, stmt: Statement, table: str, con: Any) -> None:
    kind = con.contype.name
    column = None
    if kind == "CONSTR_CHECK":
        column = is_not_null_check(con.raw_expr)
    elif kind == "CONSTR_NOTNULL" and con.keys:
        column = con.keys[0].sval
    if con.skip_validation:
        name = con.conname or ""
        ctx.not_valid[(table, name)] = ctx.txn.txn
        if column:
            ctx.pending_checks[(table, name)] = column
    elif column:
        ctx.proven_not_null.setdefault(table, set()).add(column)
        if kind == "CONSTR_NOTNULL":
            ctx.not_null_columns.setdefault(table, set()).add(column)


def _track_set(ctx: Context, node: Any) -> None:
    name = (node.name or "").lower()
    kind = node.kind.name
    if name == "lock_timeout":
        if kind in {"VAR_RESET", "VAR_SET_DEFAULT"}:
            on = False
        else:
            on = timeout_value_set(_const(node.args[0]) if node.args else None)
        if node.is_local:
            if ctx.txn.in_block:
                ctx.local_timeout = on
        else:
            ctx.session_timeout = on
            ctx.local_timeout = on and ctx.local_timeout
    elif kind == "VAR_RESET_ALL":
        ctx.session_timeout = ctx.local_timeout = False
    elif name == "timezone" and node.args:
        ctx.utc = (_const(node.args[0]) or "").lower() in _UTC


def _track_set_config(ctx: Context, node: Any) -> None:
    """``SELECT set_config('lock_timeout', '2s', is_local)``, as pg_dump and ORMs write it."""
    for sub in walk(node):
        if type(sub).__name__ != "FuncCall":
            continue
        if getattr(sub.funcname[-1], "sval", "") != "set_config" or len(sub.args or ()) < 3:
            continue
        name, value, local = (_const(a) for a in sub.args[:3])
        if (name or "").lower() == "lock_timeout":
            on = timeout_value_set(value)
            if str(local).lower() in {"true", "t", "1"}:
                if ctx.txn.in_block:
                    ctx.local_timeout = on
            else:
                ctx.session_timeout = on


def track(ctx: Context, stmt: Statement) -> None:
    node = stmt.node
    kind = stmt.kind
    if kind == "CreateStmt":
        _track_create(ctx, node)
    elif kind == "CreateTableAsStmt":
        ctx.new_tables.add(bare(relname(node.into.rel)))
    elif kind == "ViewStmt":
        ctx.new_tables.add(bare(relname(node.view)))
    elif kind == "IndexStmt" and node.idxname:
        ctx.new_indexes.add(node.idxname)
    elif kind == "AlterTableStmt":
        _track_alter(ctx, stmt, node)
    elif kind == "VariableSetStmt":
        _track_set(ctx, node)
    elif kind == "SelectStmt" and "set_config" in stmt.text:
        _track_set_config(ctx, node)
    elif kind == "RenameStmt" and node.renameType.name in {"OBJECT_TABLE", "OBJECT_INDEX"}:
        old = bare(relname(node.relation))
        if old in ctx.new_tables:
            ctx.new_tables.add(node.newname)
        if old in ctx.new_indexes:
            ctx.new_indexes.add(node.newname)
