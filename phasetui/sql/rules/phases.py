"""Phase rules: what each phase of an expand → backfill → contract migration may contain.

expand: additive only — no constraints, triggers, NOT NULL tightening or drops on existing
tables. backfill: data only — no DDL, and every UPDATE/DELETE bounded by a key range.
contract: constraints only in their online form (checked by the constraint rules); a
NOT VALID constraint must be validated later. Unknown statements are reported for review.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from phasetui.sql import locks as L
from phasetui.sql.context import Context
from phasetui.sql.effects import NOT_DDL
from phasetui.sql.findings import ERROR, WARNING, Finding
from phasetui.sql.names import bare, dotted, relname
from phasetui.sql.rewrite import step
from phasetui.sql.rules.base import Rule
from phasetui.sql.rules.shared import cmds

_TIGHTEN = {
    "CONSTR_FOREIGN",
    "CONSTR_CHECK",
    "CONSTR_UNIQUE",
    "CONSTR_PRIMARY",
    "CONSTR_EXCLUSION",
    "CONSTR_NOTNULL",
}
_EXPAND_BANNED = {
    "AT_AddConstraint": "adds a constraint",
    "AT_AddIndexConstraint": "adds a constraint",
    "AT_ValidateConstraint": "validates a constraint",
    "AT_SetNotNull": "tightens NOT NULL",
    "AT_DropColumn": "drops a column",
    "AT_DropConstraint": "drops a constraint",
}


def _expand_violation(node: Any, ctx: Context) -> tuple[str, str] | None:
    kind = type(node).__name__
    if kind == "AlterTableStmt":
        table = relname(node.relation)
        if ctx.is_new(table):
            return None
        for cmd in node.cmds:
            sub = cmd.subtype.name
            if sub in _EXPAND_BANNED:
                return table, _EXPAND_BANNED[sub]
            if sub == "AT_AddColumn":
                for con in cmd.def_.constraints or ():
                    name = con.contype.name
                    if name in _TIGHTEN - {"CONSTR_NOTNULL"}:
                        return table, "adds a column with a constraint"
        return None
    if kind == "CreateTrigStmt" and not ctx.is_new(relname(node.relation)):
        return relname(node.relation), "creates a trigger"
    if kind == "IndexStmt" and node.unique and not ctx.is_new(relname(node.relation)):
        return relname(node.relation), "adds a unique index (a constraint)"
    if kind == "DropStmt":
        names = [dotted(o) for o in node.objects if not ctx.is_new(dotted(o))]
        if names:
            return names[0], "drops an object"
    return None


def _strongest(ctx: Context) -> dict:
    """lock and duration of the statement's strongest lock, for phase findings."""
    effects = ctx.effects or []
    if not effects:
        return {"duration": L.CATALOG}
    eff = max(effects, key=lambda e: L.strength(e.mode))
    return {"lock": eff.mode, "duration": eff.duration}


def phase_expand(node: Any, ctx: Context) -> Iterator[Finding]:
    """The expand phase is additive only: old code must keep working unchanged."""
    if ctx.phase != "expand" or any(f.severity == ERROR for f in ctx.current):
        return
    found = _expand_violation(node, ctx)
    if found is None:
        return
    table, what = found
    yield ctx.finding(
        "phase-expand",
        f"the expand phase allows no constraints, triggers, NOT NULL tightening or drops: "
        f"this statement {what} on `{table}`",
        relation=table,
        **_strongest(ctx),
        rewrite=[
            step("contract", ctx.stmt.text, "move it to the contract phase (in its online form)")
        ],
        size_matters=False,
    )


def phase_backfill(node: Any, ctx: Context) -> Iterator[Finding]:
    """The backfill phase changes data only: DDL belongs to expand or contract."""
    if ctx.phase != "backfill" or type(node).__name__ in NOT_DDL:
        return
    yield ctx.finding(
        "phase-backfill",
        "the backfill phase allows no DDL: move this statement to expand or contract",
        relation=relname(getattr(node, "relation", None)),
        **_strongest(ctx),
        rewrite=[
            step(
                "expand",
                ctx.stmt.text,
                "schema changes belong to expand (additive) or contract (tightening)",
            )
        ],
        size_matters=False,
    )


def phase_contract(node: Any, ctx: Context) -> Iterator[Finding]:
    """In contract, a NOT VALID constraint is only half done until it is validated."""
    if ctx.phase != "contract":
        return
    table = relname(node.relation)
    for cmd in cmds(node, "AT_AddConstraint"):
        if not cmd.def_.skip_validation:
            continue
        name = cmd.def_.conname or ""
        later = any(
            s.kind == "AlterTableStmt"
            and bare(relname(s.node.relation)) == bare(table)
            and any(
                c.subtype.name == "AT_ValidateConstraint" and c.name == name for c in s.node.cmds
            )
            for s in ctx.later()
        )
        if later:
            continue
        yield ctx.finding(
            "phase-contract",
            f"constraint {name or '(unnamed)'} on `{table}` is added NOT VALID but never "
            "validated in this migration: it does not yet hold for existing rows",
            severity=WARNING,
            relation=table,
            rewrite=[
                step(
                    "contract",
                    f"ALTER TABLE {table} VALIDATE CONSTRAINT {name}",
                    "in a later transaction",
                )
            ],
            size_matters=False,
        )


def unknown_statement(node: Any, ctx: Context) -> Iterator[Finding]:
    """A statement the linter cannot classify is never silently safe."""
    if ctx.effects is not None:
        return
    kind = type(node).__name__
    what = (
        "a DO block: the SQL it runs is linted as one transaction, but its conditions and "
        "any dynamic SQL built at run time are not"
        if kind == "DoStmt"
        else f"the linter does not know the locks of {kind}"
    )
    yield ctx.finding(
        "unknown-statement",
        f"unknown — review: {what}",
        severity=WARNING,
        size_matters=False,
    )


RULES = [
    Rule("phase-expand", "expand: additive changes only", ("*",), phase_expand),
    Rule("phase-backfill", "backfill: no DDL", ("*",), phase_backfill),
    Rule(
        "phase-contract",
        "contract: NOT VALID must be validated",
        ("AlterTableStmt",),
        phase_contract,
    ),
    Rule("unknown-statement", "unknown — review", ("*",), unknown_statement),
]
