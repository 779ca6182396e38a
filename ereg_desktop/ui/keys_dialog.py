"""Server > SSH key…: import a private key file or generate an ed25519 key, kept only in the keyring.

Shows the public key (read-only, with Copy) and the words to send to the server's administrator,
who grants access by adding it to ``authorized_keys``. Keyring and crypto work runs on a worker
thread; a wrong passphrase or a missing keyring is said in the dialog, and nothing is stored.
"""

from __future__ import annotations

import getpass
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ereg_desktop.context import AppContext
from ereg_desktop.store.inventory import Server
from ereg_desktop.ui.tasks import SHORT, run_task

if TYPE_CHECKING:
    from ereg_desktop.services.keys import StoredKey

T = TypeVar("T")
ChooseFile = Callable[[QWidget], str | None]
Confirm = Callable[[QWidget, str], bool]


def choose_key_file(parent: QWidget) -> str | None:
    start = Path.home() / ".ssh"
    path, _ = QFileDialog.getOpenFileName(
        parent, "Import an SSH private key", str(start if start.is_dir() else Path.home())
    )
    return path or None


def confirm_replace(parent: QWidget, text: str) -> bool:
    answer = QMessageBox.question(parent, "Replace the SSH key?", text)
    return answer == QMessageBox.StandardButton.Yes


class KeysDialog(QDialog):
    key_changed = Signal(str)  # server id whose key was imported or generated

    def __init__(
        self,
        ctx: AppContext,
        server_id: str | None = None,
        parent: QWidget | None = None,
        choose_file: ChooseFile = choose_key_file,
        confirm: Confirm = confirm_replace,
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self._choose_file = choose_file
        self._confirm = confirm
        self._busy = False
        self._has_key = False
        self._import_path: Path | None = None
        self.setWindowTitle("SSH key \u2014 ereg-desktop")
        self.setMinimumWidth(640)

        self.server_box = QComboBox()
        for server in ctx.inventory.servers:
            self.server_box.addItem(f"{server.id} ({server.label})", server.id)
        if server_id is not None and (at := self.server_box.findData(server_id)) >= 0:
            self.server_box.setCurrentIndex(at)
        self.server_box.currentIndexChanged.connect(self._load_current)

        self.import_button = QPushButton("Import key file\u2026")
        self.import_button.clicked.connect(self.import_file)
        self.generate_button = QPushButton("Generate new ed25519 key")
        self.generate_button.clicked.connect(self.generate)
        actions = QHBoxLayout()
        actions.addWidget(self.import_button)
        actions.addWidget(self.generate_button)
        actions.addStretch(1)

        # Shown when the chosen file is protected by a passphrase.
        self.passphrase_row = QWidget()
        pass_layout = QFormLayout(self.passphrase_row)
        pass_layout.setContentsMargins(0, 0, 0, 0)
        self.passphrase = QLineEdit()
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.passphrase.returnPressed.connect(self.import_with_passphrase)
        self.remember = QCheckBox("Remember the passphrase in the keyring")
        self.import_with_passphrase_button = QPushButton("Import")
        self.import_with_passphrase_button.clicked.connect(self.import_with_passphrase)
        pass_line = QHBoxLayout()
        pass_line.addWidget(self.passphrase, 1)
        pass_line.addWidget(self.import_with_passphrase_button)
        pass_layout.addRow("Passphrase:", pass_line)
        pass_layout.addRow("", self.remember)
        self.passphrase_row.hide()

        self.message = QLabel()
        self.message.setObjectName("keysMessage")
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.public_key = QPlainTextEdit()
        self.public_key.setReadOnly(True)
        self.public_key.setMaximumHeight(70)
        self.copy_public = QPushButton("Copy public key")
        self.copy_public.clicked.connect(lambda: self._copy(self.public_key.toPlainText()))
        self.admin_text = QPlainTextEdit()
        self.admin_text.setReadOnly(True)
        self.admin_text.setMaximumHeight(110)
        self.copy_admin = QPushButton("Copy message")
        self.copy_admin.clicked.connect(lambda: self._copy(self.admin_text.toPlainText()))

        form = QFormLayout()
        form.addRow("Server:", self.server_box)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addLayout(actions)
        layout.addWidget(self.passphrase_row)
        layout.addWidget(self.message)
        layout.addWidget(QLabel("Public key (safe to share):"))
        layout.addWidget(self.public_key)
        layout.addWidget(self.copy_public, 0, Qt.AlignmentFlag.AlignRight)
        layout.addWidget(QLabel("Send this to the server's administrator:"))
        layout.addWidget(self.admin_text)
        layout.addWidget(self.copy_admin, 0, Qt.AlignmentFlag.AlignRight)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        layout.addWidget(close)
        self._show_public(None)
        self._load_current()

    # --- state -----------------------------------------------------------------------------

    def server(self) -> Server | None:
        server_id = self.server_box.currentData()
        return self.ctx.inventory.server(server_id) if server_id else None

    def _comment(self) -> str:
        from ereg_desktop.services.keys import key_comment

        return key_comment(self.ctx.inventory.operator.name or getpass.getuser())

    def _run(self, fn: Callable[[], T], on_result: Callable[[T], None]) -> None:
        server = self.server()
        if server is None:
            return
        self._set_busy(True)
        server_id = server.id

        def done(value: T) -> None:
            self._set_busy(False)
            if self.server_box.currentData() == server_id:
                on_result(value)

        def failed(error: BaseException) -> None:
            self._set_busy(False)
            if self.server_box.currentData() == server_id:
                self._say(str(error), error=True)

        run_task(lambda _progress: fn(), kind=SHORT, receiver=self, on_result=done, on_error=failed)

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        for widget in (
            self.import_button,
            self.generate_button,
            self.import_with_passphrase_button,
            self.server_box,
        ):
            widget.setEnabled(not busy)

    def _say(self, text: str, error: bool = False) -> None:
        self.message.setStyleSheet("color: #b00020;" if error else "")
        self.message.setText(text)

    def _show_public(self, public: str | None) -> None:
        server = self.server()
        self._has_key = public is not None
        self.public_key.setPlainText(public or "")
        if public and server is not None:
            from ereg_desktop.services.keys import admin_message

            self.admin_text.setPlainText(admin_message(server, public))
        else:
            self.admin_text.setPlainText("")
        self.copy_public.setEnabled(bool(public))
        self.copy_admin.setEnabled(bool(public))

    def _copy(self, text: str) -> None:
        QGuiApplication.clipboard().setText(text)
        self._say("Copied to the clipboard.")

    # --- loading the stored key ------------------------------------------------------------

    def _load_current(self) -> None:
        server = self.server()
        self._hide_passphrase()
        self._show_public(None)
        if server is None:
            self._say("The inventory has no server: add one first (Inventory > Edit).", True)
            return
        self._say("Reading the keyring\u2026")
        ctx, server_id = self.ctx, server.id

        def read() -> str | None:
            from ereg_desktop.services.keys import NoKeyStored, stored_public_line

            try:
                return stored_public_line(ctx.secrets, server_id)
            except NoKeyStored:
                return None

        self._run(read, self._loaded)

    def _loaded(self, public: str | None) -> None:
        self._show_public(public)
        if public is None:
            self._say("No SSH key is stored for this server yet: import yours or generate one.")
        else:
            self._say("This key is stored in the OS keyring.")

    # --- import ----------------------------------------------------------------------------

    def import_file(self) -> None:
        if self._busy:
            return
        chosen = self._choose_file(self)
        if not chosen:
            return
        server = self.server()
        if (
            self._has_key
            and server is not None
            and not self._confirm(
                self,
                f"A key is already stored for {server.id}. Importing {chosen} replaces it: access "
                "works with the imported key only (its public key must be on the server). "
                "Replace it?",
            )
        ):
            return
        path = Path(chosen)
        self._import_path = path
        self._hide_passphrase()

        def probe() -> bool:
            from ereg_desktop.services.keys import key_needs_passphrase

            return key_needs_passphrase(path)

        self._run(probe, self._probed)

    def _probed(self, needs_passphrase: bool) -> None:
        if needs_passphrase:
            self.passphrase_row.show()
            self.passphrase.setFocus()
            self._say(f"{self._import_path} is protected by a passphrase: type it to import.")
        else:
            self._import(None, False)

    def import_with_passphrase(self) -> None:
        if self._busy or self._import_path is None or not self.passphrase_row.isVisible():
            return
        if not self.passphrase.text():
            self._say("Type the key's passphrase first.", error=True)
            return
        self._import(self.passphrase.text(), self.remember.isChecked())

    def _import(self, passphrase: str | None, remember: bool) -> None:
        path = self._import_path
        server = self.server()
        if path is None or server is None:
            return
        ctx, server_id, comment = self.ctx, server.id, self._comment()

        def do_import() -> StoredKey:
            from ereg_desktop.services.keys import import_key

            return import_key(ctx.secrets, server_id, path, passphrase, comment, remember)

        self._run(do_import, self._stored)

    def _hide_passphrase(self) -> None:
        self.passphrase.clear()
        self.remember.setChecked(False)
        self.passphrase_row.hide()

    # --- generate --------------------------------------------------------------------------

    def generate(self) -> None:
        server = self.server()
        if self._busy or server is None:
            return
        if self._has_key and not self._confirm(
            self,
            f"A key is already stored for {server.id}. A new key replaces it: access works "
            "again only after the administrator adds the new public key. Replace it?",
        ):
            return
        self._hide_passphrase()
        ctx, server_id, comment = self.ctx, server.id, self._comment()

        def do_generate() -> StoredKey:
            from ereg_desktop.services.keys import generate_key

            return generate_key(ctx.secrets, server_id, comment)

        self._run(do_generate, self._stored)

    def _stored(self, stored: StoredKey) -> None:
        self._hide_passphrase()
        self._import_path = None
        self._show_public(stored.public_line)
        kept = " (passphrase kept in the keyring)" if stored.passphrase_stored else ""
        self._say(
            f"{stored.key_type} key stored in the OS keyring for {stored.server_id}{kept}. "
            "Send the public key below to the administrator."
        )
        self.key_changed.emit(stored.server_id)
