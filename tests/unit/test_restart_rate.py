"""Restarts in the last hour from successive samples: a crash loop stands out although every
sample reads "online"."""

from __future__ import annotations

from ereg_desktop.presenters.restart_rate import CRASH_LOOP_RESTARTS, RestartRate
from ereg_desktop.services.status import CONNECTED, UNREACHABLE, AppStatus, ServerStatus


def status(at: float, restarts: int, state: str = "online", server: str = "s1") -> ServerStatus:
    app = AppStatus("gt", state, pid=10, restarts=restarts)
    return ServerStatus(server, CONNECTED, taken_at=at, apps={"gt": app})


def test_restarts_counted_over_the_last_hour_only() -> None:
    rate = RestartRate()
    rate.feed(status(0, 3))
    assert rate.last_hour("s1", "gt", 0) == 0  # one sample: nothing to compare with
    rate.feed(status(600, 10))
    assert rate.last_hour("s1", "gt", 600) == 7
    rate.feed(status(4000, 10))
    # the window starts at 400: the sample at 0 (3) is the last before it
    assert rate.last_hour("s1", "gt", 4000) == 7
    rate.feed(status(4300, 10))
    assert rate.last_hour("s1", "gt", 4300) == 0  # the restarts of minute 10 are over an hour old


def test_a_crash_loop_an_errored_app_and_a_quiet_one() -> None:
    rate = RestartRate()
    rate.feed(status(0, 0))
    rate.feed(status(10, CRASH_LOOP_RESTARTS))
    app = AppStatus("gt", "online", restarts=CRASH_LOOP_RESTARTS)
    loop = rate.health("s1", app, 10)
    assert loop.state == "crash loop" and loop.alarming and loop.text == "5 in the last hour"
    one = RestartRate()
    one.feed(status(0, 0))
    one.feed(status(10, 1))
    assert one.health("s1", app, 10).state == "restarting"
    assert not one.health("s1", app, 10).alarming
    errored = AppStatus("gt", "errored", restarts=0)
    assert one.health("s1", errored, 10).state == "errored"
    assert RestartRate().health("s1", app, 10).state == ""


def test_a_counter_that_goes_down_starts_over_and_unreachable_polls_add_nothing() -> None:
    rate = RestartRate()
    rate.feed(status(0, 40))
    rate.feed(status(10, 45))
    rate.feed(status(20, 2))  # `pm2 reset` or the app deleted and started again
    assert rate.last_hour("s1", "gt", 20) == 0
    rate.feed(ServerStatus("s1", UNREACHABLE, taken_at=30))
    rate.feed(status(40, 3))
    assert rate.last_hour("s1", "gt", 40) == 1
    rate.feed(status(40, 9))  # the same sample time again: ignored
    assert rate.last_hour("s1", "gt", 40) == 1
    assert rate.last_hour("s2", "gt", 40) == 0  # another server's app of the same name
