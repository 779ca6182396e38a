"""Live pm2 status in the window: background polls, the status bar, alerts, host-key prompts.

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
from PySide6.QtWidgets import QInputDialog

from ereg_desktop.context import AppContext
from ereg_desktop.presenters.server_state import CONNECTING_TEXT, ServerStates
from ereg_desktop.remote.errors import HostKeyProblem
from ereg_desktop.services.alerts import Alert
from ereg_desktop.services.crashes import Crash
from ereg_desktop.services.pm2_events import ModeChanged, Snapshot
from ereg_desktop.services.status import UNREACHABLE, ServerStatus
from ereg_desktop.store.inventory import Server
from ereg_desktop.store.settings import Settings, load_settings
from ereg_desktop.ui.host_key_prompts import HostKeyPrompts, PinHostKey, pin_with_pool
from ereg_desktop.ui.live_alerts import LiveAlerts, read_webhook
from ereg_desktop.ui.live_settings import LiveSettings
from ereg_desktop.ui.passphrase_prompt import PassphrasePrompt
from ereg_desktop.ui.tasks import POLL, run_task
from ereg_desktop.ui.window_api import WindowApi

if TYPE_CHECKING:
    from ereg_desktop.remote.connection import ConnectionPool
    from ereg_desktop.ui.deploy_actions import DeploymentActions
    from ereg_desktop.ui.host_key_dialog import HostKeyDialog
    from ereg_desktop.ui.keys_dialog import KeysDialog
    from ereg_desktop.ui.settings_dialog import PreferencesDialog


class Poller(Protocol):
    """What the window needs of :class:`ereg_desktop.services.monitor.Monitor`."""

    def poll(self, server: Server) -> ServerStatus: ...

    def problem(self, server_id: str) -> Exception | None: ...


# Builds the poller; runs on a worker thread (the real one imports paramiko and keyring).
PollerFactory = Callable[[], Poller]
# What the worker that builds the monitor hands back: the poller, its connection pool (None for
# a poller without one, as in tests), the saved settings and the alerts' webhook URL.
Built = tuple[Poller, "ConnectionPool | None", Settings, str | None]


def _pool_of(poller: Poller) -> ConnectionPool | None:
    from ereg_desktop.services.agent_monitor import AgentMonitor
    from ereg_desktop.services.monitor import Monitor  # on the worker, as the monitor itself

    return poller.pool if isinstance(poller, Monitor | AgentMonitor) else None


OWN_WRITE_S = 90.0  # a restart waits up to a minute for the app to be stable


class LiveStatus(QObject):
    """The window's live-status controller. Create it on the GUI thread, then :meth:`start`.
    What it knows of each server is in :attr:`states`; this side runs timers, workers, dialogs."""

    status_applied = Signal(object)  # the ServerStatus given to the window
    crash_detected = Signal(object)  # Crash: each alert announced (all kinds), once
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
        self.passphrase_prompt = PassphrasePrompt(window.as_widget())
        ctx.set_passphrase_source(self.passphrase_prompt)
        self._factory = poller_factory or self._build_monitor
        self.states = ServerStates(clock)
        self.monitor: Poller | None = None
        self.pool: ConnectionPool | None = None
        # read when a dialog is built (tests pin without a server)
        self.pin_host_key: PinHostKey = lambda server, fp: pin_with_pool(self.pool, server, fp)
        self.alerts: list[Crash] = []
        # the engine, the alert log, notifications, the webhook (ui/live_alerts.py); this
        # window's own restarts, stops and updates (DeploymentActions) are expected, not alerted
        self.live_alerts = LiveAlerts(window, clock)
        self.alert_engine = self.live_alerts.engine
        self.live_alerts.announced.connect(self._announced)
        self.agent_event.connect(self._agent_pushed, Qt.ConnectionType.QueuedConnection)
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
        self.timer.timeout.connect(self.refresh)
        self.prefs = LiveSettings(window, ctx, self.timer, self.live_alerts)  # sets the interval
        self._ticker = QTimer(self)  # ages in the status bar, the alerts' grace times
        self._ticker.setInterval(1000)
        self._ticker.timeout.connect(self._show_all_states)
        self._ticker.timeout.connect(self.live_alerts.tick)
        self._make_actions()
        window.inventory_reloaded.connect(self._inventory_reloaded)

    # --- actions -----------------------------------------------------------------------------

    def _make_actions(self) -> None:
        w, parent = self.window, self.window.as_widget()
        self.refresh_action = QAction("Refresh status", parent)
        self.refresh_action.setShortcut(QKeySequence("F5"))
        self.refresh_action.setToolTip("Ask every server for its pm2 status now (F5)")
        self.refresh_action.triggered.connect(lambda: self.refresh(manual=True))
        self.interval_action = self.prefs.interval_action
        self.preferences_action = self.prefs.preferences_action
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
            return poller, _pool_of(poller), load_settings(settings_file), read_webhook(ctx)

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
        self.live_alerts.feed(event)

    def _monitor_built(self, built: Built) -> None:
        poller, pool, settings, webhook = built
        self._starting = False
        self.states.start_error = None
        if self._closed:
            return
        self.monitor, self.pool = poller, pool
        self.states.monitor_ready = True
        self.prefs.loaded(settings, webhook)
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
        self.live_alerts.feed(status)
        self._apply(shown)
        if isinstance(problem, HostKeyProblem):
            self.host_keys.ask(server, problem, self.pin_host_key)

    def _poll_failed(self, server: Server, error: BaseException) -> None:
        if self._closed:
            self.states[server.id].in_flight = False
            return
        shown = self.states.poll_failed(server.id, error)
        self.live_alerts.feed(ServerStatus(server.id, UNREACHABLE, reason=shown.reason,
                                           taken_at=self._clock()))  # fmt: skip
        self._apply(shown)

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

    # --- alerts ------------------------------------------------------------------------------

    def expect_write(self, server_id: str, app: str, verb: str) -> None:
        """This window runs ``verb`` on ``app`` (now, and again when it ended)."""
        self.live_alerts.expect(server_id, app, verb, self._clock() + OWN_WRITE_S)

    def follow_updates(self, actions: DeploymentActions) -> None:
        """The updates started from the window: their restarts are expected from the start of
        the run to ``OWN_WRITE_S`` after its end."""
        actions.update_running.connect(self.update_running)

    def update_running(self, server_id: str, app: str, running: bool) -> None:
        self.live_alerts.update_running(server_id, app, running, OWN_WRITE_S)

    def _announced(self, alert: Alert) -> None:
        crash = Crash(alert.server, alert.app, alert.message)
        self.alerts.append(crash)
        self.crash_detected.emit(crash)

    # --- host keys ---------------------------------------------------------------------------

    def host_key_dialog(self, server_id: str) -> HostKeyDialog | None:
        return self.host_keys.dialog(server_id)

    # --- settings and keys -------------------------------------------------------------------

    @property
    def settings(self) -> Settings:
        return self.prefs.settings

    def set_refresh_interval(self, seconds: int) -> None:
        self.prefs.set_refresh_interval(seconds)

    def ask_interval(self) -> QInputDialog:
        return self.prefs.ask_interval()

    def show_preferences(self) -> PreferencesDialog:
        """Edit > Preferences: the refresh interval, the alerts, the webhook; applied when saved."""
        return self.prefs.show_preferences()

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
