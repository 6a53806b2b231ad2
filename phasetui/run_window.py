"""A backfill's run window (``22:00-06:00 Europe/Berlin``): wall-clock hours to run in.

Neutral ground: the runbook validator and the backfill engine read windows the same way,
and the runbook must not depend on the backfill (or database) code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, tzinfo

from phasetui.errors import BadInput


@dataclass(frozen=True)
class RunWindow:
    """Wall-clock hours during which batches may run; may wrap midnight (22:00-06:00).

    ``"22:00-06:00"`` is in the worker host's local time; ``"22:00-06:00 Europe/Berlin"``
    or ``"… UTC"`` names the zone, so that workers on jump hosts set to UTC and a DBA
    thinking in the business's time agree on what "22:00" means (and DST is followed)."""

    start: time
    end: time
    zone: str | None = None  # an IANA zone name; None: the host's local time

    @classmethod
    def parse(cls, text: str) -> RunWindow:
        m = re.match(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})(?:\s+(\S+))?\s*$", text or "")
        if not m:
            raise BadInput(
                f"window: {text!r} is not hh:mm-hh:mm [zone]",
                'write e.g. "22:00-06:00" or "22:00-06:00 Europe/Berlin"',
            )
        h1, m1, h2, m2 = (int(x) for x in m.groups()[:4])
        if h1 > 23 or h2 > 24 or m1 > 59 or m2 > 59:
            raise BadInput(f"window: {text!r} has an impossible time")
        zone = m.group(5)
        if zone is not None:
            _zone(zone)
        end = time(0, 0) if h2 == 24 else time(h2, m2)
        return cls(time(h1, m1), end, zone)

    def local_time(self, now: datetime) -> time:
        """``now`` (aware, or naive meaning the host's local time) on the window's clock."""
        if self.zone is None:
            return (now.astimezone() if now.tzinfo else now).time()
        aware = now if now.tzinfo else now.astimezone()
        return aware.astimezone(_zone(self.zone)).time()

    def contains(self, t: time) -> bool:
        if self.start == self.end:
            return True
        if self.start < self.end:
            return self.start <= t < self.end
        return t >= self.start or t < self.end

    def __str__(self) -> str:
        text = f"{self.start:%H:%M}-{self.end:%H:%M}"
        return f"{text} {self.zone}" if self.zone else text


def _zone(name: str) -> tzinfo:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise BadInput(
            f"window: unknown time zone {name!r}",
            "write an IANA name such as UTC, Europe/Berlin or Asia/Baku",
        ) from None
