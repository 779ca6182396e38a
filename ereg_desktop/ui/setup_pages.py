"""The first pages of the set-up assistant: who you are, the SSH key, the words for the
administrator. Every keyring and disk access runs on a worker (``run_task``); each write is whole
or not done (the inventory is replaced atomically, the key's keyring entries stay a pair)."""

from __future__ import annotations

import getpass
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
    QWizardPage,
)

from ereg_desktop.store.inventory import Inventory, Server
from ereg_desktop.ui.tasks import SHORT, Kind, run_task

if TYPE_CHECKING:
    from ereg_desktop.services.keys import StoredKey
    from ereg_desktop.ui.setup_assistant import SetupAssistant

ERROR_STYLE = "color: #b00020;"


class WorkPage(QWizardPage):
    """A page whose work runs on a worker, with one message line under it."""

    def __init__(self, title: str, subtitle: str) -> None:
        super().__init__()
        self.setTitle(title)
        self.setSubTitle(subtitle)
        self.busy = False
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.layout_ = QVBoxLayout(self)

    def assistant(self) -> SetupAssistant:
        from ereg_desktop.ui.setup_assistant import SetupAssistant

        wizard = self.wizard()
        assert isinstance(wizard, SetupAssistant)
        return wizard

    def say(self, text: str, error: bool = False) -> None:
        self.message.setStyleSheet(ERROR_STYLE if error else "")
        self.message.setText(text)

    def run(
        self, fn: Callable[[], Any], on_result: Callable[[Any], None], kind: Kind = SHORT
    ) -> None:
        self.set_busy(True)

        def done(value: Any) -> None:
            self.set_busy(False)
            on_result(value)

        def failed(error: BaseException) -> None:
            self.set_busy(False)
            self.say(str(error), error=True)

        run_task(lambda _progress: fn(), kind=kind, receiver=self, on_result=done, on_error=failed)

    def set_busy(self, busy: bool) -> None:
        self.busy = busy
        self.completeChanged.emit()

    def isComplete(self) -> bool:
        return not self.busy


class OperatorPage(WorkPage):
    """(1) Name and GitHub login, written to the inventory's [operator] on Next."""

    def __init__(self, inventory: Inventory, broken: bool) -> None:
        super().__init__(
            "Who you are",
            "Your name is how the systems you own are marked, and how your restarts and updates "
            "are recorded in the team's history.",
        )
        self._broken = broken
        self._saved = (inventory.operator.name, inventory.operator.github)
        self.name_edit = QLineEdit(inventory.operator.name)
        self.name_edit.setPlaceholderText("as written in the systems' owner, e.g. Ana Operator")
        self.github_edit = QLineEdit(inventory.operator.github)
        self.github_edit.setPlaceholderText("your GitHub login, without @")
        self.server_box = QComboBox()
        for server in inventory.servers:
            self.server_box.addItem(f"{server.id} ({server.label})", server.id)
        form = QFormLayout()
        form.addRow("Your name:", self.name_edit)
        form.addRow("GitHub login:", self.github_edit)
        form.addRow("Server:", self.server_box)
        self.layout_.addLayout(form)
        self.layout_.addStretch(1)
        self.layout_.addWidget(self.message)
        self._done = False
        if broken:
            self.name_edit.setEnabled(False)
            self.github_edit.setEnabled(False)
            self.say(
                "The inventory file is broken (see the bar in the window): your name cannot be "
                "saved until it is fixed. Next goes on without saving it.",
                error=True,
            )

    def values(self) -> tuple[str, str]:
        return self.name_edit.text().strip(), self.github_edit.text().strip().removeprefix("@")

    def validatePage(self) -> bool:
        """Saved on a worker; the page moves on when the file is written (Next again)."""
        from ereg_desktop.services.first_run import operator_problems

        if self._broken or self.values() == self._saved or self._done:
            self._done = False
            return not self.busy
        if self.busy:
            return False
        name, github = self.values()
        problems = operator_problems(name, github)
        if problems:
            self.say(" ".join(problems), error=True)
            return False
        inventory_file = self.assistant().ctx.inventory_file
        self.say(f"Saving to {inventory_file.path}\u2026")

        def save() -> Inventory:
            from ereg_desktop.services.first_run import save_operator

            return save_operator(inventory_file, name, github)

        self.run(save, self._stored)
        return False

    def _stored(self, inventory: Inventory) -> None:
        self._saved = (inventory.operator.name, inventory.operator.github)
        self.say(f"Saved in {self.assistant().ctx.inventory_file.path}.")
        self.assistant().operator_saved(inventory)
        self._done = True
        self.assistant().next()


class KeyPage(WorkPage):
    """(2) Import a private key (its passphrase asked) or generate one: kept in the keyring only."""

    def __init__(self) -> None:
        super().__init__(
            "Your SSH key",
            "The key that logs you in to the server. It is kept in the OS keyring only, never in "
            "a file. Import the one you already use, or generate a new one.",
        )
        self.public: str | None = None
        self._import_path: str | None = None
        self.state = QLabel()
        self.state.setWordWrap(True)
        self.import_button = QPushButton("Import a key file\u2026")
        self.import_button.clicked.connect(self.import_file)
        self.generate_button = QPushButton("Generate a new ed25519 key")
        self.generate_button.clicked.connect(self.generate)
        row = QHBoxLayout()
        row.addWidget(self.import_button)
        row.addWidget(self.generate_button)
        row.addStretch(1)
        self.passphrase_row = QWidget()
        pass_form = QFormLayout(self.passphrase_row)
        pass_form.setContentsMargins(0, 0, 0, 0)
        self.passphrase = QLineEdit()
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.passphrase.returnPressed.connect(self.import_with_passphrase)
        self.passphrase_button = QPushButton("Import")
        self.passphrase_button.clicked.connect(self.import_with_passphrase)
        self.remember = QCheckBox("Remember the passphrase in the keyring")
        line = QHBoxLayout()
        line.addWidget(self.passphrase, 1)
        line.addWidget(self.passphrase_button)
        pass_form.addRow("Passphrase:", line)
        pass_form.addRow("", self.remember)
        self.passphrase_row.hide()
        self.public_view = QPlainTextEdit()
        self.public_view.setReadOnly(True)
        self.public_view.setMaximumHeight(64)
        self.layout_.addWidget(self.state)
        self.layout_.addLayout(row)
        self.layout_.addWidget(self.passphrase_row)
        self.layout_.addWidget(QLabel("Public key (safe to share):"))
        self.layout_.addWidget(self.public_view)
        self.layout_.addWidget(self.message)
        self.layout_.addStretch(1)

    def server(self) -> Server | None:
        return self.assistant().server()

    def initializePage(self) -> None:
        server = self.server()
        self._show(None)
        if server is None:
            self.say("The inventory has no server: add one first (Inventory > Edit).", True)
            return
        ctx, server_id = self.assistant().ctx, server.id
        self.say("Reading the keyring\u2026")

        def read() -> str | None:
            from ereg_desktop.services.keys import NoKeyStored, stored_public_line

            try:
                return stored_public_line(ctx.secrets, server_id)
            except NoKeyStored:
                return None

        self.run(read, self._read)

    def _read(self, public: str | None) -> None:
        self._show(public)
        self.say("")  # "Reading the keyring…" is over, whatever it found

    def _show(self, public: str | None) -> None:
        self.public = public
        self.public_view.setPlainText(public or "")
        server = self.server()
        where = f" for {server.id}" if server is not None else ""
        if public is None:
            self.state.setText(f"No SSH key is stored{where} yet: import yours or generate one.")
        else:
            self.state.setText(
                f"A key is stored{where} in the OS keyring (keep it: Next; or replace it)."
            )
        self.completeChanged.emit()

    def isComplete(self) -> bool:
        return not self.busy and self.public is not None

    def set_busy(self, busy: bool) -> None:
        for widget in (self.import_button, self.generate_button, self.passphrase_button):
            widget.setEnabled(not busy)
        super().set_busy(busy)

    def _replace_ok(self, what: str) -> bool:
        server = self.server()
        if self.public is None or server is None:
            return True
        return self.assistant().confirm(
            self,
            f"A key is already stored for {server.id}. {what} replaces it: access works with the "
            "new key only, once its public key is on the server. Replace it?",
        )

    def _comment(self) -> str:
        from ereg_desktop.services.keys import key_comment

        return key_comment(self.assistant().inventory.operator.name or getpass.getuser())

    def import_file(self) -> None:
        if self.busy or self.server() is None:
            return
        chosen = self.assistant().choose_file(self)
        if not chosen or not self._replace_ok(f"Importing {chosen}"):
            return
        self._import_path = chosen
        self._hide_passphrase()

        def probe() -> bool:
            from pathlib import Path

            from ereg_desktop.services.keys import key_needs_passphrase

            return key_needs_passphrase(Path(chosen))

        self.run(probe, self._probed)

    def _probed(self, needs_passphrase: bool) -> None:
        if needs_passphrase:
            self.passphrase_row.show()
            self.passphrase.setFocus()
            self.say(f"{self._import_path} is protected by a passphrase: type it to import.")
        else:
            self._import(None, False)

    def import_with_passphrase(self) -> None:
        if self.busy or self._import_path is None or self.passphrase_row.isHidden():
            return
        if not self.passphrase.text():
            self.say("Type the key's passphrase first.", error=True)
            return
        self._import(self.passphrase.text(), self.remember.isChecked())

    def _import(self, passphrase: str | None, remember: bool) -> None:
        server, path = self.server(), self._import_path
        if server is None or path is None:
            return
        ctx, server_id, comment = self.assistant().ctx, server.id, self._comment()

        def do_import() -> StoredKey:
            from pathlib import Path

            from ereg_desktop.services.keys import import_key

            return import_key(ctx.secrets, server_id, Path(path), passphrase, comment, remember)

        self.run(do_import, self._stored)

    def generate(self) -> None:
        server = self.server()
        if self.busy or server is None or not self._replace_ok("A new key"):
            return
        self._hide_passphrase()
        ctx, server_id, comment = self.assistant().ctx, server.id, self._comment()

        def do_generate() -> StoredKey:
            from ereg_desktop.services.keys import generate_key

            return generate_key(ctx.secrets, server_id, comment)

        self.say("Generating the key\u2026")
        self.run(do_generate, self._stored)

    def _stored(self, stored: StoredKey) -> None:
        self._hide_passphrase()
        self._import_path = None
        self._show(stored.public_line)
        kept = " (passphrase kept in the keyring)" if stored.passphrase_stored else ""
        self.say(f"{stored.key_type} key stored in the OS keyring for {stored.server_id}{kept}.")
        self.assistant().key_changed.emit(stored.server_id)

    def _hide_passphrase(self) -> None:
        self.passphrase.clear()
        self.remember.setChecked(False)
        self.passphrase_row.hide()


class MessagePage(WorkPage):
    """(3) The public key and the exact words for the administrator, with Copy buttons."""

    def __init__(self) -> None:
        super().__init__("Ask for access", "")
        self.text = QPlainTextEdit()
        self.text.setReadOnly(True)
        self.copy_message = QPushButton("Copy the message")
        self.copy_message.clicked.connect(lambda: self._copy(self.text.toPlainText()))
        self.copy_public = QPushButton("Copy the public key only")
        self.copy_public.clicked.connect(lambda: self._copy(self.assistant().key_page.public))
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.copy_public)
        row.addWidget(self.copy_message)
        self.layout_.addWidget(self.text, 1)
        self.layout_.addLayout(row)
        self.layout_.addWidget(self.message)

    def initializePage(self) -> None:
        from ereg_desktop.services.keys import admin_message

        server = self.assistant().server()
        public = self.assistant().key_page.public
        who = (server.admin if server is not None else "") or "the server's administrator"
        self.setSubTitle(
            f"Send this message to {who} (e-mail or chat). You can go on meanwhile: the last "
            "page tells when the key works."
        )
        self.text.setPlainText(admin_message(server, public) if server and public else "")
        self.say("")

    def _copy(self, text: str | None) -> None:
        QGuiApplication.clipboard().setText(text or "")
        self.say("Copied to the clipboard.")
