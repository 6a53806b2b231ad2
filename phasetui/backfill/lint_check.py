"""The backfill's own SQL through phasetui's lint rules (phase ``backfill``) before any batch.

What the engine runs is ``UPDATE t SET <set> WHERE <key range> AND (<where>)``; linting that
statement catches what the rules know about the user's expressions — above all a filter
that does not make a batch safe to run twice (``backfill-not-idempotent``). The key range
is the engine's own and always bounded; the lint sees it on the key's first column.
Errors refuse the backfill; warnings are shown, kept in its ``detail`` and in its result.
"""

from __future__ import annotations

from psycopg import sql

from phasetui.backfill.batches import user_sql
from phasetui.backfill.expressions import ParsedUpdate
from phasetui.backfill.keys import TableKey
from phasetui.errors import UserError


def batch_text(key: TableKey, update: ParsedUpdate) -> str:
    first = sql.Identifier(key.columns[0])
    sets, where = user_sql(update, escape=False)
    return (
        sql.SQL("UPDATE {} SET {} WHERE {} >= $1 AND {} < $2{};")
        .format(sql.Identifier(key.schema, key.table), sets, first, first, where)
        .as_string(None)
    )


def lint_batch(key: TableKey, update: ParsedUpdate) -> list[str]:
    """``["rule: message", …]`` for the warnings; raises UserError for an error."""
    from phasetui.sql.lint import LintOptions, lint_text

    report = lint_text(batch_text(key, update), "backfill", LintOptions(phase="backfill"))
    errors = [f for f in report.findings if f.severity == "error"]
    if errors:
        first = errors[0]
        raise UserError(
            f"the backfill's SQL fails the lint: {first.rule}: {first.message}",
            "fix --set / --where; `phasetui lint --phase backfill` explains the rule",
        )
    return [f"{f.rule}: {f.message}" for f in report.findings]
