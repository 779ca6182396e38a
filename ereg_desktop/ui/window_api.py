"""What the parts of the window built after the first paint (live status, deployment actions) may
use of the main window: a Protocol, so they reach it typed instead of through ``getattr``.

``MainWindow`` satisfies it; tests may pass any QMainWindow subclass that does.
"""

from __future__ import annotations

from typing import Protocol

from PySide6.QtCore import SignalInstance
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu, QStatusBar, QToolBar, QWidget

from ereg_desktop.services.status import ServerStatus
from ereg_desktop.ui.systems_model import ProcessRow, SystemsModel


class WindowApi(Protocol):
    # the Deployment actions, created (disabled) before the first paint
    restart_action: QAction
    stop_action: QAction
    start_action: QAction
    update_action: QAction
    history_action: QAction
    # where the live status adds its own entries
    view_menu: QMenu
    server_menu: QMenu
    toolbar: QToolBar
    model: SystemsModel

    @property
    def inventory_reloaded(self) -> SignalInstance: ...

    def selected_row(self) -> ProcessRow | None: ...

    def apply_status(self, status: ServerStatus) -> None: ...

    def set_server_state(self, server_id: str, text: str, detail: str = "") -> None: ...

    def statusBar(self) -> QStatusBar: ...  # Qt's name

    def isActiveWindow(self) -> bool: ...  # Qt's name

    def as_widget(self) -> QWidget:
        """The window as a dialog parent."""
        ...
