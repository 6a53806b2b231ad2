"""Every finding names its statement's number in its file (``Finding.statement_index``): the
"#n" that rehearsal and apply reports show, in every output format."""

from __future__ import annotations

import json

from phasetui.db.apply import apply_sql
from phasetui.db.rehearse import rehearse_sql
from phasetui.sql.formats import render
from phasetui.sql.lint import LintOptions, lint_sources, lint_text
from phasetui.sql.statements import Source, split_source
from tests.test_lint_input import PRETEND_NEW

SQL = """-- 0042: a status for users
SET lock_timeout = '2s';

BEGIN;
/* the column first */ ALTER TABLE users ADD COLUMN status text;
DO $body$
BEGIN
  UPDATE users SET status = 'active';
END
$body$;
CREATE INDEX users_email_idx ON users (email);
COMMIT;

CREATE INDEX CONCURRENTLY users_status_idx ON users (status);
    ALTER TABLE users ALTER COLUMN status SET NOT NULL;
"""


def _numbers(text: str, name: str) -> dict[tuple[int, int], int]:
    """(line, column) -> the statement's number, as the one splitter gives it."""
    return {(s.line, s.column): s.index for s in split_source(Source(name, text))}


def test_every_finding_carries_its_statements_number():
    report = lint_text(SQL, "m.sql")
    numbers = _numbers(SQL, "m.sql")
    assert report.findings
    for f in report.findings:
        assert f.statement_index == numbers[(f.line, f.column)], f
    by_rule = {f.rule: f.statement_index for f in report.errors}
    assert by_rule == {
        "dml-after-lock": 4,  # the UPDATE inside the DO block: the DO statement's number
        "create-index-not-concurrent": 5,
        "set-not-null": 8,
    }


def test_numbers_restart_in_each_file():
    first = Source("001.sql", "SELECT 1;\nCREATE INDEX a_idx ON users (a);\n")
    second = Source("002.sql", "CREATE INDEX b_idx ON users (b);\n")
    report = lint_sources([first, second])
    assert [(f.file, f.statement_index) for f in report.errors] == [("001.sql", 2), ("002.sql", 1)]


def test_pretend_output_is_numbered_like_the_rehearsal_numbers_it():
    report = lint_text(PRETEND_NEW, "pretend.txt")
    numbers = _numbers(PRETEND_NEW, "pretend.txt")
    (error,) = report.errors
    assert error.statement_index == numbers[(error.line, error.column)] == 2


def test_wrapped_findings_are_numbered_too():
    report = lint_text(SQL, "m.sql", LintOptions(wrapped=True))
    numbers = _numbers(SQL, "m.sql")
    assert all(f.statement_index == numbers[(f.line, f.column)] for f in report.findings)


def test_every_format_shows_the_number():
    report = lint_text("SELECT 1;\nCREATE INDEX i ON users (email);\n", "m.sql")
    (finding,) = report.errors
    assert finding.statement_index == 2

    data = json.loads(render(report, "json"))
    assert data[0]["statement_index"] == 2
    assert list(data[0])[:6] == ["rule", "severity", "file", "line", "column", "statement_index"]

    text = render(report, "text")
    assert "m.sql:2:1: error [create-index-not-concurrent]" in text
    assert "    statement #2: CREATE INDEX i ON users (email)" in text

    assert "## error: `create-index-not-concurrent` at m.sql:2:1, statement #2" in (
        report.to_markdown()
    )

    sarif = json.loads(render(report, "sarif"))
    (result,) = sarif["runs"][0]["results"]
    assert result["properties"]["statementIndex"] == 2
    assert result["locations"][0]["physicalLocation"]["region"] == {
        "startLine": 2,
        "startColumn": 1,
    }


def test_the_number_is_the_rehearsals_number(db_dsn):
    setup = (
        "CREATE TABLE users (id bigint PRIMARY KEY, email text);"
        "INSERT INTO users SELECT g, 'u' || g FROM generate_series(1, 50) g;"
    )
    assert apply_sql(db_dsn, setup).ok
    result = rehearse_sql(db_dsn, SQL, source="m.sql")
    rehearsed = {s.index: (s.line, s.column) for s in result.statements}
    findings = lint_text(SQL, "m.sql").findings
    assert findings
    for f in findings:
        assert rehearsed[f.statement_index] == (f.line, f.column), f
