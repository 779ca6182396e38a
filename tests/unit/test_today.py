"""The Today view's rows: every deployment with what is due, in which slot, overdue when a slot
passed since the oldest pending commit without a restart; what is due first."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from ereg_desktop.presenters.today import (
    PendingBook,
    missed_slot,
    operator_zone,
    summary,
    today_row,
    today_rows,
)
from ereg_desktop.services.deploy.inspect import Commit
from ereg_desktop.services.due import PENDING_CHECK_INTERVAL_S, LastRestart, Pending
from ereg_desktop.store.inventory import (
    Deployment,
    DeploymentRef,
    Inventory,
    Operator,
    Server,
    System,
)

PARIS = ZoneInfo("Europe/Paris")
NOBODY = LastRestart(None, None)


def ref(app: str, env: str = "production", low: str = "08:00-14:00 Europe/Paris",
        track_type: str = "branch") -> DeploymentRef:  # fmt: skip
    dep = Deployment(env, "s1", app, track_type=track_type)
    return DeploymentRef(System("GT", low_traffic=low, deployments=[dep]), dep, Server("s1", "h"))


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=PARIS)


def commits(*dates: str) -> tuple[Commit, ...]:
    return tuple(Commit(f"{i:040x}", "Ana", d, f"change {i} \x1b[31m") for i, d in enumerate(dates))


def test_pending_inside_the_window_is_due_now_with_the_newest_subjects() -> None:
    p = Pending(commits("2026-03-02T07:30:00+01:00", "2026-03-02T07:00:00+01:00"), 0.0)
    row = today_row(ref("gt"), p, LastRestart(at("2026-03-01T09:00"), 2), at("2026-03-02T10:00"),
                    PARIS)  # fmt: skip
    assert row.due and row.due_now and not row.overdue
    assert row.restart_text == "due now" and row.pending_text == "2"
    assert row.slot_text.startswith("low traffic, Mon 08:00\u201314:00")
    assert row.subjects == ("change 0 ", "change 1 ")  # the escape made harmless


def test_a_slot_passed_since_the_oldest_commit_without_a_restart_is_overdue() -> None:
    dev = ref("gt-dev", "development")
    p = Pending(commits("2026-03-02T08:00:00+01:00"), 0.0)
    now = at("2026-03-02T13:00")  # before lunch (09:00-12:00) went by
    row = today_row(dev, p, LastRestart(at("2026-03-01T18:00"), 0), now, PARIS)
    assert row.due and row.overdue and not row.due_now
    assert "missed before lunch" in row.reason and row.restart_text == "overdue"
    assert row.slot is not None and row.slot.label == "before the end of the day"
    # a restart inside that slot: not overdue
    done = today_row(dev, p, LastRestart(at("2026-03-02T11:00"), 1), now, PARIS)
    assert done.due and not done.overdue
    # the commit came after the slot: not overdue either
    late = Pending(commits("2026-03-02T12:30:00+01:00"), 0.0)
    assert missed_slot(dev, late, at("2026-03-01T18:00"), now, PARIS) is None


def test_nothing_pending_not_known_and_tags() -> None:
    none = today_row(ref("a"), Pending((), 0.0), NOBODY, at("2026-03-02T10:00"), PARIS)
    assert not none.due and none.pending_text == "none" and none.reason == "nothing pending"
    failed = today_row(ref("b"), Pending((), 0.0, "git fetch failed"), NOBODY,
                       at("2026-03-02T10:00"), PARIS)  # fmt: skip
    assert failed.pending is None and not failed.due and "git fetch failed" in failed.reason
    unchecked = today_row(ref("c"), None, NOBODY, at("2026-03-02T10:00"), PARIS)
    assert unchecked.pending_text == "not known" and "not checked yet" in unchecked.reason
    tag = today_row(ref("d", track_type="tag"), None, NOBODY, at("2026-03-02T10:00"), PARIS)
    assert tag.pending == 0 and not tag.due and "never updated" in tag.reason


def test_rows_put_what_is_due_first_and_summary_counts() -> None:
    refs = [ref("quiet"), ref("later", low="15:00-16:00 Europe/Paris"), ref("now"),
            ref("dev", "development"), ref("unknown")]  # fmt: skip
    two = Pending(commits("2026-03-02T08:30:00+01:00", "2026-03-02T08:00:00+01:00"), 0.0)
    old = Pending(commits("2026-03-02T06:00:00+01:00"), 0.0)
    pendings = {("s1", "quiet"): Pending((), 0.0), ("s1", "later"): two, ("s1", "now"): two,
                ("s1", "dev"): old}  # fmt: skip
    restarts = {("s1", "dev"): LastRestart(at("2026-03-01T17:00"), 3)}
    rows = today_rows(refs, pendings, lambda k: restarts.get(k, NOBODY), at("2026-03-02T13:00"),
                      PARIS)  # fmt: skip
    assert [r.app for r in rows] == ["now", "dev", "later", "unknown", "quiet"]
    assert [r.restart_text for r in rows][:3] == ["due now", "overdue", "due"]
    assert summary(rows) == "3 restarts due, 1 now, 1 overdue, 1 not known \u2014 5 deployments"
    assert summary([]) == "No deployments in the inventory."


def test_the_pending_book_says_when_to_check_again() -> None:
    book = PendingBook()
    assert book.due_for_check(("s1", "gt"), 1000.0)
    book.put(("s1", "gt"), Pending((), 1000.0))
    assert not book.due_for_check(("s1", "gt"), 1000.0 + PENDING_CHECK_INTERVAL_S - 1)
    assert book.due_for_check(("s1", "gt"), 1000.0 + PENDING_CHECK_INTERVAL_S)


def test_the_operator_zone_comes_from_the_inventory() -> None:
    inv = Inventory(operator=Operator(name="Ana", extra={"timezone": "Europe/Paris"}))
    assert operator_zone(inv) == PARIS
    bad = Inventory(operator=Operator(name="Ana", extra={"timezone": "Mars/Olympus"}))
    local = operator_zone(bad)
    assert local is not None and datetime(2026, 1, 1, tzinfo=local).utcoffset() is not None
    assert operator_zone(Inventory()) is not None
    assert datetime.now(UTC).astimezone(operator_zone(inv)).tzinfo == PARIS
