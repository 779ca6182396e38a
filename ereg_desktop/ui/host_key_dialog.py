"""Check and pin a server's host key: the question for an unknown host, the refusal for a changed one.

Unknown host: the SHA256 fingerprint (as ``ssh-keygen -l`` prints it) with a Trust button. Changed
host key: both fingerprints, no Trust button; only typing the new fingerprint the administrator
gave re-trusts it, as ``ereg-desktop hosts trust SERVER --fingerprint SHA256:...`` does. Either way
the key pinned is the one the server offers at that moment, and only if its fingerprint is the one
the operator saw or typed. The network part runs on a worker thread.
"""

from __future__ import annotations

import html
from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFrame,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ereg_desktop.remote.errors import ChangedHostKey, HostKeyProblem, UnknownHostKey
from ereg_desktop.store.inventory import Server
from ereg_desktop.ui.tasks import POLL, run_task

# Runs on a worker: pin the key the server offers if its fingerprint is the given one, else raise.
PinKey = Callable[[str], object]


def _mono(widget: QWidget) -> None:
    font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
    font.setPointSizeF(font.pointSizeF() * 1.1)
    widget.setFont(font)


def _fingerprint_field(text: str) -> QLineEdit:
    """Read-only but selectable, so it can be copied and compared character by character."""
    field = QLineEdit(text)
    field.setReadOnly(True)
    field.setObjectName("fingerprint")
    _mono(field)
    field.setMinimumWidth(field.fontMetrics().horizontalAdvance(text) + 24)
    return field


class HostKeyDialog(QDialog):
    """Non-modal: the other servers keep being polled while the operator checks."""

    trusted = Signal(str)  # the pinned fingerprint

    def __init__(
        self, server: Server, problem: HostKeyProblem, pin: PinKey, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.server = server
        self.problem = problem
        self.changed = isinstance(problem, ChangedHostKey)
        self._pin = pin
        self._busy = False
        self.setModal(False)
        who = html.escape(server.admin or "the server's administrator")
        where = html.escape(f"{server.id} ({server.label})")
        layout = QVBoxLayout(self)
        self.trust_button: QPushButton | None = None
        self.retrust_button: QPushButton | None = None
        self.fingerprint_entry: QLineEdit | None = None

        if isinstance(problem, ChangedHostKey):
            self.setWindowTitle(f"HOST KEY CHANGED \u2014 {server.id}")
            banner = QLabel(
                f"\u26a0 The host key of {html.escape(server.host)} has CHANGED. "
                "The connection was refused."
            )
            banner.setObjectName("changedBanner")
            banner.setStyleSheet(
                "#changedBanner { background: #b00020; color: white; font-weight: bold;"
                " padding: 8px; border-radius: 3px; }"
            )
            banner.setWordWrap(True)
            layout.addWidget(banner)
            layout.addWidget(QLabel(f"Server {where}. Pinned key (expected):"))
            layout.addWidget(_fingerprint_field(problem.expected_fingerprint))
            layout.addWidget(QLabel("Key the server offers now:"))
            layout.addWidget(_fingerprint_field(problem.offered_fingerprint))
            explain = QLabel(
                "This can be an attack: someone between you and the server. Or the server was "
                f"reinstalled. Do not go on unless {who} confirms the new key. Polls of this "
                "server stay stopped.<br><br>To re-trust, type or paste the new fingerprint "
                f"<b>that {who} gives you</b> (not the one above):"
            )
            explain.setWordWrap(True)
            layout.addWidget(explain)
            self.fingerprint_entry = QLineEdit()
            self.fingerprint_entry.setPlaceholderText("SHA256:\u2026")
            _mono(self.fingerprint_entry)
            layout.addWidget(self.fingerprint_entry)
            buttons = QDialogButtonBox()
            self.retrust_button = buttons.addButton(
                "Re-trust with this fingerprint", QDialogButtonBox.ButtonRole.ActionRole
            )
            self.retrust_button.setEnabled(False)
            self.retrust_button.clicked.connect(self._retrust)
            self.fingerprint_entry.textChanged.connect(self._update_buttons)
            close = buttons.addButton("Close", QDialogButtonBox.ButtonRole.RejectRole)
            close.setDefault(True)
        else:
            key_type = problem.key_type if isinstance(problem, UnknownHostKey) else "host"
            self.setWindowTitle(f"Unknown host key \u2014 {server.id}")
            intro = QLabel(
                f"<b>First connection to {where}.</b><br>"
                f"The server shows this {html.escape(key_type)} host key fingerprint:"
            )
            intro.setWordWrap(True)
            layout.addWidget(intro)
            layout.addWidget(_fingerprint_field(problem.offered_fingerprint))
            explain = QLabel(
                f"Compare it with the fingerprint {who} gives you (on the server: "
                "<nobr><code>ssh-keygen -l -f /etc/ssh/ssh_host_ed25519_key.pub</code></nobr>). "
                "Trust it "
                f"only if every character matches. Polls of {html.escape(server.id)} wait for "
                "your answer."
            )
            explain.setWordWrap(True)
            layout.addWidget(explain)
            buttons = QDialogButtonBox()
            self.trust_button = buttons.addButton(
                "Trust this key", QDialogButtonBox.ButtonRole.AcceptRole
            )
            self.trust_button.clicked.connect(self._trust)
            not_now = buttons.addButton("Not now", QDialogButtonBox.ButtonRole.RejectRole)
            not_now.setDefault(True)  # Enter must not trust by accident
        buttons.rejected.connect(self.reject)

        self.message = QLabel()
        self.message.setObjectName("hostKeyMessage")
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message.hide()
        layout.addWidget(self.message)
        line = QFrame()
        line.setFrameShape(QFrame.Shape.HLine)
        layout.addWidget(line)
        layout.addWidget(buttons)
        self.setMinimumWidth(560)

    # --- answers ---------------------------------------------------------------------------

    def _update_buttons(self) -> None:
        if self.retrust_button is not None and self.fingerprint_entry is not None:
            typed = self.fingerprint_entry.text().strip()
            self.retrust_button.setEnabled(bool(typed) and not self._busy)

    def _trust(self) -> None:
        self._start(self.problem.offered_fingerprint)

    def _retrust(self) -> None:
        if self.fingerprint_entry is not None:
            self._start(self.fingerprint_entry.text().strip())

    def _start(self, expected: str) -> None:
        if self._busy or not expected:
            return
        self._busy = True
        self._set_enabled(False)
        self._say("Checking the key the server offers now\u2026", error=False)
        pin = self._pin
        run_task(
            lambda _progress: pin(expected),
            kind=POLL,
            receiver=self,
            on_result=self._pinned,
            on_error=self._failed,
        )

    def _pinned(self, _value: object) -> None:
        self._busy = False
        fingerprint = (
            self.fingerprint_entry.text().strip()
            if self.fingerprint_entry is not None
            else self.problem.offered_fingerprint
        )
        self.trusted.emit(fingerprint)
        self.accept()

    def _failed(self, error: BaseException) -> None:
        self._busy = False
        self._set_enabled(True)
        self._say(str(error), error=True)

    def _set_enabled(self, enabled: bool) -> None:
        if self.trust_button is not None:
            self.trust_button.setEnabled(enabled)
        if self.fingerprint_entry is not None:
            self.fingerprint_entry.setEnabled(enabled)
        self._update_buttons()

    def _say(self, text: str, error: bool) -> None:
        self.message.setStyleSheet("color: #b00020;" if error else "")
        self.message.setText(text)
        self.message.show()
