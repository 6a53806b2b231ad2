"""Server settings of one environment, as a new session on its database gets them.

Two sources, both read-only catalog views:

- ``pg_settings``: the effective value of every setting for a session of the connected role
  on the connected database. ``reset_val`` is read, not ``setting``: it is the value a fresh
  session starts with (configuration file, ``ALTER SYSTEM``, per-database and per-role
  settings), untouched by the timeouts phasetui's own session sets.
- ``pg_db_role_setting``: where per-database and per-role values come from (``ALTER
  DATABASE … SET``, ``ALTER ROLE … SET``, ``ALTER ROLE … IN DATABASE … SET``), for the
  connected database and every role. The database's own name is not part of a key (staging
  and production databases are seldom named alike): it is "database".

Settings that always differ between two servers or databases, or belong to one session or
transaction, or may hold a credential, are never compared: :data:`EXCLUDED_SETTINGS`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from phasetui.ops.drift_result import Key, Value
from phasetui.redaction import redact

if TYPE_CHECKING:  # pragma: no cover
    import psycopg

# name -> why it is never compared (docs/drift.md lists the same, from this table).
EXCLUDED_SETTINGS: dict[str, str] = {
    "data_directory": "where this server keeps its files",
    "config_file": "where this server's postgresql.conf is",
    "hba_file": "where this server's pg_hba.conf is",
    "ident_file": "where this server's pg_ident.conf is",
    "external_pid_file": "where this server writes its pid",
    "port": "which port this server listens on",
    "listen_addresses": "which addresses this server listens on",
    "unix_socket_directories": "where this server's sockets are",
    "cluster_name": "this server's own name in process titles",
    "in_hot_standby": "whether this server is a standby right now: a state, not a setting",
    "application_name": "set by each client (phasetui's own session says phasetui)",
    "client_encoding": "set by each client",
    "transaction_isolation": "one transaction's own (the check reads in REPEATABLE READ)",
    "transaction_read_only": "one transaction's own (the check reads in a READ ONLY one)",
    "transaction_deferrable": "one transaction's own",
    "is_superuser": "says whether the connected role is a superuser: the session's",
    "session_authorization": "the connected role: the session's",
    "role": "the session's current role",
    "primary_conninfo": "a connection string to the primary: it may hold a password",
    "ssl_passphrase_command": "a command that may hold or print a passphrase",
}

_SETTINGS = """
SELECT name, reset_val, unit, source FROM pg_catalog.pg_settings ORDER BY name
"""

# One row per "name=value" item of pg_db_role_setting that applies to this database: the
# database's own settings, a role's settings in this database, a role's everywhere.
_DB_ROLE = """
SELECT CASE WHEN s.setdatabase = 0 THEN 'role'
            WHEN s.setrole = 0 THEN 'database'
            ELSE 'role in database' END AS scope,
       CASE WHEN s.setrole = 0 THEN '' ELSE pg_catalog.format('%I', r.rolname) END AS rolname,
       item
FROM pg_catalog.pg_db_role_setting s
LEFT JOIN pg_catalog.pg_roles r ON r.oid = s.setrole
CROSS JOIN LATERAL pg_catalog.unnest(s.setconfig) AS item
WHERE s.setdatabase = 0
   OR s.setdatabase = (SELECT oid FROM pg_catalog.pg_database WHERE datname = current_database())
"""

EFFECTIVE = "effective"


def scope_label(scope: str, role: str) -> str:
    if scope == "database":
        return "database"
    if scope == "role":
        return f"role {role}"
    return f"role {role} in database"


def wanted(name: str, only: set[str] | None) -> bool:
    """Whether a setting is compared: never an excluded one; with ``settings = [...]`` given,
    only those (case-insensitive, as PostgreSQL reads setting names)."""
    low = name.lower()
    if low in EXCLUDED_SETTINGS:
        return False
    return only is None or low in only


def read_settings(conn: psycopg.Connection, only: set[str] | None = None) -> dict[Key, Value]:
    """``(scope, setting) -> value``; scope is ``effective`` for pg_settings, else where a
    per-database or per-role value was set. Values are masked like every other output."""
    out: dict[Key, Value] = {}
    for name, reset_val, unit, source in conn.execute(_SETTINGS).fetchall():
        if not wanted(name, only):
            continue
        text = "" if reset_val is None else str(reset_val)
        if unit and text:
            text = f"{text} {unit}"
        # "session" would be phasetui's own SET of its timeouts, not where reset_val is from
        note = "" if source in ("session", "default") else str(source)
        out[(EFFECTIVE, name)] = Value(redact(text), note)
    for scope, role, item in conn.execute(_DB_ROLE).fetchall():
        name, _, value = str(item).partition("=")
        if not wanted(name, only):
            continue
        out[(scope_label(scope, role), name)] = Value(redact(value))
    return out


def setting_names(found: dict[Key, Value]) -> set[str]:
    return {key[1].lower() for key in found}
