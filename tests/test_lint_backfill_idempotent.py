"""backfill-not-idempotent: a batch that runs twice must find nothing left to do."""

from __future__ import annotations

import pytest

from phasetui.sql.lint import LintOptions, lint_text


def rules(sql: str, phase: str = "backfill") -> list[str]:
    return [f.rule for f in lint_text(sql, "m.sql", LintOptions(phase=phase)).findings]


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE users SET prefs = '{}' WHERE id >= $1 AND id < $2 AND prefs IS NULL;",
        "UPDATE users SET a = 1, prefs = '{}' WHERE id BETWEEN 1 AND 9 AND (prefs IS NULL);",
        # the filter on the target column may sit in the subquery that picks the batch
        "UPDATE users SET prefs = '{}' WHERE id IN "
        "(SELECT id FROM users WHERE prefs IS NULL ORDER BY id LIMIT 1000);",
        "UPDATE users SET v = 2 WHERE id >= 1 AND id < 9 AND v IS DISTINCT FROM 2;",
    ],
)
def test_filtered_batches_are_not_flagged(sql):
    assert "backfill-not-idempotent" not in rules(sql)


def test_an_unfiltered_batch_is_a_warning_in_the_backfill_phase_only():
    sql = "UPDATE users SET prefs = '{}' WHERE id >= $1 AND id < $2;"
    report = lint_text(sql, "m.sql", LintOptions(phase="backfill"))
    (finding,) = [f for f in report.findings if f.rule == "backfill-not-idempotent"]
    assert finding.severity == "warning" and "prefs" in finding.message
    assert "prefs IS NULL" in finding.rewrite[0].sql
    assert "backfill-not-idempotent" not in rules(sql, phase="any")
    assert "backfill-not-idempotent" not in rules(sql, phase="expand")


def test_a_table_created_in_the_same_migration_is_not_flagged():
    sql = (
        "CREATE TABLE t (id bigint PRIMARY KEY, v int);\n"
        "UPDATE t SET v = 1 WHERE id >= 1 AND id < 10;"
    )
    assert "backfill-not-idempotent" not in rules(sql)
