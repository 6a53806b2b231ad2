"""The run list: one row per run, read fast from each journal (cached by size and mtime).

A row needs the whole journal (who took part, which steps failed, every override), but not
the evidence files, the runbook or git: one pass of ``json.loads`` per line and nothing
kept but counters. The journal is append-only, so a file whose size and mtime have not
changed gives the same row: rows are cached per process (the TUI's filter re-lists often).
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from phasetui.review.format import format_problem
from phasetui.review.source import ReviewSource
from phasetui.review.times import Stamp, seconds_between

JOURNAL = "journal.jsonl"
_RUN_KINDS = frozenset({"run-started", "run-closed", "tick", "untick", "note"})
OVERRIDE_KEYS = ("override", "override_reason")


def override_reason(kind: str, payload: dict[str, Any]) -> str:
    """The written reason for going past a gate that this event records, or ''."""
    keys = (*OVERRIDE_KEYS, "reason") if kind == "verify-override" else OVERRIDE_KEYS
    for key in keys:
        value = payload.get(key)
        if isinstance(value, str) and value.strip():
            return " ".join(value.split())
    return ""


def step_of(kind: str, payload: dict[str, Any]) -> str | None:
    step = payload.get("step")
    return step if isinstance(step, str) and kind not in _RUN_KINDS else None


@dataclass
class RunRow:
    run_id: str
    runbook_id: str = ""
    title: str = ""
    target: str = ""
    started: Stamp = field(default_factory=lambda: Stamp("", None))
    ended: Stamp = field(default_factory=lambda: Stamp("", None))
    outcome: str = "open"  # done / rolled-back / abandoned / open
    people: list[str] = field(default_factory=list)
    events: int = 0
    steps_failed: list[str] = field(default_factory=list)
    overrides: int = 0
    damaged: int = 0
    problem: str = ""  # why the run cannot be reviewed here (no journal, newer format)

    @property
    def duration_s(self) -> float | None:
        return seconds_between(self.started, self.ended)

    def matches(self, text: str) -> bool:
        """Search: every word appears somewhere in the row."""
        hay = " ".join(
            [
                self.run_id,
                self.runbook_id,
                self.title,
                self.target,
                self.outcome,
                " ".join(self.people),
                self.started.recorded,
                self.started.show(),
            ]
        ).lower()
        return all(word in hay for word in text.lower().split())

    def to_json(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "runbook_id": self.runbook_id,
            "title": self.title,
            "target": self.target,
            "started": self.started.to_json(),
            "ended": self.ended.to_json(),
            "duration_s": self.duration_s,
            "outcome": self.outcome,
            "people": self.people,
            "events": self.events,
            "steps_failed": self.steps_failed,
            "overrides": self.overrides,
            "damaged_lines": self.damaged,
            "problem": self.problem,
        }


def person_name(who: str) -> str:
    """``Alice DBA <alice@example.org>`` → ``Alice DBA``."""
    name, sep, _ = who.partition(" <")
    return name.strip() if sep else who.strip()


def scan_journal(run_id: str, data: bytes) -> RunRow:
    """One pass over a journal's bytes; a line that cannot be read is counted, not fatal."""
    row = RunRow(run_id)
    people: dict[str, None] = {}
    latest_ok: dict[str, bool] = {}
    first_time = last_time = None
    for raw in data.split(b"\n"):
        if not raw.strip():
            continue
        try:
            ev = json.loads(raw)
            kind, who, time = ev["kind"], ev["who"], ev["time"]
            payload = ev.get("payload") or {}
            if not isinstance(payload, dict) or not isinstance(kind, str):
                raise ValueError
        except (ValueError, KeyError, TypeError):
            row.damaged += 1
            continue
        row.events += 1
        if isinstance(who, str):
            people[person_name(who)] = None
        if isinstance(time, str):
            first_time = first_time or time
            last_time = time
        if kind == "run-started" and not row.started.recorded:
            row.runbook_id = str(payload.get("runbook_id", ""))
            row.title = str(payload.get("title", ""))
            row.target = str(payload.get("target") or "")
            row.started = Stamp.parse(time)
            row.problem = format_problem(run_id, payload)
        elif kind == "run-closed":
            row.outcome = str(payload.get("outcome") or "done")
        step = step_of(kind, payload)
        if step is not None and isinstance(payload.get("ok"), bool):
            latest_ok[step] = payload["ok"]
        if override_reason(kind, payload):
            row.overrides += 1
    if not row.started.recorded and first_time:
        row.started = Stamp.parse(first_time)
    row.ended = Stamp.parse(last_time) if last_time else row.started
    row.people = list(people)
    row.steps_failed = [s for s, ok in latest_ok.items() if not ok]
    return row


_CACHE: dict[Path, tuple[int, int, RunRow]] = {}
_CACHE_LOCK = threading.Lock()


def read_row(source: ReviewSource, run_id: str) -> RunRow:
    path = source.runs_dir / run_id / JOURNAL
    try:
        st = path.stat()
    except FileNotFoundError:
        return RunRow(run_id, problem=f"run {run_id} has no {JOURNAL}: its record is gone")
    except OSError as exc:
        return RunRow(run_id, problem=f"{JOURNAL} cannot be read ({exc.strerror or exc})")
    key = (st.st_size, st.st_mtime_ns)
    with _CACHE_LOCK:
        hit = _CACHE.get(path)
    if hit is not None and hit[:2] == key:
        return hit[2]
    try:
        data = path.read_bytes()
    except OSError as exc:
        return RunRow(run_id, problem=f"{JOURNAL} cannot be read ({exc.strerror or exc})")
    row = scan_journal(run_id, data)
    with _CACHE_LOCK:
        _CACHE[path] = (*key, row)
    return row


def list_runs(source: ReviewSource) -> list[RunRow]:
    """Every run, newest first (by start time, then id)."""
    rows = [read_row(source, run_id) for run_id in source.run_ids()]
    return sorted(rows, key=_start_key, reverse=True)


def _start_key(row: RunRow) -> tuple[float, str]:
    when = row.started.when
    return (when.timestamp() if when else 0.0, row.run_id)


def filter_runs(rows: list[RunRow], text: str = "", outcome: str = "") -> list[RunRow]:
    return [
        r for r in rows if (not outcome or r.outcome == outcome) and (not text or r.matches(text))
    ]
