"""Durations as runbooks and flags write them (``2s``, ``500ms``, ``5min``): one reader.

Neutral ground: the runbook loader, the database layer and the backfill all read durations,
and the runbook (like the audit trail) must not depend on the database layer.
"""

from __future__ import annotations

import re

from phasetui.errors import BadInput

_DURATION = re.compile(r"^\s*(?P<num>\d+(?:\.\d+)?)\s*(?P<unit>ms|s|sec|min|m|h)?\s*$", re.I)
_UNIT_SECONDS = {"ms": 0.001, "s": 1.0, "sec": 1.0, "min": 60.0, "m": 60.0, "h": 3600.0}
_MAX_DURATION_S = 2_147_483.647  # INT_MAX milliseconds: PostgreSQL's largest timeout


def parse_duration(text: str | float | int, *, what: str = "duration") -> float:
    """``"2s"``, ``"500ms"``, ``"5min"``, ``"1h"``, ``0`` or a number of seconds → seconds.

    A bare number *string* other than ``"0"`` is refused: PostgreSQL reads it as
    milliseconds, people read it as seconds, and a lock timeout off by a factor of 1000 is
    the kind of mistake this tool exists to prevent (a TOML number is seconds, as the
    runbook docs say). Every duration ends as a PostgreSQL setting or a wait, so the value
    must be finite, not negative, at most PostgreSQL's limit for a timeout (INT_MAX ms,
    about 24.8 days), and not a positive value below 1 ms, which PostgreSQL would round to
    0 — "no timeout at all". Each refusal is a ``BadInput`` naming ``what`` (the key).
    """
    forms = "write a duration such as 2s, 500ms, 5min, 1h, or 0 for none"
    if isinstance(text, bool) or not isinstance(text, str | int | float):
        raise BadInput(f"{what}: expected a duration, not {_shown(text)}", forms)
    if isinstance(text, int):
        if text < 0:
            raise BadInput(f"{what}: a duration cannot be negative ({_shown(text)})", forms)
        seconds = float(text) if text <= _MAX_DURATION_S else float("inf")
    elif isinstance(text, float):
        if text != text or text in (float("inf"), float("-inf")):
            raise BadInput(f"{what}: {text!r} is not a duration (it must be finite)", forms)
        if text < 0:
            raise BadInput(f"{what}: a duration cannot be negative ({text!r})", forms)
        seconds = text
    else:
        m = _DURATION.match(text)
        if not m or not m["num"].isascii():
            if text.strip().startswith("-") and _DURATION.match(text.strip()[1:]):
                raise BadInput(f"{what}: a duration cannot be negative ({_shown(text)})", forms)
            raise BadInput(f"{what}: cannot read {_shown(text)}", forms)
        num = float(m["num"])
        unit = (m["unit"] or "").lower()
        if not unit:
            if num != 0:
                n = text.strip() if len(text.strip()) <= 20 else "N"
                raise BadInput(f"{what}: {_shown(text)} has no unit", f"write {n}s or {n}ms")
            return 0.0
        seconds = num * _UNIT_SECONDS[unit]
    if seconds > _MAX_DURATION_S:
        raise BadInput(
            f"{what}: {_shown(text)} is too long; the limit is {int(_MAX_DURATION_S)}s "
            "(about 24 days, PostgreSQL's maximum for a timeout)",
            forms,
        )
    if 0 < seconds < 0.001:
        raise BadInput(
            f"{what}: {_shown(text)} is below 1ms, which PostgreSQL rounds to 0 (no limit at all)",
            "write at least 1ms, or 0 to mean no limit on purpose",
        )
    return float(seconds) or 0.0  # never -0.0


def _shown(value: object) -> str:
    """``repr`` of what the user wrote, short, and safe for ints too long to print."""
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > 10**30:
        return "a number of more than 30 digits"
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
