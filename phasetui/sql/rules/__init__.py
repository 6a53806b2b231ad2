"""The rule table: one small function per rule, each taking a statement and the context.

``RULES`` lists every rule with the statement kinds it looks at; the linter runs, for each
statement, only the rules registered for its kind (``*`` for every kind). Phase rules run
last so they can see what the lock rules already reported on the same statement.
"""

from __future__ import annotations

from phasetui.sql.rules.base import Rule


def _all_rules() -> list[Rule]:
    from phasetui.sql.rules import (
        columns,
        constraints,
        indexes,
        phases,
        tables,
        timeouts,
        transactions,
    )

    out: list[Rule] = []
    for module in (indexes, constraints, columns, tables, transactions, timeouts, phases):
        out.extend(module.RULES)
    return out


RULES: list[Rule] = _all_rules()
RULES_BY_ID: dict[str, Rule] = {rule.id: rule for rule in RULES}


def rules_for(kind: str) -> list[Rule]:
    return [rule for rule in RULES if kind in rule.kinds or "*" in rule.kinds]
