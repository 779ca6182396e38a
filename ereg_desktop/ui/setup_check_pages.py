"""The last pages of the set-up assistant: trust the host key, the GitHub token (optional), and
the connection test that says what is still missing. The network runs on POLL workers."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLabel, QLineEdit, QPushButton

from ereg_desktop.store.inventory import Server
from ereg_desktop.ui.setup_pages import ERROR_STYLE, WorkPage
from ereg_desktop.ui.tasks import POLL

if TYPE_CHECKING:
    from ereg_desktop.services.connection_check import CheckStep
    from ereg_desktop.ui.github_token_dialog import GitHubTokenDialog
    from ereg_desktop.ui.host_key_dialog import HostKeyDialog

# (pinned fingerprints by key type, offered key type, offered fingerprint)
HostKeys = tuple[dict[str, str], str, str]


def _fetch_host_keys(known_hosts_file: Path, server: Server) -> HostKeys:
    from ereg_desktop.remote.hostkeys import KnownHosts, fetch_host_key, fingerprint

    pinned = KnownHosts(known_hosts_file).pinned(server.host, server.port, server)
    offered = fetch_host_key(server)
    return {t: fingerprint(k) for t, k in pinned.items()}, offered.get_name(), fingerprint(offered)


class HostPage(WorkPage):
    """(4) The SHA256 fingerprint the server shows, to compare with the administrator's and pin."""

    def __init__(self) -> None:
        super().__init__(
            "Trust the server",
            "The first time, check that you reach the real server: its host key fingerprint "
            "must be the one the administrator gives you.",
        )
        self.offered = ""
        self.trusted = False
        self.state = QLabel()
        self.state.setWordWrap(True)
        self.fingerprint = QLineEdit()
        self.fingerprint.setReadOnly(True)
        self.fingerprint.setObjectName("fingerprint")
        font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        font.setPointSizeF(font.pointSizeF() * 1.1)
        self.fingerprint.setFont(font)
        self.trust_button = QPushButton("Trust this key")
        self.trust_button.clicked.connect(self.trust)
        self.retrust_button = QPushButton("The key changed: re-trust\u2026")
        self.retrust_button.clicked.connect(self.retrust)
        self.retry_button = QPushButton("Try again")
        self.retry_button.clicked.connect(self.initializePage)
        row = QHBoxLayout()
        row.addStretch(1)
        for button in (self.retry_button, self.retrust_button, self.trust_button):
            row.addWidget(button)
        self.layout_.addWidget(self.state)
        self.layout_.addWidget(self.fingerprint)
        self.layout_.addLayout(row)
        self.layout_.addWidget(self.message)
        self.layout_.addStretch(1)
        self._pinned: dict[str, str] = {}
        self._pinning = False
        self.dialog: HostKeyDialog | None = None

    def initializePage(self) -> None:
        server = self.assistant().server()
        self.trusted = False
        self.offered = ""
        self.fingerprint.clear()
        self.state.setStyleSheet("")
        for button in (self.trust_button, self.retrust_button, self.retry_button):
            button.hide()
        if server is None:
            return
        path = self.assistant().ctx.paths.known_hosts_file
        self.state.setText(f"Asking {server.host}:{server.port} for its host key\u2026")
        self.say("")
        self.run(lambda: _fetch_host_keys(path, server), self._fetched, POLL)

    def _fetched(self, keys: HostKeys) -> None:
        server = self.assistant().server()
        who = self.assistant().admin()
        pinned, key_type, self.offered = keys
        self._pinned = pinned
        self.fingerprint.setText(self.offered)
        if self.offered in pinned.values():
            self.trusted = True
            self.state.setText(f"\u2713 The {key_type} host key of {server.host if server else ''}"
                               " is trusted:")  # fmt: skip
        elif key_type in pinned:
            self.state.setText(
                f"\u26a0 The host key CHANGED: {pinned[key_type]} is pinned, the server shows the "
                f"key below. This can be an attack; re-trust only with the fingerprint {who} "
                "gives you."
            )
            self.state.setStyleSheet(ERROR_STYLE)
            self.retrust_button.show()
        else:
            self.state.setText(
                f"The server shows this {key_type} host key fingerprint. Compare it with the one "
                f"{who} gives you (on the server: ssh-keygen -l -f "
                "/etc/ssh/ssh_host_ed25519_key.pub); trust it only if every character matches."
            )
            self.trust_button.show()

    def _failed_fetch(self) -> None:
        self.retry_button.show()

    def say(self, text: str, error: bool = False) -> None:
        super().say(text, error)
        if error and not self.offered:
            self.state.setText("The host key could not be read.")
            self._failed_fetch()

    def trust(self) -> None:
        self._pin(self.offered)

    def _pin(self, expected: str) -> None:
        server = self.assistant().server()
        if self.busy or server is None or not expected:
            return
        ctx = self.assistant().ctx

        def pin() -> str:
            from ereg_desktop.remote.hostkeys import KnownHosts, trust_offered_key

            offered = trust_offered_key(KnownHosts(ctx.paths.known_hosts_file), server, expected)
            pool = ctx.pool_if_built
            if pool is not None:
                pool.drop(server.id)  # the window's connection takes the new pin
            return offered

        self.say("Checking the key the server offers now\u2026")
        self._pinning = True
        self.run(pin, self._pinned_key, POLL)

    def set_busy(self, busy: bool) -> None:
        if not busy:
            self._pinning = False
        self.trust_button.setEnabled(not busy)
        super().set_busy(busy)

    def isComplete(self) -> bool:
        """Next while the host key is being fetched (a server that does not answer takes the
        whole timeout): the test says what is missing. Not while a pin is being written."""
        return not self._pinning

    def _pinned_key(self, fingerprint: str) -> None:
        self.trusted = True
        self.trust_button.hide()
        self.retrust_button.hide()
        self.state.setStyleSheet("")
        self.state.setText("\u2713 Trusted (pinned in the app's known hosts):")
        self.fingerprint.setText(fingerprint)
        self.say("")

    def retrust(self) -> None:
        """A changed key: the host-key dialog's refusal, re-trusted only by a typed fingerprint."""
        from ereg_desktop.remote.errors import ChangedHostKey
        from ereg_desktop.ui.host_key_dialog import HostKeyDialog

        server = self.assistant().server()
        if server is None or self.busy:
            return
        expected = next(iter(self._pinned.values()), "")
        ctx = self.assistant().ctx

        def pin(fingerprint: str) -> object:
            from ereg_desktop.remote.hostkeys import KnownHosts, trust_offered_key
            from ereg_desktop.ui.host_key_prompts import pin_with_pool

            if ctx.pool_if_built is not None:
                return pin_with_pool(ctx.pool_if_built, server, fingerprint)
            return trust_offered_key(KnownHosts(ctx.paths.known_hosts_file), server, fingerprint)

        self.dialog = HostKeyDialog(
            server, ChangedHostKey(server, expected, self.offered), pin, self
        )
        self.dialog.trusted.connect(self._pinned_key)
        self.dialog.open()


class GitHubPage(WorkPage):
    """(5) Optional: the token for the translations pull requests (the GitHub token dialog)."""

    def __init__(self) -> None:
        super().__init__(
            "GitHub token (optional)",
            "Needed only to open and merge the translations pull requests. You can set it later "
            "in Inventory > GitHub token\u2026",
        )
        self.state = QLabel()
        self.state.setWordWrap(True)
        self.set_button = QPushButton("Set the GitHub token\u2026")
        self.set_button.clicked.connect(self.open_dialog)
        self.dialog: GitHubTokenDialog | None = None
        self.layout_.addWidget(self.state)
        self.layout_.addWidget(self.set_button, 0, Qt.AlignmentFlag.AlignLeft)
        self.layout_.addWidget(self.message)
        self.layout_.addStretch(1)

    def initializePage(self) -> None:
        ctx = self.assistant().ctx

        def read() -> bool:
            from ereg_desktop.store.secrets import get_github_token

            return get_github_token(ctx.secrets) is not None

        self.state.setText("Reading the keyring\u2026")
        self.run(read, self._read)

    def _read(self, stored: bool) -> None:
        self.state.setText("A GitHub token is stored." if stored else "No GitHub token is stored.")

    def open_dialog(self) -> None:
        from ereg_desktop.ui.github_token_dialog import GitHubTokenDialog

        if self.dialog is None:
            self.dialog = GitHubTokenDialog(self.assistant().ctx, self)
            self.dialog.token_changed.connect(self._changed)
        self.dialog.open()

    def _changed(self, login: str) -> None:
        if not login:
            self.state.setText("No GitHub token is stored.")
            return
        mine = self.assistant().inventory.operator.github
        note = ""
        if mine and mine.casefold() != login.casefold():
            note = f" (your GitHub login in the inventory is {mine}: is it the right token?)"
        self.state.setText(f"A GitHub token is stored: the token of {login}.{note}")


_MARK = {"ok": "\u2713", "failed": "\u2717", "not tried": "\u2013"}
_COLOUR = {"ok": "#1b7f3b", "failed": "#b00020", "not tried": "#777777"}


def steps_text(steps: list[CheckStep]) -> str:
    """The steps as plain lines (for the clipboard, and to read in tests)."""
    return "\n".join(f"{_MARK[s.state]} {s.title}: {s.message}" for s in steps)


def _fill(grid: QGridLayout, steps: list[CheckStep]) -> None:
    """One row per step: the mark, the step, what was found (word-wrapped)."""
    while grid.count():
        item = grid.takeAt(0)
        widget = item.widget() if item is not None else None
        if widget is not None:
            widget.deleteLater()
    for row, step in enumerate(steps):
        mark = QLabel(_MARK[step.state])
        mark.setStyleSheet(f"color: {_COLOUR[step.state]}; font-weight: bold;")
        title = QLabel(step.title)
        title.setStyleSheet(
            "font-weight: bold;" + (" color: #777777;" if step.state == "not tried" else "")
        )
        text = QLabel(step.message)
        text.setTextFormat(Qt.TextFormat.PlainText)
        text.setWordWrap(True)
        text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        if step.state != "ok":
            text.setStyleSheet(f"color: {_COLOUR[step.state]};")
        for column, label in enumerate((mark, title, text)):
            label.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
            grid.addWidget(label, row, column)
    grid.setColumnStretch(2, 1)


class TestPage(WorkPage):
    """(6) The connection test, on a worker: what works, and precisely what is missing."""

    def __init__(self) -> None:
        super().__init__("Connection test", "")
        self.steps: list[CheckStep] = []
        self.results = QGridLayout()
        self.results.setHorizontalSpacing(10)
        self.summary = QLabel()
        self.summary.setObjectName("checkSummary")
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        self.again = QPushButton("Test again")
        self.again.clicked.connect(self.initializePage)
        self.layout_.addLayout(self.results)
        self.layout_.addSpacing(8)
        self.layout_.addWidget(self.summary)
        self.layout_.addWidget(self.again, 0, Qt.AlignmentFlag.AlignRight)
        self.layout_.addWidget(self.message)
        self.layout_.addStretch(1)

    def initializePage(self) -> None:
        server = self.assistant().server()
        if server is None or self.busy:
            return
        self.setSubTitle(f"Logging in to {server.label} with your key and looking for pm2.")
        ctx, ask = self.assistant().ctx, self.assistant().passphrase_prompt
        timeout = self.assistant().connect_timeout

        def check() -> list[CheckStep]:
            from ereg_desktop.remote.hostkeys import KnownHosts
            from ereg_desktop.services.connection_check import check_connection

            known_hosts = KnownHosts(ctx.paths.known_hosts_file)
            return check_connection(server, ctx.secrets, known_hosts, ask, timeout=timeout)

        self.summary.setText("Testing\u2026")
        self.summary.setStyleSheet("")
        self.say("")
        self.run(check, self._checked, POLL)

    def set_busy(self, busy: bool) -> None:
        self.again.setEnabled(not busy)
        super().set_busy(busy)

    def _checked(self, steps: list[CheckStep]) -> None:
        from ereg_desktop.services.connection_check import all_ok, summary

        self.steps = steps
        _fill(self.results, steps)
        ok = all_ok(steps)
        self.summary.setStyleSheet("color: #1b7f3b;" if ok else ERROR_STYLE)
        self.summary.setText(summary(steps) if ok else f"Still missing \u2014 {summary(steps)}")
        self.assistant().tested(ok)
