"""Lint input: artisan --pretend output, positions, suppressions, parse errors, context."""

from __future__ import annotations

import pytest

from phasetui.errors import BadInput
from phasetui.sql.lint import LintOptions, lint_sources, lint_text
from phasetui.sql.pretend import looks_like_pretend, parse_pretend
from phasetui.sql.statements import Source

PRETEND_NEW = """
   INFO  Running migrations.

  2026_01_10_120000_add_tenant_to_users ..........................................
  ⇂ alter table "users" add column "tenant_id" bigint null
  ⇂ create index "users_tenant_id_index" on "users" ("tenant_id")
  2026_01_11_090000_create_flights_table .........................................
  ⇂ create table "flights" ("id" bigserial not null primary key, "name" varchar(255) not null)
  ⇂ alter table "flights" add constraint "flights_name_unique" unique ("name")
  ⇂ insert into "flights" ("name") values (?)
"""

PRETEND_OLD = """CreateFlightsTable: create table "flights" ("id" bigserial not null primary key)
CreateFlightsTable: alter table "flights" add foreign key ("id") references "x" ("id")
AddVotesToUsers: alter table "users" add column "votes" integer not null
"""


def test_pretend_new_format_is_detected_and_split():
    assert looks_like_pretend(PRETEND_NEW)
    queries = parse_pretend(PRETEND_NEW)
    assert [q.migration for q in queries] == [
        "2026_01_10_120000_add_tenant_to_users",
        "2026_01_10_120000_add_tenant_to_users",
        "2026_01_11_090000_create_flights_table",
        "2026_01_11_090000_create_flights_table",
        "2026_01_11_090000_create_flights_table",
    ]
    assert queries[1].line == 6 and queries[1].column == 5
    assert queries[1].sql.startswith('create index "users_tenant_id_index"')


def test_pretend_findings_name_the_laravel_migration_and_point_into_the_output():
    report = lint_text(PRETEND_NEW, "pretend.txt")
    errors = [f for f in report.findings if f.severity == "error"]
    assert [(f.rule, f.migration, f.line, f.column) for f in errors] == [
        ("create-index-not-concurrent", "2026_01_10_120000_add_tenant_to_users", 6, 5)
    ]
    # the flights table is created by an earlier migration of the same run: new, no findings
    assert not [f for f in report.findings if f.relation == "flights"]
    assert report.statements == 5


def test_pretend_old_format():
    assert looks_like_pretend(PRETEND_OLD)
    report = lint_text(PRETEND_OLD, "old.txt")
    errors = {(f.rule, f.migration) for f in report.errors}
    assert errors == {("add-column-not-null-no-default", "AddVotesToUsers")}
    assert report.errors[0].line == 3 and report.errors[0].column == 18


def test_plain_sql_is_not_taken_for_pretend_output():
    sql = "-- migration: add users\nALTER TABLE users ADD COLUMN a int;\n"
    assert not looks_like_pretend(sql)
    assert not looks_like_pretend("CREATE TABLE t (a int);")


def test_laravel_migration_is_one_transaction_unless_it_uses_concurrently():
    text = (
        "  2026_01_01_000000_backfill ....\n"
        '  ⇂ alter table "users" add column "x" int\n'
        '  ⇂ update "users" set "x" = 1 where "id" = 5\n'
        "  2026_01_02_000000_index ....\n"
        '  ⇂ create index concurrently "i" on "users" ("x")\n'
    )
    report = lint_text(text, "p.txt")
    assert {f.rule for f in report.errors} == {"dml-after-lock"}


def test_positions_point_at_the_statement_not_the_comment_before_it():
    sql = "-- héllo\n\nSELECT 1;\n  /* note */ CREATE INDEX i ON users (a);\n"
    report = lint_text(sql, "m.sql")
    (error,) = report.errors
    assert (error.file, error.line, error.column) == ("m.sql", 4, 14)
    assert error.statement == "CREATE INDEX i ON users (a)"


@pytest.mark.parametrize(
    ("sql", "where"),
    [
        ("ALTER TABLE users ADD COLUMN;", "m.sql:1:29"),
        ("SELECT 1;\n\nCREATE INDEX ON;\n", "m.sql:3:16"),
        ("SELECT 'é';\nALTER TABLE t ADD COLUMN c int NOT;\n", "m.sql:2:35"),
    ],
)
def test_unparseable_input_is_bad_input_with_file_line_col(sql, where):
    with pytest.raises(BadInput) as info:
        lint_text(sql, "m.sql")
    assert info.value.exit_code == 2
    assert info.value.message.startswith(where + ": syntax error")


def test_unparseable_pretend_query_points_into_the_output():
    text = '  2026_01_01_000000_x ....\n  ⇂ alter table "users" add column\n'
    with pytest.raises(BadInput) as info:
        lint_text(text, "p.txt")
    assert info.value.message.startswith("p.txt:2:")


def test_suppression_keeps_the_reason_and_stops_the_error():
    sql = (
        "-- phasetui: allow create-index-not-concurrent table has 40 rows, checked 2026-01-05\n"
        "CREATE INDEX i ON countries (code);\n"
        "CREATE INDEX j ON users (email);\n"
    )
    report = lint_text(sql, "m.sql")
    suppressed = [f for f in report.findings if f.suppressed]
    assert len(suppressed) == 1 and suppressed[0].relation == "countries"
    assert suppressed[0].suppressed == "table has 40 rows, checked 2026-01-05"
    assert [f.relation for f in report.errors] == ["users"]
    assert "allowed because: table has 40 rows" in report.to_markdown()


def test_trailing_suppression_applies_to_its_own_statement():
    sql = (
        "ALTER TABLE users DROP COLUMN legacy; -- phasetui: allow drop-column unused since v3\n"
        "ALTER TABLE users DROP COLUMN other;\n"
    )
    report = lint_text(sql, "m.sql")
    assert [f.line for f in report.errors] == [2]
    assert report.suppressed[0].line == 1


def test_suppression_of_another_rule_does_not_hide_the_error():
    sql = "-- phasetui: allow drop-column reason\nCREATE INDEX i ON users (email);\n"
    assert len(lint_text(sql).errors) == 1


def test_context_spans_files_of_one_run():
    first = Source("001.sql", "CREATE TABLE widgets (id bigint, name text);\n")
    second = Source("002.sql", "CREATE INDEX ON widgets (name);\nCREATE INDEX ON users (a);\n")
    report = lint_sources([first, second])
    assert [(f.file, f.relation) for f in report.errors] == [("002.sql", "users")]


def test_later_statement_makes_an_earlier_pattern_unsafe():
    safe = "BEGIN;\nALTER TYPE s ADD VALUE 'x';\nCOMMIT;\nUPDATE t SET s = 'x' WHERE id = 1;\n"
    unsafe = "BEGIN;\nALTER TYPE s ADD VALUE 'x';\nUPDATE t SET s = 'x' WHERE id = 1;\nCOMMIT;\n"
    assert not lint_text(safe).errors
    assert [f.line for f in lint_text(unsafe).errors] == [2]


@pytest.mark.parametrize(
    ("version", "rules"),
    [
        (10, {"add-column-default-before-pg11"}),
        (11, set()),
        (15, set()),
    ],
)
def test_version_changes_the_verdict(version, rules):
    report = lint_text(
        "ALTER TABLE users ADD COLUMN n int DEFAULT 0;", options=LintOptions(pg_version=version)
    )
    assert {f.rule for f in report.errors} == rules
    assert report.pg_version == version


def test_set_not_null_rewrite_follows_the_version():
    sql = "ALTER TABLE users ALTER COLUMN email SET NOT NULL;"
    pg15 = lint_text(sql, options=LintOptions(pg_version=15)).errors[0]
    pg18 = lint_text(sql, options=LintOptions(pg_version=18)).errors[0]
    assert "CHECK (email IS NOT NULL) NOT VALID" in pg15.rewrite[0].sql
    assert pg18.rewrite[0].sql.endswith("NOT NULL email NOT VALID;")
    assert "assuming `users` is large and `email` is nullable" in pg15.assumptions[0]


def test_disabled_rules_from_config():
    opts = LintOptions.from_config(
        {"disabled_rules": ["create-index-not-concurrent"], "pg_version": 12}
    )
    report = lint_text("CREATE INDEX i ON users (a);", options=opts)
    assert not report.errors and report.pg_version == 12
    with pytest.raises(BadInput):
        LintOptions.from_config({"disabled_rules": ["no-such-rule"]})


def test_rewrites_print_valid_sql():
    from pglast import parse_sql

    sql = (
        "ALTER TABLE orders ADD CONSTRAINT fk FOREIGN KEY (user_id) REFERENCES users (id);\n"
        "CREATE INDEX i ON public.orders USING btree (lower(note)) WHERE note IS NOT NULL;\n"
        "ALTER TABLE users ADD COLUMN token uuid NOT NULL DEFAULT gen_random_uuid();\n"
        "ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE (email);\n"
        "REINDEX TABLE users;\n"
    )
    for finding in lint_text(sql).errors:
        for step in finding.rewrite:
            if not step.sql.startswith("--") and ":lo" not in step.sql and "…" not in step.sql:
                parse_sql(step.sql)  # raises if the rewrite is not valid SQL


# -- input that is not plain, clean text: a position, never a traceback or a shift ----------


def _stdin(data: bytes):
    from click.testing import CliRunner

    from phasetui.cli import main

    return CliRunner().invoke(main, ["lint", "-"], input=data)


def test_a_non_utf8_byte_on_stdin_is_bad_input_at_its_line_and_column():
    data = '  2026_01_10_120000_add ....\n  ⇂ alter table "users" add column "x'.encode()
    result = _stdin(data + b'\xff" bigint null\n')
    assert result.exit_code == 2, result.output
    assert "<stdin>:2:38: not UTF-8 (byte 0xff)" in result.output
    assert "Traceback" not in result.output and result.exception.__class__ is SystemExit


def test_a_non_utf8_file_is_bad_input_at_its_line_and_column(tmp_path):
    from phasetui.sql.lint import lint_paths

    path = tmp_path / "m.sql"
    path.write_bytes("SELECT 'é';\nSELECT 'caf".encode() + b"\xe9';\n")
    with pytest.raises(BadInput) as info:
        lint_paths([str(path)])
    assert info.value.message == f"{path}:2:12: not UTF-8 (byte 0xe9)"


@pytest.mark.parametrize("char", ["\u2028", "\u2029", "\u0085", "\x0c", "\x0b", "\x1e"])
def test_unicode_line_separators_do_not_shift_pretend_line_numbers(char):
    text = (
        "  2026_01_10_120000_add ....\n"
        f'  ⇂ alter table "users" add column "x{char}y" bigint null\n'
        '  ⇂ create index "i" on "users" ("x")\n'
    )
    result = _stdin(text.encode())
    assert result.exit_code == 1, result.output
    # line 3, as git, grep -n, PostgreSQL and an editor count lines (only \n ends one)
    assert "<stdin>:3:5 [2026_01_10_120000_add]: error [create-index-not-concurrent]" in (
        result.output
    )


@pytest.mark.parametrize("char", ["\u2028", "\u0085"])
def test_unicode_line_separators_do_not_shift_plain_sql_line_numbers(char):
    report = lint_text(f"-- a comment{char}still the comment\nCREATE INDEX i ON users (a);\n")
    assert [(f.line, f.column) for f in report.errors] == [(2, 1)]


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("SELECT 1;\x00 CREATE INDEX i ON users (a);\n", "<stdin>:1:10"),
        ("SELECT 1;\nCREATE INDEX i ON users (a)\x00;\n", "<stdin>:2:28"),
        (
            '  2026_01_01_000000_x ....\n  ⇂ alter table "u" add column "a\x00" int\n',
            "<stdin>:2:34",
        ),
    ],
)
def test_a_nul_character_is_bad_input_not_the_end_of_the_file(text, where):
    # PostgreSQL's parser stops at a NUL: the CREATE INDEX after it went unread and unlinted
    with pytest.raises(BadInput) as info:
        lint_text(text)
    assert info.value.message.startswith(f"{where}: a NUL character")


def test_a_lone_surrogate_is_bad_input():
    with pytest.raises(BadInput, match=r"^<stdin>:2:9: not valid Unicode \(a lone surrogate"):
        lint_text("SELECT 1;\nSELECT '\udcff';\n")


def test_a_byte_order_mark_is_not_a_column():
    report = lint_text("\ufeffCREATE INDEX i ON users (a);\n")
    assert [(f.line, f.column) for f in report.errors] == [(1, 1)]
    assert report.errors[0].statement == "CREATE INDEX i ON users (a)"
    with pytest.raises(BadInput, match=r"^<stdin>:1:16: syntax error"):
        lint_text("\ufeffCREATE INDEX ON;\n")


def test_crlf_line_ends_keep_positions():
    report = lint_text("SELECT 1;\r\n\r\n  CREATE INDEX i ON users (a);\r\n")
    assert [(f.line, f.column) for f in report.errors] == [(3, 3)]


@pytest.mark.parametrize("run", ["/*" * 50_000, "+-" * 50_000], ids=["nested-comments", "ops"])
def test_a_long_operator_run_is_refused_not_scanned_for_a_minute(run):
    with pytest.raises(BadInput, match=r"^<stdin>:2:8: a run of 100000 operator characters"):
        lint_text("SELECT 1;\nSELECT " + run + "\n")


def test_a_parse_error_quoting_the_input_stays_one_line_without_escape_sequences():
    with pytest.raises(BadInput) as info:
        lint_text("SELECT 1;\nSELECT 'abc\ndef")
    assert info.value.message == (
        '<stdin>:2:8: unterminated quoted string at or near "\'abc\\u000adef"'
    )
    with pytest.raises(BadInput) as info:
        lint_text("SELECT \x1b[2J;")
    assert info.value.message == '<stdin>:1:8: syntax error at or near "\\u001b"'


def test_laravel8_lines_with_any_postgresql_command_are_queries():
    text = "Backfill: update users set a = 1\nBackfill: rollback\nBackfill: savepoint s\n"
    assert looks_like_pretend("Backfill: rollback\n")
    queries = parse_pretend(text)
    assert [(q.sql, q.line) for q in queries] == [
        ("update users set a = 1", 1),
        ("rollback", 2),
        ("savepoint s", 3),
    ]
