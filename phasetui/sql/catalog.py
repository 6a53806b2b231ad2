"""Facts from the target's catalog, so verdicts rest on the real table, not on guesses.

Read once per lint from ``pg_catalog``: column types (``format_type``) and nullability,
CHECK / NOT NULL constraints and whether they are validated, table sizes, the server
version, its TimeZone and lock_timeout, and function volatility. psycopg is imported here
only, and only when a connection was asked for.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from phasetui.errors import UserError
from phasetui.sql.names import bare


@dataclass(frozen=True)
class ColumnFacts:
    type: str
    not_null: bool


@dataclass
class TableFacts:
    name: str
    bytes: int
    rows: int  # 0 only when the table has no data page at all
    columns: dict[str, ColumnFacts] = field(default_factory=dict)
    not_null_checks: set[str] = field(default_factory=set)  # columns proven by validated checks
    not_null_check_names: dict[str, str] = field(default_factory=dict)  # conname -> column


@dataclass
class CatalogFacts:
    server_version: int = 15
    timezone: str = ""
    lock_timeout_ms: int = 0
    tables: dict[str, TableFacts] = field(default_factory=dict)
    volatility: dict[str, str] = field(default_factory=dict)  # function -> 'i' | 's' | 'v'
    label: str = ""

    def table(self, name: str) -> TableFacts | None:
        return self.tables.get(name) or self.tables.get(bare(name))


_NOT_NULL_DEF = re.compile(
    r'^(?:CHECK \(\(?(?P<check>"(?:[^"]|"")+"|\w+) IS NOT NULL\)?\)'
    r'|NOT NULL (?P<nn>"(?:[^"]|"")+"|\w+))'
    r"(?P<notvalid> NOT VALID)?$"
)


def _unquote(name: str) -> str:
    return name[1:-1].replace('""', '"') if name.startswith('"') else name


def _timeout_ms(value: str) -> int:
    m = re.match(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|min|h|d)?\s*$", value or "0")
    if not m:
        return 0
    factor = {"ms": 1, "s": 1000, "min": 60000, "h": 3600000, "d": 86400000}[m[2] or "ms"]
    return int(float(m[1]) * factor)


_TABLES = """
SELECT c.oid, n.nspname, c.relname, pg_table_size(c.oid), c.reltuples::bigint,
       pg_relation_size(c.oid) = 0
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relname = ANY(%s) AND c.relkind IN ('r', 'p', 'm')
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
ORDER BY n.nspname = ANY(current_schemas(false)) DESC, n.nspname
"""
_COLUMNS = """
SELECT attrelid, attname, format_type(atttypid, atttypmod), attnotnull
FROM pg_attribute WHERE attrelid = ANY(%s) AND attnum > 0 AND NOT attisdropped
"""
_CHECKS = """
SELECT conrelid, conname, convalidated, pg_get_constraintdef(oid)
FROM pg_constraint WHERE conrelid = ANY(%s) AND contype IN ('c', 'n')
"""
_SETTINGS = """
SELECT current_setting('server_version_num')::int / 10000, current_setting('TimeZone'),
       current_setting('lock_timeout')
"""
_VOLATILITY = (
    "SELECT proname, max(provolatile::text) FROM pg_proc WHERE proname = ANY(%s) GROUP BY 1"
)


def read_catalog(dsn: str, tables: set[str], functions: set[str] = frozenset()) -> CatalogFacts:
    """Facts about ``tables`` (bare or schema-qualified names) from the database at ``dsn``."""
    import psycopg

    from phasetui.db.environments import describe_dsn
    from phasetui.db.session import connect_error

    try:
        conn = psycopg.connect(dsn, autocommit=True, connect_timeout=10)
    except psycopg.Error as exc:
        err = connect_error(dsn, exc)
        raise UserError(
            err.message.replace("cannot connect to", "cannot read the catalog of", 1),
            f"{err.hint}; or lint without --env/--dsn",
        ) from None
    with conn:
        version, tz, timeout = conn.execute(_SETTINGS).fetchone()
        facts = CatalogFacts(version, tz, _timeout_ms(timeout), label=describe_dsn(dsn))
        names = sorted({bare(t) for t in tables})
        by_oid: dict[int, TableFacts] = {}
        for oid, schema, name, size, tuples, empty in conn.execute(_TABLES, (names,)):
            table = TableFacts(
                f"{schema}.{name}", int(size or 0), 0 if empty else max(int(tuples or 0), 1)
            )
            by_oid[oid] = table
            facts.tables.setdefault(f"{schema}.{name}", table)
            facts.tables.setdefault(name, table)
        oids = list(by_oid)
        if oids:
            for oid, col, typ, notnull in conn.execute(_COLUMNS, (oids,)):
                by_oid[oid].columns[col] = ColumnFacts(typ, bool(notnull))
            for oid, conname, validated, definition in conn.execute(_CHECKS, (oids,)):
                m = _NOT_NULL_DEF.match(definition or "")
                if not m:
                    continue
                column = _unquote(m["check"] or m["nn"])
                by_oid[oid].not_null_check_names[conname] = column
                if validated and not m["notvalid"]:
                    by_oid[oid].not_null_checks.add(column)
        if functions:
            for name, vol in conn.execute(_VOLATILITY, (sorted(functions),)):
                facts.volatility[name] = vol
    return facts
