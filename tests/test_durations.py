"""`parse_duration`, the one duration parser of phasetui (runbook check, sql and backfill
steps, CLI flags): every value it returns is a timeout PostgreSQL accepts as meant."""

from __future__ import annotations

import pytest

from phasetui.db.session import parse_duration, pg_ms
from phasetui.errors import BadInput

FORMS = "write a duration such as 2s, 500ms, 5min, 1h, or 0 for none"


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("2s", 2.0),
        ("500ms", 0.5),
        ("1.5min", 90.0),
        ("1h", 3600.0),
        ("0", 0.0),
        (0, 0.0),
        (2, 2.0),
        (0.25, 0.25),
        ("1ms", 0.001),
        ("596h", 2_145_600.0),
        (2_147_483, 2_147_483.0),
        (-0.0, 0.0),
    ],
)
def test_accepted_durations(value, seconds):
    assert parse_duration(value, what="lock_timeout") == seconds
    assert pg_ms(seconds)  # never raises: finite and bounded


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (float("inf"), "lock_timeout: inf is not a duration (it must be finite)"),
        (float("nan"), "lock_timeout: nan is not a duration (it must be finite)"),
        (
            1e300,
            "lock_timeout: 1e+300 is too long; the limit is 2147483s (about 24 days, "
            "PostgreSQL's maximum for a timeout)",
        ),
        (10**400, "lock_timeout: a number of more than 30 digits is too long"),
        ("9" * 5000 + "s", "lock_timeout: '999999999999999999999999999999999999..."),
        (-1, "lock_timeout: a duration cannot be negative (-1)"),
        ("-2s", "lock_timeout: a duration cannot be negative ('-2s')"),
        ("0.5ms", "lock_timeout: '0.5ms' is below 1ms, which PostgreSQL rounds to 0"),
        (0.0001, "lock_timeout: 0.0001 is below 1ms"),
        ("2", "lock_timeout: '2' has no unit"),
        ("soon", "lock_timeout: cannot read 'soon'"),
        ("٢s", "lock_timeout: cannot read '٢s'"),
        (True, "lock_timeout: expected a duration, not True"),
        ([], "lock_timeout: expected a duration, not []"),
    ],
)
def test_refused_durations_name_the_key_and_the_accepted_forms(value, message):
    with pytest.raises(BadInput) as info:
        parse_duration(value, what="lock_timeout")
    assert info.value.message.startswith(message)
    assert info.value.hint in (
        FORMS,
        "write at least 1ms, or 0 to mean no limit on purpose",
        "write 2s or 2ms",
    )
    assert info.value.exit_code == 2


def test_the_backfill_and_its_live_settings_use_the_same_limits():
    from phasetui.backfill.spec import BackfillSpec

    with pytest.raises(BadInput, match="lock_timeout: inf is not a duration"):
        BackfillSpec.from_mapping({"table": "t", "set": ["a = 1"], "lock_timeout": float("inf")})
    with pytest.raises(BadInput, match="pause_seconds: 1e\\+300 is too long"):
        BackfillSpec.from_mapping({"table": "t", "set": ["a = 1"], "pause_seconds": 1e300})
