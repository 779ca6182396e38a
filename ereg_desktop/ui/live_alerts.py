"""The window's alerts: between the alert engine and the operator.

:class:`LiveAlerts` feeds :class:`~ereg_desktop.services.alerts.AlertEngine` (statuses, the
agents' events, the 1-s tick for the grace times) and announces what it returns, once per
event: in the alert log (``ui/alerts_pane.py``), a crash or a stop also in the status bar, a
desktop notification while the window is not in front, and the team's webhook when one is
configured (posted on a worker; a failure is told once in the log, until a post works again).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import replace

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QApplication

from ereg_desktop.context import AppContext
from ereg_desktop.errors import EregError
from ereg_desktop.presenters.alert_log import AlertLog, until_text
from ereg_desktop.services.alerts import (
    CRASH,
    CRASH_LOOP,
    MB,
    RESTARTED_ELSEWHERE,
    STOPPED_ELSEWHERE,
    Alert,
    AlertEngine,
)
from ereg_desktop.store.alert_settings import ABSOLUTE, AlertPrefs
from ereg_desktop.ui.alerts_pane import AlertsPane
from ereg_desktop.ui.notify import Notifier
from ereg_desktop.ui.tasks import POLL, run_task
from ereg_desktop.ui.window_api import WindowApi

log = logging.getLogger(__name__)

ALERT_MESSAGE_MS = 30_000
# shown in the status bar too (in red words, for 30 s): what an app did. Memory and a server
# unreachable or back go to the log and the notification only (the server's label in the status
# bar already says it cannot be reached)
STATUS_BAR_KINDS = frozenset({CRASH, CRASH_LOOP, STOPPED_ELSEWHERE, RESTARTED_ELSEWHERE})
NOTIFY_TITLE = "ereg-desktop"
WEBHOOK_SOURCE = "webhook"  # the "system" of the log's note about a failed post


def engine_settings(engine: AlertEngine, prefs: AlertPrefs) -> None:
    """The operator's preferences, applied to ``engine`` at once."""
    limit = prefs.memory_limit_mb * MB if prefs.memory_rule == ABSOLUTE else None
    engine.settings = replace(engine.settings, grace_s=float(prefs.grace_s),
                              memory_factor=prefs.memory_factor,
                              memory_limit_bytes=limit)  # fmt: skip
    engine.replace_memory_thresholds({(o.server, o.app): o.limit_mb * MB for o in prefs.overrides})


def read_webhook(ctx: AppContext) -> str | None:
    """The webhook URL from the keyring, on a worker; without a usable keyring: none (said in
    the log; Preferences says it to the operator who sets one)."""
    from ereg_desktop.store.secrets import get_alert_webhook  # keyring: on the worker

    try:
        return get_alert_webhook(ctx.secrets)
    except EregError as exc:
        log.info("the alerts' webhook URL could not be read: %s", exc.short)
        return None


class LiveAlerts(QObject):
    announced = Signal(object)  # each Alert, once, after the silences

    def __init__(self, window: WindowApi, clock: Callable[[], float] = time.time) -> None:
        super().__init__(window.as_widget())
        self.window = window
        self.clock = clock
        # crashes, crash loops, stops by someone else, memory, servers down: once per event;
        # this window's own restarts, stops and updates are expected, not alerted
        self.engine = AlertEngine(clock=clock)
        self.log = AlertLog()
        self.pane: AlertsPane | None = None
        self.notifier: Notifier | None = None  # ui/app.py gives the desktop's; tests their own
        self.webhook_url: str | None = None
        self.webhook_failing = False
        self.posts_running = 0

    # --- feeding -----------------------------------------------------------------------------

    def feed(self, item: object) -> list[Alert]:
        """A status or an agent's event: what the engine makes of it is announced."""
        return self.announce(self.engine.feed(item))

    def tick(self) -> list[Alert]:
        """The grace times (a server unreachable or pm2 down this long) without a new poll."""
        return self.announce(self.engine.tick())

    def expect(self, server: str, app: str, verb: str, until: float) -> None:
        self.engine.expect(server, app, verb, until)

    def update_running(self, server: str, app: str, running: bool, margin_s: float) -> None:
        """An update of ``app`` started (True) or ended (False) in this window."""
        if running:
            self.engine.begin(server, app, "deploy")
        else:
            self.engine.end(server, app, self.clock() + margin_s)

    def apply(self, prefs: AlertPrefs) -> None:
        engine_settings(self.engine, prefs)

    # --- announcing --------------------------------------------------------------------------

    def announce(self, alerts: list[Alert]) -> list[Alert]:
        if not alerts:
            return alerts
        pane = self.pane
        self.log.add_all(alerts, read=pane is not None and pane.seen())
        shown = [a for a in alerts if a.kind in STATUS_BAR_KINDS]
        if shown:
            text = "\u26a0 " + "; ".join(a.message for a in shown)
            self.window.statusBar().showMessage(text, ALERT_MESSAGE_MS)
        if not self.window.isActiveWindow():
            if any(a.urgent for a in alerts):
                QApplication.alert(self.window.as_widget())  # the taskbar, where there is one
            if self.notifier is not None:  # the tray or notify-send: once per event
                self.notifier.notify(NOTIFY_TITLE, "; ".join(a.message for a in alerts),
                                     urgent=any(a.urgent for a in alerts))  # fmt: skip
        for alert in alerts:
            self._post(alert)
            self.announced.emit(alert)
        if pane is not None:
            pane.refresh()
        return alerts

    # --- the pane ----------------------------------------------------------------------------

    def show_in(self, pane: AlertsPane) -> None:
        self.pane = pane
        pane.clock = self.clock  # the silences' times are the engine's
        pane.silence_requested.connect(self.silence)
        pane.unsilence_requested.connect(self.unsilence)
        pane.refresh()

    def silence(self, server: str, app: str, until: float) -> None:
        self.engine.silence(server, app, until)
        self.log.silence(server, app, until)
        what = f"{app} on {server}" if app else server
        self.window.statusBar().showMessage(
            f"No alerts about {what} until {until_text(until, self.clock())}", 8000
        )
        if self.pane is not None:
            self.pane.refresh()

    def unsilence(self, server: str, app: str) -> None:
        self.engine.unsilence(server, app)
        self.log.unsilence(server, app)
        what = f"{app} on {server}" if app else server
        self.window.statusBar().showMessage(f"Alerts about {what} are shown again", 8000)
        if self.pane is not None:
            self.pane.refresh()

    # --- the webhook -------------------------------------------------------------------------

    def set_webhook(self, url: str | None) -> None:
        self.webhook_url = url or None
        self.webhook_failing = False

    def _post(self, alert: Alert) -> None:
        url = self.webhook_url
        if not url:
            return
        from ereg_desktop.services.alert_webhook import post_webhook  # urllib: when first used

        self.posts_running += 1
        run_task(lambda _p: post_webhook(url, alert), kind=POLL, receiver=self,
                 on_result=self._posted, on_error=self._post_failed)  # fmt: skip

    def _posted(self, _status: int) -> None:
        self.posts_running -= 1
        self.webhook_failing = False

    def _post_failed(self, error: BaseException) -> None:
        self.posts_running -= 1
        if self.webhook_failing:
            return  # said once already; said again after a post that works
        self.webhook_failing = True
        # a WebhookError names only the URL's host (the rest of it may hold the team's token)
        why = str(error) if isinstance(error, EregError) else type(error).__name__
        self.log.note(WEBHOOK_SOURCE, "", f"Alerts are not reaching the webhook: {why}",
                      self.clock())  # fmt: skip
        if self.pane is not None:
            self.pane.refresh()
