"""Commanding a running backfill from any session: pause, resume, stop, change settings.

A command is one UPDATE of the backfill's row. Workers read the row back with every batch
(it is part of the batch statement), so a command takes effect within one batch, on every
host. ``stop`` makes every worker finish its batch and exit; running the same
``backfill run`` again resumes. Settings changes bump ``settings_version``, which tells the
workers to reload (a new batch size restarts the adaptive sizing from that value).
"""

from __future__ import annotations

from typing import Any

from phasetui.backfill import store
from phasetui.errors import UserError


def _command(dsn: str, name: str, sql_text: str, params: tuple[Any, ...]) -> store.StateRow:
    from phasetui.backfill.engine import open_connection

    with open_connection(dsn) as conn:
        if not store.schema_exists(conn):
            raise UserError("no backfill has run on this database (no phasetui schema)")
        row = conn.execute(sql_text + " RETURNING name", (*params, name)).fetchone()
        if row is None:
            known = [r.name for r in store.list_state(conn)]
            raise UserError(
                f"no backfill named {name!r}",
                f"known: {', '.join(known)}" if known else "start one with `phasetui backfill run`",
            )
        state = store.load_state(conn, name)
        assert state is not None
        return state


def pause(dsn: str, name: str) -> store.StateRow:
    return _command(
        dsn,
        name,
        "UPDATE phasetui.backfills SET control = 'pause', updated_at = now() WHERE name = %s",
        (),
    )


def resume(dsn: str, name: str) -> store.StateRow:
    return _command(
        dsn,
        name,
        "UPDATE phasetui.backfills SET control = 'run', updated_at = now() WHERE name = %s",
        (),
    )


def stop(dsn: str, name: str) -> store.StateRow:
    return _command(
        dsn,
        name,
        "UPDATE phasetui.backfills SET control = 'stop', updated_at = now() WHERE name = %s",
        (),
    )


def set_settings(dsn: str, name: str, **changes: Any) -> store.StateRow:
    """``set_settings(dsn, name, batch_size=5000, pause_seconds=0.2, workers=3)``."""
    from phasetui.backfill.spec import parse_duration

    clean: dict[str, Any] = {}
    for key, value in changes.items():
        if value is None:
            continue
        if key not in store.SETTINGS:
            raise UserError(
                f"unknown setting {key!r}", f"settable live: {', '.join(store.SETTINGS)}"
            )
        column, kind = store.SETTINGS[key]
        if kind is int:
            try:
                v: Any = int(value)
            except (TypeError, ValueError):
                raise UserError(f"{key} must be an integer, got {value!r}") from None
            if v < 1:
                raise UserError(f"{key} must be at least 1")
        else:
            v = parse_duration(value, key)
            if key == "target_batch_seconds" and v == 0:
                v = None  # 0 turns adaptive sizing off
        clean[column] = v
    if not clean:
        raise UserError(
            "nothing to change", "give e.g. --batch-size 5000, --pause 0.2s or --workers 3"
        )
    assignments = ", ".join(f"{col} = %s" for col in clean)
    return _command(
        dsn,
        name,
        f"UPDATE phasetui.backfills SET {assignments}, settings_version = settings_version + 1,"
        " updated_at = now() WHERE name = %s",
        tuple(clean.values()),
    )


def forget(dsn: str, name: str) -> None:
    """Deletes a backfill's checkpoint (its rows in the ``phasetui`` schema), and its batch
    function when no other backfill calls the same one."""
    from phasetui.backfill.engine import open_connection

    with open_connection(dsn) as conn:
        if not store.schema_exists(conn):
            return
        with conn.transaction():
            row = conn.execute(
                "DELETE FROM phasetui.backfills WHERE name = %s "
                "RETURNING detail ->> 'batch_function'",
                (name,),
            ).fetchone()
            function = row[0] if row else None
            if (
                function
                and not conn.execute(
                    "SELECT 1 FROM phasetui.backfills WHERE detail ->> 'batch_function' = %s",
                    (function,),
                ).fetchone()
            ):
                store.drop_batch_function(conn, function)
