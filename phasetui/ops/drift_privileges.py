"""Who may do what in one environment: roles, memberships, grants, default privileges.

Read from the catalog in the caller's READ ONLY transaction. Names come out quoted by the
server (``format('%I')``, ``regprocedure`` with an empty ``search_path``), so ``"we""ird
role"`` reads the same here as in psql and a key never confuses two names. Predefined
``pg_*`` roles are the server's own and left out as roles and as members; granting one to
an application role (``GRANT pg_read_all_data TO app``) is a membership and is compared.

Grants are the effective ACL: a NULL ACL (never granted or revoked) is read as the
object's default (``acldefault``), so "the owner has everything, PUBLIC may EXECUTE" on one
side equals the same thing spelled out on the other. Who granted a privilege (the grantor)
is not compared: two servers administered by differently named superusers would otherwise
differ everywhere.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

from phasetui.ops.drift_result import Key, Value

if TYPE_CHECKING:  # pragma: no cover
    import psycopg

# phasetui's own bookkeeping (the backfill checkpoint schema) is not the application's.
USER_SCHEMA = (
    "n.nspname NOT IN ('pg_catalog', 'information_schema', 'phasetui') "
    "AND n.nspname !~ '^pg_toast' AND n.nspname !~ '^pg_temp_'"
)
THIS_DATABASE = "(this database)"
OWNER = "(owner)"
ALL_SCHEMAS = "(all schemas)"

_ROLES = """
SELECT pg_catalog.format('%I', rolname), rolsuper, rolinherit, rolcreaterole, rolcreatedb,
       rolcanlogin, rolreplication, rolbypassrls, rolconnlimit,
       pg_catalog.to_char(rolvaliduntil AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS')
FROM pg_catalog.pg_roles WHERE rolname !~ '^pg_'
"""

# (attribute index in _ROLES, word when it differs from CREATE ROLE's default, default)
_ATTRS = (
    (1, "SUPERUSER", False),
    (2, "NOINHERIT", True),
    (3, "CREATEROLE", False),
    (4, "CREATEDB", False),
    (5, "LOGIN", False),
    (6, "REPLICATION", False),
    (7, "BYPASSRLS", False),
)

_MEMBERS_16 = """
SELECT pg_catalog.format('%I', r.rolname), pg_catalog.format('%I', m.rolname),
       coalesce(pg_catalog.format('%I', g.rolname), '?'),
       a.admin_option, a.inherit_option, a.set_option
FROM pg_catalog.pg_auth_members a
JOIN pg_catalog.pg_roles r ON r.oid = a.roleid
JOIN pg_catalog.pg_roles m ON m.oid = a.member
LEFT JOIN pg_catalog.pg_roles g ON g.oid = a.grantor
WHERE m.rolname !~ '^pg_'
"""
# Before PostgreSQL 16 a membership had no INHERIT/SET options of its own.
_MEMBERS_OLD = _MEMBERS_16.replace("a.inherit_option, a.set_option", "NULL, NULL")

_OBJECTS = f"""
SELECT 'database' AS objtype, '{THIS_DATABASE}' AS objname, d.datdba AS owner,
       coalesce(d.datacl, pg_catalog.acldefault('d'::"char", d.datdba)) AS acl
FROM pg_catalog.pg_database d WHERE d.datname = current_database()
UNION ALL
SELECT 'schema', pg_catalog.format('%I', n.nspname), n.nspowner,
       coalesce(n.nspacl, pg_catalog.acldefault('n'::"char", n.nspowner))
FROM pg_catalog.pg_namespace n WHERE {USER_SCHEMA}
UNION ALL
SELECT CASE c.relkind WHEN 'S' THEN 'sequence' WHEN 'v' THEN 'view'
                      WHEN 'm' THEN 'materialized view' WHEN 'f' THEN 'foreign table'
                      ELSE 'table' END,
       pg_catalog.format('%I.%I', n.nspname, c.relname), c.relowner,
       coalesce(c.relacl, pg_catalog.acldefault(
                    (CASE WHEN c.relkind = 'S' THEN 's' ELSE 'r' END)::"char", c.relowner))
FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S') AND {USER_SCHEMA}
UNION ALL
SELECT CASE p.prokind WHEN 'p' THEN 'procedure' WHEN 'a' THEN 'aggregate'
                      WHEN 'w' THEN 'window function' ELSE 'function' END,
       p.oid::pg_catalog.regprocedure::text, p.proowner,
       coalesce(p.proacl, pg_catalog.acldefault('f'::"char", p.proowner))
FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
WHERE {USER_SCHEMA}
"""

_GRANTS = f"""
WITH o AS ({_OBJECTS})
SELECT o.objtype, o.objname, coalesce(pg_catalog.format('%I', ow.rolname), '?'),
       CASE WHEN e.grantee = 0 THEN 'PUBLIC' ELSE pg_catalog.format('%I', g.rolname) END,
       e.privilege_type, e.is_grantable
FROM o LEFT JOIN pg_catalog.pg_roles ow ON ow.oid = o.owner
LEFT JOIN LATERAL pg_catalog.aclexplode(o.acl) e ON true
LEFT JOIN pg_catalog.pg_roles g ON g.oid = e.grantee
"""

_DEFAULT_ACL = """
SELECT pg_catalog.format('%I', r.rolname),
       CASE WHEN d.defaclnamespace = 0 THEN '(all schemas)'
            ELSE pg_catalog.format('%I', n.nspname) END,
       d.defaclobjtype::text,
       CASE WHEN e.grantee = 0 THEN 'PUBLIC' ELSE pg_catalog.format('%I', g.rolname) END,
       e.privilege_type, e.is_grantable
FROM pg_catalog.pg_default_acl d
JOIN pg_catalog.pg_roles r ON r.oid = d.defaclrole
LEFT JOIN pg_catalog.pg_namespace n ON n.oid = d.defaclnamespace
LEFT JOIN LATERAL pg_catalog.aclexplode(d.defaclacl) e ON true
LEFT JOIN pg_catalog.pg_roles g ON g.oid = e.grantee
"""
DEFAULT_ACL_TYPES = {
    "r": "tables",
    "S": "sequences",
    "f": "functions",
    "T": "types",
    "n": "schemas",
    "L": "large objects",
}
NO_PRIVILEGES = "(none)"


def read_roles(conn: psycopg.Connection) -> dict[Key, Value]:
    """``(role,) -> attributes``: only those that differ from CREATE ROLE's defaults."""
    out: dict[Key, Value] = {}
    for row in conn.execute(_ROLES).fetchall():
        words = [word for i, word, default in _ATTRS if bool(row[i]) != default]
        if row[8] is not None and row[8] != -1:
            words.append(f"CONNECTION LIMIT {row[8]}")
        if row[9]:
            words.append(f"VALID UNTIL {row[9]} UTC")
        out[(row[0],)] = Value(" ".join(words) or "(defaults: NOLOGIN)")
    return out


def read_memberships(conn: psycopg.Connection) -> dict[Key, Value]:
    """``(role, member) -> options``; grants of one membership by several grantors are one
    entry (an option held through any of them), the grantors shown, not compared."""
    query = _MEMBERS_16 if conn.info.server_version >= 160000 else _MEMBERS_OLD
    options: dict[Key, set[str]] = defaultdict(set)
    grantors: dict[Key, set[str]] = defaultdict(set)
    for role, member, grantor, admin, inherit, set_option in conn.execute(query).fetchall():
        key = (role, member)
        held = options[key]
        held.add("member")
        if admin:
            held.add("ADMIN")
        if inherit:
            held.add("INHERIT")
        if set_option:
            held.add("SET")
        grantors[key].add(grantor)
    order = ("ADMIN", "INHERIT", "SET")
    out: dict[Key, Value] = {}
    for key, held in options.items():
        words = [w for w in order if w in held] or ["member"]
        out[key] = Value(", ".join(words), "granted by " + ", ".join(sorted(grantors[key])))
    return out


def _privileges(privs: set[tuple[str, bool]]) -> str:
    if not privs:
        return NO_PRIVILEGES
    grantable = {p for p, g in privs if g}
    names = sorted({p for p, _ in privs})
    return ", ".join(f"{p} WITH GRANT OPTION" if p in grantable else p for p in names)


def read_grants(conn: psycopg.Connection) -> tuple[dict[Key, Value], set[tuple[str, str]]]:
    """``(object type, object, grantee) -> privileges`` and ``(object type, object, (owner))
    -> owner`` for this database, its non-system schemas and the tables, views, sequences
    and functions in them; plus the set of objects seen (to compare grants only on objects
    both sides have)."""
    privs: dict[Key, set[tuple[str, bool]]] = defaultdict(set)
    objects: set[tuple[str, str]] = set()
    out: dict[Key, Value] = {}
    for objtype, objname, owner, grantee, privilege, grantable in conn.execute(_GRANTS).fetchall():
        objects.add((objtype, objname))
        out[(objtype, objname, OWNER)] = Value(owner)
        if grantee is not None and privilege is not None:
            privs[(objtype, objname, grantee)].add((privilege, bool(grantable)))
    for key, held in privs.items():
        out[key] = Value(_privileges(held))
    return out, objects


def read_default_privileges(conn: psycopg.Connection) -> dict[Key, Value]:
    """``(role, schema, object type, grantee) -> privileges`` from ``pg_default_acl`` (this
    database's ``ALTER DEFAULT PRIVILEGES``). An entry that grants nothing at all (every
    default revoked) is one row with grantee ``(none)``."""
    privs: dict[Key, set[tuple[str, bool]]] = defaultdict(set)
    for role, schema, objtype, grantee, privilege, grantable in conn.execute(
        _DEFAULT_ACL
    ).fetchall():
        kind = DEFAULT_ACL_TYPES.get(objtype, objtype)
        key = (role, schema, kind, grantee if grantee is not None else NO_PRIVILEGES)
        held = privs[key]
        if privilege is not None:
            held.add((privilege, bool(grantable)))
    return {key: Value(_privileges(held)) for key, held in privs.items()}
