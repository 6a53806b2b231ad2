"""Property tests of the SQL splitter, the linter, input decoding and ``migrate --pretend``
parsing: arbitrary and SQL-ish text gives statements whose positions are inside the text
(or a BadInput naming ``file:line:col``), never a traceback, never a hang.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from phasetui.errors import BadInput
from phasetui.sql.lint import PHASES, LintOptions, decode_input, lint_text
from phasetui.sql.pretend import looks_like_pretend, parse_pretend
from phasetui.sql.statements import Source, split_source
from tests.props_support import migration_statements, migrations, pretend_outputs, sql_texts

pytestmark = pytest.mark.props

_WHERE = re.compile(r"^(?P<name>[^\n]*?):(?P<line>\d+):(?P<col>\d+): \S")


def assert_positioned(exc: BadInput, text: str, name: str) -> None:
    """A BadInput names ``name:line:col`` inside ``text`` and is exit code 2."""
    m = _WHERE.match(exc.message)
    assert m and m["name"] == name, exc.message
    lines = text.split("\n")
    line, col = int(m["line"]), int(m["col"])
    assert 1 <= line <= len(lines), (exc.message, len(lines))
    assert 1 <= col <= len(lines[line - 1]) + 1, (exc.message, lines[line - 1])
    assert exc.exit_code == 2


def split_or_position(text: str, name: str = "m.sql"):
    try:
        return split_source(Source(name, text))
    except BadInput as exc:
        assert_positioned(exc, text, name)
        return None


def assert_statements_placed(text: str, statements) -> None:
    """Each statement is where it says, in order, without overlap; lines count ``\\n`` only."""
    offset = 0
    for n, stmt in enumerate(statements, 1):
        assert stmt.index == n
        assert offset <= stmt.start < len(text)
        line = text.count("\n", 0, stmt.start) + 1
        assert (stmt.line, stmt.end_line >= stmt.line) == (line, True)
        if not looks_like_pretend(text):
            assert text[stmt.start : stmt.start + len(stmt.text)] == stmt.text
            col = stmt.start - text.rfind("\n", 0, stmt.start)
            bom = text.startswith("\ufeff") and line == 1
            assert stmt.column == col - bom
            assert stmt.text and stmt.text == stmt.text.strip() and not stmt.text.endswith(";")
            offset = stmt.start + len(stmt.text)


@settings(max_examples=1000)
@given(text=sql_texts)
def test_splitting_sql_ish_text_gives_placed_statements_or_a_position(text):
    statements = split_or_position(text)
    if statements is not None:
        assert_statements_placed(text, statements)


@settings(max_examples=1500)
@given(text=st.text(max_size=200))
def test_splitting_arbitrary_text_gives_placed_statements_or_a_position(text):
    statements = split_or_position(text)
    if statements is not None:
        assert_statements_placed(text, statements)


@settings(max_examples=200)
@given(first=st.one_of(migrations, sql_texts), second=st.one_of(migrations, sql_texts))
def test_two_inputs_joined_split_into_the_statements_of_each(first, second):
    a, b = split_or_position(first), split_or_position(second)
    assume(a is not None and b is not None)
    assume(not looks_like_pretend(first) and not looks_like_pretend(second))
    assume(not first.startswith("\ufeff") and not second.startswith("\ufeff"))
    joined = first + "\n;\n" + second
    assume(not looks_like_pretend(joined))
    both = split_or_position(joined)
    assert both is not None
    assert [s.kind for s in both] == [s.kind for s in a + b]
    shift = len(first) + 3
    assert [s.text for s in both] == [s.text for s in a + b]
    assert [s.start for s in both[len(a) :]] == [s.start + shift for s in b]


@settings(max_examples=200)
@given(text=migrations)
def test_statements_rejoined_split_the_same(text):
    statements = split_or_position(text)
    assume(statements)
    again = split_source(Source("m.sql", ";\n".join(s.text for s in statements)))
    assert [s.kind for s in again] == [s.kind for s in statements]
    assert [s.text for s in again] == [s.text for s in statements]


def lint_or_position(text: str, options: LintOptions | None = None):
    try:
        report = lint_text(text, "m.sql", options)
    except BadInput as exc:
        assert_positioned(exc, text, "m.sql")
        return None
    lines = text.split("\n")
    for f in report.findings:
        assert f.file == "m.sql" and 1 <= f.line <= len(lines), f
        assert 1 <= f.column <= len(lines[f.line - 1]) + 1, (f, lines[f.line - 1])
    report.to_markdown(), report.to_json()
    return report


@settings(max_examples=600)
@given(text=st.one_of(st.text(max_size=300), sql_texts))
def test_lint_of_arbitrary_text_never_raises_anything_but_a_positioned_bad_input(text):
    lint_or_position(text)


@settings(max_examples=300)
@given(
    text=migrations,
    phase=st.sampled_from(PHASES),
    pg=st.integers(9, 18),
    wrapped=st.booleans(),
)
def test_lint_of_generated_migrations_reports_findings_inside_the_text(text, phase, pg, wrapped):
    report = lint_or_position(text, LintOptions(phase=phase, pg_version=pg, wrapped=wrapped))
    assert report is not None  # every generated statement parses


@settings(max_examples=300)
@given(text=pretend_outputs())
def test_pretend_output_is_read_back_to_the_lines_it_came_from(text):
    assert looks_like_pretend(text)
    lines = text.split("\n")
    for q in parse_pretend(text):
        assert lines[q.line - 1][q.column - 1 :].startswith(q.sql.split("\n")[0].rstrip())
    try:
        statements = split_source(Source("p.txt", text))
    except BadInput as exc:
        assert_positioned(exc, text, "p.txt")
        return
    offsets = [0, *(m.end() for m in re.finditer("\n", text))]
    for stmt in statements:
        first_word = stmt.text.split()[0]
        assert lines[stmt.line - 1][stmt.column - 1 :].startswith(first_word), stmt
        assert text[stmt.start :].startswith(first_word)
        assert offsets[stmt.line - 1] + stmt.column - 1 == stmt.start
    assert lint_or_position(text) is not None


@settings(max_examples=250)
@given(
    text=pretend_outputs(),
    at=st.integers(0, 10**6),
    junk=st.sampled_from(["\u2028", "\u0085", "\x0c", "\x00", "\ufeff", "'", "$$", "?", "\r"]),
)
def test_damaged_pretend_output_is_linted_or_refused_with_a_position(text, at, junk):
    at %= len(text) + 1
    lint_or_position(text[:at] + junk + text[at:])


@settings(max_examples=600)
@given(
    raw=st.one_of(
        st.binary(max_size=60),
        st.lists(
            st.sampled_from([b"a", b"\n", b"\xff", b"\xc3", b"\xa9", "é".encode(), b"\x00"]),
            max_size=30,
        ).map(b"".join),
    )
)
def test_bytes_decode_or_name_the_line_and_column_of_the_bad_byte(raw):
    try:
        text = decode_input(raw, "<stdin>")
    except BadInput as exc:
        m = _WHERE.match(exc.message)
        assert m and m["name"] == "<stdin>" and "not UTF-8" in exc.message
        good = raw.decode("utf-8", "replace").split("\n")
        assert int(m["line"]) <= len(good)
        assert int(m["line"]) == raw[: _first_bad(raw)].count(b"\n") + 1
        return
    assert text == raw.decode("utf-8")


def _first_bad(raw: bytes) -> int:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return exc.start
    return len(raw)


@settings(max_examples=100)
@given(statement=migration_statements, noise=st.sampled_from(["\u2028", "\u0085", "\x0c"]))
def test_a_line_separator_before_a_statement_does_not_move_it(statement, noise):
    # (PostgreSQL's grammar takes U+2028 and U+0085 in comments and strings only)
    plain = lint_text(f"SELECT 1; -- a comment\n{statement};\n")
    noisy = lint_text(f"SELECT 1; -- a{noise}comment\n{statement};\n")
    assert [(f.rule, f.line) for f in noisy.findings] == [(f.rule, f.line) for f in plain.findings]
