"""The ``drift`` step: settings and privileges of two environments, compared.

The guide's ``check-config-drift.sh staging permission``: each side is read in one
REPEATABLE READ, READ ONLY transaction under a statement_timeout (nothing is written, no
lock is taken on a user table), into a :class:`~phasetui.ops.drift_result.Snapshot`; the two
are compared, and the differences become ``drift/<step-id>.md`` and ``.json``, the evidence
for the checklist item "config drift checked". A drift found is a check that ran and did
not hold (``ok=False``); a server that cannot be read is a UserError.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from phasetui.errors import UserError
from phasetui.ops.drift_result import (
    CHECK_GROUPS,
    DEFAULT_PRIVILEGES,
    GRANTS,
    MEMBERSHIPS,
    ROLES,
    SETTINGS,
    DriftResult,
    Snapshot,
    compare,
    normalise_check,
)
from phasetui.ops.outcome import StepContext, StepOutcome, no_progress

STATEMENT_TIMEOUT_S = 30.0  # a catalog read that takes longer is a server in trouble


def _stopped(stop: Any) -> bool:
    return bool(stop is not None and stop.is_set())


def read_side(
    name: str,
    dsn: str,
    check: str,
    only: set[str] | None = None,
    *,
    progress: Callable[[str], None] = no_progress,
    stop: Any = None,
) -> Snapshot:
    """One environment's snapshot of the groups ``check`` compares."""
    import psycopg

    from phasetui.db.session import ExecSettings, connect, error_text

    groups = CHECK_GROUPS[normalise_check(check)]
    snap = Snapshot(name)
    conn = connect(dsn, ExecSettings(statement_timeout=STATEMENT_TIMEOUT_S))
    try:
        snap.server_version = int(conn.info.server_version)
        with conn.transaction():
            conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            # regprocedure names come out schema-qualified, as pg_dump writes them
            conn.execute("SET LOCAL search_path = ''")
            for group in groups:
                if _stopped(stop):
                    raise UserError(
                        f"drift: stopped while reading {name}", "run the step again when ready"
                    )
                progress(f"{name}: reading {group}")
                _read_group(conn, group, only, snap)
    except psycopg.Error as exc:
        raise UserError(
            f"drift: cannot read {name}'s catalog: {error_text(exc)}",
            "check that the role can read pg_catalog and the server is not overloaded "
            f"(each query may take {STATEMENT_TIMEOUT_S:g}s)",
        ) from None
    finally:
        conn.close()
    return snap


def _read_group(conn: Any, group: str, only: set[str] | None, snap: Snapshot) -> None:
    from phasetui.ops import drift_privileges as priv
    from phasetui.ops.drift_settings import read_settings

    if group == SETTINGS:
        snap.groups[group] = read_settings(conn, only)
    elif group == ROLES:
        snap.groups[group] = priv.read_roles(conn)
    elif group == MEMBERSHIPS:
        snap.groups[group] = priv.read_memberships(conn)
    elif group == GRANTS:
        snap.groups[group], snap.objects = priv.read_grants(conn)
    elif group == DEFAULT_PRIVILEGES:
        snap.groups[group] = priv.read_default_privileges(conn)


def _check_requested(only: set[str] | None, sides: Iterable[Snapshot]) -> None:
    """A ``settings = [...]`` name neither side knows is a typo, not "no drift"."""
    from phasetui.ops.drift_settings import EXCLUDED_SETTINGS, setting_names

    if not only:
        return
    excluded = sorted(n for n in only if n in EXCLUDED_SETTINGS)
    if excluded:
        raise UserError(
            f"drift: {', '.join(excluded)} is never compared",
            "it always differs between servers, belongs to a session, or may hold a "
            "credential (docs/drift.md); remove it from settings",
        )
    seen: set[str] = set()
    for side in sides:
        seen |= setting_names(side.groups.get(SETTINGS, {}))
    missing = sorted(only - seen)
    if missing:
        raise UserError(
            f"drift: no setting named {', '.join(missing)} on either side",
            "check the spelling against `SHOW ALL` (or pg_settings) on the server",
        )


def drift_between(
    left: tuple[str, str],
    right: tuple[str, str],
    check: str = "both",
    settings: Iterable[str] | None = None,
    *,
    progress: Callable[[str], None] = no_progress,
    stop: Any = None,
) -> DriftResult:
    """``left`` and ``right`` are ``(name, dsn)``; the names are what the evidence shows."""
    check = normalise_check(check)
    only = {s.strip().lower() for s in settings if s.strip()} if settings else None
    if check == "permission":
        only = None  # settings are not read at all
    sides = [read_side(n, d, check, only, progress=progress, stop=stop) for n, d in (left, right)]
    if SETTINGS in CHECK_GROUPS[check]:
        _check_requested(only, sides)
    result = compare(sides[0], sides[1], check)
    result.settings_filter = sorted(only) if only else []
    return result


def outcome(step_id: str, result: DriftResult) -> StepOutcome:
    from phasetui.ops.drift_render import to_json, to_markdown
    from phasetui.ops.drift_settings import EXCLUDED_SETTINGS

    files: dict[str, str | bytes] = {
        f"drift/{step_id}.md": to_markdown(result, sorted(EXCLUDED_SETTINGS)),
        f"drift/{step_id}.json": to_json(result),
    }
    return StepOutcome("drift", result.ok, result.summary, files, result.figures())


def run_step(ctx: StepContext) -> StepOutcome:
    """Reads ``envs = [left, right]``, compares what ``check`` says (default both)."""
    from phasetui.db.environments import resolve_dsn

    step = ctx.step
    envs = list(step.params.get("envs") or [])
    if len(envs) != 2:
        raise UserError(
            f"step {step.id}: a drift step compares two environments, not {len(envs)}",
            'write envs = ["staging", "production"]',
        )
    if envs[0] == envs[1]:
        raise UserError(
            f"step {step.id}: both sides are {envs[0]!r}",
            "name two different environments in envs",
        )
    left, right = (ctx.env(name) for name in envs)
    result = drift_between(
        (left.name, resolve_dsn(left)),
        (right.name, resolve_dsn(right)),
        step.params.get("check", "both"),
        step.params.get("settings"),
        progress=ctx.progress,
        stop=ctx.stop,
    )
    return outcome(step.id, result)
