"""Reads a live database's schema from ``pg_catalog`` into the same SchemaModel as a dump.

It asks the server for the very text pg_dump would write (``format_type``, ``pg_get_expr``,
``pg_get_constraintdef``, ``pg_get_indexdef``, ``pg_get_viewdef``, ``pg_get_triggerdef``) with
``search_path`` set to empty, as pg_dump does, so names come out schema-qualified the same
way. It also applies pg_dump's choices of what is an object of its own: extension members,
identity sequences, indexes behind constraints, cloned partition FKs and triggers are not.
One read-only REPEATABLE READ transaction, about a dozen queries, no locks on user tables.
"""

from __future__ import annotations

import re
from typing import Any

from phasetui.schema import acl as aclmod
from phasetui.schema.collations import catalog_collation_attrs
from phasetui.schema.dump_loader import _INDEX, column_options, index_attrs
from phasetui.schema.functions import catalog_attrs
from phasetui.schema.idents import IDENT, qualify, split_qualified
from phasetui.schema.model import SchemaModel, SchemaObject
from phasetui.schema.sequences import describe as describe_seq
from phasetui.schema.sequences import seq_options
from phasetui.schema.text import masked_match, quote_literal, squash

_STORAGE = {"p": "PLAIN", "e": "EXTERNAL", "m": "MAIN", "x": "EXTENDED"}
_COMPRESSION = {"p": "pglz", "l": "lz4"}

# phasetui's own bookkeeping (the backfill checkpoint schema) is not the application's
# schema: a backfill in progress must not show up as a schema difference.
USER_NS = (
    "n.nspname NOT IN ('pg_catalog', 'information_schema', 'phasetui') "
    "AND n.nspname !~ '^pg_toast' AND n.nspname !~ '^pg_temp_'"
)


def _not_ext(classid: str, oid: str) -> str:
    return (
        f"NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d WHERE d.classid = '{classid}'::regclass"
        f" AND d.objid = {oid} AND d.deptype = 'e')"
    )


SCHEMAS = f"""
SELECT n.oid, n.nspname, pg_catalog.pg_get_userbyid(n.nspowner) AS owner, n.nspacl::text[] AS acl
FROM pg_catalog.pg_namespace n WHERE {USER_NS} AND {_not_ext("pg_namespace", "n.oid")}
"""

EXTENSIONS = """
SELECT e.oid, e.extname, e.extversion, n.nspname FROM pg_catalog.pg_extension e
JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace WHERE e.oid >= 16384
"""

COLLATIONS = """
SELECT c.oid, n.nspname, c.collname, c.collprovider, c.collisdeterministic, c.collcollate,
       c.collctype, {locale} AS locale, {rules} AS rules,
       pg_catalog.pg_get_userbyid(c.collowner) AS owner
FROM pg_catalog.pg_collation c JOIN pg_catalog.pg_namespace n ON n.oid = c.collnamespace
WHERE {where} AND {not_ext}
"""

TYPES = f"""
SELECT t.oid, n.nspname, t.typname, t.typtype, pg_catalog.pg_get_userbyid(t.typowner) AS owner,
       t.typacl::text[] AS acl, t.typnotnull, t.typdefault,
       pg_catalog.format_type(t.typbasetype, t.typtypmod) AS basetype,
       CASE WHEN t.typcollation <> 0 AND t.typcollation <> bt.typcollation THEN
         (SELECT pg_catalog.quote_ident(cn.nspname) || '.' || pg_catalog.quote_ident(c.collname)
          FROM pg_catalog.pg_collation c JOIN pg_catalog.pg_namespace cn
          ON cn.oid = c.collnamespace WHERE c.oid = t.typcollation) END AS collation,
       (SELECT array_agg(e.enumlabel ORDER BY e.enumsortorder) FROM pg_catalog.pg_enum e
        WHERE e.enumtypid = t.oid) AS labels,
       (SELECT array_agg(pg_catalog.quote_ident(a.attname) || ' ' ||
                         pg_catalog.format_type(a.atttypid, a.atttypmod) ||
                         CASE WHEN a.attcollation <> at.typcollation THEN ' COLLATE ' ||
                           (SELECT pg_catalog.quote_ident(cn.nspname) || '.' ||
                                   pg_catalog.quote_ident(co.collname)
                            FROM pg_catalog.pg_collation co JOIN pg_catalog.pg_namespace cn
                            ON cn.oid = co.collnamespace WHERE co.oid = a.attcollation)
                         ELSE '' END ORDER BY a.attnum)
        FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_type at ON at.oid = a.atttypid
        WHERE a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped) AS attributes,
       (SELECT array_agg(pg_catalog.quote_ident(c.conname) || ' ' ||
                         pg_catalog.pg_get_constraintdef(c.oid) ORDER BY c.conname)
        FROM pg_catalog.pg_constraint c WHERE c.contypid = t.oid AND c.contype = 'c')
        AS constraints,
       (SELECT 'subtype = ' || pg_catalog.format_type(r.rngsubtype, NULL)
               || CASE WHEN r.rngmultitypid <> 0 THEN ', multirange_type_name = '
                    || r.rngmultitypid::regtype::text ELSE '' END
               || CASE WHEN NOT oc.opcdefault THEN ', subtype_opclass = '
                    || pg_catalog.quote_ident(ocn.nspname) || '.'
                    || pg_catalog.quote_ident(oc.opcname) ELSE '' END
               || CASE WHEN r.rngcollation <> 0 AND r.rngcollation <> st.typcollation
                    THEN ', collation = ' || r.rngcollation::regcollation::text ELSE '' END
               || CASE WHEN r.rngcanonical <> 0 THEN ', canonical = '
                    || r.rngcanonical::regproc::text ELSE '' END
               || CASE WHEN r.rngsubdiff <> 0 THEN ', subtype_diff = '
                    || r.rngsubdiff::regproc::text ELSE '' END
        FROM pg_catalog.pg_range r JOIN pg_catalog.pg_opclass oc ON oc.oid = r.rngsubopc
        JOIN pg_catalog.pg_namespace ocn ON ocn.oid = oc.opcnamespace
        JOIN pg_catalog.pg_type st ON st.oid = r.rngsubtype
        WHERE r.rngtypid = t.oid) AS rangedef
FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
LEFT JOIN pg_catalog.pg_type bt ON bt.oid = t.typbasetype
WHERE {USER_NS} AND {_not_ext("pg_type", "t.oid")}
  AND (t.typtype IN ('e', 'd', 'r') OR (t.typtype = 'c' AND
       (SELECT relkind FROM pg_catalog.pg_class WHERE oid = t.typrelid) = 'c'))
"""

RELATIONS = f"""
SELECT c.oid, n.nspname, c.relname, c.relkind, c.relpersistence, c.relispartition,
       pg_catalog.pg_get_userbyid(c.relowner) AS owner, c.relacl::text[] AS acl,
       c.relrowsecurity, c.relforcerowsecurity, c.reloptions, c.relreplident,
       CASE WHEN c.relkind = 'p' THEN pg_catalog.pg_get_partkeydef(c.oid) END AS partkey,
       CASE WHEN c.relispartition THEN pg_catalog.pg_get_expr(c.relpartbound, c.oid) END AS bound,
       (SELECT array_agg(pg_catalog.quote_ident(pn.nspname) || '.' ||
                         pg_catalog.quote_ident(p.relname) ORDER BY i.inhseqno)
        FROM pg_catalog.pg_inherits i JOIN pg_catalog.pg_class p ON p.oid = i.inhparent
        JOIN pg_catalog.pg_namespace pn ON pn.oid = p.relnamespace
        WHERE i.inhrelid = c.oid) AS parents,
       CASE WHEN c.relkind IN ('v', 'm') THEN pg_catalog.pg_get_viewdef(c.oid) END AS viewdef
FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S') AND {USER_NS} AND {_not_ext("pg_class", "c.oid")}
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d WHERE d.classid = 'pg_class'::regclass
                  AND d.objid = c.oid AND d.deptype = 'i' AND c.relkind = 'S')
"""

SEQUENCES = """
SELECT s.seqrelid, pg_catalog.format_type(s.seqtypid, NULL) AS type, s.seqstart, s.seqincrement,
       s.seqmin, s.seqmax, s.seqcache, s.seqcycle,
       d.deptype, d.refobjid, a.attname,
       pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(c.relname) AS name
FROM pg_catalog.pg_sequence s
JOIN pg_catalog.pg_class c ON c.oid = s.seqrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_catalog.pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = s.seqrelid
     AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')
LEFT JOIN pg_catalog.pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
"""

COLUMNS = """
SELECT a.attrelid, a.attname, a.attnum, a.attnotnull, a.atthasdef, a.attidentity, a.attgenerated,
       a.attislocal, a.attstattarget, a.attacl::text[] AS acl, a.attoptions,
       CASE WHEN a.attstorage <> t.typstorage THEN a.attstorage END AS storage,
       a.attcompression::text AS compression,
       pg_catalog.format_type(a.atttypid, a.atttypmod) AS type,
       pg_catalog.pg_get_expr(ad.adbin, ad.adrelid) AS default,
       CASE WHEN a.attcollation <> t.typcollation THEN
         (SELECT pg_catalog.quote_ident(cn.nspname) || '.' || pg_catalog.quote_ident(co.collname)
          FROM pg_catalog.pg_collation co JOIN pg_catalog.pg_namespace cn
          ON cn.oid = co.collnamespace WHERE co.oid = a.attcollation) END AS collation
FROM pg_catalog.pg_attribute a
JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
LEFT JOIN pg_catalog.pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
WHERE a.attrelid = ANY(%s) AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attrelid, a.attnum
"""

# PostgreSQL 18: NOT NULL constraints may be NOT VALID or NO INHERIT
NOT_NULLS = """
SELECT c.conrelid, a.attname, c.convalidated, c.connoinherit
FROM pg_catalog.pg_constraint c
JOIN pg_catalog.pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
WHERE c.conrelid = ANY(%s) AND c.contype = 'n' AND (NOT c.convalidated OR c.connoinherit)
"""

CONSTRAINTS = """
SELECT c.oid, c.conrelid, c.conname, c.contype, c.convalidated, c.conislocal, c.conparentid,
       c.conindid, pg_catalog.pg_get_constraintdef(c.oid) AS def
FROM pg_catalog.pg_constraint c
WHERE c.conrelid = ANY(%s) AND c.contype IN ('p', 'u', 'f', 'c', 'x')
"""

INDEXES = """
SELECT i.indexrelid, i.indrelid, i.indisvalid, pg_catalog.pg_get_indexdef(i.indexrelid) AS def,
       (SELECT pg_catalog.quote_ident(pn.nspname) || '.' || pg_catalog.quote_ident(p.relname)
        FROM pg_catalog.pg_inherits h JOIN pg_catalog.pg_class p ON p.oid = h.inhparent
        JOIN pg_catalog.pg_namespace pn ON pn.oid = p.relnamespace
        WHERE h.inhrelid = i.indexrelid) AS parent_index
FROM pg_catalog.pg_index i
WHERE i.indrelid = ANY(%s)
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint c WHERE c.conindid = i.indexrelid
                  AND c.contype IN ('p', 'u', 'x') AND c.conrelid = i.indrelid)
"""

FUNCTIONS = """
SELECT p.oid, n.nspname, p.proname, p.prokind, l.lanname AS lang, p.provolatile, p.proisstrict,
       p.prosecdef, p.proleakproof, p.procost, p.prorows, p.proparallel, p.proconfig, p.prosrc,
       p.probin, pg_catalog.pg_get_userbyid(p.proowner) AS owner, p.proacl::text[] AS acl,
       CASE WHEN p.prosupport <> 0 THEN p.prosupport::regproc::text END AS support,
       pg_catalog.pg_get_function_arguments(p.oid) AS args,
       pg_catalog.pg_get_function_identity_arguments(p.oid) AS identity,
       pg_catalog.pg_get_function_result(p.oid) AS result,
       {sqlbody} AS sqlbody
FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
JOIN pg_catalog.pg_language l ON l.oid = p.prolang
WHERE {where} AND {not_ext} AND p.prokind IN ('f', 'p', 'w')
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d WHERE d.classid = 'pg_proc'::regclass
                  AND d.objid = p.oid AND d.deptype = 'i')
"""

# pg_dump's dumpAgg, item by item: the same text, so both sides compare equal
AGGREGATES = """
SELECT p.oid, n.nspname, p.proname, pg_catalog.pg_get_userbyid(p.proowner) AS owner,
       p.proacl::text[] AS acl, pg_catalog.pg_get_function_identity_arguments(p.oid) AS identity,
       array_remove(ARRAY[
         'SFUNC = ' || a.aggtransfn::pg_catalog.regproc::text,
         'STYPE = ' || pg_catalog.format_type(a.aggtranstype, NULL),
         CASE WHEN a.aggtransspace <> 0 THEN 'SSPACE = ' || a.aggtransspace END,
         'INITCOND = ' || pg_catalog.quote_literal(a.agginitval),
         CASE WHEN a.aggfinalfn <> 0 THEN 'FINALFUNC = ' || a.aggfinalfn::pg_catalog.regproc END,
         CASE WHEN a.aggfinalextra THEN 'FINALFUNC_EXTRA' END,
         CASE WHEN a.aggfinalfn <> 0 AND a.aggfinalmodify <>
                   CASE WHEN a.aggkind = 'n' THEN 'r' ELSE 'w' END
              THEN 'FINALFUNC_MODIFY = ' || CASE a.aggfinalmodify WHEN 'r' THEN 'READ_ONLY'
                   WHEN 's' THEN 'SHAREABLE' ELSE 'READ_WRITE' END END,
         CASE WHEN a.aggcombinefn <> 0
              THEN 'COMBINEFUNC = ' || a.aggcombinefn::pg_catalog.regproc END,
         CASE WHEN a.aggserialfn <> 0 THEN 'SERIALFUNC = ' || a.aggserialfn::pg_catalog.regproc END,
         CASE WHEN a.aggdeserialfn <> 0
              THEN 'DESERIALFUNC = ' || a.aggdeserialfn::pg_catalog.regproc END,
         CASE WHEN a.aggmtransfn <> 0 THEN 'MSFUNC = ' || a.aggmtransfn::pg_catalog.regproc END,
         CASE WHEN a.aggminvtransfn <> 0
              THEN 'MINVFUNC = ' || a.aggminvtransfn::pg_catalog.regproc END,
         CASE WHEN a.aggmtransfn <> 0
              THEN 'MSTYPE = ' || pg_catalog.format_type(a.aggmtranstype, NULL) END,
         CASE WHEN a.aggmtransspace <> 0 THEN 'MSSPACE = ' || a.aggmtransspace END,
         'MINITCOND = ' || pg_catalog.quote_literal(a.aggminitval),
         CASE WHEN a.aggmfinalfn <> 0 THEN 'MFINALFUNC = ' || a.aggmfinalfn::pg_catalog.regproc END,
         CASE WHEN a.aggmfinalextra THEN 'MFINALFUNC_EXTRA' END,
         CASE WHEN a.aggmfinalfn <> 0 AND a.aggmfinalmodify <>
                   CASE WHEN a.aggkind = 'n' THEN 'r' ELSE 'w' END
              THEN 'MFINALFUNC_MODIFY = ' || CASE a.aggmfinalmodify WHEN 'r' THEN 'READ_ONLY'
                   WHEN 's' THEN 'SHAREABLE' ELSE 'READ_WRITE' END END,
         CASE WHEN a.aggsortop <> 0 THEN (
           SELECT 'SORTOP = OPERATOR(' || pg_catalog.quote_ident(opn.nspname) || '.' ||
                  o.oprname || ')'
           FROM pg_catalog.pg_operator o JOIN pg_catalog.pg_namespace opn
           ON opn.oid = o.oprnamespace WHERE o.oid = a.aggsortop) END,
         CASE WHEN a.aggkind = 'h' THEN 'HYPOTHETICAL' END,
         CASE p.proparallel WHEN 's' THEN 'PARALLEL = safe' WHEN 'r' THEN 'PARALLEL = restricted'
         END
       ], NULL) AS options
FROM pg_catalog.pg_aggregate a JOIN pg_catalog.pg_proc p ON p.oid = a.aggfnoid
JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
WHERE {where} AND {not_ext}
"""

MARKED_INDEXES = """
SELECT x.indrelid, pg_catalog.quote_ident(ic.relname) AS name, x.indisreplident, x.indisclustered
FROM pg_catalog.pg_index x JOIN pg_catalog.pg_class ic ON ic.oid = x.indexrelid
WHERE x.indrelid = ANY(%s) AND (x.indisreplident OR x.indisclustered)
"""

RULES = """
SELECT r.oid, r.ev_class, r.rulename, r.ev_enabled, pg_catalog.pg_get_ruledef(r.oid) AS def
FROM pg_catalog.pg_rewrite r WHERE r.ev_class = ANY(%s) AND r.rulename <> '_RETURN'
"""

TRIGGERS = """
SELECT t.oid, t.tgrelid, t.tgname, t.tgenabled, pg_catalog.pg_get_triggerdef(t.oid, false) AS def
FROM pg_catalog.pg_trigger t
WHERE t.tgrelid = ANY(%s) AND NOT t.tgisinternal {parent}
"""

POLICIES = """
SELECT p.oid, p.polrelid, p.polname, p.polpermissive, p.polcmd,
       CASE WHEN p.polroles = '{0}' THEN NULL ELSE
         array_to_string(ARRAY(SELECT pg_catalog.quote_ident(rolname) FROM pg_catalog.pg_roles
                               WHERE oid = ANY(p.polroles) ORDER BY rolname), ', ') END AS roles,
       pg_catalog.pg_get_expr(p.polqual, p.polrelid) AS qual,
       pg_catalog.pg_get_expr(p.polwithcheck, p.polrelid) AS withcheck
FROM pg_catalog.pg_policy p WHERE p.polrelid = ANY(%s)
"""

COMMENTS = """
SELECT d.classoid::regclass::text AS cls, d.objoid, d.objsubid, d.description
FROM pg_catalog.pg_description d
WHERE d.classoid IN ('pg_namespace'::regclass, 'pg_extension'::regclass, 'pg_type'::regclass,
                     'pg_class'::regclass, 'pg_proc'::regclass, 'pg_constraint'::regclass,
                     'pg_trigger'::regclass, 'pg_policy'::regclass, 'pg_collation'::regclass,
                     'pg_rewrite'::regclass)
"""

DEFAULT_ACLS = """
SELECT pg_catalog.pg_get_userbyid(d.defaclrole) AS role, n.nspname, d.defaclobjtype,
       d.defaclacl::text[] AS acl
FROM pg_catalog.pg_default_acl d LEFT JOIN pg_catalog.pg_namespace n ON n.oid = d.defaclnamespace
"""

_RELKIND = {
    "r": "table",
    "p": "table",
    "f": "table",
    "v": "view",
    "m": "materialized view",
    "S": "sequence",
}


def read_catalog(dsn: str, source: str | None = None) -> SchemaModel:
    """Connects (read only) and reads the whole user schema of the database at ``dsn``."""
    import psycopg

    from phasetui.db.environments import describe_dsn
    from phasetui.db.session import connect_error

    try:
        conn = psycopg.connect(dsn, autocommit=True, connect_timeout=10)
    except psycopg.OperationalError as exc:
        raise connect_error(dsn, exc) from None
    with conn:
        return read_catalog_conn(conn, source or describe_dsn(dsn))


def read_catalog_conn(conn: Any, source: str) -> SchemaModel:
    import gc

    collect = gc.isenabled()
    gc.disable()  # as in load_dump: many small objects, no cycles
    try:
        return _read_catalog_conn(conn, source)
    finally:
        if collect:
            gc.enable()


def _read_catalog_conn(conn: Any, source: str) -> SchemaModel:
    from psycopg.rows import dict_row

    model = SchemaModel(source=source)
    version = conn.info.server_version
    with conn.transaction():
        cur = conn.cursor(row_factory=dict_row)
        cur.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cur.execute("SELECT pg_catalog.set_config('search_path', '', true)")
        cur.execute("SELECT pg_catalog.set_config('statement_timeout', '60s', true)")
        _Reader(model, cur, version).read()
    return model


class _Reader:
    def __init__(self, model: SchemaModel, cur: Any, version: int) -> None:
        self.model = model
        self.cur = cur
        self.version = version
        self.comments: dict[tuple[str, int, int], str] = {}
        self.rel: dict[int, SchemaObject] = {}
        self.relkind: dict[int, str] = {}
        self.partition: dict[int, bool] = {}

    def rows(self, query: str, *params: Any) -> list[dict]:
        self.cur.execute(query, params or None)
        return self.cur.fetchall()

    def comment(self, cls: str, oid: int, sub: int = 0) -> str | None:
        return self.comments.get((cls, oid, sub))

    def acl(self, items, owner, kind) -> tuple[str, ...] | None:
        return aclmod.from_aclitems(items, owner, kind, self.version)

    def read(self) -> None:
        for r in self.rows(COMMENTS):
            self.comments[(r["cls"], r["objoid"], r["objsubid"])] = r["description"]
        self.schemas()
        self.extensions()
        self.collations()
        self.types()
        self.relations()
        oids = list(self.rel)
        self.sequences()
        self.columns(oids)
        self.constraints(oids)
        self.indexes(oids)
        self.marked_indexes(oids)
        self.functions()
        self.aggregates()
        self.triggers(oids)
        self.rules(oids)
        self.policies(oids)
        self.default_privileges()

    def default_privileges(self) -> None:
        for r in self.rows(DEFAULT_ACLS):
            objtype = aclmod.DEFAULT_OBJTYPES.get(r["defaclobjtype"])
            if objtype is None:
                continue
            kind = aclmod._DEF_KIND[objtype]
            name = aclmod.default_privileges_name(r["role"], r["nspname"], objtype)
            self.model.add(
                SchemaObject(
                    "default privileges",
                    name,
                    attrs={
                        "acl": aclmod.from_aclitems(
                            r["acl"], r["role"], kind, self.version, relative=False
                        ),
                    },
                )
            )

    def schemas(self) -> None:
        self.model.add(SchemaObject("schema", "public"))
        for r in self.rows(SCHEMAS):
            name = qualify(r["nspname"])
            if name == "public":
                base = aclmod.freeze({aclmod.OWNER: {"ALL"}, aclmod.PUBLIC: {"U"}}, "schema")
                got = self.acl(r["acl"], r["owner"], "schema") if r["acl"] else None
                comment = self.comment("pg_namespace", r["oid"])
                self.model.add(
                    SchemaObject(
                        "schema",
                        name,
                        attrs={
                            "acl": None if got == base else got,
                            "comment": None if comment == "standard public schema" else comment,
                        },
                    )
                )
                continue
            self.model.add(
                SchemaObject(
                    "schema",
                    name,
                    attrs={
                        "owner": r["owner"],
                        "acl": self.acl(r["acl"], r["owner"], "schema"),
                        "comment": self.comment("pg_namespace", r["oid"]),
                    },
                )
            )

    def extensions(self) -> None:
        for r in self.rows(EXTENSIONS):
            self.model.add(
                SchemaObject(
                    "extension",
                    qualify(r["extname"]),
                    attrs={
                        "schema": qualify(r["nspname"]),
                        "version": r["extversion"],
                        "comment": self.comment("pg_extension", r["oid"]),
                    },
                )
            )

    def collations(self) -> None:
        v = self.version
        query = COLLATIONS.format(
            locale="c.colllocale"
            if v >= 170000
            else ("c.colliculocale" if v >= 150000 else "NULL::text"),
            rules="c.collicurules" if v >= 160000 else "NULL::text",
            where=USER_NS,
            not_ext=_not_ext("pg_collation", "c.oid"),
        )
        for r in self.rows(query):
            attrs = catalog_collation_attrs(r)
            attrs.update(owner=r["owner"], comment=self.comment("pg_collation", r["oid"]))
            name = qualify(r["nspname"], r["collname"])
            self.model.add(SchemaObject("collation", name, attrs=attrs))

    def types(self) -> None:
        for r in self.rows(TYPES):
            name = qualify(r["nspname"], r["typname"])
            common = {"owner": r["owner"], "comment": self.comment("pg_type", r["oid"])}
            if r["typtype"] == "d":
                self.model.add(
                    SchemaObject(
                        "domain",
                        name,
                        attrs={
                            "type": r["basetype"],
                            "collation": r["collation"],
                            "not_null": True if r["typnotnull"] else None,
                            "default": squash(r["typdefault"]) if r["typdefault"] else None,
                            "constraints": tuple(sorted(squash(c) for c in r["constraints"] or ()))
                            or None,
                            "acl": self.acl(r["acl"], r["owner"], "domain"),
                            **common,
                        },
                    )
                )
                continue
            attrs: dict[str, Any] = {"acl": self.acl(r["acl"], r["owner"], "type"), **common}
            if r["typtype"] == "e":
                attrs.update(variant="enum", labels=tuple(r["labels"] or ()))
            elif r["typtype"] == "r":
                attrs.update(variant="range", definition=r["rangedef"])
            else:
                attrs.update(variant="composite", attributes=tuple(r["attributes"] or ()))
            self.model.add(SchemaObject("type", name, attrs=attrs))

    def relations(self) -> None:
        for r in self.rows(RELATIONS):
            kind = _RELKIND[r["relkind"]]
            name = qualify(r["nspname"], r["relname"])
            attrs: dict[str, Any] = {
                "owner": r["owner"],
                "acl": self.acl(r["acl"], r["owner"], kind),
                "comment": self.comment("pg_class", r["oid"]),
            }
            options = [_reloption(o) for o in r["reloptions"] or ()]
            if kind in ("view", "materialized view"):
                attrs["definition"] = squash(r["viewdef"])
                attrs["options"] = tuple(sorted(options)) or None
            elif kind == "table":
                parents = r["parents"] or []
                attrs.update(
                    unlogged=True if r["relpersistence"] == "u" else None,
                    row_security=True if r["relrowsecurity"] else None,
                    force_row_security=True if r["relforcerowsecurity"] else None,
                    options=tuple(sorted(options)) or None,
                    partition_key=squash(r["partkey"]) if r["partkey"] else None,
                    partition_of=parents[0] if r["relispartition"] else None,
                    bound=squash(r["bound"]) if r["bound"] else None,
                    inherits=tuple(parents) if parents and not r["relispartition"] else None,
                    replica_identity=_replica_identity(r["relreplident"], None),
                )
                self.partition[r["oid"]] = bool(r["relispartition"])
            obj = self.model.add(SchemaObject(kind, name, attrs=attrs))
            self.rel[r["oid"]] = obj
            self.relkind[r["oid"]] = r["relkind"]

    def sequences(self) -> None:
        identity: dict[tuple[int, str], dict] = {}
        for r in self.rows(SEQUENCES):
            opts = seq_options(
                r["type"],
                r["seqstart"],
                r["seqincrement"],
                r["seqmin"],
                r["seqmax"],
                r["seqcache"],
                r["seqcycle"],
            )
            if r["deptype"] == "i":
                identity[(r["refobjid"], r["attname"])] = {"name": r["name"], "opts": opts}
                continue
            obj = self.rel.get(r["seqrelid"])
            if obj is None:
                continue
            obj.attrs["options"] = describe_seq(opts)
            if r["deptype"] == "a" and r["refobjid"] in self.rel:
                obj.attrs["owned_by"] = f"{self.rel[r['refobjid']].name}.{qualify(r['attname'])}"
        self.identity = identity

    def columns(self, oids: list[int]) -> None:
        """Every column of every table, inherited ones too (a child's own default or NOT NULL
        on an inherited column is part of its schema), with each table's column order."""
        tables = [o for o in oids if self.relkind[o] in ("r", "p", "f")]
        not_nulls: dict[tuple[int, str], dict] = {}
        if self.version >= 180000:
            for r in self.rows(NOT_NULLS, tables):
                not_nulls[(r["conrelid"], r["attname"])] = r
        order: dict[int, list[str]] = {}
        for r in self.rows(COLUMNS, tables):
            table = self.rel[r["attrelid"]]
            gen = r["attgenerated"] or ""
            stat = r["attstattarget"]
            nn = not_nulls.get((r["attrelid"], r["attname"]), {})
            attrs: dict[str, Any] = {
                "type": r["type"],
                "not_null": True if r["attnotnull"] else None,
                "default": squash(r["default"]) if r["default"] and not gen else None,
                "collation": r["collation"],
                "generated": squash(r["default"]) if gen else None,
                "generated_kind": {"s": "STORED", "v": "VIRTUAL"}.get(gen),
                "statistics": stat if stat is not None and stat >= 0 else None,
                "acl": self.acl(r["acl"], table.attrs.get("owner"), "column"),
                "comment": self.comment("pg_class", r["attrelid"], r["attnum"]),
                "storage": _STORAGE.get(r["storage"] or ""),
                "compression": _COMPRESSION.get(r["compression"] or ""),
                "options": column_options(r["attoptions"] or []),
                "not_null_validated": False if nn and not nn["convalidated"] else None,
                "not_null_no_inherit": True if nn and nn["connoinherit"] else None,
            }
            # a partition's identity is its parent's (PostgreSQL 17+ marks the partition's
            # column too; pg_dump writes it on the parent only): compared on the parent
            if r["attidentity"] and not self.partition.get(r["attrelid"]):
                attrs["identity"] = "ALWAYS" if r["attidentity"] == "a" else "BY DEFAULT"
                ident = self.identity.get((r["attrelid"], r["attname"]))
                if ident:
                    attrs["identity_sequence"] = ident["name"]
                    attrs["identity_options"] = describe_seq(ident["opts"])
            name = f"{table.name}.{qualify(r['attname'])}"
            self.model.add(SchemaObject("column", name, parent=table.name, attrs=attrs))
            order.setdefault(r["attrelid"], []).append(qualify(r["attname"]))
        for oid, names in order.items():
            self.model.column_order[self.rel[oid].name] = tuple(names)

    def constraints(self, oids: list[int]) -> None:
        for r in self.rows(CONSTRAINTS, oids):
            if r["contype"] == "f" and r["conparentid"]:
                continue  # cloned onto a partition from the parent's FK
            if (
                r["contype"] == "c"
                and not r["conislocal"]
                and not self.partition.get(r["conrelid"])
            ):
                continue  # inherited CHECK (pg_dump writes it on partitions, not on children)
            table = self.rel[r["conrelid"]]
            definition = squash(r["def"])
            if definition.endswith(" NOT VALID"):
                definition = definition[: -len(" NOT VALID")]
            self.model.add(
                SchemaObject(
                    "constraint",
                    f"{table.name}.{qualify(r['conname'])}",
                    parent=table.name,
                    attrs={
                        "type": {
                            "p": "primary key",
                            "u": "unique",
                            "f": "foreign key",
                            "c": "check",
                            "x": "exclusion",
                        }[r["contype"]],
                        "definition": definition,
                        "validated": None if r["convalidated"] else False,
                        "comment": self.comment("pg_constraint", r["oid"]),
                        "index_comment": self.comment("pg_class", r["conindid"])
                        if r["contype"] in ("p", "u", "x")
                        else None,
                    },
                )
            )

    def indexes(self, oids: list[int]) -> None:
        pattern = re.compile(_INDEX, re.I | re.S)
        for r in self.rows(INDEXES, oids):
            m = masked_match(pattern, r["def"])
            if m is None:
                continue
            table = self.rel[r["indrelid"]]
            schema = qualify(split_qualified(table.name)[0])
            attrs = index_attrs(m)
            attrs.update(
                valid=None if r["indisvalid"] else False,
                partition_of=r["parent_index"],
                comment=self.comment("pg_class", r["indexrelid"]),
            )
            name = f"{schema}.{qualify(*split_qualified(m['n']))}"
            self.model.add(SchemaObject("index", name, parent=table.name, attrs=attrs))

    def marked_indexes(self, oids: list[int]) -> None:
        """``REPLICA IDENTITY USING INDEX`` and ``CLUSTER ON``: attributes of the table."""
        for r in self.rows(MARKED_INDEXES, oids):
            table = self.rel[r["indrelid"]]
            if r["indisreplident"] and self.relkind[r["indrelid"]] != "S":
                table.attrs["replica_identity"] = f"USING INDEX {r['name']}"
            if r["indisclustered"]:
                table.attrs["cluster_on"] = r["name"]

    def functions(self) -> None:
        query = FUNCTIONS.format(
            sqlbody="CASE WHEN p.prosqlbody IS NOT NULL THEN "
            "pg_catalog.pg_get_function_sqlbody(p.oid) END"
            if self.version >= 140000
            else "NULL",
            where=USER_NS,
            not_ext=_not_ext("pg_proc", "p.oid"),
        )
        for r in self.rows(query):
            kind = "procedure" if r["prokind"] == "p" else "function"
            name = f"{qualify(r['nspname'], r['proname'])}({r['identity']})"
            attrs = catalog_attrs(r)
            attrs.update(
                owner=r["owner"],
                acl=self.acl(r["acl"], r["owner"], kind),
                comment=self.comment("pg_proc", r["oid"]),
            )
            self.model.add(SchemaObject(kind, name, attrs=attrs))

    def aggregates(self) -> None:
        from phasetui.schema.dump_loader import aggregate_options

        query = AGGREGATES.format(where=USER_NS, not_ext=_not_ext("pg_proc", "p.oid"))
        for r in self.rows(query):
            name = f"{qualify(r['nspname'], r['proname'])}({r['identity']})"
            attrs = {
                "options": aggregate_options(list(r["options"] or ())),
                "owner": r["owner"],
                "acl": self.acl(r["acl"], r["owner"], "aggregate"),
                "comment": self.comment("pg_proc", r["oid"]),
            }
            self.model.add(SchemaObject("aggregate", name, attrs=attrs))

    def rules(self, oids: list[int]) -> None:
        for r in self.rows(RULES, oids):
            table = self.rel.get(r["ev_class"])
            if table is None:
                continue
            head = masked_match(_RULE_HEAD, r["def"])
            self.model.add(
                SchemaObject(
                    "rule",
                    f"{table.name}.{qualify(r['rulename'])}",
                    parent=table.name,
                    attrs={
                        "definition": squash(r["def"][head.end() :] if head else r["def"]),
                        "enabled": {
                            "D": "DISABLE",
                            "A": "ENABLE ALWAYS",
                            "R": "ENABLE REPLICA",
                        }.get(r["ev_enabled"]),
                        "comment": self.comment("pg_rewrite", r["oid"]),
                    },
                )
            )

    def triggers(self, oids: list[int]) -> None:
        parent = "AND t.tgparentid = 0" if self.version >= 130000 else ""
        for r in self.rows(TRIGGERS.format(parent=parent), oids):
            table = self.rel[r["tgrelid"]]
            head = masked_match(_TRIGGER_HEAD, r["def"])
            definition = squash(r["def"][head.end() :] if head else r["def"])
            self.model.add(
                SchemaObject(
                    "trigger",
                    f"{table.name}.{qualify(r['tgname'])}",
                    parent=table.name,
                    attrs={
                        "definition": definition,
                        "enabled": {
                            "D": "DISABLE",
                            "A": "ENABLE ALWAYS",
                            "R": "ENABLE REPLICA",
                        }.get(r["tgenabled"]),
                        "comment": self.comment("pg_trigger", r["oid"]),
                    },
                )
            )

    def policies(self, oids: list[int]) -> None:
        cmds = {"r": " FOR SELECT", "a": " FOR INSERT", "w": " FOR UPDATE", "d": " FOR DELETE"}
        for r in self.rows(POLICIES, oids):
            table = self.rel[r["polrelid"]]
            text = ("" if r["polpermissive"] else " AS RESTRICTIVE") + cmds.get(r["polcmd"], "")
            if r["roles"]:
                text += f" TO {r['roles']}"
            if r["qual"] is not None:
                text += f" USING ({r['qual']})"
            if r["withcheck"] is not None:
                text += f" WITH CHECK ({r['withcheck']})"
            self.model.add(
                SchemaObject(
                    "policy",
                    f"{table.name}.{qualify(r['polname'])}",
                    parent=table.name,
                    attrs={
                        "definition": squash(text) or None,
                        "comment": self.comment("pg_policy", r["oid"]),
                    },
                )
            )


_RULE_HEAD = re.compile(rf"^CREATE\s+RULE\s+{IDENT}\s+AS\s+", re.I)
_TRIGGER_HEAD = re.compile(rf"^CREATE\s+(?:CONSTRAINT\s+)?TRIGGER\s+{IDENT}\s+", re.I)


def _replica_identity(code: str, index: str | None) -> str | None:
    """``REPLICA IDENTITY`` as pg_dump writes it; None for the default (the primary key).
    ``USING INDEX`` is filled in from the index (see ``marked_indexes``)."""
    if code == "i" and index:
        return f"USING INDEX {index}"
    return {"f": "FULL", "n": "NOTHING"}.get(code)


def _reloption(item: str) -> str:
    name, _, value = item.partition("=")
    if name == "check_option":
        return item
    return f"{name}={quote_literal(value)}"
