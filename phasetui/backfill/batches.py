"""The SQL of one batch, composed once per backfill with psycopg.sql.

One batch is **one call**, run in autocommit (its own short transaction), of a PL/pgSQL
function made for this backfill in schema ``phasetui`` (see ``function_ddl``):

1. lock this worker's chunk row, but only if the worker still owns it and its cursor is
   still where the worker thinks it is (``g``);
2. update the table's rows in the key range ``[lo, hi)`` — only if (1) found the row —
   and count them once (``n``; the RETURNING rows are scanned once, not once per use);
3. move the chunk's cursor to ``hi`` and add the row count;
4. read the control row (pause/stop, settings version) so the worker reacts before the
   next batch without another round trip.

Because (2) and (3) commit together, a kill -9 at any moment leaves the cursor exactly at
the end of the last committed batch. Because (1) re-checks ownership under a row lock, a
worker that lost its chunk (lease expired, session replaced) updates nothing.

Why a function: the function counts the rows with ``GET DIAGNOSTICS`` and its plans are
cached per session. The same batch as one plain statement (``bounded`` / ``open_ended``,
data-modifying CTEs) needs ``RETURNING`` to count, which materialises every updated row:
≈6% of the server's time per row (bench/bench_backfill.py). The plain statement stays as
the fallback for a role that may not create the function (no CREATE on schema phasetui).

Every name and every piece of the user's SQL goes in through ``compose.ident`` /
``compose.text`` and every statement here is run through ``compose.execute``: a ``%`` in a
table, column or type name or in ``--set``/``--where`` reaches the server as typed.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from psycopg import sql

from phasetui.backfill.compose import ident
from phasetui.backfill.compose import text as user_text
from phasetui.backfill.expressions import ParsedUpdate
from phasetui.backfill.keys import TableKey


@dataclass(frozen=True)
class BatchSQL:
    """Composed statements for one backfill (parameters are named, see each docstring)."""

    bounded: sql.Composed  # batch with an upper bound: name, chunk, owner, lo, hi, next, last, span
    open_ended: sql.Composed  # batch with no upper bound (last chunk of a walked key)
    next_bound: sql.Composed  # generic keys: the key `size` entries after lo, below hi
    first_key_from: sql.Composed  # smallest key >= lo (and < hi when bounded): lo, hi
    first_key_from_open: sql.Composed
    min_key: sql.Composed
    max_key: sql.Composed
    sample_keys: sql.Composed  # TABLESAMPLE for chunk boundaries: pct
    explain: sql.Composed  # validates names/types without running: lo, hi
    # The final check (verify.py): does the WHERE still match a row in [lo, hi) / [lo, hi]?
    check_lt: sql.Composed  # lo, hi
    check_le: sql.Composed  # lo, hi
    count_lt: sql.Composed  # rows still matching, at most `limit`: lo, hi, limit
    count_le: sql.Composed
    next_bound_le: sql.Composed  # the key `size` entries after lo, up to hi inclusive
    function_name: str  # phasetui.<this>: named by a hash of its body
    function_ddl: sql.Composed  # CREATE FUNCTION (no parameters)
    function_body: str  # what pg_proc.prosrc must hold for an existing function to be used
    call: sql.Composed  # one batch through the function: same parameters as ``bounded``


# a batch's upper bound is the key ``size`` rows past its lower one
_SKIP_BATCH = "OFFSET %(size)s "


def _key_tuple(key: TableKey, *, escape: bool = True) -> sql.Composable:
    name = ident if escape else sql.Identifier
    cols = [name(c) for c in key.columns]
    if len(cols) == 1:
        return cols[0]
    return sql.SQL("ROW({})").format(sql.SQL(", ").join(cols))


def _param_tuple(key: TableKey, param: sql.Composable, *, escape: bool = True) -> sql.Composable:
    """``(%(lo)s::text[])[1]::bigint`` for each key column: cursors travel as text[]."""
    typ = user_text if escape else sql.SQL  # a type name may hold a `%` too
    parts = [
        sql.SQL("({}::text[])[{}]::{}").format(param, sql.Literal(i + 1), typ(t))
        for i, t in enumerate(key.types)
    ]
    if len(parts) == 1:
        return parts[0]
    return sql.SQL("ROW({})").format(sql.SQL(", ").join(parts))


def _key_text_array(key: TableKey) -> sql.Composable:
    cols = [sql.SQL("{}::text").format(ident(c)) for c in key.columns]
    return sql.SQL("ARRAY[{}]").format(sql.SQL(", ").join(cols))


def user_sql(update: ParsedUpdate, *, escape: bool) -> tuple[sql.Composed, sql.Composable]:
    """``col = expr, …`` and `` AND (where)`` (or nothing): the user's SQL as pglast
    re-printed it. ``escape`` doubles ``%`` for text psycopg reads for placeholders; a
    function body or a text to lint is not read that way."""

    text = user_text if escape else sql.SQL
    name = ident if escape else sql.Identifier
    sets = sql.SQL(", ").join(
        sql.SQL("{} = {}").format(name(a.column), text(a.expression)) for a in update.assignments
    )
    where = sql.SQL(" AND ({})").format(text(update.where)) if update.where else sql.SQL("")
    return sets, where


def build(key: TableKey, update: ParsedUpdate) -> BatchSQL:
    table = ident(key.schema, key.table)
    k = _key_tuple(key)
    order = sql.SQL(", ").join(ident(c) for c in key.columns)
    lo = _param_tuple(key, sql.Placeholder("lo"))
    hi = _param_tuple(key, sql.Placeholder("hi"))
    # psycopg reads these statements for %(name)s placeholders: escape the user's `%`
    sets, user_where = user_sql(update, escape=True)
    lower = sql.SQL("{} >= {}").format(k, lo)
    upper = sql.SQL(" AND {} < {}").format(k, hi)
    upper_le = sql.SQL(" AND {} <= {}").format(k, hi)

    def batch(range_sql: sql.Composable) -> sql.Composed:
        return sql.SQL(
            """WITH g AS (
  SELECT 1 FROM phasetui.backfill_chunks
  WHERE backfill = %(name)s AND chunk = %(chunk)s AND owner = %(owner)s
    AND cursor = %(lo)s::text[] AND NOT done
  FOR UPDATE
), u AS (
  UPDATE {table} SET {sets}
  WHERE {range}{user_where} AND EXISTS (SELECT 1 FROM g)
  RETURNING 1
), n AS (
  SELECT count(*) AS n FROM u
), c AS (
  UPDATE phasetui.backfill_chunks
  SET cursor = %(next)s::text[], done = %(last)s,
      rows_done = rows_done + (SELECT n FROM n),
      keys_done = keys_done + %(span)s, batches = batches + 1,
      heartbeat = now(), owner_pid = pg_backend_pid(),
      finished_at = CASE WHEN %(last)s THEN now() END
  WHERE backfill = %(name)s AND chunk = %(chunk)s AND owner = %(owner)s
    AND cursor = %(lo)s::text[] AND NOT done
  RETURNING 1
)
SELECT (SELECT n FROM n), (SELECT count(*) FROM c), b.control, b.settings_version
FROM phasetui.backfills b WHERE b.name = %(name)s"""
        ).format(table=table, sets=sets, range=range_sql, user_where=user_where)

    def key_from(bound: sql.Composable, skip: str = "") -> sql.Composed:
        """The first key (after ``skip``) from the lower bound on, up to the upper one."""
        return sql.SQL(
            "SELECT {arr} FROM {table} WHERE {lower}{upper} ORDER BY {order} " + skip + "LIMIT 1"
        ).format(arr=_key_text_array(key), table=table, lower=lower, upper=bound, order=order)

    def check(bound: sql.Composable) -> sql.Composed:
        return sql.SQL("SELECT EXISTS (SELECT 1 FROM {} WHERE {}{}{})").format(
            table, lower, bound, user_where
        )

    def count(bound: sql.Composable) -> sql.Composed:
        return sql.SQL(
            "SELECT count(*) FROM (SELECT 1 FROM {} WHERE {}{}{} LIMIT %(limit)s) AS matching"
        ).format(table, lower, bound, user_where)

    no_bound = sql.SQL("")
    fn_name, fn_ddl, fn_body = _function(key, update)
    desc = sql.SQL(", ").join(sql.SQL("{} DESC").format(ident(c)) for c in key.columns)
    return BatchSQL(
        bounded=batch(sql.SQL("{}{}").format(lower, upper)),
        open_ended=batch(lower),
        next_bound=key_from(upper, skip=_SKIP_BATCH),
        first_key_from=key_from(upper),
        first_key_from_open=key_from(no_bound),
        min_key=sql.SQL("SELECT {} FROM {} ORDER BY {} LIMIT 1").format(
            _key_text_array(key), table, order
        ),
        max_key=sql.SQL("SELECT {} FROM {} ORDER BY {} LIMIT 1").format(
            _key_text_array(key), table, desc
        ),
        sample_keys=sql.SQL("SELECT {} FROM {} TABLESAMPLE SYSTEM (%(pct)s) ORDER BY {}").format(
            _key_text_array(key), table, order
        ),
        explain=sql.SQL(
            "EXPLAIN UPDATE {table} SET {sets} WHERE {lower}{upper}{user_where}"
        ).format(table=table, sets=sets, lower=lower, upper=upper, user_where=user_where),
        check_lt=check(upper),
        check_le=check(upper_le),
        count_lt=count(upper),
        count_le=count(upper_le),
        next_bound_le=key_from(upper_le, skip=_SKIP_BATCH),
        function_name=fn_name,
        function_ddl=fn_ddl,
        function_body=fn_body,
        call=sql.SQL(
            "SELECT * FROM {}(%(name)s::text, %(chunk)s::integer, %(owner)s::text, "
            "%(lo)s::text[], %(hi)s::text[], %(next)s::text[], %(last)s::boolean, "
            "%(span)s::float8)"
        ).format(ident("phasetui", fn_name)),
    )


FUNCTION_ARGS = "text, integer, text, text[], text[], text[], boolean, float8"

# The function's body. Parameters are positional ($1 name, $2 chunk, $3 owner, $4 lo,
# $5 hi — NULL: no upper bound —, $6 next, $7 last, $8 span) so that no name of ours can
# capture a column the user's expressions mention; `use_column` settles any clash between
# a column and the output columns in favour of the column.
_BODY = """
#variable_conflict use_column
DECLARE
  _phasetui_rows bigint := 0;
  _phasetui_moved integer := 0;
BEGIN
  PERFORM 1 FROM phasetui.backfill_chunks
  WHERE backfill = $1 AND chunk = $2 AND owner = $3 AND cursor = $4 AND NOT done
  FOR UPDATE;
  IF FOUND THEN
    IF $5 IS NULL THEN
      UPDATE {table} SET {sets} WHERE {lower}{user_where};
    ELSE
      UPDATE {table} SET {sets} WHERE {lower} AND {k} < {hi}{user_where};
    END IF;
    GET DIAGNOSTICS _phasetui_rows = ROW_COUNT;
    UPDATE phasetui.backfill_chunks
    SET cursor = $6, done = $7, rows_done = rows_done + _phasetui_rows,
        keys_done = keys_done + $8, batches = batches + 1,
        heartbeat = now(), owner_pid = pg_backend_pid(),
        finished_at = CASE WHEN $7 THEN now() END
    WHERE backfill = $1 AND chunk = $2 AND owner = $3 AND cursor = $4 AND NOT done;
    GET DIAGNOSTICS _phasetui_moved = ROW_COUNT;
  END IF;
  RETURN QUERY SELECT _phasetui_rows, _phasetui_moved, b.control, b.settings_version
    FROM phasetui.backfills b WHERE b.name = $1;
END
"""


def _function(key: TableKey, update: ParsedUpdate) -> tuple[str, sql.Composed, str]:
    """(name, CREATE FUNCTION): the body is a string literal of its own and the DDL runs
    without parameters, so nothing in it is escaped (see compose.py)."""
    k = _key_tuple(key, escape=False)
    sets_raw, user_where = user_sql(update, escape=False)
    body = (
        sql.SQL(_BODY)
        .format(
            table=sql.Identifier(key.schema, key.table),
            sets=sets_raw,
            k=k,
            lower=sql.SQL("{} >= {}").format(k, _param_tuple(key, sql.SQL("$4"), escape=False)),
            hi=_param_tuple(key, sql.SQL("$5"), escape=False),
            user_where=user_where,
        )
        .as_string(None)
    )
    name = "batch_" + hashlib.sha256(body.encode()).hexdigest()[:24]
    ddl = sql.SQL(
        "CREATE FUNCTION {}(" + FUNCTION_ARGS + ") "
        "RETURNS TABLE (batch_rows bigint, batch_moved integer, batch_control text, "
        "batch_version integer) LANGUAGE plpgsql VOLATILE AS {}"
    ).format(sql.Identifier("phasetui", name), sql.Literal(body))
    return name, ddl, body
