"""timeout-override: SQL that lifts the lock_timeout / statement_timeout phasetui runs with.

A lock request waits behind every running query on its table, and while it waits every new
query queues behind it; lock_timeout is what makes phasetui give up after a moment and
retry instead. ``SET lock_timeout = 0`` (pg_dump's header), ``RESET ALL`` or
``set_config('statement_timeout', '0', …)`` in the file takes that away for what follows.
The detection is :func:`phasetui.sql.ceiling.timeout_overrides`, the same function with
which ``phasetui rehearse`` and ``apply`` refuse such a file.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from phasetui.sql.ceiling import DEFAULT_LIMITS, TimeoutOverride, fmt_ms, timeout_overrides
from phasetui.sql.context import Context
from phasetui.sql.findings import ERROR, Finding, RewriteStep
from phasetui.sql.rewrite import phase_or, step
from phasetui.sql.rules.base import Rule

_FLAG = {"lock_timeout": "--lock-timeout", "statement_timeout": "--statement-timeout"}


def _inside_do_block(ctx: Context) -> bool:
    """A statement the linter read out of a DO block (it carries the block's number): the
    block's own finding already covers it."""
    stmt = ctx.stmt
    for i in range(ctx.index - 1, -1, -1):
        prev = ctx.statements[i]
        if prev.index != stmt.index or prev.file != stmt.file:
            return False
        if prev.kind == "DoStmt":
            return True
    return False


def _rewrite(found: TimeoutOverride, phase: str, in_do: bool) -> list[RewriteStep]:
    names = found.setting.split(" and ")
    flags = ", ".join(_FLAG[n] for n in names)
    itself = f"phasetui apply sets {found.setting} itself ({flags})"
    note = f"or remove it: {itself}"
    if in_do:
        return [step(phase, f"-- remove `{found.sql}` from the DO block", itself)]
    if len(names) > 1:
        return [
            step(
                phase,
                "-- RESET only the settings this migration changed, never "
                "lock_timeout or statement_timeout",
                note,
            )
        ]
    name = names[0]
    return [step(phase, f"SET {name} = '{fmt_ms(DEFAULT_LIMITS.get(name))}'", note)]


def _duration(found: TimeoutOverride) -> str:
    what = {
        "lock_timeout": "later lock waits",
        "statement_timeout": "later statements",
    }.get(found.setting, "later lock waits and statements")
    if found.how == "raise" and found.value_ms:
        return f"{what}: up to {fmt_ms(found.value_ms)}"
    return f"{what}: no limit"


def timeout_override(node: Any, ctx: Context) -> Iterator[Finding]:
    if _inside_do_block(ctx):
        return
    in_do = ctx.stmt.kind == "DoStmt"
    for found in timeout_overrides(node, DEFAULT_LIMITS, ctx.stmt.text):
        where = f" (inside the DO block, line {ctx.stmt.line + found.line_offset})" if in_do else ""
        yield ctx.finding(
            "timeout-override",
            f"`{found.sql}`{where} {found.describe(DEFAULT_LIMITS)}: {found.consequence}; "
            "phasetui rehearse and apply refuse the file",
            severity=ERROR,
            duration=_duration(found),
            rewrite=_rewrite(found, phase_or(ctx.phase, "expand"), in_do),
            size_matters=False,
        )


RULES = [
    Rule(
        "timeout-override",
        "SQL that switches off or raises lock_timeout / statement_timeout",
        ("*",),
        timeout_override,
    ),
]
