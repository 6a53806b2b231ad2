"""BackfillSpec and the SQL-expression gate: no database needed."""

from __future__ import annotations

from datetime import datetime, time

import pytest

from phasetui.backfill.expressions import check_select, parse_assignments
from phasetui.backfill.spec import BackfillSpec, RunWindow, parse_duration
from phasetui.backfill.throttles import Throttles
from phasetui.errors import BadInput, UserError


def test_from_mapping_takes_the_runbook_table_verbatim():
    spec = BackfillSpec.from_mapping(
        {
            "kind": "backfill",
            "id": "fill-prefs",
            "table": "users",
            "key": ["tenant_id", "id"],
            "set": ["prefs = jsonb_build_object('theme', 'light')"],
            "where": "prefs IS NULL",
            "batch_size": 5000,
            "target_batch_seconds": "250ms",
            "pause_seconds": "0.1s",
            "workers": 2,
            "lock_timeout": "2s",
            "statement_timeout": "1min",
            "max_retries": 5,
            "max_replica_lag_seconds": 10,
            "throttle_query": "SELECT count(*) > 100 FROM jobs",
            "window": "22:00-06:00",
        }
    )
    assert spec.key == ("tenant_id", "id")
    assert spec.target_batch_seconds == 0.25
    assert spec.statement_timeout == 60
    assert spec.pause_seconds == pytest.approx(0.1)
    assert spec.extra == {"kind": "backfill", "id": "fill-prefs"}
    assert spec.default_name == "users.prefs"
    assert str(spec.run_window) == "22:00-06:00"


def test_a_single_string_set_and_a_comma_key_are_accepted():
    spec = BackfillSpec.from_mapping({"table": "t", "set": "a = 1", "key": "x, y"})
    assert spec.set == ("a = 1",) and spec.key == ("x", "y")


@pytest.mark.parametrize(
    "bad",
    [
        {"set": ["a = 1"]},  # no table
        {"table": "t"},  # nothing to set
        {"table": "t", "set": ["a = 1"], "batch_size": 0},
        {"table": "t", "set": ["a = 1"], "lock_timeout": "soon"},
        {"table": "t", "set": ["a = 1"], "window": "22-06"},
        {"table": "t", "set": ["a = 1"], "workers": "many"},
    ],
)
def test_bad_specs_are_refused(bad):
    with pytest.raises(UserError):
        BackfillSpec.from_mapping(bad)


def test_durations():
    assert parse_duration("2s", "x") == 2
    assert parse_duration("500ms", "x") == 0.5
    assert parse_duration("1.5min", "x") == 90
    assert parse_duration(3, "x") == 3
    assert parse_duration(None, "x") is None
    with pytest.raises(BadInput):
        parse_duration("-1s", "x")


@pytest.mark.parametrize(
    "assignments, where",
    [
        (["a = 1; DROP TABLE users"], None),
        (["a = 1"], "true; DROP TABLE users"),
        (["a = 1"], "b IS NULL) OR (true"),
        (["a = (WITH d AS (DELETE FROM users RETURNING 1) SELECT 1)"], None),
        (["a = 1 RETURNING *"], None),
        (["a = 1 FROM other"], None),
        (["a[1] = 2"], None),
        (["a = 1", "a = 2"], None),
        (["a = 1 WHERE false"], None),
        (["a = 1 -- comment"], "b IS NULL"),
    ],
)
def test_smuggled_statements_are_refused(assignments, where):
    with pytest.raises(BadInput):
        parse_assignments(assignments, where)


def test_expressions_are_reprinted_from_the_parse_tree():
    parsed = parse_assignments(
        ["prefs = jsonb_build_object('theme','light',  'created', created_at)", "n=n+1"],
        "prefs   is null and email like 'a%'",
    )
    assert [a.column for a in parsed.assignments] == ["prefs", "n"]
    assert parsed.assignments[0].expression == (
        "jsonb_build_object('theme', 'light', 'created', created_at)"
    )
    assert parsed.where == "prefs IS NULL AND email LIKE 'a%'"


def test_throttle_and_progress_queries_must_be_one_plain_select():
    assert check_select("select count(*) > 0 from q", "t") == "SELECT count(*) > 0 FROM q"
    for bad in (
        "DELETE FROM q",
        "SELECT 1; SELECT 2",
        "SELECT * FROM q FOR UPDATE",
        "SELECT 1 INTO x",
    ):
        with pytest.raises(BadInput):
            check_select(bad, "t")


def test_run_window_wraps_midnight():
    w = RunWindow.parse("22:00-06:00")
    assert w.contains(time(23, 30)) and w.contains(time(5, 59))
    assert not w.contains(time(6, 0)) and not w.contains(time(12, 0))
    day = RunWindow.parse("09:00-17:30")
    assert day.contains(time(17, 29)) and not day.contains(time(17, 30))


def test_window_throttle_needs_no_database():
    t = Throttles(window=RunWindow.parse("22:00-06:00"), clock=lambda: datetime(2026, 1, 1, 12))
    assert t.reason(None) == "outside the run window 22:00-06:00"  # type: ignore[arg-type]
    night = Throttles(window=RunWindow.parse("22:00-06:00"), clock=lambda: datetime(2026, 1, 1, 23))
    assert night.reason(None) is None  # type: ignore[arg-type]
