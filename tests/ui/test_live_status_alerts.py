"""The window's crash announcements through AlertEngine: once per event, a crash loop as such,
a stop by someone else announced and one by this window not."""

from __future__ import annotations

import pytest
from test_live_status import Clock, FakePoller, connected, online

from ereg_desktop.ui.live_status import LiveStatus
from ereg_desktop.ui.tasks import wait_for_workers


@pytest.fixture
def poller():
    return FakePoller()


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def live(qtbot, window, ctx, poller, clock):
    controller = LiveStatus(window, ctx, poller_factory=lambda: poller, clock=clock)
    poller.answers = [(connected(online("gt"), online("els"), online("crashy")), None)]
    with qtbot.waitSignal(controller.status_applied, timeout=5000):
        controller.start()
    yield controller
    controller.shutdown()
    poller.hold.set()
    wait_for_workers(5000)


def poll(qtbot, live, clock, *apps):
    clock.now += 10
    live.monitor.answers = [(connected(*apps), None)]
    with qtbot.waitSignal(live.status_applied, timeout=5000):
        live.refresh()


def test_stop_by_someone_else_once_and_by_this_window_not(qtbot, window, live, clock):
    window.deployment_write_running.emit("unctad", "gt", "stop")
    poll(qtbot, live, clock, online("gt", status="stopped"), online("els", status="stopped"),
         online("crashy"))  # fmt: skip
    assert [(c.app, c.message) for c in live.alerts] == [
        ("els", "els on unctad was stopped by someone else")
    ]
    assert "els on unctad was stopped by someone else" in window.statusBar().currentMessage()
    poll(qtbot, live, clock, online("gt", status="stopped"), online("els", status="stopped"),
         online("crashy"))  # fmt: skip
    assert len(live.alerts) == 1


def test_crash_loop_announced_once_as_such(qtbot, window, live, clock):
    for n in (1, 2, 8, 15, 20):
        poll(qtbot, live, clock, online("gt"), online("els"), online("crashy", restarts=n))
    messages = [c.message for c in live.alerts]
    assert messages[0] == "crashy on unctad crashed: restarted (restarts 0 \u2192 1)"
    assert len(messages) == 3 and "crash loop" in messages[-1]
    assert all(c.app == "crashy" for c in live.alerts)


class FakeNotifier:
    def __init__(self) -> None:
        self.shown: list[tuple[str, str]] = []

    def notify(self, title: str, text: str, *, urgent: bool = True) -> None:
        self.shown.append((title, text))


def test_a_crash_is_notified_once_when_the_window_is_not_in_front(qtbot, window, live, clock):
    live.live_alerts.notifier = notifier = FakeNotifier()
    window.isActiveWindow = lambda: False  # the operator is in another window
    poll(qtbot, live, clock, online("gt", restarts=1), online("els"), online("crashy"))
    poll(qtbot, live, clock, online("gt", restarts=1), online("els"), online("crashy"))
    assert notifier.shown == [
        ("ereg-desktop", "gt on unctad crashed: restarted (restarts 0 \u2192 1)")
    ]


def test_a_crash_pushed_by_the_agent_is_announced_at_once_and_once(qtbot, window, live, clock):
    import threading

    from ereg_desktop.services.pm2_events import ProcessEvent

    event = ProcessEvent("unctad", "els", "exit", False, clock.now + 1)
    # from another thread, as the agent's reader delivers it
    threading.Thread(target=live._from_agent, args=(event,)).start()
    qtbot.waitUntil(lambda: len(live.alerts) == 1, timeout=5000)
    assert live.alerts[0].app == "els" and "crashed" in live.alerts[0].message
    assert "els on unctad crashed" in window.statusBar().currentMessage()
    # the next snapshot shows the restart the event already told of: no second announcement
    poll(qtbot, live, clock, online("gt"), online("els", restarts=1), online("crashy"))
    assert len(live.alerts) == 1
