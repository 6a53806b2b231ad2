"""Which table, and which key cuts it into ranges.

A backfill walks the table in ranges of a key. The key must be NOT NULL (a NULL key is in
no range: those rows would be silently skipped) and unique with a btree index on exactly
those columns in that order (each batch is one index range scan, and the next range's
start is found by walking that index). A primary key always qualifies.
"""

from __future__ import annotations

from dataclasses import dataclass

import psycopg

from phasetui.errors import UserError

# The range of each integer key type: a batch's bounds are cast to the key's type, so a
# bound one past the maximum (``2147483647 + batch_size`` for an ``integer``) is an error.
INT_RANGES: dict[str, tuple[int, int]] = {
    "smallint": (-(2**15), 2**15 - 1),
    "integer": (-(2**31), 2**31 - 1),
    "bigint": (-(2**63), 2**63 - 1),
}
_INT_TYPES = set(INT_RANGES)


@dataclass(frozen=True)
class TableKey:
    schema: str
    table: str
    columns: tuple[str, ...]
    types: tuple[str, ...]  # format_type() of each key column, used for casts
    index: str
    reltuples: float
    table_columns: tuple[str, ...]
    oid: int = 0  # pg_class.oid: a dropped and recreated (or restored) table gets a new one

    @property
    def integer(self) -> bool:
        """A single integer column: ranges are computed by arithmetic, no index walk."""
        return len(self.columns) == 1 and self.types[0] in _INT_TYPES

    @property
    def int_max(self) -> int:
        """The largest value the (integer) key's type holds: no bound may pass it."""
        return INT_RANGES[self.types[0]][1]

    @property
    def qualified(self) -> str:
        return f"{self.schema}.{self.table}"

    @property
    def qualified_sql(self) -> str:
        """The name quoted for ``::regclass`` (identifiers may hold dots or capitals)."""
        from psycopg import sql

        return sql.Identifier(self.schema, self.table).as_string(None)


_TABLE_SQL = """
SELECT c.oid, n.nspname, c.relname, c.relkind, greatest(c.reltuples, 0)
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.oid = to_regclass(%s)
"""

_COLUMNS_SQL = """
SELECT a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull
FROM pg_attribute a
WHERE a.attrelid = %s AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attnum
"""

_INDEXES_SQL = """
SELECT ic.relname, i.indisprimary, am.amname,
       array(SELECT a.attname FROM unnest(i.indkey[0:i.indnkeyatts - 1]) WITH ORDINALITY k(n, o)
             JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.n ORDER BY k.o)
FROM pg_index i
JOIN pg_class ic ON ic.oid = i.indexrelid
JOIN pg_am am ON am.oid = ic.relam
WHERE i.indrelid = %s AND i.indisunique AND i.indisvalid AND i.indpred IS NULL
  AND i.indexprs IS NULL
ORDER BY i.indisprimary DESC, i.indnkeyatts, ic.relname
"""


def find_key(conn: psycopg.Connection, table: str, key: tuple[str, ...] = ()) -> TableKey:
    """The table and its usable key; raises UserError saying why when there is none."""
    try:
        row = conn.execute(_TABLE_SQL, (table,)).fetchone()
    except psycopg.errors.InvalidName as exc:
        raise UserError(f"table {table!r} is not a valid table name: {exc}") from None
    if row is None:
        raise UserError(
            f"table {table!r} does not exist (or is not on the search_path)",
            "check the name; qualify it with its schema, e.g. app.users",
        )
    oid, schema, name, relkind, reltuples = row
    if relkind not in ("r", "p"):
        raise UserError(f"{schema}.{name} is not a table (relkind {relkind!r})")
    cols = conn.execute(_COLUMNS_SQL, (oid,)).fetchall()
    types = {c: t for c, t, _ in cols}
    notnull = {c: nn for c, _, nn in cols}
    indexes = [
        (iname, primary, am, tuple(icols))
        for iname, primary, am, icols in conn.execute(_INDEXES_SQL, (oid,)).fetchall()
        if am == "btree"
    ]
    label = f"{schema}.{name}"
    if key:
        missing = [k for k in key if k not in types]
        if missing:
            raise UserError(
                f"key column {missing[0]!r} is not a column of {label}",
                f"columns: {', '.join(types)}",
            )
        nullable = [k for k in key if not notnull[k]]
        if nullable:
            raise UserError(
                f"key column {nullable[0]!r} of {label} allows NULL: rows with a NULL key "
                "fall in no range and would be skipped",
                "use the primary key, or a unique index on NOT NULL columns",
            )
        match = [ix for ix in indexes if ix[3] == tuple(key)]
        if not match:
            same_set = [ix for ix in indexes if set(ix[3]) == set(key)]
            hint = (
                f"index {same_set[0][0]} has these columns in the order "
                f"{', '.join(same_set[0][3])}: give --key in that order"
                if same_set
                else "give the primary key, or create a unique index on these columns"
            )
            raise UserError(
                f"no unique btree index on ({', '.join(key)}) of {label}: no usable key", hint
            )
        index = match[0][0]
    else:
        usable = [ix for ix in indexes if all(notnull[c] for c in ix[3])]
        if not usable:
            raise UserError(
                f"{label} has no primary key and no unique index on NOT NULL columns: "
                "no usable key to cut it into batches",
                "add a primary key (or a unique index on NOT NULL columns) first, or "
                "give --key naming such columns",
            )
        index, _, _, key = usable[0]
    return TableKey(
        schema=schema,
        table=name,
        columns=tuple(key),
        types=tuple(types[k] for k in key),
        index=index,
        reltuples=float(reltuples),
        table_columns=tuple(types),
        oid=int(oid),
    )
