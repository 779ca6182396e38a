"""Help > Set up this computer…: the first-run assistant, from nothing to a working connection.

Who you are (the inventory's [operator]), the SSH key (imported or generated, in the OS keyring
only), the words for the administrator, the host key to trust, the GitHub token (optional), and a
connection test that says what is still missing (``services/connection_check.py``). Non-modal:
the window keeps working behind it. Each page's work runs on a worker; every write is whole or
not done, so Cancel at any point leaves nothing half-written.

When the window opens on a computer that has no operator or no key yet, a bar at the top of the
window offers the assistant (after the first paint, from a keyring read on a worker).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QBoxLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QWidget,
    QWizard,
)

from ereg_desktop.context import AppContext
from ereg_desktop.store.inventory import Inventory, Server
from ereg_desktop.ui.keys_dialog import ChooseFile, Confirm, choose_key_file, confirm_replace
from ereg_desktop.ui.passphrase_prompt import PassphrasePrompt
from ereg_desktop.ui.setup_check_pages import GitHubPage, HostPage, TestPage
from ereg_desktop.ui.setup_pages import KeyPage, MessagePage, OperatorPage
from ereg_desktop.ui.tasks import POLL, SHORT, Task, run_task

if TYPE_CHECKING:
    from ereg_desktop.ui.main_window import MainWindow

OPERATOR, KEY, MESSAGE, HOST, GITHUB, TEST = range(6)


class SetupAssistant(QWizard):
    inventory_saved = Signal()  # [operator] written: the window re-reads the inventory
    key_changed = Signal(str)  # the server whose key was imported or generated
    connection_tested = Signal(bool)  # the last page's test ran: everything works, or not

    def __init__(
        self,
        ctx: AppContext,
        parent: QWidget | None = None,
        choose_file: ChooseFile = choose_key_file,
        confirm: Confirm = confirm_replace,
        connect_timeout: float = 10.0,
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.inventory: Inventory = ctx.inventory
        self.choose_file = choose_file
        self.confirm = confirm
        self.connect_timeout = connect_timeout
        self.passphrase_prompt = PassphrasePrompt(self)
        self.setWindowTitle("Set up this computer \u2014 ereg-desktop")
        self.setModal(False)
        self.setWizardStyle(QWizard.WizardStyle.ClassicStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnStartPage)
        self.setMinimumSize(720, 460)
        self.operator_page = OperatorPage(self.inventory, ctx.loaded.problem is not None)
        self.key_page = KeyPage()
        self.message_page = MessagePage()
        self.host_page = HostPage()
        self.github_page = GitHubPage()
        self.test_page = TestPage()
        for number, page in enumerate(
            (
                self.operator_page,
                self.key_page,
                self.message_page,
                self.host_page,
                self.github_page,
                self.test_page,
            )
        ):
            self.setPage(number, page)
        self.finished.connect(lambda _code: self.passphrase_prompt.release_all())
        self.key_changed.connect(self._forget_connection)

    def server(self) -> Server | None:
        server_id = self.operator_page.server_box.currentData()
        return self.inventory.server(server_id) if server_id else None

    def admin(self) -> str:
        server = self.server()
        return (server.admin if server is not None else "") or "the server's administrator"

    def operator_saved(self, inventory: Inventory) -> None:
        self.inventory = inventory
        self.inventory_saved.emit()

    def tested(self, ok: bool) -> None:
        server = self.server()
        if ok and server is not None:
            self._forget_connection(server.id)
        self.connection_tested.emit(ok)

    def _forget_connection(self, server_id: str) -> None:
        """A new key or a passed test: the window's next poll connects afresh, without waiting
        out a backoff (on a worker: dropping waits for the server's lock while it connects)."""
        pool = self.ctx.pool_if_built
        if pool is None:
            return
        run_task(
            lambda _progress: pool.drop(server_id),
            kind=POLL,
            receiver=self,
            on_result=lambda _value: None,
            on_error=lambda _exc: None,
        )


# --- the offer on a new computer -------------------------------------------------------------


class SetupOffer(QFrame):
    """A strip at the top of the window: what is missing, a button to the assistant, Not now."""

    def __init__(self, missing: list[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("setupOffer")
        self.setStyleSheet(
            "#setupOffer { background: #e7f1fb; border: 1px solid #8db4dc; border-radius: 3px; }"
            " #setupOffer QLabel { color: #123a5e; }"
        )
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        self.message = QLabel(
            "This computer is not set up yet: " + "; ".join(missing) + ". The assistant walks "
            "you through it (Help > Set up this computer\u2026)."
        )
        self.message.setWordWrap(True)
        self.open_button = QPushButton("Set up this computer\u2026")
        self.not_now = QPushButton("Not now")
        self.not_now.clicked.connect(self.hide)
        layout.addWidget(self.message, 1)
        layout.addWidget(self.open_button, 0, Qt.AlignmentFlag.AlignTop)
        layout.addWidget(self.not_now, 0, Qt.AlignmentFlag.AlignTop)


def open_assistant(window: MainWindow) -> SetupAssistant:
    """The window's one assistant: raised if open, else opened (non-modal)."""
    existing = window.findChild(SetupAssistant)
    if existing is not None and existing.isVisible():
        existing.raise_()
        existing.activateWindow()
        return existing
    if existing is not None:
        existing.deleteLater()
    assistant = SetupAssistant(window.ctx, window)
    assistant.inventory_saved.connect(window.reload_inventory)
    assistant.finished.connect(lambda _code: assistant.deleteLater())
    offer = window.findChild(SetupOffer)
    if offer is not None:
        offer.hide()
    assistant.show()
    return assistant


def offer_setup(window: MainWindow) -> Task:
    """After the first paint: read the keyring on a worker; show the offer if something is
    missing (a keyring that cannot be read is missing too: the assistant says why)."""
    ctx = window.ctx

    def missing() -> list[str]:
        from ereg_desktop.errors import EregError
        from ereg_desktop.services.first_run import setup_needed

        try:
            return setup_needed(ctx.inventory, ctx.secrets)
        except EregError as exc:
            return [f"the keyring cannot be read ({exc.short})"]

    return run_task(
        lambda _progress: missing(),
        kind=SHORT,
        receiver=window,
        on_result=lambda found: _show_offer(window, found),
        on_error=lambda _exc: None,
    )


def _show_offer(window: MainWindow, missing: list[str]) -> None:
    central = window.centralWidget()
    if not missing or central is None or window.findChild(SetupOffer) is not None:
        return
    layout = central.layout()
    assert isinstance(layout, QBoxLayout)
    offer = SetupOffer(missing, central)
    offer.open_button.clicked.connect(lambda: open_assistant(window))
    layout.insertWidget(0, offer)
