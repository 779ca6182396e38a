"""Live pm2 status in the window: background polls, the status bar, crash alerts, host-key prompts.

Nothing here runs SSH on the GUI thread: ``ui/app.py`` builds this after the window's first paint,
and the monitor (paramiko, keyring) is built on a worker. Each server has at most one poll in
flight; its result is applied on the GUI thread with ``window.apply_status`` (rows change in
place). What is known of each server lives in ``presenters/server_state.py``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QApplication, QInputDialog

from ereg_desktop.context import AppContext
from ereg_desktop.presenters.server_state import CONNECTING_TEXT, ServerStates
from ereg_desktop.remote.errors import HostKeyProblem
from ereg_desktop.services.alerts import (
    CRASH,
    CRASH_LOOP,
    RESTARTED_ELSEWHERE,
    STOPPED_ELSEWHERE,
    AlertEngine,
)
from ereg_desktop.services.crashes import Crash
from ereg_desktop.services.pm2_events import ModeChanged, Snapshot
from ereg_desktop.services.status import ServerStatus
from ereg_desktop.store.inventory import Server
from ereg_desktop.store.settings import (
    MAX_REFRESH_S,
    MIN_REFRESH_S,
    Settings,
    load_settings,
    save_settings,
)
from ereg_desktop.ui.host_key_prompts import HostKeyPrompts, PinHostKey, pin_with_pool
from ereg_desktop.ui.notify import Notifier
from ereg_desktop.ui.passphrase_prompt import PassphrasePrompt
from ereg_desktop.ui.tasks import POLL, run_task
from ereg_desktop.ui.window_api import WindowApi

if TYPE_CHECKING:
    from ereg_desktop.remote.connection import ConnectionPool
    from ereg_desktop.ui.host_key_dialog import HostKeyDialog
    from ereg_desktop.ui.keys_dialog import KeysDialog

CRASH_MESSAGE_MS = 30_000


class Poller(Protocol):
    """What the window needs of :class:`ereg_desktop.services.monitor.Monitor`."""

    def poll(self, server: Server) -> ServerStatus: ...

    def problem(self, server_id: str) -> Exception | None: ...


# Builds the poller; runs on a worker thread (the real one imports paramiko and keyring).
PollerFactory = Callable[[], Poller]
# What the worker that builds the monitor hands back: the poller, its connection pool (None for
# a poller without one, as in tests) and the saved settings.
Built = tuple[Poller, "ConnectionPool | None", Settings]


def _pool_of(poller: Poller) -> ConnectionPool | None:
    from ereg_desktop.services.agent_monitor import AgentMonitor
    from ereg_desktop.services.monitor import Monitor  # on the worker, as the monitor itself

    return poller.pool if isinstance(poller, Monitor | AgentMonitor) else None


# what the window announces of the engine's alerts (memory and reachability: not yet)
WINDOW_ALERTS = frozenset({CRASH, CRASH_LOOP, STOPPED_ELSEWHERE, RESTARTED_ELSEWHERE})
OWN_WRITE_S = 90.0  # a restart waits up to a minute for the app to be stable


class LiveStatus(QObject):
    """The window's live-status controller. Create it on the GUI thread, then :meth:`start`.
    What it knows of each server is in :attr:`states`; this side runs timers, workers, dialogs."""

    status_applied = Signal(object)  # the ServerStatus given to the window
    crash_detected = Signal(object)  # Crash
    agent_event = Signal(object)  # a pm2_events event pushed by a server's agent (any thread)
    monitor_failed = Signal(str)

    def __init__(
        self,
        window: WindowApi,
        ctx: AppContext,
        poller_factory: PollerFactory | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(window.as_widget())
        self.window = window
        self.ctx = ctx
        self.settings = Settings()  # the saved ones are read on the worker that builds the monitor
        self._settings_chosen = False  # the operator set the interval before they were read
        self.passphrase_prompt = PassphrasePrompt(window.as_widget())
        ctx.set_passphrase_source(self.passphrase_prompt)
        self._factory = poller_factory or self._build_monitor
        self.states = ServerStates(clock)
        self.monitor: Poller | None = None
        self.pool: ConnectionPool | None = None
        # read when a dialog is built (tests pin without a server)
        self.pin_host_key: PinHostKey = lambda server, fp: pin_with_pool(self.pool, server, fp)
        self.alerts: list[Crash] = []
        # crashes, crash loops and stops by someone else, once per event; this window's own
        # restarts and stops (DeploymentActions.write_running) are expected, not alerted
        self.alert_engine = AlertEngine(clock=clock)
        self.agent_event.connect(self._agent_pushed, Qt.ConnectionType.QueuedConnection)
        # told while the window is not in front (ui/app.py gives the desktop's; tests their own)
        self.notifier: Notifier | None = None
        self._clock = clock
        running = getattr(window, "deployment_write_running", None)
        if running is not None:
            running.connect(self.expect_write)
        self._starting = False
        self._closed = False
        self.host_keys = HostKeyPrompts(window, self.states)
        self.host_key_asked = self.host_keys.asked  # the HostKeyDialog shown
        self.host_keys.trusted.connect(self.poll)
        self.host_keys.changed.connect(self._show_state)
        self._keys_dialog: KeysDialog | None = None

        self.timer = QTimer(self)
        self.timer.setInterval(self.settings.refresh_interval_s * 1000)
        self.timer.timeout.connect(self.refresh)
        self._ticker = QTimer(self)  # ages in the status bar
        self._ticker.setInterval(1000)
        self._ticker.timeout.connect(self._show_all_states)
        self._make_actions()
        window.inventory_reloaded.connect(self._inventory_reloaded)

    # --- actions -----------------------------------------------------------------------------

    def _make_actions(self) -> None:
        w, parent = self.window, self.window.as_widget()
        self.refresh_action = QAction("Refresh status", parent)
        self.refresh_action.setShortcut(QKeySequence("F5"))
        self.refresh_action.setToolTip("Ask every server for its pm2 status now (F5)")
        self.refresh_action.triggered.connect(lambda: self.refresh(manual=True))
        self.interval_action = QAction("Refresh interval\u2026", parent)
        self.interval_action.triggered.connect(self.ask_interval)
        self.keys_action = QAction("SSH key\u2026", parent)
        self.keys_action.setToolTip("Import or generate the SSH key for a server")
        self.keys_action.triggered.connect(self.show_keys_dialog)
        w.view_menu.addActions([self.refresh_action, self.interval_action])
        w.server_menu.addAction(self.keys_action)
        w.toolbar.addSeparator()
        w.toolbar.addAction(self.refresh_action)

    # --- start and stop ----------------------------------------------------------------------

    def start(self) -> None:
        """Build the monitor on a worker, then poll every server and keep polling."""
        if self._closed or self.monitor is not None or self._starting:
            return
        self._starting = True
        for server in self.ctx.inventory.servers:
            self._set_state(server.id, CONNECTING_TEXT)
        factory, settings_file, ctx = self._factory, self.ctx.paths.settings_file, self.ctx

        def build(_progress: object) -> Built:
            poller = factory()
            ctx.deploy_settings  # noqa: B018 - read here, on the worker, not at the first update
            return poller, _pool_of(poller), load_settings(settings_file)

        run_task(build, receiver=self, on_result=self._monitor_built,
                 on_error=self._monitor_not_built)  # fmt: skip

    def _build_monitor(self) -> Poller:
        from ereg_desktop.services import monitor  # paramiko, cryptography, keyring: on a worker
        from ereg_desktop.services.agent_monitor import AgentMonitor

        # the server-side agent where it runs (its snapshots and pushed events: a crash is
        # announced as it happens), `pm2 jlist` polls otherwise
        return AgentMonitor(monitor.attach(self.ctx, self.passphrase_prompt), self._from_agent)

    def _from_agent(self, event: object) -> None:
        """On an agent's thread: to the GUI thread (a queued signal), snapshots excepted (they
        arrive as the refresh's answer)."""
        if isinstance(event, Snapshot):
            return
        try:
            self.agent_event.emit(event)
        except RuntimeError:  # the window is gone: nothing to announce to
            pass

    def _agent_pushed(self, event: object) -> None:
        if self._closed:
            return
        if isinstance(event, ModeChanged):
            self._show_state(event.server_id)
        self._report_crashes([Crash(a.server, a.app, a.message)
                              for a in self.alert_engine.feed(event) if a.kind in WINDOW_ALERTS])  # fmt: skip

    def _monitor_built(self, built: Built) -> None:
        poller, pool, settings = built
        self._starting = False
        self.states.start_error = None
        if self._closed:
            return
        self.monitor, self.pool = poller, pool
        self.states.monitor_ready = True
        if not self._settings_chosen:
            self.settings = settings
            self.timer.setInterval(settings.refresh_interval_s * 1000)
        self.timer.start()
        self._ticker.start()
        self.refresh()

    def _monitor_not_built(self, error: BaseException) -> None:
        self._starting = False
        self.states.start_error = str(error)
        self.monitor_failed.emit(str(error))
        for server in self.ctx.inventory.servers:
            self._show_state(server.id)

    def shutdown(self) -> None:
        """The window closes: stop polling, release workers waiting for a passphrase."""
        self._closed = True
        self.timer.stop()
        self._ticker.stop()
        self.passphrase_prompt.release_all()
        self.host_keys.close_all()

    def close_connections(self) -> None:
        """After the thread pool is done: close the SSH connections."""
        stop = getattr(self.monitor, "stop", None)  # the agents' channels (AgentMonitor)
        if callable(stop):
            stop()
        if self.pool is not None:
            self.pool.close()

    # --- polling -----------------------------------------------------------------------------

    def refresh(self, manual: bool = False) -> None:
        """Poll every server that has no poll in flight. ``manual``: also skip the backoff and
        ask again about a host key the operator put off."""
        if self._closed:
            return
        if self.monitor is None:
            self.start()
            return
        pool = self.pool
        for server in self.ctx.inventory.servers:
            before = None
            if manual:
                if not self.host_keys.is_open(server.id):
                    self.states.ask_again(server.id)
                if pool is not None:
                    server_id = server.id
                    before = lambda pool=pool, server_id=server_id: pool.retry_now(server_id)  # noqa: E731
            self.poll(server, before)

    def poll(self, server: Server, before: Callable[[], object] | None = None) -> bool:
        """Start a poll of ``server`` unless one is in flight or it waits for a host-key answer.
        ``before`` runs on the worker first (pool calls take the server's lock: never on the GUI
        thread, where a connect in progress would stall it)."""
        monitor = self.monitor
        if monitor is None or self._closed or not self.states.may_poll(server.id):
            return False
        state = self.states[server.id]
        state.in_flight = True
        if state.shown is None or not self._is_connected(server.id):
            self._set_state(server.id, CONNECTING_TEXT)

        def work(_progress: object) -> ServerStatus:
            if before is not None:
                before()
            return monitor.poll(server)

        run_task(
            work,
            kind=POLL,
            receiver=self,
            on_result=lambda status: self._polled(server, status),
            on_error=lambda error: self._poll_failed(server, error),
        )
        return True

    def in_flight(self, server_id: str) -> bool:
        return self.states[server_id].in_flight

    def paused(self, server_id: str) -> bool:
        return self.states[server_id].paused

    def _is_connected(self, server_id: str) -> bool:
        if self.pool is None:
            return self.states[server_id].shown_connected
        return self.pool.is_connected(server_id)

    def _polled(self, server: Server, status: ServerStatus) -> None:
        if self._closed or self.ctx.inventory.server(server.id) is None:
            self.states[server.id].in_flight = False
            return
        problem = self.monitor.problem(server.id) if self.monitor is not None else None
        shown, _compared = self.states.polled(status, problem)
        self._report_crashes(self._alerts(status))
        self._apply(shown)
        if isinstance(problem, HostKeyProblem):
            self.host_keys.ask(server, problem, self.pin_host_key)

    def _poll_failed(self, server: Server, error: BaseException) -> None:
        if self._closed:
            self.states[server.id].in_flight = False
            return
        self._apply(self.states.poll_failed(server.id, error))

    def _apply(self, status: ServerStatus) -> None:
        self.window.apply_status(status)
        self._show_state(status.server_id)
        self.status_applied.emit(status)

    # --- the status bar ----------------------------------------------------------------------

    def _show_state(self, server_id: str) -> None:
        connected = self.pool.is_connected(server_id) if self.pool is not None else None
        text, detail = self.states.state_text(server_id, connected)
        mode_text = getattr(self.monitor, "mode_text", None)  # "agent" or "polling (why)"
        if callable(mode_text) and text.startswith("connected"):
            text = f"{text} \u00b7 {mode_text(server_id)}"
        self._set_state(server_id, text, detail)

    def _set_state(self, server_id: str, text: str, detail: str = "") -> None:
        self.window.set_server_state(server_id, text, detail)

    def _show_all_states(self) -> None:
        for server in self.ctx.inventory.servers:
            self._show_state(server.id)
        self.window.model.tick()

    def _inventory_reloaded(self) -> None:
        self.states.keep_only(s.id for s in self.ctx.inventory.servers)
        self._show_all_states()
        if self.monitor is not None:
            for server in self.ctx.inventory.servers:
                if self.states[server.id].shown is None:
                    self.poll(server)

    # --- crashes -----------------------------------------------------------------------------

    def expect_write(self, server_id: str, app: str, verb: str) -> None:
        """This window runs ``verb`` on ``app`` (now, and again when it ended)."""
        self.alert_engine.expect(server_id, app, verb, self._clock() + OWN_WRITE_S)

    def _alerts(self, status: ServerStatus) -> list[Crash]:
        return [Crash(a.server, a.app, a.message) for a in self.alert_engine.feed(status)
                if a.kind in WINDOW_ALERTS]  # fmt: skip

    def _report_crashes(self, crashes: list[Crash]) -> None:
        if not crashes:
            return
        self.alerts.extend(crashes)
        text = "\u26a0 " + "; ".join(c.message for c in crashes)
        self.window.statusBar().showMessage(text, CRASH_MESSAGE_MS)
        if not self.window.isActiveWindow():
            QApplication.alert(self.window.as_widget())  # taskbar flash where the platform has one
            if self.notifier is not None:  # the tray or notify-send: once per event
                self.notifier.notify("ereg-desktop", "; ".join(c.message for c in crashes))
        for crash in crashes:
            self.crash_detected.emit(crash)

    # --- host keys ---------------------------------------------------------------------------

    def host_key_dialog(self, server_id: str) -> HostKeyDialog | None:
        return self.host_keys.dialog(server_id)

    # --- settings and keys -------------------------------------------------------------------

    def set_refresh_interval(self, seconds: int) -> None:
        self._settings_chosen = True
        self.settings = self.settings.with_refresh_interval(seconds)
        self.timer.setInterval(self.settings.refresh_interval_s * 1000)
        path, settings = self.ctx.paths.settings_file, self.settings
        run_task(
            lambda _progress: save_settings(path, settings),
            receiver=self,
            on_result=lambda _value: None,
            on_error=lambda exc: self.window.statusBar().showMessage(
                f"The refresh interval could not be saved: {exc}", 8000
            ),
        )
        self.window.statusBar().showMessage(
            f"Status refreshed every {self.settings.refresh_interval_s} s", 4000
        )

    def ask_interval(self) -> QInputDialog:
        dialog = QInputDialog(self.window.as_widget())
        dialog.setWindowTitle("Refresh interval")
        dialog.setLabelText("Ask every server for its pm2 status every (seconds):")
        dialog.setInputMode(QInputDialog.InputMode.IntInput)
        dialog.setIntRange(MIN_REFRESH_S, MAX_REFRESH_S)
        dialog.setIntValue(self.settings.refresh_interval_s)
        dialog.intValueSelected.connect(self.set_refresh_interval)
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()
        return dialog

    def show_keys_dialog(self) -> KeysDialog:
        from ereg_desktop.ui.keys_dialog import KeysDialog

        if self._keys_dialog is not None:
            self._keys_dialog.raise_()
            return self._keys_dialog
        row = self.window.selected_row()
        parent = self.window.as_widget()
        dialog = KeysDialog(self.ctx, row.server_id if row is not None else None, parent)
        dialog.key_changed.connect(self._key_changed)
        dialog.finished.connect(self._keys_dialog_closed)
        self._keys_dialog = dialog
        dialog.open()
        return dialog

    def _keys_dialog_closed(self) -> None:
        if self._keys_dialog is not None:
            self._keys_dialog.deleteLater()
        self._keys_dialog = None

    def _key_changed(self, server_id: str) -> None:
        if self.monitor is None:
            self.start()
            return
        server, pool = self.ctx.inventory.server(server_id), self.pool
        if server is not None:
            self.poll(server, (lambda: pool.drop(server_id)) if pool is not None else None)
