"""What each statement locks, in which mode and for how long — or None if unknown.

One table per statement kind (and per ALTER TABLE subcommand), from the PostgreSQL docs'
lock tables. A statement kind missing from these tables is *unknown*: the linter reports
it for review rather than assume it is safe.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from phasetui.sql import locks as L
from phasetui.sql.names import dotted, relname

AE, SRE, SHARE, SUE = L.ACCESS_EXCLUSIVE, L.SHARE_ROW_EXCLUSIVE, L.SHARE, L.SHARE_UPDATE_EXCLUSIVE


@dataclass(frozen=True)
class Effect:
    relation: str
    mode: str
    duration: str
    ddl: bool = True


# ALTER TABLE subcommand -> (lock mode, duration); ADD CONSTRAINT is decided per constraint
_ALTER: dict[str, tuple[str, str]] = {
    "AT_AddColumn": (AE, L.CATALOG),
    "AT_AddColumnToView": (AE, L.CATALOG),
    "AT_ColumnDefault": (AE, L.CATALOG),
    "AT_CookedColumnDefault": (AE, L.CATALOG),
    "AT_DropNotNull": (AE, L.CATALOG),
    "AT_SetNotNull": (AE, L.FULL_SCAN),
    "AT_SetExpression": (AE, L.FULL_REWRITE),
    "AT_DropExpression": (AE, L.CATALOG),
    "AT_SetStatistics": (SUE, L.CATALOG),
    "AT_SetOptions": (SUE, L.CATALOG),
    "AT_ResetOptions": (SUE, L.CATALOG),
    "AT_SetStorage": (AE, L.CATALOG),
    "AT_SetCompression": (AE, L.CATALOG),
    "AT_DropColumn": (AE, L.CATALOG),
    "AT_AddIndex": (AE, L.INDEX_BUILD),
    "AT_AlterConstraint": (AE, L.CATALOG),
    "AT_ValidateConstraint": (SUE, L.FULL_SCAN),
    "AT_AddIndexConstraint": (AE, L.CATALOG),
    "AT_DropConstraint": (AE, L.CATALOG),
    "AT_AlterColumnType": (AE, L.FULL_REWRITE),
    "AT_AlterColumnGenericOptions": (AE, L.CATALOG),
    "AT_ChangeOwner": (AE, L.CATALOG),
    "AT_ClusterOn": (SUE, L.CATALOG),
    "AT_DropCluster": (SUE, L.CATALOG),
    "AT_SetLogged": (AE, L.FULL_REWRITE),
    "AT_SetUnLogged": (AE, L.FULL_REWRITE),
    "AT_SetAccessMethod": (AE, L.FULL_REWRITE),
    "AT_SetTableSpace": (AE, L.FULL_REWRITE),
    "AT_SetRelOptions": (SUE, L.CATALOG),
    "AT_ResetRelOptions": (SUE, L.CATALOG),
    "AT_ReplaceRelOptions": (SUE, L.CATALOG),
    "AT_AddInherit": (AE, L.CATALOG),
    "AT_DropInherit": (AE, L.CATALOG),
    "AT_AddOf": (AE, L.CATALOG),
    "AT_DropOf": (AE, L.CATALOG),
    "AT_ReplicaIdentity": (AE, L.CATALOG),
    "AT_EnableRowSecurity": (AE, L.CATALOG),
    "AT_DisableRowSecurity": (AE, L.CATALOG),
    "AT_ForceRowSecurity": (AE, L.CATALOG),
    "AT_NoForceRowSecurity": (AE, L.CATALOG),
    "AT_GenericOptions": (AE, L.CATALOG),
    "AT_AttachPartition": (SUE, L.CATALOG),
    "AT_DetachPartitionFinalize": (SUE, L.CATALOG),
    "AT_AddIdentity": (AE, L.CATALOG),
    "AT_SetIdentity": (AE, L.CATALOG),
    "AT_DropIdentity": (AE, L.CATALOG),
}
for _t in ("Trig", "AlwaysTrig", "ReplicaTrig", "TrigAll", "TrigUser"):
    _ALTER[f"AT_Enable{_t}"] = (SRE, L.CATALOG)
for _t in ("Trig", "TrigAll", "TrigUser"):
    _ALTER[f"AT_Disable{_t}"] = (SRE, L.CATALOG)
for _t in ("EnableRule", "EnableAlwaysRule", "EnableReplicaRule", "DisableRule"):
    _ALTER[f"AT_{_t}"] = (AE, L.CATALOG)


def constraint_effect(con: Any) -> tuple[str, str]:
    kind = con.contype.name
    if kind == "CONSTR_FOREIGN":
        return SRE, (L.CATALOG if con.skip_validation else L.FULL_SCAN)
    if kind in {"CONSTR_CHECK", "CONSTR_NOTNULL"}:
        return AE, (L.CATALOG if con.skip_validation else L.FULL_SCAN)
    if kind in {"CONSTR_UNIQUE", "CONSTR_PRIMARY"}:
        return AE, (L.CATALOG if con.indexname else L.INDEX_BUILD)
    return AE, L.INDEX_BUILD  # exclusion


def _alter_table(node: Any) -> list[Effect] | None:
    table = relname(node.relation)
    out = []
    for cmd in node.cmds:
        sub = cmd.subtype.name
        if sub == "AT_AddConstraint":
            mode, duration = constraint_effect(cmd.def_)
            out.append(Effect(table, mode, duration))
            if cmd.def_.contype.name == "CONSTR_FOREIGN" and cmd.def_.pktable is not None:
                out.append(Effect(relname(cmd.def_.pktable), SRE, L.CATALOG))
        elif sub == "AT_DetachPartition":
            out.append(Effect(table, SUE if cmd.def_.concurrent else AE, L.CATALOG))
        elif sub in _ALTER:
            mode, duration = _ALTER[sub]
            out.append(Effect(table, mode, duration))
        else:
            return None
    return out


def _index(node: Any) -> list[Effect]:
    mode = SUE if node.concurrent else SHARE
    return [Effect(relname(node.relation), mode, L.INDEX_BUILD)]


_DROP_TABLE_LIKE = {"OBJECT_TABLE", "OBJECT_VIEW", "OBJECT_MATVIEW", "OBJECT_FOREIGN_TABLE"}


def _drop(node: Any) -> list[Effect]:
    kind = node.removeType.name
    if kind in _DROP_TABLE_LIKE:
        return [Effect(dotted(obj), AE, L.CATALOG) for obj in node.objects]
    if kind == "OBJECT_INDEX":
        mode = SUE if node.concurrent else AE
        return [Effect(dotted(obj), mode, L.CATALOG) for obj in node.objects]
    if kind in {"OBJECT_TRIGGER", "OBJECT_RULE", "OBJECT_POLICY"}:
        # objects are (schema?, table, name): the lock is on the table
        return [Effect(dotted(obj[:-1]), AE, L.CATALOG) for obj in node.objects]
    return []


def _rename(node: Any) -> list[Effect]:
    kind = node.renameType.name
    if node.relation is None:
        return []
    if kind == "OBJECT_INDEX":
        return [Effect(relname(node.relation), SUE, L.CATALOG)]
    return [Effect(relname(node.relation), AE, L.CATALOG)]


def _reindex(node: Any) -> list[Effect]:
    concurrent = any(p.defname == "concurrently" for p in node.params or ())
    target = relname(node.relation) if node.relation else (node.name or "")
    return [Effect(target, SUE if concurrent else SHARE, L.INDEX_BUILD)]


def _vacuum(node: Any) -> list[Effect]:
    full = any(o.defname == "full" for o in node.options or ())
    mode, duration = (AE, L.FULL_REWRITE) if full else (SUE, L.FULL_SCAN)
    rels = [relname(r.relation) for r in node.rels or ()]
    return [Effect(r, mode, duration, ddl=False) for r in rels]


def _lock(node: Any) -> list[Effect]:
    mode = L.lock_mode_from_lockstmt(node.mode)
    return [Effect(relname(r), mode, L.CATALOG, ddl=False) for r in node.relations]


def _dml(node: Any) -> list[Effect]:
    return [Effect(relname(node.relation), L.ROW_EXCLUSIVE, L.ROW_CHANGES, ddl=False)]


def _none_ddl(node: Any) -> list[Effect]:
    return []


def _none(node: Any) -> list[Effect]:
    return []


def _trigger(node: Any) -> list[Effect]:
    return [Effect(relname(node.relation), SRE, L.CATALOG)]


def _refresh(node: Any) -> list[Effect]:
    mode = L.EXCLUSIVE if node.concurrent else AE
    return [Effect(relname(node.relation), mode, L.FULL_REWRITE)]


def _truncate(node: Any) -> list[Effect]:
    return [Effect(relname(r), AE, L.CATALOG) for r in node.relations]


def _cluster(node: Any) -> list[Effect]:
    return [Effect(relname(node.relation), AE, L.FULL_REWRITE)] if node.relation else []


def _create(node: Any) -> list[Effect]:
    out = []
    for elt in node.tableElts or ():
        cons = elt.constraints if type(elt).__name__ == "ColumnDef" else (elt,)
        for con in cons or ():
            if type(con).__name__ == "Constraint" and con.contype.name == "CONSTR_FOREIGN":
                out.append(Effect(relname(con.pktable), SRE, L.CATALOG))
    return out


def _set_schema(node: Any) -> list[Effect]:
    if node.relation is not None:
        return [Effect(relname(node.relation), AE, L.CATALOG)]
    return []


_DDL_QUIET = (
    "CreateSeqStmt AlterSeqStmt CreateFunctionStmt AlterFunctionStmt CreateExtensionStmt "
    "AlterExtensionStmt CreateSchemaStmt CreateEnumStmt CompositeTypeStmt CreateDomainStmt "
    "DefineStmt CommentStmt ViewStmt CreateTableAsStmt CreatePolicyStmt AlterPolicyStmt "
    "CreateEventTrigStmt AlterOwnerStmt CreateStatsStmt AlterStatsStmt CreateCastStmt "
    "CreateRangeStmt AlterEnumStmt AlterTypeStmt CreatePublicationStmt AlterPublicationStmt "
    "CreateSubscriptionStmt AlterSubscriptionStmt SecLabelStmt CreateForeignTableStmt "
    "CreateForeignServerStmt CreateFdwStmt CreateUserMappingStmt ImportForeignSchemaStmt "
    "AlterDefaultPrivilegesStmt CreateConversionStmt CreateOpClassStmt CreateOpFamilyStmt "
    "AlterOpFamilyStmt CreateTransformStmt CreatePLangStmt CreateAmStmt AlterCollationStmt "
    "AlterDomainStmt CreateTableSpaceStmt RuleStmt AlterTableMoveAllStmt"
).split()
_NOT_DDL = (
    "SelectStmt InsertStmt VariableSetStmt VariableShowStmt TransactionStmt GrantStmt "
    "GrantRoleStmt CreateRoleStmt AlterRoleStmt AlterRoleSetStmt DropRoleStmt "
    "AlterDatabaseSetStmt AlterDatabaseStmt ConstraintsSetStmt ExplainStmt CopyStmt "
    "CheckPointStmt ListenStmt NotifyStmt UnlistenStmt DiscardStmt DeallocateStmt "
    "PrepareStmt ExecuteStmt AlterSystemStmt DropOwnedStmt ReassignOwnedStmt "
    "CreatedbStmt DropdbStmt LoadStmt"
).split()

STATEMENT_EFFECTS: dict[str, Callable[[Any], list[Effect] | None]] = {
    "AlterTableStmt": _alter_table,
    "IndexStmt": _index,
    "DropStmt": _drop,
    "RenameStmt": _rename,
    "ReindexStmt": _reindex,
    "VacuumStmt": _vacuum,
    "LockStmt": _lock,
    "UpdateStmt": _dml,
    "DeleteStmt": _dml,
    "MergeStmt": _dml,
    "CreateTrigStmt": _trigger,
    "RefreshMatViewStmt": _refresh,
    "TruncateStmt": _truncate,
    "ClusterStmt": _cluster,
    "CreateStmt": _create,
    "AlterObjectSchemaStmt": _set_schema,
    **{kind: _none_ddl for kind in _DDL_QUIET},
    **{kind: _none for kind in _NOT_DDL},
}

NOT_DDL = frozenset(
    _NOT_DDL + ["UpdateStmt", "DeleteStmt", "MergeStmt", "VacuumStmt", "LockStmt", "DoStmt"]
)


def statement_effects(node: Any) -> list[Effect] | None:
    """The locks a statement takes; None when the linter does not know the statement."""
    handler = STATEMENT_EFFECTS.get(type(node).__name__)
    if handler is None:
        return None
    return handler(node)
