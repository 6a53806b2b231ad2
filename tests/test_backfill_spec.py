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


@pytest.mark.parametrize(
    "assignments, where, query",
    [(["a = $1"], None, None), (["a = 1"], "id > $2", None), (["a = 1"], None, "SELECT $1")],
)
def test_parameter_references_are_refused(assignments, where, query):
    """The engine binds its own parameters ($1 … in its function, %(lo)s … in its
    statements): a `$1` in the user's SQL would silently read one of them."""
    with pytest.raises(BadInput, match="parameter"):
        if query:
            check_select(query, "throttle_query")
        else:
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
    assert t.reason(None) == "outside the run window 22:00-06:00 (until 22:00)"  # type: ignore[arg-type]
    night = Throttles(window=RunWindow.parse("22:00-06:00"), clock=lambda: datetime(2026, 1, 1, 23))
    assert night.reason(None) is None  # type: ignore[arg-type]


def test_window_in_a_named_zone_follows_that_zone_and_its_dst():
    """A jump host on UTC, a window in Berlin's time: 22:00 Berlin is 21:00 UTC in winter
    and 20:00 UTC in summer."""
    from datetime import UTC

    w = RunWindow.parse("22:00-06:00 Europe/Berlin")
    assert str(w) == "22:00-06:00 Europe/Berlin"
    winter = Throttles(window=w, clock=lambda: datetime(2026, 1, 15, 21, 30, tzinfo=UTC))
    assert winter.reason(None) is None  # type: ignore[arg-type]  # 22:30 in Berlin
    summer = Throttles(window=w, clock=lambda: datetime(2026, 7, 15, 20, 30, tzinfo=UTC))
    assert summer.reason(None) is None  # type: ignore[arg-type]  # 22:30 CEST
    noon = Throttles(window=w, clock=lambda: datetime(2026, 7, 15, 10, 0, tzinfo=UTC))
    assert noon.reason(None) == "outside the run window 22:00-06:00 Europe/Berlin (until 22:00)"  # type: ignore[arg-type]
    assert RunWindow.parse("01:00-02:00 UTC").local_time(
        datetime(2026, 3, 1, 1, 30, tzinfo=UTC)
    ) == time(1, 30)


@pytest.mark.parametrize("text", ["22:00-06:00 Mars/Olympus", "22:00-06:00 Europe/Berlin x"])
def test_window_with_an_unknown_zone_is_refused(text):
    with pytest.raises(BadInput, match="window"):
        BackfillSpec.from_mapping({"table": "t", "set": ["a = 1"], "window": text})


def _sizing_worker(target: float | None, base: int = 10_000):
    import threading

    from phasetui.backfill.worker import LiveSettings, RunContext, Worker

    ctx = RunContext(
        dsn="",
        name="t.c",
        key=None,  # type: ignore[arg-type]
        stmts=None,  # type: ignore[arg-type]
        session=None,  # type: ignore[arg-type]
        max_retries=1,
        make_throttles=lambda: None,  # type: ignore[arg-type, return-value]
        stop=threading.Event(),
    )
    w = Worker(ctx, 0)
    w.live = LiveSettings(target_batch_seconds=target)
    w.base_size = w.size = base
    return w


def test_default_target_batch_time_is_50ms():
    assert BackfillSpec.from_mapping({"table": "t", "set": ["a = 1"]}).target_batch_seconds == 0.05


def test_batch_size_grows_gently_and_shrinks_fast():
    w = _sizing_worker(0.05)
    w._adapt(0.005, 10_000)  # 10x faster than the target: grows by a quarter, not x2 or x10
    assert w.size == 12_500
    w._adapt(1.0, 12_500)  # far too slow: halves at most
    assert w.size == 6_250
    w._adapt(0.05, 6_250)  # on target: stays
    assert w.size == 6_250
    for _ in range(50):  # never past 10x the configured size
        w._adapt(0.0001, w.size)
    assert w.size == 100_000


def test_a_batch_cut_short_at_its_chunk_end_does_not_grow_the_next():
    w = _sizing_worker(0.05)
    # 2,000 keys (the end of a chunk) in 10 ms: 200k keys/s, i.e. 10,000 keys per 50 ms.
    w._adapt(0.010, 2_000)
    assert w.size == 10_000
    w._adapt(0.001, None)  # the last batch of a chunk of a text key: size unknown, no change
    assert w.size == 10_000


def test_fixed_size_regrows_to_the_configured_size_after_a_lock_timeout_shrink():
    w = _sizing_worker(0)
    w.size = 1_000
    w._adapt(0.5, 1_000)
    assert w.size == 2_000
    for _ in range(10):
        w._adapt(0.5, w.size)
    assert w.size == 10_000
