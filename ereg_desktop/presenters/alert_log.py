"""The window's alert log in plain Python: the alerts newest first, what is unread, the apps
silenced and until when, the text copied. ``ui/alerts_pane.py`` renders it; unit tests drive it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from ereg_desktop.services.alerts import (
    CRASH,
    CRASH_LOOP,
    MEMORY_HIGH,
    MEMORY_NORMAL,
    PM2_DOWN,
    RESTARTED_ELSEWHERE,
    SERVER_BACK,
    SERVER_UNREACHABLE,
    STOPPED_ELSEWHERE,
    Alert,
)
from ereg_desktop.services.shown_text import printable

# not one of the engine's kinds: something about the alerts themselves (the webhook failed)
NOTE = "note"
KIND_TEXT = {
    CRASH: "crash",
    CRASH_LOOP: "crash loop",
    STOPPED_ELSEWHERE: "stopped",
    RESTARTED_ELSEWHERE: "restarted",
    MEMORY_HIGH: "memory high",
    MEMORY_NORMAL: "memory normal",
    SERVER_UNREACHABLE: "unreachable",
    PM2_DOWN: "pm2 down",
    SERVER_BACK: "back",
    NOTE: "note",
}
GOOD_NEWS = frozenset({MEMORY_NORMAL, SERVER_BACK})
DEFAULT_LIMIT = 1000  # the oldest entries go beyond this
MORNING = time(8, 0)


@dataclass(frozen=True)
class LogEntry:
    number: int  # unique in its log: the pane's rows refer to entries by it
    alert: Alert

    @property
    def kind(self) -> str:
        return self.alert.kind

    @property
    def urgent(self) -> bool:
        return self.alert.urgent

    @property
    def system(self) -> str:
        """``server/app``, or the server alone for an alert about the whole server."""
        a = self.alert
        return f"{a.server}/{a.app}" if a.app else a.server

    @property
    def kind_text(self) -> str:
        return KIND_TEXT.get(self.alert.kind, self.alert.kind)

    def time_text(self, now: float) -> str:
        """The time of day; the date too when it was not today."""
        at = datetime.fromtimestamp(self.alert.at)
        if at.date() == datetime.fromtimestamp(now).date():
            return at.strftime("%H:%M:%S")
        return at.strftime("%d %b %H:%M")

    def line(self) -> str:
        """One line of the copied text: full date and time, system, kind, message."""
        at = datetime.fromtimestamp(self.alert.at).strftime("%Y-%m-%d %H:%M:%S")
        return f"{at}  {self.system}  {self.kind_text}: {self.alert.message}"


@dataclass(frozen=True)
class SilenceChoice:
    text: str
    until: float


def tomorrow_morning(now: float) -> float:
    """Tomorrow at 08:00, local time (a change of daylight saving time included)."""
    day = datetime.fromtimestamp(now).date() + timedelta(days=1)
    return datetime.combine(day, MORNING).timestamp()


def silence_choices(now: float) -> list[SilenceChoice]:
    return [
        SilenceChoice("for 1 hour", now + 3600),
        SilenceChoice("for 8 hours", now + 8 * 3600),
        SilenceChoice("until tomorrow 08:00", tomorrow_morning(now)),
    ]


def until_text(until: float, now: float) -> str:
    at = datetime.fromtimestamp(until)
    today = datetime.fromtimestamp(now).date()
    if at.date() == today:
        return at.strftime("%H:%M")
    if at.date() == today + timedelta(days=1):
        return at.strftime("tomorrow %H:%M")
    return at.strftime("%d %b %H:%M")


class AlertLog:
    """Newest first; at most ``limit`` entries."""

    def __init__(self, limit: int = DEFAULT_LIMIT) -> None:
        self.limit = max(1, limit)
        self.entries: list[LogEntry] = []
        self.unread = 0
        self._next = 1
        self._silenced: dict[tuple[str, str], float] = {}

    # --- entries -----------------------------------------------------------------------------

    def add(self, alert: Alert, *, read: bool = False) -> LogEntry:
        entry = LogEntry(self._next, alert)
        self._next += 1
        self.entries.insert(0, entry)
        del self.entries[self.limit :]
        if not read:
            self.unread = min(self.unread + 1, len(self.entries))
        return entry

    def add_all(self, alerts: Iterable[Alert], *, read: bool = False) -> list[LogEntry]:
        return [self.add(a, read=read) for a in alerts]

    def note(self, server: str, app: str, message: str, at: float) -> LogEntry:
        """Something about the alerts themselves (the webhook did not take one)."""
        return self.add(Alert(server, app, NOTE, printable(message), at))

    def mark_read(self) -> bool:
        """True when something was unread."""
        had, self.unread = self.unread, 0
        return had > 0

    def clear(self) -> None:
        self.entries.clear()
        self.unread = 0

    def entry(self, number: int) -> LogEntry | None:
        return next((e for e in self.entries if e.number == number), None)

    def copy_text(self, numbers: Iterable[int] | None = None) -> str:
        """The chosen entries (all when None), newest first, one line each."""
        chosen = None if numbers is None else set(numbers)
        return "\n".join(e.line() for e in self.entries if chosen is None or e.number in chosen)

    # --- silences ----------------------------------------------------------------------------

    def silence(self, server: str, app: str, until: float) -> None:
        self._silenced[(server, app)] = until

    def unsilence(self, server: str, app: str) -> bool:
        return self._silenced.pop((server, app), None) is not None

    def silenced_until(self, server: str, app: str, now: float) -> float | None:
        until = self._silenced.get((server, app))
        return until if until is not None and until > now else None

    def silenced(self, now: float) -> list[tuple[str, str, float]]:
        """The silences still running, soonest end first (the ended ones are forgotten)."""
        self._silenced = {k: u for k, u in self._silenced.items() if u > now}
        return sorted(((s, a, u) for (s, a), u in self._silenced.items()), key=lambda t: t[2])

    def silenced_text(self, now: float) -> str:
        parts = [f"{f'{s}/{a}' if a else s} until {until_text(u, now)}"
                 for s, a, u in self.silenced(now)]  # fmt: skip
        return "Silenced: " + ", ".join(parts) if parts else ""
