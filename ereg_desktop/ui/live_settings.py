"""The live status's preferences: the refresh interval (View > Refresh interval…) and
Preferences… (the interval, the alerts, the webhook), applied at once to the timer and the
alert engine. The files and the keyring are read and written on workers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QInputDialog

from ereg_desktop.context import AppContext
from ereg_desktop.store.settings import MAX_REFRESH_S, MIN_REFRESH_S, Settings, save_settings
from ereg_desktop.ui.live_alerts import LiveAlerts
from ereg_desktop.ui.tasks import SHORT, run_task
from ereg_desktop.ui.window_api import WindowApi

if TYPE_CHECKING:
    from ereg_desktop.ui.settings_dialog import PreferencesDialog


class LiveSettings(QObject):
    def __init__(
        self, window: WindowApi, ctx: AppContext, timer: QTimer, alerts: LiveAlerts
    ) -> None:
        super().__init__(window.as_widget())
        self.window, self.ctx, self.timer, self.alerts = window, ctx, timer, alerts
        self.settings = Settings()  # the saved ones are read on the worker that builds the monitor
        self.chosen = False  # the operator changed them before they were read
        self.webhook_chosen = False
        self.dialog: PreferencesDialog | None = None
        parent = window.as_widget()
        self.interval_action = QAction("Refresh interval\u2026", parent)
        self.interval_action.triggered.connect(self.ask_interval)
        self.preferences_action = QAction("&Preferences\u2026", parent)
        self.preferences_action.setShortcut(QKeySequence("Ctrl+,"))
        self.preferences_action.setToolTip("Refresh interval, alerts, the alerts' webhook")
        self.preferences_action.triggered.connect(self.show_preferences)
        self.use(self.settings)

    def loaded(self, settings: Settings, webhook: str | None) -> None:
        """The saved settings, read on the worker (unless the operator was quicker)."""
        if not self.chosen:
            self.use(settings)
        if not self.webhook_chosen:
            self.alerts.set_webhook(webhook)

    def use(self, settings: Settings) -> None:
        self.settings = settings
        self.timer.setInterval(settings.refresh_interval_s * 1000)
        self.alerts.apply(settings.alerts)

    # --- the refresh interval alone ----------------------------------------------------------

    def set_refresh_interval(self, seconds: int) -> None:
        self.chosen = True
        self.settings = self.settings.with_refresh_interval(seconds)
        self.timer.setInterval(self.settings.refresh_interval_s * 1000)
        path, settings = self.ctx.paths.settings_file, self.settings
        run_task(
            lambda _progress: save_settings(path, settings),
            kind=SHORT,
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

    # --- Preferences… ------------------------------------------------------------------------

    def show_preferences(self) -> PreferencesDialog:
        from ereg_desktop.ui.settings_dialog import PreferencesDialog

        if self.dialog is not None:
            self.dialog.raise_()
            return self.dialog
        dialog = PreferencesDialog(self.ctx, self.settings, self.window.as_widget())
        dialog.saved.connect(self._saved)
        dialog.finished.connect(self._closed)
        self.dialog = dialog
        dialog.open()
        return dialog

    def _saved(self, settings: Settings, webhook: str | None) -> None:
        self.chosen = True
        self.use(settings)
        if webhook is not None:  # None: left as it was
            self.webhook_chosen = True
            self.alerts.set_webhook(webhook)
        self.window.statusBar().showMessage("Preferences saved", 4000)

    def _closed(self) -> None:
        if self.dialog is not None:
            self.dialog.deleteLater()
        self.dialog = None
