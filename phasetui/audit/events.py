"""Journal events: one JSON object per line in ``runs/<run-id>/journal.jsonl``.

The journal is append-only and is the single source of truth of a run: ``checklist.md`` and
``notes.md`` are re-rendered from it, so a reviewer with only the repo sees everything.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from phasetui.redaction import scrub

__all__ = ["Event", "now_iso", "scrub", "utf8_safe"]


@dataclass(frozen=True)
class Event:
    seq: int
    time: str
    who: str
    kind: str
    payload: dict[str, Any] = field(default_factory=dict)

    def to_line(self) -> str:
        data = {
            "seq": self.seq,
            "time": self.time,
            "who": self.who,
            "kind": self.kind,
            "payload": self.payload,
        }
        return json.dumps(data, ensure_ascii=False, sort_keys=False)

    @classmethod
    def from_line(cls, line: str) -> Event:
        d = json.loads(line)
        return cls(d["seq"], d["time"], d["who"], d["kind"], d.get("payload") or {})

    @property
    def when(self) -> datetime:
        return datetime.fromisoformat(self.time)


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def utf8_safe(value: Any) -> Any:
    """Replaces what UTF-8 cannot hold (lone surrogates from undecodable argv bytes) with '?'.

    The journal must stay valid UTF-8 line by line, or the event would read back as damaged.
    """
    if isinstance(value, str):
        return value.encode("utf-8", "replace").decode("utf-8")
    if isinstance(value, dict):
        return {utf8_safe(k): utf8_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [utf8_safe(v) for v in value]
    return value
