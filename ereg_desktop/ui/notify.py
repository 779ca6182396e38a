"""Tell the operator something important when the window is not in front (an app left DOWN).

In order: the window's tray icon's balloon (``ui/tray.py``) if there is a tray, else
``notify-send`` when it is on the PATH, else the taskbar alert plus a message in the window's status
bar. A :class:`Notifier` is passed in, so tests give their own and see what would have been shown.
"""

from __future__ import annotations

import shutil
from typing import TYPE_CHECKING, Protocol

from PySide6.QtCore import QProcess
from PySide6.QtWidgets import QApplication, QMainWindow, QWidget

if TYPE_CHECKING:
    from ereg_desktop.ui.tray import Tray


class Notifier(Protocol):
    def notify(self, title: str, text: str, *, urgent: bool = True) -> None: ...


class DesktopNotifier:
    """The real one. ``window`` gets the status-bar message and the taskbar alert; ``tray`` the
    balloon (by default the window's tray, when it has one)."""

    def __init__(self, window: QWidget | None = None, tray: Tray | None = None) -> None:
        self.window = window
        self._tray = tray

    @property
    def tray(self) -> Tray | None:
        if self._tray is None and self.window is not None:
            from ereg_desktop.ui.tray import tray_of

            self._tray = tray_of(self.window.window())
        return self._tray

    def notify(self, title: str, text: str, *, urgent: bool = True) -> None:
        how = self._tray_message(title, text) or self._notify_send(title, text, urgent)
        if not how:
            self._alert(title, text)

    def _tray_message(self, title: str, text: str) -> bool:
        tray = self.tray
        return tray is not None and tray.show_message(title, text)

    def _notify_send(self, title: str, text: str, urgent: bool) -> bool:
        program = shutil.which("notify-send")
        if program is None:
            return False
        args = ["--app-name=ereg-desktop", f"--urgency={'critical' if urgent else 'normal'}"]
        return QProcess.startDetached(program, [*args, title, text])[0]

    def _alert(self, title: str, text: str) -> None:
        if self.window is not None:
            QApplication.alert(self.window, 0)
            main = self.window.window()
            if isinstance(main, QMainWindow):
                main.statusBar().showMessage(f"{title}: {text}")
