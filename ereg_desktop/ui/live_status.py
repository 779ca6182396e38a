"""Live pm2 status in the window: background polls, the status bar, crash alerts, host-key prompts.

Nothing here runs SSH on the GUI thread. ``ui/app.py`` builds this controller after the window's
first paint, and the monitor (paramiko, keyring) is built on a worker, so start-up never pays for
those imports. Each server has at most one
poll in flight; its result is applied on the GUI thread with ``window.apply_status`` (rows change
in place). An unreachable result keeps the last good figures, shown as stale with their age. A
host-key problem pauses that server's polls until the operator answers the dialog.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, Protocol

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QApplication, QInputDialog, QMainWindow

from ereg_desktop.context import AppContext
from ereg_desktop.remote.errors import ChangedHostKey, HostKeyProblem
from ereg_desktop.services.status import CONNECTED, ServerStatus
from ereg_desktop.store.inventory import Server
from ereg_desktop.store.settings import (
    MAX_REFRESH_S,
    MIN_REFRESH_S,
    Settings,
    load_settings,
    save_settings,
)
from ereg_desktop.ui.passphrase_prompt import PassphrasePrompt
from ereg_desktop.ui.status_text import age_text
from ereg_desktop.ui.tasks import POLL, run_task

NO_KEY_TEXT = "no SSH key: Server > SSH key\u2026 to import or generate one"
CONNECTING_TEXT = "connecting\u2026"
_REASON_CHARS = 90  # the status bar shows this much of a reason; the tooltip has all of it
CRASH_MESSAGE_MS = 30_000


class Poller(Protocol):
    """What the window needs of :class:`ereg_desktop.services.monitor.Monitor`."""

    def poll(self, server: Server) -> ServerStatus: ...

    def problem(self, server_id: str) -> Exception | None: ...


# Builds the poller; runs on a worker thread (the real one imports paramiko and keyring).
PollerFactory = Callable[[], Poller]
PinHostKey = Callable[[Server, str], object]  # worker thread: fetch, compare, pin


@dataclass(frozen=True)
class Crash:
    server_id: str
    app: str
    message: str


def age_words(seconds: float) -> str:
    """ "0.2 s" under ten seconds, then the table's own "40 s", "2 min", ..."""
    return f"{max(0.0, seconds):.1f} s" if seconds < 10 else age_text(seconds)


def find_crashes(before: ServerStatus | None, after: ServerStatus) -> list[Crash]:
    """Apps whose restart count went up, or that became errored, between two good polls."""
    if before is None or before.state != CONNECTED or after.state != CONNECTED:
        return []
    found: list[Crash] = []
    for name, now in after.apps.items():
        old = before.apps.get(name)
        if old is None:
            continue
        if now.restarts > old.restarts:
            what = f"restarted (restarts {old.restarts} \u2192 {now.restarts})"
        elif now.status == "errored" and old.status != "errored":
            what = "errored"
        else:
            continue
        found.append(Crash(after.server_id, name, f"{name} on {after.server_id} crashed: {what}"))
    return found


class LiveStatus(QObject):
    """The window's live-status controller. Create it on the GUI thread, then :meth:`start`."""

    status_applied = Signal(object)  # the ServerStatus given to the window
    crash_detected = Signal(object)  # Crash
    host_key_asked = Signal(object)  # the HostKeyDialog shown
    monitor_failed = Signal(str)

    def __init__(
        self,
        window: Any,
        ctx: AppContext,
        poller_factory: PollerFactory | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(window)
        self.window = window
        self.ctx = ctx
        self.settings = Settings()  # the saved ones are read on the worker that builds the monitor
        self._settings_chosen = False  # the operator set the interval before they were read
        self.passphrase_prompt = PassphrasePrompt(window)
        ctx.set_passphrase_source(self.passphrase_prompt)
        self._factory = poller_factory or self._build_monitor
        self._clock = clock
        self.monitor: Poller | None = None
        self.pin_host_key: PinHostKey = self._pin_with_pool
        self.alerts: list[Crash] = []
        self._starting = False
        self._closed = False
        self._start_error: str | None = None
        self._in_flight: set[str] = set()
        self._paused: set[str] = set()  # waiting for a host-key answer
        self._declined: set[str] = set()  # the operator closed the host-key dialog
        self._dialogs: dict[str, Any] = {}
        self._last_good: dict[str, ServerStatus] = {}
        self._last: dict[str, ServerStatus] = {}
        self._reasons: dict[str, str] = {}
        self._keys_dialog: Any = None

        self.timer = QTimer(self)
        self.timer.setInterval(self.settings.refresh_interval_s * 1000)
        self.timer.timeout.connect(self.refresh)
        self._ticker = QTimer(self)  # ages in the status bar
        self._ticker.setInterval(1000)
        self._ticker.timeout.connect(self._show_all_states)
        self._make_actions()
        reloaded = getattr(window, "inventory_reloaded", None)
        if reloaded is not None:
            reloaded.connect(self._inventory_reloaded)

    # --- actions -----------------------------------------------------------------------------

    def _make_actions(self) -> None:
        w = self.window
        self.refresh_action = QAction("Refresh status", w)
        self.refresh_action.setShortcut(QKeySequence("F5"))
        self.refresh_action.setToolTip("Ask every server for its pm2 status now (F5)")
        self.refresh_action.triggered.connect(lambda: self.refresh(manual=True))
        self.interval_action = QAction("Refresh interval\u2026", w)
        self.interval_action.triggered.connect(self.ask_interval)
        self.keys_action = QAction("SSH key\u2026", w)
        self.keys_action.setToolTip("Import or generate the SSH key for a server")
        self.keys_action.triggered.connect(self.show_keys_dialog)
        view_menu = getattr(w, "view_menu", None)
        if view_menu is not None:
            view_menu.addActions([self.refresh_action, self.interval_action])
        server_menu = getattr(w, "server_menu", None)
        if server_menu is not None:
            server_menu.addAction(self.keys_action)
        toolbar = getattr(w, "toolbar", None)
        if toolbar is not None:
            toolbar.addSeparator()
            toolbar.addAction(self.refresh_action)
        if view_menu is None and isinstance(w, QMainWindow):
            w.addAction(self.refresh_action)  # the shortcut works without a menu

    # --- start and stop ----------------------------------------------------------------------

    def start(self) -> None:
        """Build the monitor on a worker, then poll every server and keep polling."""
        if self._closed or self.monitor is not None or self._starting:
            return
        self._starting = True
        for server in self.ctx.inventory.servers:
            self._set_state(server.id, CONNECTING_TEXT)
        factory, settings_file = self._factory, self.ctx.paths.settings_file
        run_task(
            lambda _progress: (factory(), load_settings(settings_file)),
            receiver=self,
            on_result=self._monitor_built,
            on_error=self._monitor_not_built,
        )

    def _build_monitor(self) -> Poller:
        from ereg_desktop.services import monitor  # paramiko, cryptography, keyring: on a worker

        return monitor.attach(self.ctx, self.passphrase_prompt)

    def _monitor_built(self, built: tuple[Poller, Settings]) -> None:
        poller, settings = built
        self._starting = False
        self._start_error = None
        if self._closed:
            return
        self.monitor = poller
        if not self._settings_chosen:
            self.settings = settings
            self.timer.setInterval(settings.refresh_interval_s * 1000)
        self.timer.start()
        self._ticker.start()
        self.refresh()

    def _monitor_not_built(self, error: BaseException) -> None:
        self._starting = False
        self._start_error = str(error)
        self.monitor_failed.emit(str(error))
        for server in self.ctx.inventory.servers:
            self._show_state(server.id)

    def shutdown(self) -> None:
        """The window closes: stop polling, release workers waiting for a passphrase."""
        self._closed = True
        self.timer.stop()
        self._ticker.stop()
        self.passphrase_prompt.release_all()
        for dialog in list(self._dialogs.values()):
            dialog.close()

    def close_connections(self) -> None:
        """After the thread pool is done: close the SSH connections."""
        pool = getattr(self.monitor, "pool", None)
        if pool is not None:
            pool.close()

    # --- polling -----------------------------------------------------------------------------

    def refresh(self, manual: bool = False) -> None:
        """Poll every server that has no poll in flight. ``manual``: also skip the backoff and
        ask again about a host key the operator put off."""
        if self._closed:
            return
        if self.monitor is None:
            self.start()
            return
        pool = getattr(self.monitor, "pool", None)
        for server in self.ctx.inventory.servers:
            before = None
            if manual:
                if server.id in self._declined and server.id not in self._dialogs:
                    self._declined.discard(server.id)
                    self._paused.discard(server.id)
                if pool is not None:
                    server_id = server.id
                    before = lambda pool=pool, server_id=server_id: pool.retry_now(server_id)  # noqa: E731
            self.poll(server, before)

    def poll(self, server: Server, before: Callable[[], object] | None = None) -> bool:
        """Start a poll of ``server`` unless one is in flight or it waits for a host-key answer.
        ``before`` runs on the worker first (pool calls take the server's lock: never on the GUI
        thread, where a connect in progress would stall it)."""
        monitor = self.monitor
        if monitor is None or self._closed:
            return False
        if server.id in self._in_flight or server.id in self._paused:
            return False
        self._in_flight.add(server.id)
        if self._last.get(server.id) is None or not self._is_connected(server.id):
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
        return server_id in self._in_flight

    def paused(self, server_id: str) -> bool:
        return server_id in self._paused

    def _is_connected(self, server_id: str) -> bool:
        pool = getattr(self.monitor, "pool", None)
        if pool is None:
            last = self._last.get(server_id)
            return last is not None and last.state == CONNECTED
        return bool(pool.is_connected(server_id))

    def _polled(self, server: Server, status: ServerStatus) -> None:
        self._in_flight.discard(server.id)
        if self._closed or self.ctx.inventory.server(server.id) is None:
            return
        if status.state == CONNECTED:
            self._reasons.pop(server.id, None)
            self._report_crashes(find_crashes(self._last_good.get(server.id), status))
            self._last_good[server.id] = status
            self._apply(status)
            return
        problem = self.monitor.problem(server.id) if self.monitor is not None else None
        reason = self._reason(problem, status.reason)
        self._reasons[server.id] = reason
        self._apply(self._stale(status, reason))
        if isinstance(problem, HostKeyProblem):
            self._ask_about_host_key(server, problem)

    def _poll_failed(self, server: Server, error: BaseException) -> None:
        # Monitor.poll never raises for connection problems: this is a bug or an odd failure.
        self._in_flight.discard(server.id)
        if self._closed:
            return
        reason = f"poll failed ({type(error).__name__}: {error})"
        self._reasons[server.id] = reason
        status = ServerStatus(server.id, "unreachable", reason=reason, taken_at=self._clock())
        self._apply(self._stale(status, reason))

    def _stale(self, status: ServerStatus, reason: str) -> ServerStatus:
        """An unreachable result that keeps the last good figures (and their time) if any."""
        good = self._last_good.get(status.server_id)
        if good is None:
            return replace(status, reason=reason, taken_at=None, apps={})
        return replace(
            status,
            reason=reason,
            taken_at=good.taken_at,
            pm2_running=good.pm2_running,
            apps=good.apps,
        )

    @staticmethod
    def _reason(problem: Exception | None, fallback: str) -> str:
        cause = getattr(problem, "cause", problem)  # NoUsableKey carries the key store's reason
        if cause is not None and type(cause).__name__ == "NoKeyStored":
            return NO_KEY_TEXT
        if isinstance(problem, ChangedHostKey):
            return "HOST KEY CHANGED: connection refused (see the dialog)"
        if isinstance(problem, HostKeyProblem):
            return "unknown host key: check its fingerprint (see the dialog)"
        if problem is not None:
            return getattr(problem, "reason", None) or str(problem) or fallback
        return fallback or "no answer"

    def _apply(self, status: ServerStatus) -> None:
        self._last[status.server_id] = status
        self.window.apply_status(status)
        self._show_state(status.server_id)
        self.status_applied.emit(status)

    # --- the status bar ----------------------------------------------------------------------

    def state_text(self, server_id: str) -> tuple[str, str]:
        """(short text, full text for the tooltip) for a server's status-bar entry."""
        if self._start_error is not None and self.monitor is None:
            if "keyring" in self._start_error.lower():
                short = "no OS keyring: see Server > SSH key\u2026"
            else:
                short = "monitoring not started: Refresh (F5) to try again"
            return short, self._start_error
        if server_id in self._in_flight and not self._is_connected(server_id):
            return CONNECTING_TEXT, ""
        status = self._last.get(server_id)
        if status is None:
            return (CONNECTING_TEXT, "") if self.monitor is not None else ("not connected yet", "")
        now = self._clock()
        if status.state == CONNECTED:
            age = age_words(now - status.taken_at) if status.taken_at else "?"
            pm2 = "" if status.pm2_running else " \u00b7 pm2 not running"
            return f"connected{pm2} \u00b7 {age} ago", ""
        reason = self._reasons.get(server_id, status.reason) or "no answer"
        if server_id in self._declined and server_id in self._paused:
            reason += " \u2014 not trusted; Refresh (F5) to check again"
        short = reason if len(reason) <= _REASON_CHARS else reason[: _REASON_CHARS - 1] + "\u2026"
        stale = ""
        if status.taken_at is not None and status.apps:
            stale = f" \u00b7 figures {age_words(now - status.taken_at)} old"
        return f"unreachable: {short}{stale}", reason

    def _show_state(self, server_id: str) -> None:
        short, detail = self.state_text(server_id)
        self._set_state(server_id, short, detail)

    def _set_state(self, server_id: str, text: str, detail: str = "") -> None:
        self.window.set_server_state(server_id, text, detail)

    def _show_all_states(self) -> None:
        for server in self.ctx.inventory.servers:
            self._show_state(server.id)
        model = getattr(self.window, "model", None)
        if model is not None and hasattr(model, "tick"):
            model.tick()

    def _inventory_reloaded(self) -> None:
        known = {s.id for s in self.ctx.inventory.servers}
        for table in (self._last_good, self._last, self._reasons):
            for server_id in [k for k in table if k not in known]:
                del table[server_id]
        self._show_all_states()
        if self.monitor is not None:
            for server in self.ctx.inventory.servers:
                if server.id not in self._last:
                    self.poll(server)

    # --- crashes -----------------------------------------------------------------------------

    def _report_crashes(self, crashes: list[Crash]) -> None:
        if not crashes:
            return
        self.alerts.extend(crashes)
        text = "\u26a0 " + "; ".join(c.message for c in crashes)
        self.window.statusBar().showMessage(text, CRASH_MESSAGE_MS)
        if not self.window.isActiveWindow():
            QApplication.alert(self.window)  # taskbar flash where the platform has one
        for crash in crashes:
            self.crash_detected.emit(crash)

    # --- host keys ---------------------------------------------------------------------------

    def _pin_with_pool(self, server: Server, expected: str) -> object:
        from ereg_desktop.remote.hostkeys import trust_offered_key

        pool = self.monitor.pool  # type: ignore[union-attr]
        offered = trust_offered_key(pool.known_hosts, server, expected)
        pool.drop(server.id)  # here on the worker: drop takes the server's lock
        return offered

    def _ask_about_host_key(self, server: Server, problem: HostKeyProblem) -> None:
        self._paused.add(server.id)
        self._show_state(server.id)
        if server.id in self._dialogs or server.id in self._declined:
            return
        from ereg_desktop.ui.host_key_dialog import HostKeyDialog

        pin = self.pin_host_key
        dialog = HostKeyDialog(server, problem, lambda fp: pin(server, fp), self.window)
        self._dialogs[server.id] = dialog
        dialog.trusted.connect(lambda _fp: self._host_key_trusted(server))
        dialog.finished.connect(lambda _result: self._host_key_dialog_closed(server.id))
        dialog.show()
        self.host_key_asked.emit(dialog)

    def _host_key_trusted(self, server: Server) -> None:
        self._paused.discard(server.id)
        self._declined.discard(server.id)
        self._reasons.pop(server.id, None)
        self.window.statusBar().showMessage(f"Host key of {server.id} trusted", 5000)
        self.poll(server)

    def _host_key_dialog_closed(self, server_id: str) -> None:
        dialog = self._dialogs.pop(server_id, None)
        if dialog is not None:
            dialog.deleteLater()
        if server_id in self._paused:
            self._declined.add(server_id)
            self._show_state(server_id)

    def host_key_dialog(self, server_id: str) -> Any:
        return self._dialogs.get(server_id)

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
        dialog = QInputDialog(self.window)
        dialog.setWindowTitle("Refresh interval")
        dialog.setLabelText("Ask every server for its pm2 status every (seconds):")
        dialog.setInputMode(QInputDialog.InputMode.IntInput)
        dialog.setIntRange(MIN_REFRESH_S, MAX_REFRESH_S)
        dialog.setIntValue(self.settings.refresh_interval_s)
        dialog.intValueSelected.connect(self.set_refresh_interval)
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()
        return dialog

    def show_keys_dialog(self) -> Any:
        from ereg_desktop.ui.keys_dialog import KeysDialog

        if self._keys_dialog is not None:
            self._keys_dialog.raise_()
            return self._keys_dialog
        row = self.window.selected_row() if hasattr(self.window, "selected_row") else None
        dialog = KeysDialog(self.ctx, row.server_id if row is not None else None, self.window)
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
        server = self.ctx.inventory.server(server_id)
        pool = getattr(self.monitor, "pool", None)
        if server is not None:
            drop = (lambda: pool.drop(server_id)) if pool is not None else None
            self.poll(server, drop)
