"""Durations as PostgreSQL writes them (``2s``, ``500ms``, ``1min``), as seconds."""

from __future__ import annotations

import re

_UNITS = {"ms": 0.001, "s": 1.0, "sec": 1.0, "min": 60.0, "m": 60.0, "h": 3600.0}
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|sec|min|m|h)?\s*$")


def parse_duration(value: object) -> float | None:
    """Seconds, or None when ``value`` is not a duration. A bare number means seconds."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value) if value >= 0 else None
    if not isinstance(value, str):
        return None
    m = _DURATION.match(value)
    if not m:
        return None
    return float(m[1]) * _UNITS[m[2] or "s"]


def to_pg_interval(seconds: float) -> str:
    """For ``SET lock_timeout``: whole milliseconds."""
    return f"{round(seconds * 1000)}ms"
