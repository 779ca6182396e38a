"""The alert log's model: newest first, bounded, unread counted, silences and their words, the
copied text, tomorrow 08:00 across a change of daylight saving time."""

from __future__ import annotations

import time
from datetime import datetime

import pytest

from ereg_desktop.presenters.alert_log import (
    NOTE,
    AlertLog,
    silence_choices,
    tomorrow_morning,
    until_text,
)
from ereg_desktop.services.alerts import CRASH, MEMORY_HIGH, SERVER_UNREACHABLE, Alert


@pytest.fixture
def paris(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("TZ", "Europe/Paris")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def at(text: str) -> float:
    return datetime.fromisoformat(text).timestamp()


def alert(kind: str = CRASH, app: str = "gt", when: str = "2026-12-02 10:00:00") -> Alert:
    return Alert("unctad", app, kind, f"{app} {kind}", at(when))


def test_newest_first_bounded_and_unread_counted(paris: None) -> None:
    log = AlertLog(limit=3)
    for n in range(5):
        log.add(alert(app=f"app{n}"))
    assert [e.alert.app for e in log.entries] == ["app4", "app3", "app2"]
    assert log.unread == 3  # never more than what is in the log
    assert log.mark_read() is True and log.unread == 0 and log.mark_read() is False
    log.add(alert(), read=True)
    assert log.unread == 0
    log.clear()
    assert log.entries == [] and log.unread == 0


def test_rows_say_time_system_kind_and_urgency(paris: None) -> None:
    log = AlertLog()
    server = log.add(Alert("unctad", "", SERVER_UNREACHABLE, "unctad cannot be reached", at(
        "2026-12-01 23:59:00")))  # fmt: skip
    memory = log.add(alert(MEMORY_HIGH))
    now = at("2026-12-02 12:00:00")
    assert memory.time_text(now) == "10:00:00" and server.time_text(now) == "01 Dec 23:59"
    assert server.system == "unctad" and memory.system == "unctad/gt"
    assert server.urgent and not memory.urgent
    assert memory.kind_text == "memory high"
    assert log.copy_text() == (
        "2026-12-02 10:00:00  unctad/gt  memory high: gt memory-high\n"
        "2026-12-01 23:59:00  unctad  unreachable: unctad cannot be reached"
    )
    assert log.copy_text([server.number]).startswith("2026-12-01 23:59:00  unctad  ")


def test_a_note_is_made_printable(paris: None) -> None:
    log = AlertLog()
    entry = log.note("webhook", "", "refused\x1b[31m\nred", at("2026-12-02 10:00:00"))
    assert entry.kind == NOTE and "\x1b" not in entry.alert.message
    assert "\n" not in entry.alert.message and log.unread == 1


def test_silences_end_by_themselves(paris: None) -> None:
    log = AlertLog()
    now = at("2026-12-02 10:00:00")
    log.silence("unctad", "gt", now + 3600)
    log.silence("unctad", "", now + 60)
    assert log.silenced_text(now) == "Silenced: unctad until 10:01, unctad/gt until 11:00"
    assert log.silenced_until("unctad", "gt", now) == now + 3600
    assert log.silenced_text(now + 120) == "Silenced: unctad/gt until 11:00"
    assert log.unsilence("unctad", "gt") is True and log.unsilence("unctad", "gt") is False
    assert log.silenced_text(now) == ""


def test_the_silence_choices(paris: None) -> None:
    now = at("2026-12-02 23:30:00")
    choices = silence_choices(now)
    assert [c.text for c in choices] == ["for 1 hour", "for 8 hours", "until tomorrow 08:00"]
    assert [c.until - now for c in choices[:2]] == [3600, 8 * 3600]
    assert datetime.fromtimestamp(choices[2].until) == datetime(2026, 12, 3, 8, 0)
    assert until_text(choices[0].until, now) == "tomorrow 00:30"
    assert until_text(now + 5 * 86400, now) == "07 Dec 23:30"


def test_tomorrow_morning_across_the_end_of_summer_time(paris: None) -> None:
    # Paris leaves summer time on 25 October 2026 at 03:00: that night has 25 hours
    now = at("2026-10-24 22:00:00")
    assert datetime.fromtimestamp(tomorrow_morning(now)) == datetime(2026, 10, 25, 8, 0)
    assert tomorrow_morning(now) - now == 11 * 3600  # not 10: the clock went back an hour
