"""A daily low-traffic window such as ``08:00-14:00 Europe/Paris`` (may wrap past midnight)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

_WINDOW_RE = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s+(\S+)\s*$")


@dataclass(frozen=True)
class TrafficWindow:
    start: time
    end: time
    zone: str

    @classmethod
    def parse(cls, text: str) -> TrafficWindow:
        """Raise ValueError with a message saying what a valid window looks like."""
        m = _WINDOW_RE.match(text)
        if not m:
            raise ValueError(
                f'low_traffic {text!r} is not a window like "08:00-14:00 Europe/Paris"'
            )
        h1, m1, h2, m2, zone = m.groups()
        try:
            start, end = time(int(h1), int(m1)), time(int(h2), int(m2))
        except ValueError:
            raise ValueError(f"low_traffic {text!r} has an hour or minute out of range") from None
        if start == end:
            raise ValueError(f"low_traffic {text!r} is empty: start and end are the same")
        check_timezone(zone)
        return cls(start, end, zone)

    def contains(self, moment: datetime) -> bool:
        local = moment.astimezone(ZoneInfo(self.zone)).time().replace(tzinfo=None)
        if self.start < self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end

    def __str__(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M} {self.zone}"


def check_timezone(zone: str) -> None:
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"unknown time zone {zone!r} (use an IANA name like Europe/Paris)"
        ) from None
