"""A backfill replayed: its recorded samples as chart series, with throttled and paused spans.

A job writes ``jobs/<step>.samples.jsonl`` into the run when it ends: one JSON object per
line with ``time`` (ISO 8601 or epoch seconds), ``rows`` (done so far), ``rate`` (rows/s),
``batch_size``, ``throttled`` (bool) and ``reason``, ``retries``, ``state`` (``running``,
``paused``, …) and optionally ``wal_rate`` (bytes/s). The review draws what the live pane
showed from them: rate and progress over time, throttled and paused spans marked.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from phasetui.review.times import Stamp

PAUSED_STATES = frozenset({"paused", "pausing", "stopped"})
BARS = " ▁▂▃▄▅▆▇█"


@dataclass
class Sample:
    t: float  # seconds since the first sample
    time: Stamp
    rows: float | None
    rate: float | None
    batch_size: float | None
    throttled: bool
    reason: str
    retries: float | None
    state: str
    wal_rate: float | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "t": round(self.t, 3),
            "time": self.time.to_json(),
            "rows": self.rows,
            "rate": self.rate,
            "batch_size": self.batch_size,
            "throttled": self.throttled,
            "reason": self.reason,
            "retries": self.retries,
            "state": self.state,
            "wal_rate": self.wal_rate,
        }


@dataclass
class Span:
    what: str  # "throttled" | "paused"
    start: float
    end: float
    reason: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"what": self.what, "start": self.start, "end": self.end, "reason": self.reason}


@dataclass
class Series:
    file: str
    samples: list[Sample] = field(default_factory=list)
    spans: list[Span] = field(default_factory=list)
    damaged: list[str] = field(default_factory=list)  # "line 7: not JSON"

    @property
    def duration(self) -> float:
        return self.samples[-1].t if self.samples else 0.0

    def to_json(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "samples": [s.to_json() for s in self.samples],
            "spans": [s.to_json() for s in self.spans],
            "damaged": self.damaged,
        }


def _num(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _instant(value: Any) -> datetime | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            return datetime.fromtimestamp(value, UTC)
        except (OverflowError, OSError, ValueError):
            return None
    return Stamp.parse(value).when


def parse_samples(data: bytes, file: str) -> Series:
    series = Series(file)
    start: datetime | None = None
    for number, raw in enumerate(data.split(b"\n"), 1):
        if not raw.strip():
            continue
        try:
            item = json.loads(raw)
        except (ValueError, UnicodeDecodeError) as exc:
            series.damaged.append(f"line {number}: not JSON ({exc})")
            continue
        if not isinstance(item, dict):
            series.damaged.append(f"line {number}: not a JSON object")
            continue
        raw_time = item.get("time", item.get("t"))  # the job worker writes "t"
        when = _instant(raw_time)
        if when is None:
            series.damaged.append(f"line {number}: no readable time")
            continue
        start = start or when
        recorded = raw_time if isinstance(raw_time, str) else when.isoformat()
        series.samples.append(
            Sample(
                t=(when - start).total_seconds(),
                time=Stamp(recorded, when),
                rows=_num(item.get("rows")),
                rate=_num(item.get("rate")),
                batch_size=_num(item.get("batch_size")),
                throttled=item.get("throttled") is True,
                # the job worker writes throttle_reason / backfill_state (phasetui.jobs.worker)
                reason=str(item.get("reason") or item.get("throttle_reason") or ""),
                retries=_num(item.get("retries")),
                state=str(item.get("state") or item.get("backfill_state") or ""),
                wal_rate=_num(item.get("wal_rate")),
            )
        )
    series.samples.sort(key=lambda s: s.t)
    series.spans = _spans(series.samples)
    return series


def _spans(samples: list[Sample]) -> list[Span]:
    """Runs of consecutive samples that were throttled (same reason) or paused."""
    spans: list[Span] = []
    open_: dict[str, Span] = {}
    for s in samples:
        flags = {"throttled": s.throttled, "paused": s.state in PAUSED_STATES}
        for what, on in flags.items():
            span = open_.get(what)
            reason = s.reason if what == "throttled" else s.state
            if on and span is not None and span.reason == reason:
                span.end = s.t
            elif on:
                if span is not None:
                    spans.append(open_.pop(what))
                open_[what] = Span(what, s.t, s.t, reason)
            elif span is not None:
                span.end = s.t  # it lasted until this sample showed it over
                spans.append(open_.pop(what))
    spans.extend(open_.values())
    return sorted(spans, key=lambda sp: (sp.start, sp.what))


def chart(series: Series, width: int = 60, height: int = 6) -> list[str]:
    """Rate over time as block bars, a progress line, and a marks line (T throttled,
    P paused): plain text, the same in Markdown and on the screen."""
    samples = series.samples
    if not samples:
        return ["(no samples)"]
    width = max(10, width)
    buckets: list[list[Sample]] = [[] for _ in range(width)]
    span = series.duration or 1.0
    for s in samples:
        buckets[min(width - 1, int(s.t / span * (width - 1)))].append(s)
    # a column between two samples shows the one before it (the pane held it until the next)
    filled_buckets, last_seen = [], []
    for b in buckets:
        last_seen = b or last_seen
        filled_buckets.append(b or last_seen)
    buckets = filled_buckets
    rates = [_mean([s.rate for s in b]) for b in buckets]
    top = max((r for r in rates if r is not None), default=0.0) or 1.0
    rows_done = [_last([s.rows for s in b]) for b in buckets]
    total = max((r for r in rows_done if r is not None), default=0.0) or 1.0
    lines = []
    for level in range(height, 0, -1):
        line = ""
        for r in rates:
            if r is None:
                line += " "
                continue
            filled = r / top * height
            if filled >= level:
                line += BARS[-1]
            elif filled > level - 1:
                line += BARS[max(1, round((filled - level + 1) * 8))]
            else:
                line += " "
        label = f" {top:,.0f} rows/s" if level == height else ""
        lines.append(line + label)
    progress, marks, last = "", "", 0.0
    for b, done in zip(buckets, rows_done, strict=True):
        last = done if done is not None else last
        progress += BARS[min(8, round(last / total * 8))] if last else " "
        throttled = any(s.throttled for s in b)
        paused = any(s.state in PAUSED_STATES for s in b)
        marks += "P" if paused else "T" if throttled else "·" if b else " "
    lines.append(progress + f" progress to {total:,.0f} rows")
    lines.append(marks + " T throttled, P paused")
    lines.append(f"0s{'':>{max(0, width - 2 - len(_secs(span)))}}{_secs(span)}")
    return lines


def _secs(value: float) -> str:
    return f"{value:,.0f}s"


def _mean(values: list[float | None]) -> float | None:
    nums = [v for v in values if v is not None]
    return sum(nums) / len(nums) if nums else None


def _last(values: list[float | None]) -> float | None:
    nums = [v for v in values if v is not None]
    return nums[-1] if nums else None
