"""Which migration phase a schema change belongs to, and how risky it is to apply online.

One table of small rules, isolated here so it can later defer to the pglast lint rules in
``phasetui.sql``. Keys are ``(kind, status)`` for added/removed objects and ``(kind, attr)``
for changed attributes; each rule returns a :class:`Verdict`. Anything without a rule is
``review``/``unknown``: never silently "safe".

Phases follow the guide: *expand* changes are additive and safe for the old code (nullable
columns, new tables, concurrent indexes); *contract* changes tighten or remove (NOT NULL,
FK/unique/check, drops) and go after the backfill and after code stops using what is dropped;
*any* changes (comments, grants, owners) fit any phase. Renames are *contract* and flagged
``breaks_app``: the lock is brief and catalog-only, but code still running with the old name
fails from the moment the rename commits, so no phase makes them safe for the old code.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from phasetui.schema.diff import Change
    from phasetui.schema.model import SchemaModel

RISKS = ("none", "low", "medium", "high", "unknown")
PHASES = ("expand", "backfill", "contract", "any", "review")


@dataclass(frozen=True)
class Verdict:
    phase: str
    risk: str
    advice: str = ""
    breaks_app: bool = False  # running application code fails once it is applied (renames)


def worst(verdicts: list[Verdict]) -> Verdict:
    if not verdicts:
        return Verdict("any", "none")
    top = max(verdicts, key=lambda v: (RISKS.index(v.risk), v.breaks_app))
    phases = {v.phase for v in verdicts}
    phase = "contract" if "contract" in phases else top.phase
    return Verdict(phase, top.risk, top.advice, any(v.breaks_app for v in verdicts))


Rule = Callable[["Change", "SchemaModel"], Verdict]

VOLATILE = re.compile(
    r"\b(nextval|random|clock_timestamp|timeofday|gen_random_uuid|uuid_generate_v\d|"
    r"statement_timestamp|txid_current)\s*\(",
    re.I,
)


def _v(phase: str, risk: str, advice: str = "") -> Rule:
    return lambda change, model: Verdict(phase, risk, advice)


def _column_added(change: Change, model: SchemaModel) -> Verdict:
    a = change.new.attrs if change.new else {}
    if a.get("generated_kind") == "STORED" or a.get("identity"):
        return Verdict("expand", "high", "fills every row: table rewrite under ACCESS EXCLUSIVE")
    default = a.get("default")
    if default and VOLATILE.search(default):
        return Verdict(
            "expand",
            "high",
            "volatile default rewrites the table under ACCESS EXCLUSIVE: add it "
            "without a default, set the default, backfill in batches",
        )
    if a.get("not_null") and not default:
        return Verdict(
            "expand",
            "high",
            "NOT NULL without a default fails on a non-empty table: add it nullable, "
            "backfill, then SET NOT NULL in contract",
        )
    if a.get("not_null"):
        return Verdict("expand", "low", "constant default: metadata only (PostgreSQL 11+)")
    return Verdict("expand", "low", "nullable column: metadata only")


def _not_null(change: Change, model: SchemaModel) -> Verdict:
    old, new = _attr(change, "not_null")
    if new and not old:
        if change.new is not None and change.new.attrs.get("not_null_validated") is False:
            return Verdict(
                "contract",
                "low",
                "NOT NULL … NOT VALID (PostgreSQL 18): no scan now; VALIDATE CONSTRAINT later "
                "(SHARE UPDATE EXCLUSIVE, does not block writes)",
            )
        from phasetui.schema.idents import last_part

        column = last_part(change.name)
        for obj in model.children(change.parent or ""):
            d = obj.attrs.get("definition") or ""
            if (
                obj.kind == "constraint"
                and obj.attrs.get("validated") is not False
                and re.search(rf"\(?{re.escape(column)} IS NOT NULL\)?", d)
            ):
                return Verdict(
                    "contract", "low", "a validated CHECK (… IS NOT NULL) exists: no scan (PG12+)"
                )
        return Verdict(
            "contract",
            "high",
            "SET NOT NULL scans the table under ACCESS EXCLUSIVE: add CHECK (col IS "
            "NOT NULL) NOT VALID, VALIDATE it, then SET NOT NULL",
        )
    return Verdict("expand", "low", "DROP NOT NULL: metadata only")


_WIDENING = [
    (
        r"(?:character varying|varchar)\((\d+)\)",
        r"(?:character varying|varchar)\((\d+)\)",
        lambda a, b: b >= a,
    ),
    (r"(?:character varying|varchar)(\(\d+\))?", r"text", None),
    (r"character varying\(\d+\)", r"character varying", None),
    (r"numeric\(\d+,\d+\)", r"numeric", None),
]


def _type_change(change: Change, model: SchemaModel) -> Verdict:
    old, new = _attr(change, "type")
    for src, dst, test in _WIDENING:
        ms, md = re.fullmatch(src, old or ""), re.fullmatch(dst, new or "")
        if ms and md and (test is None or test(int(ms[1]), int(md[1]))):
            return Verdict("expand", "low", "binary-compatible widening: no rewrite")
    return Verdict(
        "contract",
        "high",
        "type change rewrites the table and its indexes under ACCESS EXCLUSIVE: add a "
        "new column, backfill, switch code, drop the old one",
    )


def _constraint_added(change: Change, model: SchemaModel) -> Verdict:
    a = change.new.attrs if change.new else {}
    ctype = a.get("type")
    not_valid = a.get("validated") is False
    if ctype in ("foreign key", "check"):
        if not_valid:
            return Verdict(
                "contract",
                "low",
                "NOT VALID: no scan now; VALIDATE CONSTRAINT later (SHARE UPDATE "
                "EXCLUSIVE, does not block writes)",
            )
        return Verdict(
            "contract",
            "high",
            "validating scans the table under a blocking lock: ADD … NOT VALID, then "
            "VALIDATE CONSTRAINT",
        )
    if ctype in ("primary key", "unique"):
        return Verdict(
            "contract",
            "high",
            "builds an index under ACCESS EXCLUSIVE: CREATE UNIQUE INDEX CONCURRENTLY, "
            "then ADD CONSTRAINT … USING INDEX",
        )
    return Verdict("contract", "high", "builds an index under ACCESS EXCLUSIVE")


def _validated(change: Change, model: SchemaModel) -> Verdict:
    old, new = _attr(change, "validated")
    if old is False and new is None:
        return Verdict("contract", "low", "VALIDATE CONSTRAINT: SHARE UPDATE EXCLUSIVE, online")
    return Verdict("review", "unknown", "a validated constraint became NOT VALID")


def _not_null_validated(change: Change, model: SchemaModel) -> Verdict:
    """A NOT NULL's validation state; when NOT NULL itself changed, that rule speaks."""
    if "not_null" in change.changed_attrs:
        return Verdict("any", "none")
    old, new = _attr(change, "not_null_validated")
    if old is False and new is None:
        return Verdict(
            "contract", "low", "VALIDATE CONSTRAINT: SHARE UPDATE EXCLUSIVE, does not block writes"
        )
    return Verdict("review", "unknown", "a validated NOT NULL became NOT VALID")


COLUMN_ORDER_ADVICE = (
    "INSERT and COPY without a column list (and SELECT *) read columns by position; ALTER "
    "TABLE cannot reorder them (only recreating the table can): list columns explicitly"
)
COLLATION_ADVICE = (
    "a collation cannot be altered: create a new one, move the columns to it (each move "
    "rebuilds their indexes under ACCESS EXCLUSIVE), then drop the old one"
)


def _index_added(change: Change, model: SchemaModel) -> Verdict:
    a = change.new.attrs if change.new else {}
    if a.get("valid") is False:
        return Verdict(
            "review",
            "high",
            "INVALID index (failed CREATE INDEX CONCURRENTLY): DROP INDEX CONCURRENTLY "
            "and build it again",
        )
    parent = model.find("table", change.parent or "")
    if parent is not None and parent.attrs.get("partition_key"):
        return Verdict(
            "expand",
            "medium",
            "partitioned table: CONCURRENTLY is not allowed on the parent; build each "
            "partition's index CONCURRENTLY, CREATE INDEX … ON ONLY the parent, ATTACH",
        )
    phase = "contract" if a.get("unique") else "expand"
    return Verdict(phase, "medium", "CREATE INDEX CONCURRENTLY, outside a transaction")


def _index_valid(change: Change, model: SchemaModel) -> Verdict:
    old, new = _attr(change, "valid")
    if new is False:
        return Verdict("review", "high", "index became INVALID: drop it CONCURRENTLY and rebuild")
    return Verdict("expand", "low", "index is valid now")


def _enum_labels(change: Change, model: SchemaModel) -> Verdict:
    old, new = _attr(change, "labels")
    if old and new and set(old) <= set(new):
        return Verdict("expand", "low", "ALTER TYPE … ADD VALUE (not usable in the same txn)")
    return Verdict("contract", "high", "removing or renaming enum labels needs a new type")


def _partition_of(change: Change, model: SchemaModel) -> Verdict:
    old, new = _attr(change, "partition_of")
    if new and not old:
        return Verdict(
            "expand",
            "medium",
            "ATTACH PARTITION scans the table unless a CHECK matching the bound exists",
        )
    return Verdict("contract", "medium", "DETACH PARTITION CONCURRENTLY (PostgreSQL 14+)")


def _attr(change: Change, name: str) -> tuple[Any, Any]:
    for a in change.attrs:
        if a.attr == name:
            return a.old, a.new
    return None, None


DROP_ADVICE = "after the code stops using it; keep the backup handy"
RULE_ADVICE = (
    "CREATE RULE takes ACCESS EXCLUSIVE on the table and rewrites every matching query from "
    "then on: review what it does"
)

ADDED: dict[str, Rule] = {
    "schema": _v("expand", "low"),
    "extension": _v("expand", "medium", "CREATE EXTENSION may take locks and need superuser"),
    "collation": _v("expand", "low"),
    "type": _v("expand", "low"),
    "domain": _v("expand", "low"),
    "sequence": _v("expand", "low"),
    "table": _v("expand", "low", "new table: no lock on existing data"),
    "column": _column_added,
    "constraint": _constraint_added,
    "index": _index_added,
    "view": _v("expand", "low"),
    "materialized view": _v("expand", "medium", "creating it runs the query (use WITH NO DATA)"),
    "function": _v("expand", "low"),
    "procedure": _v("expand", "low"),
    "aggregate": _v("expand", "low"),
    "trigger": _v("expand", "medium", "CREATE TRIGGER takes SHARE ROW EXCLUSIVE (blocks writes)"),
    "rule": _v("expand", "medium", RULE_ADVICE),
    "policy": _v("any", "medium", "row security: check who can still see what"),
    "default privileges": _v("any", "none"),
}

REMOVED: dict[str, Rule] = {
    "collation": _v("contract", "low", "after no column, index or code uses it; " + DROP_ADVICE),
    "table": _v("contract", "high", DROP_ADVICE),
    "column": _v("contract", "medium", "DROP COLUMN: brief ACCESS EXCLUSIVE; " + DROP_ADVICE),
    "constraint": _v("contract", "low", "brief ACCESS EXCLUSIVE; use lock_timeout"),
    "index": _v("contract", "low", "DROP INDEX CONCURRENTLY; " + DROP_ADVICE),
    "view": _v("contract", "low", DROP_ADVICE),
    "materialized view": _v("contract", "low", DROP_ADVICE),
    "function": _v("contract", "low", DROP_ADVICE),
    "procedure": _v("contract", "low", DROP_ADVICE),
    "aggregate": _v("contract", "low", DROP_ADVICE),
    "trigger": _v("contract", "low", "brief SHARE ROW EXCLUSIVE lock"),
    "rule": _v(
        "contract", "medium", "DROP RULE: brief ACCESS EXCLUSIVE; queries stop being rewritten"
    ),
    "policy": _v("any", "medium", "row security: check who can now see what"),
    "default privileges": _v("any", "none"),
}

RENAME_BREAKS = (
    "code still using the old name (queries, PL/pgSQL bodies) fails from the moment it commits"
)

RENAMED: dict[str, Verdict] = {
    "column": Verdict(
        "contract",
        "medium",
        "RENAME COLUMN: brief ACCESS EXCLUSIVE, catalog only (no rewrite), but "
        + RENAME_BREAKS
        + ": online, add the new column, write both, backfill, switch the code, then drop "
        "the old one",
        breaks_app=True,
    ),
    "table": Verdict(
        "contract",
        "medium",
        "RENAME TO: brief ACCESS EXCLUSIVE, catalog only (no rewrite), but "
        + RENAME_BREAKS
        + ": switch the code first, or keep a view under the old name meanwhile; use "
        "lock_timeout",
        breaks_app=True,
    ),
    "constraint": Verdict(
        "contract",
        "low",
        "RENAME CONSTRAINT: brief ACCESS EXCLUSIVE, catalog only; breaks code that names it "
        "(ON CONFLICT ON CONSTRAINT, error handling by constraint name, later migrations)",
        breaks_app=True,
    ),
    "index": Verdict(
        "contract",
        "low",
        "ALTER INDEX … RENAME: SHARE UPDATE EXCLUSIVE (PostgreSQL 12+), catalog only; breaks "
        "code and later migrations that name the index",
        breaks_app=True,
    ),
}

CHANGED: dict[tuple[str, str], Rule] = {
    ("column", "type"): _type_change,
    ("column", "not_null"): _not_null,
    ("column", "default"): _v("expand", "low", "SET DEFAULT: metadata only, new rows only"),
    ("column", "generated"): _v("contract", "high", "generation change rewrites the table"),
    ("column", "generated_kind"): _v("contract", "high", "generation change rewrites the table"),
    ("column", "identity"): _v("contract", "medium", "identity change: brief ACCESS EXCLUSIVE"),
    ("column", "identity_options"): _v("any", "low"),
    ("column", "identity_sequence"): _v("any", "low"),
    ("column", "collation"): _v("contract", "high", "collation change rebuilds indexes"),
    ("column", "statistics"): _v("any", "low", "run ANALYZE afterwards"),
    ("column", "storage"): _v(
        "any", "low", "SET STORAGE: brief ACCESS EXCLUSIVE, no rewrite (new values only)"
    ),
    ("column", "compression"): _v(
        "any", "low", "SET COMPRESSION: brief ACCESS EXCLUSIVE, no rewrite (new values only)"
    ),
    ("column", "options"): _v("any", "low", "SHARE UPDATE EXCLUSIVE; run ANALYZE afterwards"),
    ("column", "not_null_validated"): _not_null_validated,
    ("column", "not_null_no_inherit"): _v(
        "any", "low", "NO INHERIT changes which children must keep the NOT NULL"
    ),
    ("table", "column_order"): _v("any", "low", COLUMN_ORDER_ADVICE),
    ("table", "replica_identity"): _v(
        "any",
        "medium",
        "REPLICA IDENTITY: brief ACCESS EXCLUSIVE, no rewrite; logical replication and CDC "
        "send other old-row data from then on (FULL writes more WAL)",
    ),
    ("table", "cluster_on"): _v(
        "any", "none", "CLUSTER ON only marks the index for a later CLUSTER; no data moves"
    ),
    ("extension", "version"): _v(
        "any",
        "medium",
        "ALTER EXTENSION … UPDATE: may take locks and change the extension's objects; read "
        "its release notes and run it on staging first",
    ),
    ("collation", "provider"): _v("contract", "high", COLLATION_ADVICE),
    ("collation", "locale"): _v("contract", "high", COLLATION_ADVICE),
    ("collation", "lc_collate"): _v("contract", "high", COLLATION_ADVICE),
    ("collation", "lc_ctype"): _v("contract", "high", COLLATION_ADVICE),
    ("collation", "deterministic"): _v("contract", "high", COLLATION_ADVICE),
    ("collation", "rules"): _v("contract", "high", COLLATION_ADVICE),
    ("constraint", "validated"): _validated,
    ("constraint", "definition"): _v("contract", "high", "drop and re-add: see constraint added"),
    ("constraint", "type"): _v("contract", "high", "drop and re-add"),
    ("index", "valid"): _index_valid,
    ("index", "partition_of"): _v("expand", "low", "ALTER INDEX … ATTACH PARTITION"),
    ("table", "partition_of"): _partition_of,
    ("table", "bound"): _v("contract", "high", "detach and re-attach with the new bound"),
    ("table", "row_security"): _v("any", "medium", "row security switched: check policies"),
    ("table", "force_row_security"): _v("any", "medium"),
    ("table", "unlogged"): _v("contract", "high", "SET LOGGED/UNLOGGED rewrites the table"),
    ("table", "options"): _v("any", "low", "storage parameters"),
    ("type", "labels"): _enum_labels,
    ("sequence", "options"): _v("any", "low"),
    ("sequence", "owned_by"): _v("any", "low"),
    ("view", "definition"): _v(
        "expand", "low", "CREATE OR REPLACE VIEW (columns may only be added)"
    ),
    ("materialized view", "definition"): _v("expand", "medium", "recreate and REFRESH"),
    ("trigger", "definition"): _v("contract", "medium", "drop and re-create: SHARE ROW EXCLUSIVE"),
    ("trigger", "enabled"): _v("any", "medium", "ENABLE/DISABLE TRIGGER takes SHARE ROW EXCLUSIVE"),
    ("policy", "definition"): _v("any", "medium", "row security: check who can see what"),
    ("aggregate", "options"): _v("any", "low", "CREATE OR REPLACE AGGREGATE (PostgreSQL 12+)"),
    ("rule", "definition"): _v("review", "medium", "CREATE OR REPLACE RULE: " + RULE_ADVICE),
    ("rule", "enabled"): _v("any", "medium", "ENABLE/DISABLE RULE: brief ACCESS EXCLUSIVE"),
}

NEUTRAL_ATTRS = {
    "comment": Verdict("any", "none"),
    "owner": Verdict("any", "none"),
    "acl": Verdict("any", "none", "privileges"),
}


def classify_attr(kind: str, attr: str, change: Change, model: SchemaModel) -> Verdict:
    if attr in NEUTRAL_ATTRS:
        return NEUTRAL_ATTRS[attr]
    rule = CHANGED.get((kind, attr))
    if rule is not None:
        return rule(change, model)
    if kind in ("function", "procedure"):
        return Verdict("any", "low", "CREATE OR REPLACE; check callers and volatility")
    if kind == "index":
        return Verdict(
            "contract",
            "high",
            "build the new index CONCURRENTLY under a new name, then DROP INDEX "
            "CONCURRENTLY the old one",
        )
    return Verdict("review", "unknown", "no rule for this change: review it by hand")


def classify(change: Change, model: SchemaModel) -> Verdict:
    """The verdict for a whole change (``changed``: the worst of its attributes; ``renamed``:
    the rename's own rule and the worst of the attributes that changed with it)."""
    if change.kind == "other":
        return Verdict("review", "unknown", "statement phasetui does not model: review by hand")
    if change.status == "renamed":
        rename = RENAMED.get(change.kind) or Verdict(
            "contract", "medium", "rename: " + RENAME_BREAKS, breaks_app=True
        )
        return worst([rename] + [a.verdict for a in change.attrs if a.verdict is not None])
    if change.status == "added":
        rule = ADDED.get(change.kind)
    elif change.status == "removed":
        rule = REMOVED.get(change.kind) or _v("contract", "low", DROP_ADVICE)
    else:
        return worst([a.verdict for a in change.attrs if a.verdict is not None])
    return rule(change, model) if rule else Verdict("review", "unknown")
