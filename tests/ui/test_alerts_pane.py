"""The window's alert log: every kind the engine makes, announced once through the window (polls,
the 1-s tick for the grace times, failed polls), silences from the pane reaching the engine, the
webhook posted on a worker (a failure told once), an update from the window expected."""

from __future__ import annotations

import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from deploy_fixtures import FakeNotifier, ScriptedRun, result
from PySide6.QtGui import QColor, QGuiApplication
from test_live_status import Clock, FakePoller, connected, online, unreachable

from ereg_desktop.presenters.alert_log import NOTE
from ereg_desktop.services.alerts import (
    CRASH,
    CRASH_LOOP,
    MEMORY_HIGH,
    SERVER_BACK,
    SERVER_UNREACHABLE,
    STOPPED_ELSEWHERE,
)
from ereg_desktop.services.deploy.workflow import AppState, Outcome
from ereg_desktop.store.alert_settings import ABSOLUTE, AlertPrefs
from ereg_desktop.ui.alerts_pane import KIND, MESSAGE, SYSTEM, URGENT_COLOUR
from ereg_desktop.ui.live_status import OWN_WRITE_S, LiveStatus
from ereg_desktop.ui.systems_model import PRODUCTION
from ereg_desktop.ui.tasks import wait_for_workers

APPS = ("gt", "els", "crashy")


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def poller():
    return FakePoller()


@pytest.fixture
def details():
    """Whether the window has its details pane (the alerts are a tab beside it then)."""
    return False


@pytest.fixture
def live(qtbot, window, ctx, poller, clock, details):
    if details:
        window.add_details_pane()
    controller = LiveStatus(window, ctx, poller_factory=lambda: poller, clock=clock)
    controller.live_alerts.notifier = FakeNotifier()
    controller.follow_updates(window.deployment)
    pane = window.add_alerts_pane(controller.live_alerts.log)
    controller.live_alerts.show_in(pane)
    poller.answers = [(connected(*(online(a) for a in APPS)), None)]
    with qtbot.waitSignal(controller.status_applied, timeout=5000):
        controller.start()
    yield controller
    controller.shutdown()
    poller.hold.set()
    wait_for_workers(5000)


def poll(qtbot, live, clock, status, advance=10.0):
    clock.now += advance
    live.monitor.answers = [(status, None)]
    with qtbot.waitSignal(live.status_applied, timeout=5000):
        live.refresh()


def apps(**changed):
    """Every app online, some with changes: ``gt=dict(restarts=1)``."""
    return connected(*(online(a, **changed.get(a, {})) for a in APPS))


def kinds(live):
    return [e.kind for e in live.live_alerts.log.entries]


def pane_of(window):
    from PySide6.QtWidgets import QDockWidget

    return window.findChild(QDockWidget, "alertsDock").widget()


def test_the_dock_is_in_the_view_menu_with_its_shortcut(qtbot, window, live):
    toggle = next(a for a in window.view_menu.actions() if a.text() == "&Alerts")
    assert toggle.shortcut().toString() == "Ctrl+Shift+A"
    dock = pane_of(window).parentWidget()
    assert dock.isVisible()
    toggle.trigger()
    assert not dock.isVisible()
    assert window.add_alerts_pane(live.live_alerts.log) is pane_of(window)  # built once


def test_every_kind_reaches_the_log_newest_first_urgent_marked(qtbot, window, live, clock):
    live.live_alerts.apply(AlertPrefs(memory_rule=ABSOLUTE, memory_limit_mb=100))  # 150 MB used
    poll(qtbot, live, clock, apps(gt=dict(restarts=1)))
    poll(qtbot, live, clock, apps(gt=dict(restarts=1), els=dict(status="stopped")))
    for n in (2, 3, 4):
        poll(qtbot, live, clock, apps(gt=dict(restarts=n), els=dict(status="stopped")))
    assert kinds(live).count(MEMORY_HIGH) == 3  # each app once, not once per poll
    assert kinds(live).count(CRASH_LOOP) == 1 and kinds(live).count(STOPPED_ELSEWHERE) == 1
    assert kinds(live)[-1] in (CRASH, MEMORY_HIGH)  # the first ones at the bottom
    pane = pane_of(window)
    top = pane.list.topLevelItem(0)
    assert top.text(SYSTEM) == "unctad/gt" and "crash loop" in top.text(MESSAGE)
    assert top.foreground(KIND).color() == QColor(URGENT_COLOUR)
    memory = next(pane.list.topLevelItem(i) for i in range(pane.list.topLevelItemCount())
                  if pane.list.topLevelItem(i).text(KIND) == "memory high")  # fmt: skip
    assert memory.foreground(KIND).color() != QColor(URGENT_COLOUR)
    # memory goes to the log (and the notification), not the red status bar message
    assert "MB" not in window.statusBar().currentMessage()
    assert "crash loop" in window.statusBar().currentMessage()


def test_unreachable_after_the_grace_time_from_the_ticker_then_back(qtbot, window, live, clock):
    live.live_alerts.apply(AlertPrefs(grace_s=30))
    poll(qtbot, live, clock, unreachable("connection refused"), advance=1)
    assert SERVER_UNREACHABLE not in kinds(live)
    clock.now += 31  # no poll: the 1-s ticker notices the grace time is over
    qtbot.waitUntil(lambda: SERVER_UNREACHABLE in kinds(live), timeout=3000)
    entry = live.live_alerts.log.entries[0]
    assert entry.system == "unctad" and entry.urgent and "connection refused" in entry.alert.message
    poll(qtbot, live, clock, unreachable("connection refused"))
    assert kinds(live).count(SERVER_UNREACHABLE) == 1  # once per event
    poll(qtbot, live, clock, apps())
    assert kinds(live)[0] == SERVER_BACK


class FailingPoller(FakePoller):
    fail = False

    def poll(self, server):
        if self.fail:
            raise RuntimeError("the monitor broke")
        return super().poll(server)


def test_polls_that_fail_count_as_unreachable(qtbot, window, ctx, clock):
    poller = FailingPoller()
    poller.answers = [(connected(online("gt")), None)]
    live = LiveStatus(window, ctx, poller_factory=lambda: poller, clock=clock)
    try:
        with qtbot.waitSignal(live.status_applied, timeout=5000):
            live.start()
        live.live_alerts.apply(AlertPrefs(grace_s=20))  # after the saved ones were read
        poller.fail = True
        poll(qtbot, live, clock, connected(online("gt")), advance=1)
        clock.now += 21
        qtbot.waitUntil(lambda: SERVER_UNREACHABLE in kinds(live), timeout=3000)
        assert "the monitor broke" in live.live_alerts.log.entries[0].alert.message
    finally:
        live.shutdown()
        wait_for_workers(5000)


def test_silence_from_the_pane_until_unsilenced(qtbot, window, live, clock):
    poll(qtbot, live, clock, apps(gt=dict(restarts=1)))
    pane = pane_of(window)
    pane.list.topLevelItem(0).setSelected(True)
    menu = pane.context_menu()
    texts = [a.text() for a in menu.actions() if a.text()]
    assert texts[:3] == ["Silence this app for 1 hour", "Silence this app for 8 hours",
                         "Silence this app until tomorrow 08:00"]  # fmt: skip
    assert {"Unsilence", "Copy", "Clear"} <= set(texts)
    menu.actions()[0].trigger()
    assert live.alert_engine.silenced_until("unctad", "gt") == clock.now + 3600
    assert "unctad/gt until" in pane.silenced_label.text()
    poll(qtbot, live, clock, apps(gt=dict(restarts=2), els=dict(restarts=1)))
    assert [e.system for e in live.live_alerts.log.entries] == ["unctad/els", "unctad/gt"]
    pane.list.topLevelItem(1).setSelected(True)  # gt's again
    pane.list.topLevelItem(0).setSelected(False)
    assert pane.unsilence_button.isEnabled()
    pane.unsilence_button.click()
    assert live.alert_engine.silenced_until("unctad", "gt") is None
    assert pane.silenced_label.text() == ""
    poll(qtbot, live, clock, apps(gt=dict(restarts=3), els=dict(restarts=1)), advance=120)
    assert live.live_alerts.log.entries[0].system == "unctad/gt"


def test_copy_and_clear_and_the_unread_count(qtbot, window, live, clock):
    pane = pane_of(window)
    window.isActiveWindow = lambda: False  # the operator is elsewhere: nothing is seen
    counts: list[int] = []
    pane.count_changed.connect(counts.append)
    poll(qtbot, live, clock, apps(gt=dict(restarts=1)))
    poll(qtbot, live, clock, apps(gt=dict(restarts=1), els=dict(status="stopped")))
    assert pane.unread_count == 2 and counts == [1, 2]
    assert live.live_alerts.notifier.shown[0][1].startswith("gt on unctad crashed")
    pane.copy_button.click()  # nothing selected: every entry
    copied = QGuiApplication.clipboard().text().splitlines()
    assert len(copied) == 2 and "unctad/els  stopped: els on unctad was stopped" in copied[0]
    pane.mark_read()
    assert pane.unread_count == 0 and counts[-1] == 0
    pane.clear_button.click()
    assert pane.list.topLevelItemCount() == 0 and not pane.clear_button.isEnabled()


class Hook(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.got.append(json.loads(body))  # type: ignore[attr-defined]
        self.server.arrived.set()  # type: ignore[attr-defined]
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def hook():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Hook)
    server.got, server.arrived = [], threading.Event()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_each_alert_is_posted_to_the_webhook(qtbot, window, live, clock, hook):
    live.live_alerts.set_webhook(f"http://127.0.0.1:{hook.server_address[1]}/services/T/B/x")
    poll(qtbot, live, clock, apps(gt=dict(restarts=1)))
    assert hook.arrived.wait(10)
    assert hook.got == [
        {"text": "ereg-desktop: gt on unctad crashed: restarted (restarts 0 \u2192 1)"}
    ]
    qtbot.waitUntil(lambda: live.live_alerts.posts_running == 0)
    assert NOTE not in kinds(live)


def test_a_webhook_that_fails_is_told_once_in_the_log(qtbot, window, live, clock):
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    live.live_alerts.set_webhook(f"http://127.0.0.1:{port}/secret-token-path")
    poll(qtbot, live, clock, apps(gt=dict(restarts=1)))
    poll(qtbot, live, clock, apps(gt=dict(restarts=1), els=dict(restarts=1)), advance=120)
    qtbot.waitUntil(lambda: live.live_alerts.posts_running == 0, timeout=15_000)
    notes = [e for e in live.live_alerts.log.entries if e.kind == NOTE]
    assert len(notes) == 1 and "127.0.0.1" in notes[0].alert.message
    assert "secret-token-path" not in notes[0].alert.message
    assert kinds(live).count(CRASH) == 2  # the alerts themselves are all in the log


def test_an_update_from_the_window_is_expected_until_it_ends(qtbot, window, live, clock):
    actions = window.deployment
    actions.notifier = FakeNotifier()
    ref = next(r.ref for r in window.model.rows(PRODUCTION) if r.app == "gt")
    run = ScriptedRun([], result(Outcome.DEPLOYED, AppState.UP))
    run.gate.clear()  # the update runs until the test lets it end
    dialog = actions.open_dialog(ref, run, reattached=False)
    # the stop and the start of the update: restarts and a stop, none alerted
    poll(qtbot, live, clock, apps(gt=dict(status="stopped")))
    poll(qtbot, live, clock, apps(gt=dict(restarts=1)), advance=600)  # a long npm run setup
    assert kinds(live) == []
    poll(qtbot, live, clock, apps(gt=dict(restarts=1), els=dict(restarts=1)))
    assert kinds(live) == [CRASH]  # another app's crash meanwhile is one
    with qtbot.waitSignal(dialog.run_finished, timeout=5000):
        run.gate.set()
    qtbot.waitUntil(lambda: live.alert_engine._running == {})  # told from the run's worker
    poll(qtbot, live, clock, apps(gt=dict(restarts=2), els=dict(restarts=1)),
         advance=OWN_WRITE_S - 10)  # fmt: skip
    assert kinds(live) == [CRASH]  # pm2's late restart of the update: still its own
    poll(qtbot, live, clock, apps(gt=dict(restarts=3), els=dict(restarts=1)), advance=30)
    assert kinds(live) == [CRASH, CRASH] and live.live_alerts.log.entries[0].system == "unctad/gt"


@pytest.mark.parametrize("details", [True])  # as ui/app.py builds them: a tab beside it
def test_screenshot_of_the_window_with_alerts_of_every_kind(qtbot, window, live, clock, screenshot):
    """``EREG_SCREENSHOTS=docs/screenshots`` writes ``docs/screenshots/alerts-pane.png``."""
    window.resize(1280, 800)
    window.isActiveWindow = lambda: False  # unread: counted on the tab
    live.live_alerts.apply(AlertPrefs(grace_s=30, memory_rule=ABSOLUTE, memory_limit_mb=140))
    poll(qtbot, live, clock, apps(crashy=dict(restarts=1)))
    for n in (2, 3):
        poll(qtbot, live, clock, apps(crashy=dict(restarts=n)))
    poll(qtbot, live, clock, apps(crashy=dict(restarts=3), els=dict(status="stopped")))
    poll(qtbot, live, clock, unreachable("connection timed out"), advance=5)
    clock.now += 31
    qtbot.waitUntil(lambda: SERVER_UNREACHABLE in kinds(live), timeout=3000)
    poll(qtbot, live, clock, apps(crashy=dict(restarts=3), els=dict(status="stopped")))
    live.live_alerts.log.note("webhook", "", "Alerts are not reaching the webhook: the alert "
                              "webhook at hooks.slack.com answered HTTP 404", clock.now)  # fmt: skip
    pane = pane_of(window)
    live.live_alerts.silence("unctad", "gt", clock.now + 3600)
    pane.refresh()
    got = set(kinds(live))
    assert {CRASH, CRASH_LOOP, STOPPED_ELSEWHERE, MEMORY_HIGH, SERVER_UNREACHABLE, SERVER_BACK,
            NOTE} <= got  # fmt: skip
    pane.list.topLevelItem(2).setSelected(True)
    dock = pane.parentWidget()
    assert pane.unread_count == 10 and dock.windowTitle() == "Alerts (10)"
    dock.raise_()
    qtbot.waitUntil(lambda: pane.list.topLevelItemCount() == len(live.live_alerts.log.entries))
    screenshot(window, "alerts-pane")
