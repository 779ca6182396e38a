"""Preferences…: the refresh interval (General), the alerts (Monitoring): the grace time, the
memory threshold rule, per-app thresholds and the team's webhook.

Non-secret values go to ``settings.toml`` (``store/settings.py``); the webhook URL is a secret
(Slack's carry a token) and goes to the OS keyring only (``store/secrets.py``). Both are read and
written on a worker; :attr:`PreferencesDialog.saved` tells the live status what to apply.
"""

from __future__ import annotations

import urllib.parse
from dataclasses import replace

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ereg_desktop.context import AppContext
from ereg_desktop.store.alert_settings import (
    ABSOLUTE,
    MAX_GRACE_S,
    MAX_MEMORY_FACTOR,
    MAX_MEMORY_MB,
    MIN_GRACE_S,
    MIN_MEMORY_FACTOR,
    MIN_MEMORY_MB,
    RELATIVE,
    AlertPrefs,
    MemoryOverride,
    valid_name,
)
from ereg_desktop.store.settings import MAX_REFRESH_S, MIN_REFRESH_S, Settings, save_settings
from ereg_desktop.ui.tasks import SHORT, run_task

SERVER, APP, LIMIT = range(3)
_ERROR_STYLE = "color: #c62828;"


class BadPreference(ValueError):
    """What the operator typed cannot be saved; the message says what to change."""


def check_webhook(text: str) -> str:
    """``text`` as a webhook URL ("" for none), or :class:`BadPreference`."""
    url = text.strip()
    if not url:
        return ""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or not url.isprintable():
        raise BadPreference(
            "The webhook must be an http(s) URL, such as https://hooks.slack.com/services/\u2026"
        )
    return url


class PreferencesDialog(QDialog):
    # the Settings saved; the webhook URL ("" for none), None when left as it was (unread)
    saved = Signal(object, object)

    def __init__(self, ctx: AppContext, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.settings = settings
        self.setWindowTitle("Preferences")
        self.resize(620, 560)
        self._webhook_stored: str | None = None  # what the keyring holds, once read
        self._webhook_read = False
        self.tabs = QTabWidget()
        self.tabs.addTab(self._general_tab(settings), "General")
        self.tabs.addTab(self._monitoring_tab(settings.alerts), "Monitoring")
        self.problem = QLabel()
        self.problem.setObjectName("preferencesProblem")
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet(_ERROR_STYLE)
        self.problem.hide()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)
        self._read_webhook()

    # --- building ----------------------------------------------------------------------------

    def _general_tab(self, settings: Settings) -> QWidget:
        page = QWidget()
        form = QFormLayout(page)
        self.interval = QSpinBox()
        self.interval.setRange(MIN_REFRESH_S, MAX_REFRESH_S)
        self.interval.setSuffix(" s")
        self.interval.setValue(settings.refresh_interval_s)
        self.interval.setToolTip("How often every server is asked for its pm2 status")
        form.addRow("Refresh the status every", self.interval)
        return page

    def _monitoring_tab(self, prefs: AlertPrefs) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        form = QFormLayout()
        self.grace = QSpinBox()
        self.grace.setRange(MIN_GRACE_S, MAX_GRACE_S)
        self.grace.setSuffix(" s")
        self.grace.setValue(prefs.grace_s)
        self.grace.setToolTip("A server unreachable or pm2 down this long before an alert")
        form.addRow("Alert when a server is down for", self.grace)
        layout.addLayout(form)
        layout.addWidget(self._memory_box(prefs))
        layout.addWidget(self._webhook_box(), 0)
        return page

    def _memory_box(self, prefs: AlertPrefs) -> QGroupBox:
        box = QGroupBox("Memory above a threshold")
        grid = QVBoxLayout(box)
        self.relative = QRadioButton("Relative to the app's own history:")
        self.absolute = QRadioButton("The same for every app:")
        group = QButtonGroup(box)
        group.addButton(self.relative)
        group.addButton(self.absolute)
        self.factor = QDoubleSpinBox()
        self.factor.setRange(MIN_MEMORY_FACTOR, MAX_MEMORY_FACTOR)
        self.factor.setSingleStep(0.5)
        self.factor.setDecimals(1)
        self.factor.setSuffix(" \u00d7 its median of the last hour")
        self.factor.setValue(prefs.memory_factor)
        self.limit = QSpinBox()
        self.limit.setRange(MIN_MEMORY_MB, MAX_MEMORY_MB)
        self.limit.setSuffix(" MB")
        self.limit.setValue(prefs.memory_limit_mb)
        for radio, field in ((self.relative, self.factor), (self.absolute, self.limit)):
            row = QHBoxLayout()
            row.addWidget(radio)
            row.addWidget(field, 1)
            grid.addLayout(row)
            radio.toggled.connect(field.setEnabled)
        (self.absolute if prefs.memory_rule == ABSOLUTE else self.relative).setChecked(True)
        self.factor.setEnabled(self.relative.isChecked())
        self.limit.setEnabled(self.absolute.isChecked())
        grid.addWidget(QLabel("Per app (instead of the rule above):"))
        self.overrides = QTableWidget(0, 3)
        self.overrides.setHorizontalHeaderLabels(["Server", "App", "Threshold (MB)"])
        self.overrides.horizontalHeader().setStretchLastSection(True)
        self.overrides.verticalHeader().hide()
        self.overrides.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        for o in prefs.overrides:
            self.add_override(o.server, o.app, o.limit_mb)
        grid.addWidget(self.overrides, 1)
        row = QHBoxLayout()
        self.add_button = QPushButton("Add")
        self.add_button.clicked.connect(lambda: self.add_override())
        self.remove_button = QPushButton("Remove")
        self.remove_button.clicked.connect(self.remove_selected_overrides)
        row.addWidget(self.add_button)
        row.addWidget(self.remove_button)
        row.addStretch(1)
        grid.addLayout(row)
        return box

    def _webhook_box(self) -> QGroupBox:
        box = QGroupBox("Team webhook (Slack-compatible)")
        grid = QVBoxLayout(box)
        row = QHBoxLayout()
        self.webhook = QLineEdit()
        self.webhook.setEchoMode(QLineEdit.EchoMode.Password)
        self.webhook.setPlaceholderText("reading the keyring\u2026")
        self.webhook.setEnabled(False)
        self.show_webhook = QCheckBox("Show")
        self.show_webhook.toggled.connect(
            lambda on: self.webhook.setEchoMode(
                QLineEdit.EchoMode.Normal if on else QLineEdit.EchoMode.Password
            )
        )
        row.addWidget(self.webhook, 1)
        row.addWidget(self.show_webhook)
        grid.addLayout(row)
        self.webhook_note = QLabel("Every alert is posted there. Kept in the OS keyring, never "
                                   "in a file.")  # fmt: skip
        self.webhook_note.setWordWrap(True)
        grid.addWidget(self.webhook_note)
        return box

    def add_override(self, server: str = "", app: str = "", limit_mb: int = 1024) -> int:
        row = self.overrides.rowCount()
        self.overrides.insertRow(row)
        self.overrides.setItem(row, SERVER, QTableWidgetItem(server))
        self.overrides.setItem(row, APP, QTableWidgetItem(app))
        self.overrides.setItem(row, LIMIT, QTableWidgetItem(str(limit_mb)))
        return row

    def remove_selected_overrides(self) -> None:
        for row in sorted({i.row() for i in self.overrides.selectedIndexes()}, reverse=True):
            self.overrides.removeRow(row)

    # --- the webhook in the keyring ----------------------------------------------------------

    def _read_webhook(self) -> None:
        ctx = self.ctx

        def read(_progress: object) -> str | None:
            from ereg_desktop.store.secrets import get_alert_webhook  # keyring: on the worker

            return get_alert_webhook(ctx.secrets)

        run_task(read, kind=SHORT, receiver=self, on_result=self._webhook_got,
                 on_error=self._webhook_unread)  # fmt: skip

    def _webhook_got(self, url: str | None) -> None:
        self._webhook_stored, self._webhook_read = url, True
        self.webhook.setText(url or "")
        self.webhook.setPlaceholderText("none: alerts stay on this computer")
        self.webhook.setEnabled(True)

    def _webhook_unread(self, error: BaseException) -> None:
        self.webhook.setPlaceholderText("not read from the keyring")
        self.webhook.setEnabled(True)
        self.webhook_note.setText(f"{error} Typing a URL here stores it anew.")
        self.webhook_note.setStyleSheet(_ERROR_STYLE)

    # --- saving ------------------------------------------------------------------------------

    def chosen(self) -> Settings:
        """What the dialog holds, checked (:class:`BadPreference` says what to change)."""
        overrides: dict[tuple[str, str], MemoryOverride] = {}
        for row in range(self.overrides.rowCount()):
            texts = [(self.overrides.item(row, c) or QTableWidgetItem()).text() for c in range(3)]
            if not (texts[SERVER].strip() or texts[APP].strip()):
                continue  # a row added and left empty
            server, app = valid_name(texts[SERVER]), valid_name(texts[APP])
            if server is None or app is None:
                raise BadPreference(
                    f"Threshold row {row + 1}: give the server id and the app name."
                )
            try:
                mb = int(texts[LIMIT].strip())
            except ValueError:
                mb = 0
            if not MIN_MEMORY_MB <= mb <= MAX_MEMORY_MB:
                raise BadPreference(f"Threshold row {row + 1} ({app} on {server}): the threshold "
                                    f"is a whole number of MB from {MIN_MEMORY_MB} to "
                                    f"{MAX_MEMORY_MB}.")  # fmt: skip
            overrides[(server, app)] = MemoryOverride(server, app, mb)
        alerts = AlertPrefs(
            grace_s=self.grace.value(),
            memory_rule=ABSOLUTE if self.absolute.isChecked() else RELATIVE,
            memory_factor=round(self.factor.value(), 1),
            memory_limit_mb=self.limit.value(),
            overrides=tuple(overrides.values()),
        )
        return replace(self.settings.with_refresh_interval(self.interval.value()), alerts=alerts)

    def save(self) -> None:
        try:
            settings = self.chosen()
            url = check_webhook(self.webhook.text())
        except BadPreference as exc:
            self._show_problem(str(exc))
            return
        # the keyring is written only when the URL changed (and never blindly over an entry
        # that could not be read: an empty field then means "leave it")
        write_url = url != (self._webhook_stored or "") and (self._webhook_read or bool(url))
        path, ctx = self.ctx.paths.settings_file, self.ctx
        self.save_button.setEnabled(False)

        def work(_progress: object) -> None:
            if write_url:
                from ereg_desktop.store.secrets import set_alert_webhook

                set_alert_webhook(ctx.secrets, url or None)  # first: a refusal saves nothing
            save_settings(path, settings)

        def done(_value: object) -> None:
            self.settings = settings
            self.saved.emit(settings, url if (write_url or self._webhook_read) else None)
            self.accept()

        run_task(work, kind=SHORT, receiver=self, on_result=done, on_error=self._not_saved)

    def _not_saved(self, error: BaseException) -> None:
        self.save_button.setEnabled(True)
        self._show_problem(f"Not saved: {error}")

    def _show_problem(self, text: str) -> None:
        self.problem.setText(text)
        self.problem.show()
