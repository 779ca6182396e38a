"""The rhythm of restarts: production once a day in its window, development before lunch and
before the end of the day in the operator's time; nothing pending, nothing due."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from ereg_desktop.services.deploy.inspect import Commit
from ereg_desktop.services.due import (
    PENDING_CHECK_INTERVAL_S,
    Pending,
    due_row,
    last_restart,
    needs_check,
    verdict,
)
from ereg_desktop.services.status import AppStatus
from ereg_desktop.store.inventory import Deployment, DeploymentRef, Server, System

PARIS = ZoneInfo("Europe/Paris")
GUATEMALA = ZoneInfo("America/Guatemala")


def ref(env: str = "production", low: str = "08:00-14:00 Europe/Paris", track_type: str = "branch",
        tz: str = "UTC") -> DeploymentRef:  # fmt: skip
    dep = Deployment(env, "s1", "gt", track_type=track_type)
    return DeploymentRef(System("GT", low_traffic=low, timezone=tz, deployments=[dep]), dep,
                         Server("s1", "h"))  # fmt: skip


def at(text: str, tz: ZoneInfo = PARIS) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=tz)


def test_nothing_pending_is_not_due() -> None:
    for env in ("production", "development"):
        v = verdict(ref(env), 0, None, at("2026-03-02T10:00"), PARIS)
        assert not v.due and not v.due_now and v.slot is None


def test_pinned_tag_is_never_due() -> None:
    v = verdict(ref(track_type="tag"), 3, None, at("2026-03-02T10:00"), PARIS)
    assert not v.due and "tag" in v.reason


def test_production_pending_inside_window_is_due_now() -> None:
    v = verdict(ref(), 2, at("2026-03-01T09:00"), at("2026-03-02T10:00"), PARIS)
    assert v.due and v.due_now
    assert v.slot is not None and v.slot.start == at("2026-03-02T08:00")
    assert v.slot.end == at("2026-03-02T14:00")


def test_production_before_window_is_due_later_today() -> None:
    v = verdict(ref(), 1, None, at("2026-03-02T06:30"), PARIS)
    assert v.due and not v.due_now
    assert v.slot is not None and v.slot.start == at("2026-03-02T08:00")


def test_production_after_window_waits_for_tomorrow() -> None:
    v = verdict(ref(), 1, at("2026-03-01T09:00"), at("2026-03-02T15:00"), PARIS)
    assert v.due and not v.due_now
    assert v.slot is not None and v.slot.start == at("2026-03-03T08:00")


def test_production_once_a_day_restarted_in_todays_window() -> None:
    # restarted at 09:00 today inside the window; a new commit since: tomorrow's window
    v = verdict(ref(), 1, at("2026-03-02T09:00"), at("2026-03-02T11:00"), PARIS)
    assert v.due and not v.due_now
    assert v.slot is not None and v.slot.start == at("2026-03-03T08:00")


def test_production_window_in_its_own_zone_whatever_the_operator() -> None:
    # the operator is in Guatemala; the window is Paris time: 08:00 Paris = 01:00 Guatemala
    now = at("2026-03-02T01:30", GUATEMALA)
    v = verdict(ref(), 1, None, now, GUATEMALA)
    assert v.due_now and v.slot is not None
    assert v.slot.start == at("2026-03-02T08:00")


def test_window_past_midnight() -> None:
    v = verdict(ref(low="22:00-04:00 Europe/Paris"), 1, None, at("2026-03-03T02:00"), PARIS)
    assert v.due_now and v.slot is not None
    assert v.slot.start == at("2026-03-02T22:00") and v.slot.end == at("2026-03-03T04:00")


def test_window_across_dst_change() -> None:
    # Paris moves to summer time on 2026-03-29: the window stays 08:00-14:00 local
    v = verdict(ref(), 1, None, at("2026-03-29T07:00"), PARIS)
    assert v.slot is not None and v.slot.start == at("2026-03-29T08:00")
    assert v.slot.start.utcoffset() == timedelta(hours=2)


def test_production_without_window_is_any_time_of_its_day() -> None:
    v = verdict(ref(low="", tz="America/Guatemala"), 1, None, at("2026-03-02T10:00", GUATEMALA),
                PARIS)  # fmt: skip
    assert v.due_now and v.slot is not None and "no low-traffic window" in v.slot.label
    assert v.slot.start == at("2026-03-02T00:00", GUATEMALA)


def test_unreadable_window_is_due_without_slot() -> None:
    v = verdict(ref(low="mornings"), 1, None, at("2026-03-02T10:00"), PARIS)
    assert v.due and v.slot is None and "not a window" in v.reason


def test_development_before_lunch() -> None:
    dev = ref("development", low="")
    v = verdict(dev, 1, at("2026-03-01T16:00"), at("2026-03-02T10:00"), PARIS)
    assert v.due_now and v.slot is not None and v.slot.label == "before lunch"
    assert v.slot.end == at("2026-03-02T12:00")


def test_development_restarted_before_lunch_then_before_end_of_day() -> None:
    dev = ref("development", low="")
    v = verdict(dev, 1, at("2026-03-02T10:30"), at("2026-03-02T11:00"), PARIS)
    assert v.due and not v.due_now
    assert v.slot is not None and v.slot.label == "before the end of the day"
    assert v.slot.start == at("2026-03-02T15:00")
    v2 = verdict(dev, 1, at("2026-03-02T10:30"), at("2026-03-02T16:00"), PARIS)
    assert v2.due_now


def test_development_in_the_evening_waits_for_next_morning() -> None:
    dev = ref("development", low="")
    v = verdict(dev, 1, at("2026-03-02T16:00"), at("2026-03-02T20:00"), PARIS)
    assert not v.due_now and v.slot is not None
    assert v.slot.start == at("2026-03-03T09:00") and v.slot.label == "before lunch"


def test_development_follows_the_operators_zone() -> None:
    dev = ref("development", low="")
    now = datetime(2026, 3, 2, 16, 0, tzinfo=UTC)  # 10:00 in Guatemala, 17:00 in Paris
    assert verdict(dev, 1, None, now, GUATEMALA).slot.label == "before lunch"  # type: ignore[union-attr]
    paris = verdict(dev, 1, None, now, PARIS)
    assert paris.due_now and paris.slot is not None
    assert paris.slot.label == "before the end of the day"


def test_future_restart_reads_as_clock_problem() -> None:
    v = verdict(ref(), 1, at("2026-04-01T00:00"), at("2026-03-02T10:00"), PARIS)
    assert v.due and v.slot is None and "future" in v.reason


def test_last_restart_from_uptime() -> None:
    st = AppStatus("gt", "online", restarts=4, uptime_s=60.0)
    lr = last_restart(st, 1_000_060.0)
    assert lr.at == datetime.fromtimestamp(1_000_000.0, UTC) and lr.restarts == 4
    assert last_restart(AppStatus("gt", "stopped"), 5.0).at is None
    assert last_restart(None, 5.0).restarts is None


def test_needs_check_every_few_minutes() -> None:
    p = Pending((), 1000.0)
    assert needs_check(None, 0.0)
    assert not needs_check(p, 1000.0 + PENDING_CHECK_INTERVAL_S - 1)
    assert needs_check(p, 1000.0 + PENDING_CHECK_INTERVAL_S)


@pytest.mark.parametrize("subject", ["fix\x1b[2J it", "a\u202eb"])
def test_row_shows_newest_subject_printable(subject: str) -> None:
    pending = Pending((Commit("a" * 40, "x", "d", subject), Commit("b" * 40, "x", "d", "old")), 1.0)
    row = due_row(ref(), pending, last_restart(None, 1.0), at("2026-03-02T10:00"), PARIS)
    assert row["pending"] == 2 and row["due"] is True and row["due_now"] is True
    assert isinstance(row["newest_subject"], str) and row["newest_subject"].isprintable()
    assert row["slot_start"] == "2026-03-02T08:00+01:00"
