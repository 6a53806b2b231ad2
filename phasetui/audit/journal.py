"""Reading ``journal.jsonl`` line by line: a damaged line is named, never fatal.

The journal is the evidence of a run, so a line that cannot be read (torn by a crash outside
phasetui, garbage, NUL bytes from a filesystem after a power cut, not UTF-8, no ``seq``) is
reported with its line number and left exactly as it is; every other line still counts.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from phasetui.audit.events import Event

JOURNAL = "journal.jsonl"


@dataclass(frozen=True)
class DamagedLine:
    """One line of a run's record that cannot be read; ``line`` None: the whole file."""

    file: str
    line: int | None
    reason: str

    @property
    def where(self) -> str:
        return f"{self.file} line {self.line}" if self.line else self.reason

    def __str__(self) -> str:
        return f"{self.where}: {self.reason}" if self.line else self.reason

    def to_json(self) -> dict[str, Any]:
        return {"file": self.file, "line": self.line, "reason": self.reason}


@dataclass
class Journal:
    """The readable events (with their line numbers) and the damaged lines of one journal."""

    events: list[tuple[int, Event]] = field(default_factory=list)
    damaged: list[DamagedLine] = field(default_factory=list)
    lines: int = 0  # non-blank lines, damaged ones included
    size: int = 0
    ends_with_newline: bool = True

    @property
    def next_seq(self) -> int:
        """After every seq ever used and every line: never a seq twice, even past damage."""
        highest = max((ev.seq for _, ev in self.events), default=0)
        return max(highest, self.lines) + 1

    @property
    def separator(self) -> str:
        """Ends a torn last line (left as it is) so the next event starts a line of its own."""
        return "" if self.size == 0 or self.ends_with_newline else "\n"


def read_journal(path: Path, *, limit: int | None = None, name: str = JOURNAL) -> Journal:
    """Reads ``path`` (only its first ``limit`` bytes when given); missing: FileNotFoundError."""
    data = path.read_bytes()
    return parse_journal(data if limit is None else data[:limit], name=name)


def parse_journal(data: bytes, *, name: str = JOURNAL) -> Journal:
    journal = Journal(size=len(data), ends_with_newline=data.endswith(b"\n") or not data)
    raw_lines = data.split(b"\n")
    if data.endswith(b"\n"):
        raw_lines.pop()
    for number, raw in enumerate(raw_lines, 1):
        if not raw.strip():
            continue
        journal.lines += 1
        unterminated = number == len(raw_lines) and not journal.ends_with_newline
        result = parse_line(raw, unterminated=unterminated)
        if isinstance(result, Event):
            journal.events.append((number, result))
        else:
            journal.damaged.append(DamagedLine(name, number, result))
    return journal


def parse_line(raw: bytes, *, unterminated: bool = False) -> Event | str:
    """The event on one line, or why it cannot be read (a short phrase for a message)."""
    nul = raw.find(b"\x00")
    if nul >= 0:
        return f"holds NUL bytes (column {nul + 1})"
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return f"not UTF-8 (byte 0x{raw[exc.start]:02x} at column {exc.start + 1})"
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        if unterminated:
            return "torn: the last line stops before its end"
        return f"not JSON ({exc.msg} at column {exc.colno})"
    if not isinstance(data, dict):
        return "not a JSON object"
    seq = data.get("seq")
    if "seq" not in data:
        return "no seq"
    if not isinstance(seq, int) or isinstance(seq, bool) or seq < 1:
        return f"seq {seq!r} is not a positive whole number"
    for key in ("time", "who", "kind"):
        if not isinstance(data.get(key), str):
            return f"no {key}" if key not in data else f"{key} is not a string"
    payload = data.get("payload") or {}
    if not isinstance(payload, dict):
        return "payload is not an object"
    return Event(seq, data["time"], data["who"], data["kind"], payload)
