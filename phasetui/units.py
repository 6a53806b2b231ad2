"""Sizes and durations for people: ``41.2 MB``, ``1h 02m 05s``.

Pure and dependency-free, so the offline review and the report (which must import no
database code) format figures exactly as the live screens do.
"""

from __future__ import annotations

import math

__all__ = ["human_bytes", "human_duration", "human_rate"]


def human_bytes(n: float | None) -> str:
    """Decimal units (1 kB = 1000 B), as ``df -H`` and pg_size_pretty's readers expect;
    ``?`` when unknown."""
    if n is None or isinstance(n, bool) or not _finite(n):
        return "?"
    sign = "-" if n < 0 else ""
    n = abs(float(n))
    for unit in ("B", "kB", "MB", "GB", "TB", "PB"):
        if n < 1000 or unit == "PB":
            return f"{sign}{n:,.0f} {unit}" if unit == "B" else f"{sign}{n:,.1f} {unit}"
        n /= 1000
    return f"{sign}{n:,.1f} PB"  # pragma: no cover - the loop always returns


def human_duration(seconds: float | None) -> str:
    """``250 ms``, ``12.3s``, ``4m 05s``, ``1h 02m 05s``, ``2d 03h 00m``; ``?`` when unknown."""
    if seconds is None or isinstance(seconds, bool) or not _finite(seconds):
        return "?"
    s = float(seconds)
    if s < 0:
        return "-" + human_duration(-s)
    if s < 1:
        return f"{s * 1000:.0f} ms"
    if s < 60:
        return f"{s:.1f}s"
    whole = round(s)
    days, rest = divmod(whole, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days}d {hours:02d}h {minutes:02d}m"
    if hours:
        return f"{hours}h {minutes:02d}m {secs:02d}s"
    return f"{minutes}m {secs:02d}s"


def human_rate(count: float | None, seconds: float | None, unit: str = "rows") -> str:
    """``12,345 rows/s``; ``?`` when either figure is unknown or no time passed."""
    if count is None or seconds is None or not _finite(count) or not _finite(seconds):
        return "?"
    if seconds <= 0:
        return "?"
    return f"{count / seconds:,.0f} {unit}/s"


def _finite(x: object) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(x)
