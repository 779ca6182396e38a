"""The system tray icon: the app's icon with the alert count on it, a tooltip, and a menu (show or
hide the window, refresh now, quit). Where the platform has no tray, nothing is shown and the
notifier (``ui/notify.py``) falls back to ``notify-send`` or the taskbar."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, QRectF, Qt, Slot
from PySide6.QtGui import QAction, QColor, QFont, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import QApplication, QMainWindow, QMenu, QStyle, QSystemTrayIcon

BADGE_SIZE = 64  # the pixmap the count is drawn on; the tray scales it
BADGE_RED = QColor(211, 47, 47)
MESSAGE_MS = 30_000


def app_icon() -> QIcon:
    """The application's icon (``ui/resources.py``, once the resources are there), else a
    standard one of the style."""
    import importlib

    try:
        icon = importlib.import_module("ereg_desktop.ui.resources").app_icon()
        if isinstance(icon, QIcon) and not icon.isNull():
            return icon
    except (ImportError, AttributeError):
        pass
    return QApplication.style().standardIcon(QStyle.StandardPixmap.SP_ComputerIcon)


def badge_text(count: int) -> str:
    return "" if count <= 0 else (str(count) if count < 100 else "99+")


def with_badge(icon: QIcon, count: int, size: int = BADGE_SIZE) -> QIcon:
    """``icon`` with ``count`` in a red disc at its top right (the icon as is for no alerts)."""
    text = badge_text(count)
    if not text:
        return icon
    pixmap = QPixmap(icon.pixmap(size, size))
    if pixmap.isNull() or pixmap.width() < size:
        pixmap = pixmap.scaled(size, size) if not pixmap.isNull() else QPixmap(size, size)
        if pixmap.isNull():
            return icon
    painter = QPainter(pixmap)
    try:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        disc = QRectF(size * 0.38, 0, size * 0.62, size * 0.62)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(BADGE_RED)
        painter.drawEllipse(disc)
        font = QFont()
        font.setBold(True)
        font.setPixelSize(int(size * (0.42 if len(text) == 1 else 0.3)))
        painter.setFont(font)
        painter.setPen(QColor("white"))
        painter.drawText(disc, Qt.AlignmentFlag.AlignCenter, text)
    finally:
        painter.end()
    return QIcon(pixmap)


class Tray(QObject):
    """The window's tray icon. ``refresh`` is the window's Refresh action (live status's), added
    to the menu as is (its shortcut and enabled state with it)."""

    def __init__(self, window: QMainWindow, refresh: QAction | None = None) -> None:
        super().__init__(window)
        self.setObjectName("ereg-tray")
        self.window = window
        self.count = 0
        self.quit_app: Callable[[], object] = QApplication.quit
        self.base_icon = app_icon()
        self.icon = QSystemTrayIcon(self.base_icon, self)
        self.menu = QMenu(window)
        self.show_action = QAction("Hide window", self)
        self.show_action.triggered.connect(self.toggle_window)
        self.menu.addAction(self.show_action)
        self.refresh_action = refresh
        if refresh is not None:
            self.menu.addAction(refresh)
        self.menu.addSeparator()
        self.quit_action = QAction("Quit", self)
        self.quit_action.triggered.connect(self.quit)
        self.menu.addAction(self.quit_action)
        self.menu.aboutToShow.connect(self._name_show_action)
        self.icon.setContextMenu(self.menu)
        self.icon.activated.connect(self._activated)
        self._show_count()
        if QSystemTrayIcon.isSystemTrayAvailable():
            self.icon.show()

    @property
    def visible(self) -> bool:
        return self.icon.isVisible()

    @Slot(int)
    def set_alert_count(self, count: int) -> None:
        """The alerts not yet seen (the alerts pane's ``count_changed``)."""
        self.count = max(0, count)
        self._show_count()

    def show_message(self, title: str, text: str) -> bool:
        """A balloon from the tray, if there is one that can show it."""
        if not self.icon.isVisible() or not QSystemTrayIcon.supportsMessages():
            return False
        self.icon.showMessage(title, text, QSystemTrayIcon.MessageIcon.Critical, MESSAGE_MS)
        return True

    def toggle_window(self) -> None:
        if self.window.isVisible() and not self.window.isMinimized():
            self.window.hide()
        else:
            self.window.showNormal()
            self.window.raise_()
            self.window.activateWindow()
        self._name_show_action()

    def quit(self) -> None:
        if self.window.close():  # the window's own close (its layout is saved then)
            self.quit_app()  # the window may have been hidden: closing it quits nothing

    def _show_count(self) -> None:
        self.icon.setIcon(with_badge(self.base_icon, self.count))
        alerts = {0: "no alerts", 1: "1 alert"}.get(self.count, f"{self.count} alerts")
        self.icon.setToolTip(f"ereg-desktop \u2014 {alerts}")

    def _name_show_action(self) -> None:
        shown = self.window.isVisible() and not self.window.isMinimized()
        self.show_action.setText("Hide window" if shown else "Show window")

    def _activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        if reason == QSystemTrayIcon.ActivationReason.Trigger:
            self.toggle_window()


def tray_of(window: object) -> Tray | None:
    """The tray of ``window`` (a QObject), if one was made."""
    if not isinstance(window, QObject):
        return None
    found = window.findChild(Tray, "ereg-tray", Qt.FindChildOption.FindDirectChildrenOnly)
    return found if isinstance(found, Tray) else None
