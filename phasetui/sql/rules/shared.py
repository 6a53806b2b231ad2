"""What several rule modules share: picking ALTER TABLE commands by kind, the rewrite of a
statement that has no online form, and the finding for dropping what code may still use."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from phasetui.sql import locks as L
from phasetui.sql.context import Context
from phasetui.sql.findings import WARNING, Finding, RewriteStep
from phasetui.sql.rewrite import LOCK_TIMEOUT, step


def cmds(node: Any, *subtypes: str) -> Iterator[Any]:
    """The commands of an ALTER TABLE whose subtype is one of ``subtypes``."""
    for cmd in node.cmds:
        if cmd.subtype.name in subtypes:
            yield cmd


def lock_timeout_steps(phase: str, sql: str, note: str = "") -> list[RewriteStep]:
    """The statement itself, as it is, behind a lock_timeout: for what has no online form."""
    return [step(phase, LOCK_TIMEOUT), step(phase, sql, note)]


def drop_in_use(
    ctx: Context,
    rule: str,
    message: str,
    *,
    contract_hint: str,
    relation: str,
    stop_using: str,
    once_unused: str,
) -> Finding:
    """A drop of something deployed code may still use: an error, except in the contract
    phase (where drops belong), where it is a warning to confirm nothing uses it. The
    rewrite: stop using it in the application, then drop it in contract."""
    contract = ctx.phase == "contract"
    return ctx.finding(
        rule,
        message + (f" ({contract_hint})" if contract else ""),
        severity=WARNING if contract else "error",
        relation=relation,
        lock=L.ACCESS_EXCLUSIVE,
        duration=L.CATALOG,
        rewrite=[
            step("expand", stop_using),
            *lock_timeout_steps("contract", ctx.stmt.text, once_unused),
        ],
        size_matters=False,
    )
