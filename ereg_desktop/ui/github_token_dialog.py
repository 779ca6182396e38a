"""Inventory > GitHub token…: paste a token, have it checked (whose is it?), keep it in the keyring.

The token opens and merges the translations pull requests. Checking it asks GitHub (``GET
/user``) on a worker; storing and removing it use the keyring on a worker. The field never shows
the token, and a token GitHub refuses is not stored.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ereg_desktop.context import AppContext
from ereg_desktop.services.shown_text import printable
from ereg_desktop.ui.tasks import POLL, SHORT, Kind, run_task

INTRO = (
    "ereg-desktop opens and merges the translations pull requests with this token. It is kept "
    "in the OS keyring only. It needs a classic token with the <i>repo</i> scope, or a "
    "fine-grained one with read and write access to <i>Contents</i> and <i>Pull requests</i> of "
    "the systems' repositories."
)


class GitHubTokenDialog(QDialog):
    token_changed = Signal(str)  # the login of the token now stored; "" once removed

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self._busy = False
        self.setWindowTitle("GitHub token \u2014 ereg-desktop")
        self.setMinimumWidth(560)

        intro = QLabel(INTRO)
        intro.setWordWrap(True)
        self.state = QLabel("Reading the keyring\u2026")
        self.state.setObjectName("githubTokenState")
        self.state.setWordWrap(True)
        self.token_edit = QLineEdit()
        self.token_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.token_edit.setPlaceholderText("Paste a token (ghp_\u2026 or github_pat_\u2026)")
        self.token_edit.returnPressed.connect(self.store_token)
        self.store_button = QPushButton("Check and store")
        self.store_button.clicked.connect(self.store_token)
        self.remove_button = QPushButton("Remove the stored token")
        self.remove_button.setEnabled(False)
        self.remove_button.clicked.connect(self.remove_token)
        self.message = QLabel()
        self.message.setObjectName("githubTokenMessage")
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        row = QHBoxLayout()
        row.addWidget(self.token_edit, 1)
        row.addWidget(self.store_button)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.state)
        layout.addLayout(row)
        layout.addWidget(self.remove_button, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.message)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        layout.addWidget(close)
        self._load()

    # --- running things off the GUI thread ----------------------------------------------------

    def _run(self, fn: Callable[[], Any], on_result: Callable[[Any], None], kind: Kind) -> None:
        self._set_busy(True)

        def done(value: Any) -> None:
            self._set_busy(False)
            on_result(value)

        def failed(error: BaseException) -> None:
            self._set_busy(False)
            self._say(str(error), error=True)

        run_task(lambda _progress: fn(), kind=kind, receiver=self, on_result=done, on_error=failed)

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        self.store_button.setEnabled(not busy)
        self.token_edit.setEnabled(not busy)
        if busy:
            self.remove_button.setEnabled(False)

    def _say(self, text: str, error: bool = False) -> None:
        self.message.setStyleSheet("color: #b00020;" if error else "")
        self.message.setText(text)

    def _show(self, login: str | None, stored: bool, problem: str = "") -> None:
        self.remove_button.setEnabled(stored)
        if not stored:
            self.state.setText("No GitHub token is stored.")
        elif login:
            shown = html.escape(printable(login))
            self.state.setText(f"A token is stored; it belongs to <b>{shown}</b>.")
        else:
            self.state.setText(f"A token is stored, but: {html.escape(problem)}")

    # --- what the operator does ---------------------------------------------------------------

    def _load(self) -> None:
        ctx = self.ctx

        def read() -> tuple[bool, str | None, str]:
            from ereg_desktop.services.github.client import check_token
            from ereg_desktop.services.github.errors import GitHubProblem
            from ereg_desktop.store.secrets import get_github_token

            token = get_github_token(ctx.secrets)
            if token is None:
                return False, None, ""
            try:
                return True, check_token(token, api_url=ctx.github_api_url), ""
            except GitHubProblem as problem:
                return True, None, str(problem)

        self._run(read, lambda found: self._show(found[1], found[0], found[2]), POLL)

    def store_token(self) -> None:
        token = self.token_edit.text().strip()
        if self._busy:
            return
        if not token:
            self._say("Paste a token first.", error=True)
            return
        ctx = self.ctx
        self._say("Asking GitHub whose token this is\u2026")

        def check_and_store() -> str:
            from ereg_desktop.services.github.client import check_token
            from ereg_desktop.store.secrets import set_github_token

            login = check_token(token, api_url=ctx.github_api_url)  # refused: nothing stored
            set_github_token(ctx.secrets, token)
            return login

        self._run(check_and_store, self._stored, POLL)

    def _stored(self, login: str) -> None:
        self.token_edit.clear()
        self._show(login, True)
        self._say(f"Stored in the OS keyring: the token of {printable(login)}.")
        self.token_changed.emit(login)

    def remove_token(self) -> None:
        if self._busy:
            return
        ctx = self.ctx

        def remove() -> bool:
            from ereg_desktop.store.secrets import delete_github_token

            return delete_github_token(ctx.secrets)

        self._run(remove, self._removed, SHORT)

    def _removed(self, had: bool) -> None:
        self._show(None, False)
        self._say("Removed the token from the OS keyring." if had else "No token was stored.")
        self.token_changed.emit("")
