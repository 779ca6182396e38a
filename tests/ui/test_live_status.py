"""The live-status controller with a fake poller: background delivery, one poll in flight per
server, stale figures kept, status bar texts, crash alerts, host-key pauses, settings."""

from __future__ import annotations

import threading

import pytest
from PySide6.QtWidgets import QLineEdit

from ereg_desktop.presenters.server_state import NO_KEY_TEXT
from ereg_desktop.remote.errors import ChangedHostKey, UnknownHostKey, Unreachable
from ereg_desktop.services.status import CONNECTED, UNREACHABLE, AppStatus, ServerStatus
from ereg_desktop.store.settings import load_settings
from ereg_desktop.ui.app import AfterFirstPaint
from ereg_desktop.ui.live_status import LiveStatus
from ereg_desktop.ui.systems_model import PID, PRODUCTION, RESTARTS, STATUS
from ereg_desktop.ui.tasks import wait_for_workers

NOW = 1_800_000_000.0


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> float:
        return self.now


class FakePoller:
    """Answers from a script; ``hold`` keeps every poll waiting (to see the in-flight guard)."""

    def __init__(self) -> None:
        self.answers: list[tuple[ServerStatus, Exception | None]] = []
        self.calls: list[str] = []
        self.hold = threading.Event()
        self.hold.set()
        self._problem: Exception | None = None
        self._lock = threading.Lock()

    def poll(self, server):
        with self._lock:
            self.calls.append(server.id)
        assert threading.current_thread() is not threading.main_thread()
        self.hold.wait(10)
        with self._lock:
            status, self._problem = (
                self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
            )
        return status

    def problem(self, server_id):
        return self._problem


def online(app, pid=100, restarts=0, status="online"):
    return AppStatus(app, status, pid, restarts, 0, 3600.0, 150 * 1024 * 1024, 2.5)


def connected(*apps, taken_at=NOW):
    return ServerStatus("unctad", CONNECTED, taken_at=taken_at, apps={a.app: a for a in apps})


def unreachable(reason="timeout", taken_at=NOW):
    return ServerStatus("unctad", UNREACHABLE, reason=reason, taken_at=taken_at)


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def poller():
    return FakePoller()


@pytest.fixture
def live(qtbot, window, ctx, poller, clock):
    controller = LiveStatus(window, ctx, poller_factory=lambda: poller, clock=clock)
    yield controller
    controller.shutdown()
    poller.hold.set()
    wait_for_workers(5000)


def started(qtbot, live):
    with qtbot.waitSignal(live.status_applied, timeout=5000):
        live.start()


def label_text(window, server_id="unctad"):
    return window._server_labels[server_id].text()


def gt_cell(window, column):
    model = window.model
    for number, row in enumerate(model.rows(PRODUCTION)):
        if row.app == "gt":
            return model.index(number, column, model.category_index(PRODUCTION)).data()
    raise AssertionError("no gt row")


def test_results_arrive_from_a_worker_and_update_rows_in_place(qtbot, window, live, poller):
    poller.answers = [(connected(online("gt", pid=4242), online("els")), None)]
    tree = window.tree
    first = window.filter_model.index(0, 0, window.filter_model.index(PRODUCTION, 0))
    tree.setCurrentIndex(first)
    selected_before = window.selected_row()
    started(qtbot, live)
    assert gt_cell(window, PID) == "4242"
    assert gt_cell(window, STATUS) == "online"
    assert window.selected_row() is selected_before  # rows changed in place, selection kept
    assert label_text(window) == "unctad: connected \u00b7 0.0 s ago"


def test_status_bar_age_advances(qtbot, window, live, poller, clock):
    poller.answers = [(connected(online("gt")), None)]
    started(qtbot, live)
    clock.now += 0.2
    live._show_all_states()
    assert label_text(window) == "unctad: connected \u00b7 0.2 s ago"
    clock.now += 45
    live._show_all_states()
    assert label_text(window) == "unctad: connected \u00b7 45 s ago"


def test_at_most_one_poll_in_flight_per_server(qtbot, live, poller):
    poller.answers = [(connected(online("gt")), None)]
    poller.hold.clear()
    live.start()
    qtbot.waitUntil(lambda: poller.calls == ["unctad"], timeout=5000)
    live.refresh()
    live.refresh(manual=True)
    assert live.in_flight("unctad")
    assert poller.calls == ["unctad"]
    with qtbot.waitSignal(live.status_applied, timeout=5000):
        poller.hold.set()
    assert not live.in_flight("unctad")
    with qtbot.waitSignal(live.status_applied, timeout=5000):
        live.refresh()
    assert poller.calls == ["unctad", "unctad"]


def test_connecting_is_shown_before_the_first_answer(qtbot, window, live, poller):
    poller.answers = [(connected(online("gt")), None)]
    poller.hold.clear()
    live.start()
    qtbot.waitUntil(lambda: poller.calls == ["unctad"], timeout=5000)
    assert label_text(window) == "unctad: connecting\u2026"
    with qtbot.waitSignal(live.status_applied, timeout=5000):
        poller.hold.set()


def test_unreachable_keeps_the_last_figures_as_stale(qtbot, window, live, poller, clock):
    server = window.ctx.inventory.server("unctad")
    poller.answers = [(connected(online("gt", pid=77, restarts=3)), None)]
    started(qtbot, live)
    clock.now += 30
    reason = "no SSH conversation (timeout)"
    poller.answers = [(unreachable(reason, taken_at=clock.now), Unreachable(server, reason))]
    with qtbot.waitSignal(live.status_applied, timeout=5000) as blocker:
        live.refresh()
    shown = blocker.args[0]
    assert shown.state == UNREACHABLE and shown.taken_at == NOW and "gt" in shown.apps
    assert gt_cell(window, STATUS) == "unreachable"
    assert gt_cell(window, PID) == "77" and gt_cell(window, RESTARTS) == "3"
    row = next(r for r in window.model.rows(PRODUCTION) if r.app == "gt")
    assert row.stale
    assert label_text(window) == f"unctad: unreachable: {reason} \u00b7 figures 30 s old"
    tooltip = window._server_labels["unctad"].toolTip()
    assert reason in tooltip


def test_unreachable_without_earlier_figures_shows_no_age(qtbot, window, live, poller):
    server = window.ctx.inventory.server("unctad")
    poller.answers = [(unreachable("refused"), Unreachable(server, "connection refused"))]
    started(qtbot, live)
    assert label_text(window) == "unctad: unreachable: connection refused"
    row = next(r for r in window.model.rows(PRODUCTION) if r.app == "gt")
    assert not row.stale and row.status_cells()[0] == "unreachable"


def test_long_reasons_are_cut_in_the_status_bar_and_whole_in_the_tooltip(
    qtbot, window, live, poller
):
    server = window.ctx.inventory.server("unctad")
    reason = "x" * 300
    poller.answers = [(unreachable(reason), Unreachable(server, reason))]
    started(qtbot, live)
    assert len(label_text(window)) < 130 and label_text(window).endswith("\u2026")
    assert reason in window._server_labels["unctad"].toolTip()


def test_no_key_stored_says_where_to_get_one(qtbot, window, live, poller):
    from ereg_desktop.services.keys import NoKeyStored

    poller.answers = [(unreachable("no key"), NoKeyStored("unctad"))]
    started(qtbot, live)
    assert label_text(window) == f"unctad: unreachable: {NO_KEY_TEXT}"


def test_a_crash_between_two_polls_is_announced(qtbot, window, live, poller):
    poller.answers = [(connected(online("gt", restarts=1), online("els")), None)]
    started(qtbot, live)
    assert live.alerts == []
    poller.answers = [(connected(online("gt", restarts=2), online("els", status="errored")), None)]
    with qtbot.waitSignal(live.crash_detected, timeout=5000):
        live.refresh()
    assert [(c.app, c.server_id) for c in live.alerts] == [("gt", "unctad"), ("els", "unctad")]
    message = window.statusBar().currentMessage()
    assert "gt on unctad crashed: restarted (restarts 1 \u2192 2)" in message
    assert "els on unctad crashed: errored" in message


def test_unknown_host_key_pauses_polls_until_trusted(qtbot, window, live, poller):
    server = window.ctx.inventory.server("unctad")
    problem = UnknownHostKey(server, "ssh-ed25519", "SHA256:abcDEF123")
    poller.answers = [(unreachable(problem.reason), problem)]
    pinned: list[str] = []
    live.pin_host_key = lambda srv, fp: pinned.append(fp)
    with qtbot.waitSignal(live.host_key_asked, timeout=5000) as asked:
        live.start()
    dialog = asked.args[0]
    assert dialog.isVisible() and not dialog.isModal()
    assert dialog.findChild(QLineEdit, "fingerprint").text() == "SHA256:abcDEF123"
    assert live.paused("unctad")
    calls = len(poller.calls)
    live.refresh()
    live.refresh(manual=True)  # the dialog is still open: no new poll
    assert len(poller.calls) == calls
    assert "unknown host key" in label_text(window)

    poller.answers = [(connected(online("gt", pid=5)), None)]
    with qtbot.waitSignal(live.status_applied, timeout=5000):
        dialog.trust_button.click()
    assert pinned == ["SHA256:abcDEF123"]
    assert not live.paused("unctad") and gt_cell(window, PID) == "5"


def test_a_declined_host_key_is_asked_again_on_manual_refresh(qtbot, window, live, poller):
    server = window.ctx.inventory.server("unctad")
    problem = UnknownHostKey(server, "ssh-ed25519", "SHA256:abc")
    poller.answers = [(unreachable(problem.reason), problem)]
    with qtbot.waitSignal(live.host_key_asked, timeout=5000) as asked:
        live.start()
    asked.args[0].reject()
    assert live.paused("unctad") and "Refresh (F5)" in label_text(window)
    calls = len(poller.calls)
    live.refresh()  # the timer does not ask again
    assert len(poller.calls) == calls
    with qtbot.waitSignal(live.host_key_asked, timeout=5000):
        live.refresh_action.trigger()


def test_changed_host_key_has_no_trust_button(qtbot, window, live, poller):
    server = window.ctx.inventory.server("unctad")
    problem = ChangedHostKey(server, "SHA256:old", "SHA256:new")
    poller.answers = [(connected(online("gt", pid=9)), None)]
    started(qtbot, live)
    poller.answers = [(unreachable(problem.reason), problem)]
    with qtbot.waitSignal(live.host_key_asked, timeout=5000) as asked:
        live.refresh()
    dialog = asked.args[0]
    assert dialog.trust_button is None and dialog.changed
    assert gt_cell(window, STATUS) == "unreachable" and gt_cell(window, PID) == "9"
    assert "HOST KEY CHANGED" in label_text(window)
    pinned: list[str] = []
    live.pin_host_key = lambda srv, fp: pinned.append(fp)
    # the dialog took the pin function when it was built: rebuild through a declined round
    dialog.reject()
    with qtbot.waitSignal(live.host_key_asked, timeout=5000) as asked:
        live.refresh(manual=True)
    dialog = asked.args[0]
    assert not dialog.retrust_button.isEnabled()
    dialog.fingerprint_entry.setText("  SHA256:new ")
    poller.answers = [(connected(online("gt", pid=10)), None)]
    with qtbot.waitSignal(live.status_applied, timeout=5000):
        dialog.retrust_button.click()
    assert pinned == ["SHA256:new"]
    assert gt_cell(window, PID) == "10"


def test_refresh_interval_is_saved_and_used(qtbot, window, ctx, live, poller):
    poller.answers = [(connected(online("gt")), None)]
    started(qtbot, live)
    assert live.timer.interval() == 10_000 and live.timer.isActive()
    dialog = live.ask_interval()
    dialog.setIntValue(3)
    dialog.accept()
    assert live.timer.interval() == 3000
    # written on a worker: the GUI thread never waits on the disk
    qtbot.waitUntil(lambda: load_settings(ctx.paths.settings_file).refresh_interval_s == 3)
    again = LiveStatus(window, ctx, poller_factory=lambda: poller)
    again.start()  # the saved settings are read on the worker that builds the monitor
    qtbot.waitUntil(lambda: again.timer.interval() == 3000)


def test_the_timer_polls_in_the_background(qtbot, window, live, poller):
    poller.answers = [(connected(online("gt")), None)]
    started(qtbot, live)
    live.timer.setInterval(50)
    qtbot.waitUntil(lambda: len(poller.calls) >= 3, timeout=5000)


def test_polling_starts_after_the_first_paint(qtbot, ctx, poller):
    from ereg_desktop.ui.main_window import MainWindow

    poller.answers = [(connected(online("gt")), None)]
    w = MainWindow(ctx)
    qtbot.addWidget(w)
    built: list[bool] = []

    def factory():
        built.append(True)
        return poller

    controller = LiveStatus(w, ctx, poller_factory=factory)
    hook = AfterFirstPaint(controller.start)
    w.installEventFilter(hook)
    assert built == []
    with qtbot.waitSignal(controller.status_applied, timeout=5000):
        w.show()
    assert built == [True]
    controller.shutdown()


def test_a_monitor_that_cannot_start_says_why(qtbot, window, ctx):
    from ereg_desktop.store.secrets import NoKeyring

    def factory():
        raise NoKeyring("Python's keyring found no backend")

    controller = LiveStatus(window, ctx, poller_factory=factory)
    with qtbot.waitSignal(controller.monitor_failed, timeout=5000):
        controller.start()
    assert label_text(window) == "unctad: no OS keyring: see Server > SSH key\u2026"
    assert "Secret Service" in window._server_labels["unctad"].toolTip()
    controller.shutdown()


def test_actions_are_in_the_menus(window, live):
    assert live.refresh_action in window.view_menu.actions()
    assert live.keys_action in window.server_menu.actions()
    assert live.refresh_action.shortcut().toString() == "F5"
    assert window.reload_action.shortcut().toString() != "F5"
