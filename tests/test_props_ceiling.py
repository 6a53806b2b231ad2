"""Property tests of the timeout ceiling's detection, checked against a real server.

- A duration phasetui reads is the value PostgreSQL reads; where PostgreSQL refuses it,
  phasetui reads nothing (and so treats it as lifting the ceiling).
- Whatever the detection lets through keeps the ceiling once PostgreSQL has run it: the
  safety property of the refusal, on generated SET / RESET / set_config / DO statements.
- The lint rule reports exactly what the refusal refuses: one detection.
"""

from __future__ import annotations

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from phasetui.sql.ceiling import DEFAULT_LIMITS, pg_duration_ms, timeout_overrides
from phasetui.sql.lint import lint_text
from phasetui.sql.statements import Source, split_source

pytestmark = pytest.mark.props

LIMITS = {"lock_timeout": DEFAULT_LIMITS.lock_timeout_ms, "statement_timeout": 60000}
_SETTINGS = (
    "SELECT name, setting::bigint FROM pg_settings "
    "WHERE name IN ('lock_timeout', 'statement_timeout')"
)


@pytest.fixture(scope="module")
def conn(pg_admin_dsn):
    with psycopg.connect(pg_admin_dsn, autocommit=True, application_name="props") as c:
        yield c


number = st.one_of(
    st.integers(min_value=0, max_value=10**7).map(str),
    st.floats(min_value=0, max_value=10**5, allow_nan=False).map(lambda f: f"{f:g}"),
    st.integers(min_value=0, max_value=4096).map(lambda n: f"0x{n:x}"),
    st.integers(min_value=0, max_value=512).map(lambda n: f"0{n:o}"),
    st.sampled_from(["-1", "+5", ".5", "5.", "1e3", "2E-1", "1e12", "inf", "", "abc"]),
)
unit = st.sampled_from(["", "", "us", "ms", "s", "min", "h", "d", "S", "MS", "m", "sec", "x"])
space = st.sampled_from(["", "", " ", "  "])
duration_text = st.builds(
    lambda a, n, b, u, c: f"{a}{n}{b}{u}{c}", space, number, space, unit, space
)


def _server_reads(conn, text: str) -> int | None:
    try:
        conn.execute("SELECT set_config('lock_timeout', %s, false)", (text,))
    except psycopg.Error:
        return None
    return dict(conn.execute(_SETTINGS).fetchall())["lock_timeout"]


@settings(max_examples=600, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=duration_text)
def test_a_duration_is_read_as_postgresql_reads_it_or_not_at_all(conn, text):
    ours = pg_duration_ms(text)
    theirs = _server_reads(conn, text)
    if theirs is None:
        assert ours is None, f"{text!r}: PostgreSQL refuses it, phasetui read {ours}"
    elif ours is not None:
        assert ours == theirs, f"{text!r}: PostgreSQL {theirs} ms, phasetui {ours} ms"


names = st.sampled_from(
    [
        "lock_timeout",
        "statement_timeout",
        "LOCK_TIMEOUT",
        '"Lock_Timeout"',
        "Statement_Timeout",
        "search_path",
        "work_mem",
        "idle_in_transaction_session_timeout",
    ]
)
sql_value = st.one_of(
    st.integers(min_value=0, max_value=200000).map(str),
    duration_text.filter(lambda t: "'" not in t).map(lambda t: f"'{t}'"),
    st.sampled_from(["DEFAULT", "0", "'0'", "1.5", "public"]),
)


@st.composite
def statement(draw) -> str:
    name = draw(names)
    plain = name.strip('"').lower()
    form = draw(st.sampled_from(["set", "set", "reset", "reset_all", "set_config", "discard"]))
    if form == "set":
        scope = draw(st.sampled_from(["", "LOCAL ", "SESSION "]))
        op = draw(st.sampled_from(["=", "TO"]))
        sql = f"SET {scope}{name} {op} {draw(sql_value)}"
    elif form == "reset":
        sql = f"RESET {name}"
    elif form == "reset_all":
        sql = "RESET ALL"
    elif form == "discard":
        sql = "DISCARD PLANS"
    else:
        value = draw(duration_text.filter(lambda t: "'" not in t))
        local = draw(st.sampled_from(["false", "true"]))
        sql = f"SELECT set_config('{plain}', '{value}', {local})"
    if draw(st.booleans()):  # the same inside a DO block
        body = sql.replace("SELECT ", "PERFORM ", 1) if sql.startswith("SELECT") else sql
        if draw(st.booleans()):
            quoted = body.replace("'", "''")
            body = f"EXECUTE '{quoted}'"
        sql = f"DO $$ BEGIN {body}; END $$"
    return sql


def _flagged(sql: str) -> bool:
    return any(
        timeout_overrides(s.node, DEFAULT_LIMITS, s.text) for s in split_source(Source("p", sql))
    )


@settings(max_examples=500, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sql=statement())
def test_what_the_detection_lets_through_keeps_the_ceiling_on_the_server(conn, sql):
    for _ in range(20):  # the last example's 1ms statement_timeout may cancel this too
        try:
            conn.execute(
                "SELECT set_config('lock_timeout', '2000ms', false), "
                "set_config('statement_timeout', '60000ms', false)"
            )
            break
        except psycopg.errors.QueryCanceled:
            continue
    if _flagged(sql):
        return  # refused: never runs
    try:
        conn.execute(sql)
    except psycopg.Error:
        return  # PostgreSQL refused it: nothing changed
    try:
        now = dict(conn.execute(_SETTINGS).fetchall())
    except psycopg.errors.QueryCanceled:
        # a stricter statement_timeout (say 1ms) the file may set cancelled this very read
        # on a loaded machine: the ceiling holds, and more tightly than asked
        return
    for name, limit in LIMITS.items():
        assert 0 < now[name] <= limit, f"{sql!r} left {name} = {now[name]} ms"


@settings(max_examples=400)
@given(sql=statement())
def test_the_lint_rule_reports_exactly_what_apply_refuses(sql):
    linted = any(f.rule == "timeout-override" for f in lint_text(sql + ";\n").errors)
    assert linted == _flagged(sql), sql
