"""The checkpoint: schema ``phasetui`` in the target database.

Three small tables, readable by any session (a pairing partner, the TUI, a second host):

- ``backfills``: one row per backfill: what it does (spec), the *requested* control state
  (run / pause / stop) and live settings (batch size, pause, workers) that any session may
  change, and figures the running processes refresh every second or so (rate, ETA).
- ``backfill_chunks``: the key space cut into chunks, each with a cursor. A worker claims a
  chunk (``FOR UPDATE SKIP LOCKED``, then owner + backend pid + heartbeat) and moves its
  cursor forward **in the same statement** that updates the batch's rows: after a kill -9
  the cursor is exactly where the last committed batch ended. A chunk whose owner's
  session is gone (or whose heartbeat is stale) can be claimed by anyone.
- ``backfill_workers``: one row per worker (host, pid, current range, batch size), refreshed
  by its process; it is what "who is working on this" shows.

Schema version 2 ties a checkpoint to the table it was made on (``table_oid``: a table
dropped and recreated, or restored with pg_restore, has a new oid) and keeps the largest key
at planning (``key_max``), the upper end of the final check (verify.py); chunks carry the
``pass`` that made them (1, or a later sweep over rows the final check still found).
``ensure_schema`` adds these to version-1 tables in place.
"""

from __future__ import annotations

import json
import weakref
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg.sql import Composable, Identifier

SCHEMA = "phasetui"
SCHEMA_VERSION = 2

DDL = """
CREATE SCHEMA IF NOT EXISTS phasetui;
CREATE TABLE IF NOT EXISTS phasetui.backfills (
    name text PRIMARY KEY,
    mode text NOT NULL DEFAULT 'batched',
    table_name text NOT NULL,
    key_columns text[] NOT NULL DEFAULT '{}',
    key_types text[] NOT NULL DEFAULT '{}',
    integer_key boolean NOT NULL DEFAULT false,
    spec jsonb NOT NULL,
    fingerprint jsonb NOT NULL,
    state text NOT NULL DEFAULT 'running',
    control text NOT NULL DEFAULT 'run',
    batch_size integer NOT NULL,
    target_batch_seconds double precision,
    pause_seconds double precision NOT NULL DEFAULT 0,
    workers integer NOT NULL DEFAULT 1,
    settings_version integer NOT NULL DEFAULT 0,
    keys_total numeric,
    rows_estimate bigint,
    rate double precision,
    eta_seconds double precision,
    throttled_seconds double precision NOT NULL DEFAULT 0,
    throttle_reason text,
    last_error text,
    last_error_at timestamptz,
    detail jsonb NOT NULL DEFAULT '{}',
    created_at timestamptz NOT NULL DEFAULT now(),
    started_at timestamptz,
    updated_at timestamptz NOT NULL DEFAULT now(),
    finished_at timestamptz,
    table_oid oid,
    key_max text[],
    verified_at timestamptz,
    CONSTRAINT backfills_control_check CHECK (control IN ('run', 'pause', 'stop'))
);
CREATE TABLE IF NOT EXISTS phasetui.backfill_chunks (
    backfill text NOT NULL REFERENCES phasetui.backfills (name) ON DELETE CASCADE,
    chunk integer NOT NULL,
    lo text[] NOT NULL,
    hi text[],
    cursor text[] NOT NULL,
    done boolean NOT NULL DEFAULT false,
    owner text,
    owner_pid integer,
    heartbeat timestamptz,
    rows_done bigint NOT NULL DEFAULT 0,
    keys_done numeric NOT NULL DEFAULT 0,
    batches integer NOT NULL DEFAULT 0,
    retries integer NOT NULL DEFAULT 0,
    started_at timestamptz,
    finished_at timestamptz,
    pass integer NOT NULL DEFAULT 1,
    PRIMARY KEY (backfill, chunk)
);
CREATE TABLE IF NOT EXISTS phasetui.backfill_workers (
    backfill text NOT NULL REFERENCES phasetui.backfills (name) ON DELETE CASCADE,
    worker text NOT NULL,
    host text,
    os_pid integer,
    backend_pid integer,
    state text,
    chunk integer,
    range_lo text[],
    range_hi text[],
    batch_size integer,
    last_batch_ms double precision,
    rows_done bigint NOT NULL DEFAULT 0,
    batches integer NOT NULL DEFAULT 0,
    retries integer NOT NULL DEFAULT 0,
    started_at timestamptz NOT NULL DEFAULT now(),
    heartbeat timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (backfill, worker)
);
COMMENT ON SCHEMA phasetui IS
    'phasetui backfill checkpoints (schema version 2); safe to drop once no backfill runs';
"""

# Version 1 → 2, in place (every statement is a no-op on a version-2 schema).
MIGRATE_V2 = """
SET LOCAL lock_timeout = '5s';
ALTER TABLE phasetui.backfills ADD COLUMN IF NOT EXISTS table_oid oid,
    ADD COLUMN IF NOT EXISTS key_max text[], ADD COLUMN IF NOT EXISTS verified_at timestamptz;
ALTER TABLE phasetui.backfill_chunks ADD COLUMN IF NOT EXISTS pass integer NOT NULL DEFAULT 1;
COMMENT ON SCHEMA phasetui IS
    'phasetui backfill checkpoints (schema version 2); safe to drop once no backfill runs';
"""
_V2_COLUMNS = {"table_oid", "key_max", "verified_at"}

# Live settings any session may change; name -> (column, python type).
SETTINGS: dict[str, tuple[str, type]] = {
    "batch_size": ("batch_size", int),
    "pause_seconds": ("pause_seconds", float),
    "workers": ("workers", int),
    "target_batch_seconds": ("target_batch_seconds", float),
}


def schema_exists(conn: psycopg.Connection) -> bool:
    row = conn.execute("SELECT to_regclass('phasetui.backfills') IS NOT NULL").fetchone()
    return bool(row and row[0])


def ensure_schema(conn: psycopg.Connection) -> None:
    """Creates the checkpoint tables once, or brings version-1 tables to version 2; two
    hosts starting together do not collide."""
    if schema_exists(conn) and _has_table(conn, "backfill_workers") and _is_v2(conn):
        return
    try:
        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(hashtext('phasetui.backfill.schema'))")
            conn.execute(DDL)
            if not _is_v2(conn):
                conn.execute(MIGRATE_V2)
    except (psycopg.errors.InsufficientPrivilege, psycopg.errors.LockNotAvailable) as exc:
        from phasetui.errors import UserError

        raise UserError(
            "the backfill checkpoint tables (schema phasetui) are from an older phasetui and "
            f"could not be brought to version {SCHEMA_VERSION}: {str(exc).strip()}",
            "run the backfill once as the owner of schema phasetui (or when no older "
            "phasetui backfill is running); nothing was written",
        ) from None


def _is_v2(conn: psycopg.Connection) -> bool:
    return _V2_COLUMNS <= _state_columns(conn) and "pass" in _columns(conn, "backfill_chunks")


def _columns(conn: psycopg.Connection, table: str) -> set[str]:
    rows = conn.execute(
        "SELECT attname FROM pg_attribute WHERE attrelid = to_regclass(%s) AND attnum > 0 "
        "AND NOT attisdropped",
        (f"phasetui.{table}",),
    ).fetchall()
    return {r[0] for r in rows}


def _state_columns(conn: psycopg.Connection) -> set[str]:
    return _columns(conn, "backfills")


def ensure_batch_function(
    conn: psycopg.Connection, name: str, ddl: Composable, body: str
) -> str | None:
    """Creates ``phasetui.<name>`` (see batches.py) unless it exists; returns why it cannot
    be used (the batches then run as one plain statement), or None.

    The name is a hash of the body, and anyone can compute it from the backfill's spec; so
    an existing function is used only if it is exactly ours: the same body, plpgsql,
    SECURITY INVOKER, no SET clauses. One planted under that name by another role with
    other code would otherwise run with the rights of whoever runs the backfill. Hosts
    starting together take the schema's advisory lock and do not collide."""
    try:
        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(hashtext('phasetui.backfill.schema'))")
            found = _function_row(conn, name)
            if found is None:
                conn.execute(ddl)
                found = _function_row(conn, name)
    except (
        psycopg.errors.InsufficientPrivilege,  # no CREATE on schema phasetui
        psycopg.errors.UndefinedObject,  # language plpgsql removed from the database
    ) as exc:
        return str(exc).strip()
    assert found is not None
    prosrc, language, security_definer, config = found
    if prosrc != body or language != "plpgsql" or security_definer or config:
        return (
            f"phasetui.{name} exists but is not the function phasetui made for this backfill "
            "(another body, language or security); it is not called"
        )
    return None


def drop_batch_function(conn: psycopg.Connection, name: str) -> None:
    """Drops ``phasetui.<name>`` if this role may (else it stays: harmless, and it goes with
    the schema)."""
    from psycopg import sql

    from phasetui.backfill.batches import FUNCTION_ARGS

    try:
        with conn.transaction():
            conn.execute(
                sql.SQL("DROP FUNCTION IF EXISTS {}(" + FUNCTION_ARGS + ")").format(
                    Identifier(SCHEMA, name)
                )
            )
    except psycopg.errors.InsufficientPrivilege:
        pass


def _function_row(conn: psycopg.Connection, name: str) -> tuple[Any, ...] | None:
    from phasetui.backfill.batches import FUNCTION_ARGS

    return conn.execute(
        "SELECT p.prosrc, l.lanname, p.prosecdef, p.proconfig FROM pg_proc p "
        "JOIN pg_language l ON l.oid = p.prolang WHERE p.oid = to_regprocedure(%s)",
        (f"{Identifier(SCHEMA, name).as_string(conn)}({FUNCTION_ARGS})",),
    ).fetchone()


def _has_table(conn: psycopg.Connection, name: str) -> bool:
    row = conn.execute("SELECT to_regclass(%s) IS NOT NULL", (f"phasetui.{name}",)).fetchone()
    return bool(row and row[0])


@dataclass
class StateRow:
    """The ``backfills`` row, as read."""

    name: str
    mode: str
    table_name: str
    key_columns: list[str]
    key_types: list[str]
    integer_key: bool
    spec: dict[str, Any]
    fingerprint: dict[str, Any]
    state: str
    control: str
    batch_size: int
    target_batch_seconds: float | None
    pause_seconds: float
    workers: int
    settings_version: int
    keys_total: float | None
    rows_estimate: int | None
    rate: float | None
    eta_seconds: float | None
    throttled_seconds: float
    throttle_reason: str | None
    last_error: str | None
    last_error_at: Any
    detail: dict[str, Any]
    created_at: Any
    started_at: Any
    updated_at: Any
    finished_at: Any
    table_oid: int | None = None  # None: made by schema version 1 (adopted on the next run)
    key_max: list[str] | None = None  # the largest key at planning: the final check's end
    verified_at: Any = None  # when the final check last found nothing left to fill


_STATE_COLUMNS = [f for f in StateRow.__dataclass_fields__]


_KNOWN_V2: weakref.WeakSet[psycopg.Connection] = weakref.WeakSet()


def _select_list(conn: psycopg.Connection) -> str:
    """The row's columns; on a version-1 schema (read by `status` before any run migrated
    it) the newer ones read as NULL. Looked up once per connection."""
    if conn in _KNOWN_V2:
        return ", ".join(_STATE_COLUMNS)
    have = _state_columns(conn)
    if _V2_COLUMNS <= have:
        _KNOWN_V2.add(conn)
    return ", ".join(c if c in have or c not in _V2_COLUMNS else f"NULL AS {c}"
                     for c in _STATE_COLUMNS)  # fmt: skip


def load_state(conn: psycopg.Connection, name: str) -> StateRow | None:
    if not schema_exists(conn):
        return None
    cols = _select_list(conn)
    row = conn.execute(f"SELECT {cols} FROM phasetui.backfills WHERE name = %s", (name,)).fetchone()
    if row is None:
        return None
    return StateRow(*row)


def list_state(conn: psycopg.Connection) -> list[StateRow]:
    if not schema_exists(conn):
        return []
    cols = _select_list(conn)
    rows = conn.execute(f"SELECT {cols} FROM phasetui.backfills ORDER BY created_at, name")
    return [StateRow(*r) for r in rows.fetchall()]


def set_error(conn: psycopg.Connection, name: str, message: str, *, failed: bool) -> None:
    conn.execute(
        "UPDATE phasetui.backfills SET last_error = %s, last_error_at = now(), updated_at = now()"
        ", state = CASE WHEN %s THEN 'failed' ELSE state END WHERE name = %s",
        (message[:2000], failed, name),
    )


def merge_detail(conn: psycopg.Connection, name: str, detail: dict[str, Any]) -> None:
    conn.execute(
        "UPDATE phasetui.backfills SET detail = detail || %s::jsonb, updated_at = now() "
        "WHERE name = %s",
        (json.dumps(detail, default=str), name),
    )
