"""Help > About: what a bug report needs (versions, the keyring backend, the platform, where the
files are), with a Copy button. What needs the disk or the keyring (package metadata, the keyring's
backend) is read on a worker; the dialog opens at once and fills those in."""

from __future__ import annotations

import platform
import sys
from pathlib import Path

from PySide6.QtCore import Qt, QUrl, qVersion
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ereg_desktop import __version__
from ereg_desktop.store.paths import AppPaths
from ereg_desktop.ui.tasks import SHORT, run_task

PENDING = "\u2026"
Facts = list[tuple[str, str]]


def quick_facts() -> Facts:
    """What the process knows without the disk."""
    import PySide6

    return [
        ("ereg-desktop", __version__),
        ("Python", f"{platform.python_version()} ({sys.executable})"),
        ("PySide6 / Qt", f"{PySide6.__version__} / Qt {qVersion()}"),
        ("Platform", f"{platform.platform()} ({QGuiApplication.platformName()})"),
    ]


def slow_facts() -> Facts:
    """On a worker: the package metadata on disk, and the keyring's backend (D-Bus on Linux)."""
    from importlib import metadata

    def version(package: str) -> str:
        try:
            return metadata.version(package)
        except metadata.PackageNotFoundError:
            return "not installed"

    return [("paramiko", version("paramiko")), ("Keyring backend", keyring_backend())]


def keyring_backend() -> str:
    from ereg_desktop.errors import EregError
    from ereg_desktop.store.secrets import backend_from_environment, check_usable

    try:
        backend = backend_from_environment()
    except EregError as exc:
        return f"none: {exc}"
    name = f"{type(backend).__module__}.{type(backend).__name__}"
    try:
        check_usable(backend)
    except EregError as exc:
        return f"{name} (refused: {exc})"
    return name


def folders(paths: AppPaths) -> Facts:
    return [
        ("Config folder", str(paths.config_dir)),
        ("Data folder", str(paths.data_dir)),
        ("Log folder", str(paths.log_dir)),
        ("Inventory", str(paths.inventory_file)),
    ]


class AboutDialog(QDialog):
    def __init__(self, paths: AppPaths, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("About ereg-desktop")
        self.paths = paths
        self.facts: dict[str, str] = dict(quick_facts())
        self.facts.update({name: PENDING for name in ("paramiko", "Keyring backend")})
        self.facts.update(folders(paths))
        self._values: dict[str, QLabel] = {}

        layout = QVBoxLayout(self)
        heading = QLabel(f"<b>ereg-desktop {__version__}</b>")
        heading.setTextFormat(Qt.TextFormat.RichText)
        layout.addWidget(heading)
        layout.addWidget(QLabel(
            "Keeps the eRegistrations systems running: live pm2 status, restarts and the\n"
            "update procedure over SSH."))  # fmt: skip
        form = QFormLayout()
        for name in self.facts:
            value = QLabel()
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
            self._values[name] = value
            form.addRow(f"{name}:", value)
        layout.addLayout(form)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.copy_button = QPushButton("Copy")
        self.copy_button.setToolTip("Copy all of this, for a bug report")
        self.copy_button.clicked.connect(self.copy)
        buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self._show_facts()
        run_task(lambda _p: slow_facts(), receiver=self, kind=SHORT,
                 on_result=self._more_facts, on_error=self._no_more_facts)  # fmt: skip

    def _show_facts(self) -> None:
        paths = {name for name, _ in folders(self.paths)}
        for name, text in self.facts.items():
            label = self._values[name]
            if name in paths:
                folder = Path(text) if name != "Inventory" else Path(text).parent
                label.setTextFormat(Qt.TextFormat.RichText)
                label.setText(f'<a href="{QUrl.fromLocalFile(str(folder)).toString()}">'
                              f"{_html(text)}</a>")  # fmt: skip
                label.setToolTip(f"Open {folder}")
                label.linkActivated.connect(self.open_link)
            else:
                label.setTextFormat(Qt.TextFormat.PlainText)
                label.setText(text)

    def open_link(self, url: str) -> None:
        QDesktopServices.openUrl(QUrl(url))

    def _more_facts(self, facts: Facts) -> None:
        for name, text in facts:
            self.facts[name] = text
            self._values[name].setText(text)

    def _no_more_facts(self, exc: BaseException) -> None:
        self._more_facts([("Keyring backend", f"not known ({exc})")])

    def text(self) -> str:
        """All of it as plain text (what Copy puts on the clipboard)."""
        return "\n".join(f"{name}: {value}" for name, value in self.facts.items()) + "\n"

    def copy(self) -> None:
        QGuiApplication.clipboard().setText(self.text())
        self.copy_button.setText("Copied")


def _html(text: str) -> str:
    from html import escape

    return escape(text)
