"""Times as recorded (UTC or the writer's offset) shown in the reviewer's own zone.

The journal keeps ISO 8601 with an offset; a reviewer in another zone reads local times, and
the original stays one key away (``recorded``), so "02:00 on the server" is never lost.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Stamp:
    """One recorded time: the text as written, and the instant (None when unreadable)."""

    recorded: str
    when: datetime | None

    @classmethod
    def parse(cls, text: object) -> Stamp:
        raw = text if isinstance(text, str) else ""
        try:
            when = datetime.fromisoformat(raw) if raw else None
        except ValueError:
            when = None
        if when is not None and when.tzinfo is None:
            when = None  # an offset-less time cannot be placed in any zone: shown as written
        return cls(raw, when)

    @property
    def local(self) -> datetime | None:
        return self.when.astimezone() if self.when else None

    def show(self, *, date: bool = True) -> str:
        """``2026-01-01 11:00:00 JST`` in the reviewer's zone; the text as written otherwise."""
        local = self.local
        if local is None:
            return self.recorded or "?"
        fmt = "%Y-%m-%d %H:%M:%S" if date else "%H:%M:%S"
        zone = local.tzname() or local.strftime("%z")
        return f"{local.strftime(fmt)} {zone}"

    @property
    def offset(self) -> str:
        """The offset the writer recorded (``+00:00``), or ''."""
        if self.when is None:
            return ""
        text = self.when.strftime("%z")
        return f"{text[:3]}:{text[3:]}" if len(text) == 5 else text

    def to_json(self) -> dict[str, str | None]:
        local = self.local
        return {
            "recorded": self.recorded,
            "local": local.isoformat(timespec="seconds") if local else None,
            "offset": self.offset or None,
        }


def seconds_between(a: Stamp, b: Stamp) -> float | None:
    if a.when is None or b.when is None:
        return None
    return (b.when - a.when).total_seconds()


def local_zone_name() -> str:
    now = datetime.now().astimezone()
    return f"{now.tzname() or ''} (UTC{now.strftime('%z')[:3]}:{now.strftime('%z')[3:]})"
