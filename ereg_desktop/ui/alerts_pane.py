"""The window's alert log, docked: every alert newest first, urgent ones in red, and what the
operator does with them (silence an app for a while, unsilence it, copy, clear).

It renders :class:`~ereg_desktop.presenters.alert_log.AlertLog`; the silences themselves are
the engine's, asked for through :attr:`AlertsPane.silence_requested` (``ui/live_alerts.py``).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QPoint, Qt, Signal
from PySide6.QtGui import QAction, QBrush, QColor, QFont, QGuiApplication, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QHBoxLayout,
    QLabel,
    QMenu,
    QPushButton,
    QStyle,
    QToolButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ereg_desktop.presenters.alert_log import GOOD_NEWS, NOTE, AlertLog, LogEntry, silence_choices

COLUMNS = ("Time", "System", "Kind", "Alert")
TIME, SYSTEM, KIND, MESSAGE = range(4)
URGENT_COLOUR, GOOD_COLOUR, NOTE_COLOUR = "#c62828", "#2e7d32", "#555555"
NUMBER_ROLE = Qt.ItemDataRole.UserRole


class AlertsPane(QWidget):
    count_changed = Signal(int)  # the unread alerts (issue 11: the tray icon shows it)
    silence_requested = Signal(str, str, float)  # server, app ("" for the server), until
    unsilence_requested = Signal(str, str)

    def __init__(
        self,
        log: AlertLog,
        clock: Callable[[], float] = time.time,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.log = log
        self.clock = clock
        self._shown_unread = log.unread
        self._watched: QWidget | None = None

        self.list = QTreeWidget()
        self.list.setObjectName("alertsList")
        self.list.setColumnCount(len(COLUMNS))
        self.list.setHeaderLabels(COLUMNS)
        self.list.setRootIsDecorated(False)
        self.list.setUniformRowHeights(True)
        self.list.setAlternatingRowColors(True)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.list.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.list.customContextMenuRequested.connect(self._context_menu)
        self.list.itemSelectionChanged.connect(self._selection_changed)
        header = self.list.header()
        header.setStretchLastSection(True)
        for column, width in ((TIME, 80), (SYSTEM, 140), (KIND, 130)):
            header.resizeSection(column, width)

        self.silence_menu = QMenu("Silence this app", self)
        self.silence_button = QToolButton()
        self.silence_button.setText("Silence\u2026")
        self.silence_button.setToolTip("No alerts about the selected app (or server) for a while")
        self.silence_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.silence_button.setMenu(self.silence_menu)
        self.silence_menu.aboutToShow.connect(self._fill_silence_menu)
        self.unsilence_button = QPushButton("Unsilence")
        self.unsilence_button.clicked.connect(self.unsilence_selected)
        self.copy_button = QPushButton("Copy")
        self.copy_button.clicked.connect(self.copy_selected)
        self.clear_button = QPushButton("Clear")
        self.clear_button.clicked.connect(self.clear)
        self.silenced_label = QLabel()
        self.silenced_label.setObjectName("silencedLabel")
        self.silenced_label.setWordWrap(True)

        buttons = QHBoxLayout()
        for w in (self.silence_button, self.unsilence_button, self.copy_button, self.clear_button):
            buttons.addWidget(w)
        buttons.addWidget(self.silenced_label, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.list, 1)
        layout.addLayout(buttons)
        self.refresh()

    # --- what others read --------------------------------------------------------------------

    @property
    def unread_count(self) -> int:
        return self.log.unread

    def seen(self) -> bool:
        """The operator can see the log now (visible, in the window in front)."""
        return self.isVisible() and self.window().isActiveWindow()

    def selected_entries(self) -> list[LogEntry]:
        found = (self.log.entry(int(i.data(0, NUMBER_ROLE))) for i in self.list.selectedItems())
        return [e for e in found if e is not None]

    # --- rendering ---------------------------------------------------------------------------

    def refresh(self) -> None:
        """Everything again from the log (at most its limit of rows)."""
        if self.seen():
            self.log.mark_read()
        chosen = {e.number for e in self.selected_entries()}
        now = self.clock()
        self.list.clear()
        items = [self._item(e, now) for e in self.log.entries]
        self.list.addTopLevelItems(items)
        for item in items:
            item.setSelected(int(item.data(0, NUMBER_ROLE)) in chosen)
        self.silenced_label.setText(self.log.silenced_text(now))
        self.clear_button.setEnabled(bool(self.log.entries))
        self.copy_button.setEnabled(bool(self.log.entries))
        self._selection_changed()
        self._count_maybe_changed()

    def _item(self, entry: LogEntry, now: float) -> QTreeWidgetItem:
        item = QTreeWidgetItem([entry.time_text(now), entry.system, entry.kind_text,
                                entry.alert.message])  # fmt: skip
        item.setData(0, NUMBER_ROLE, entry.number)
        item.setToolTip(MESSAGE, entry.alert.message)
        style = QApplication.style()
        if entry.urgent:
            colour, icon = URGENT_COLOUR, QStyle.StandardPixmap.SP_MessageBoxCritical
        elif entry.kind in GOOD_NEWS:
            colour, icon = GOOD_COLOUR, QStyle.StandardPixmap.SP_DialogApplyButton
        elif entry.kind == NOTE:
            colour, icon = NOTE_COLOUR, QStyle.StandardPixmap.SP_MessageBoxInformation
        else:
            colour, icon = "", QStyle.StandardPixmap.SP_MessageBoxWarning
        item.setIcon(KIND, style.standardIcon(icon))
        if colour:
            for column in (KIND, MESSAGE):
                item.setForeground(column, QBrush(QColor(colour)))
        if entry.urgent:
            bold = QFont(self.list.font())
            bold.setBold(True)
            item.setFont(KIND, bold)
        item.setData(KIND, Qt.ItemDataRole.AccessibleTextRole,
                     f"{'urgent ' if entry.urgent else ''}{entry.kind_text}")  # fmt: skip
        return item

    def _count_maybe_changed(self) -> None:
        if self.log.unread != self._shown_unread:
            self._shown_unread = self.log.unread
            self.count_changed.emit(self.log.unread)

    def mark_read(self) -> None:
        self.log.mark_read()
        self._count_maybe_changed()

    # --- the operator's actions --------------------------------------------------------------

    def _systems(self) -> list[tuple[str, str]]:
        """The selected entries' (server, app), each once, notes about the webhook left out."""
        out: list[tuple[str, str]] = []
        for e in self.selected_entries():
            key = (e.alert.server, e.alert.app)
            if e.kind != NOTE and e.alert.server and key not in out:
                out.append(key)
        return out

    def _fill_silence_menu(self) -> None:
        self.silence_menu.clear()
        for choice in silence_choices(self.clock()):
            action = self.silence_menu.addAction(choice.text.capitalize())
            action.triggered.connect(
                lambda _=False, until=choice.until: self.silence_selected(until)
            )

    def silence_selected(self, until: float) -> None:
        for server, app in self._systems():
            self.silence_requested.emit(server, app, until)

    def unsilence_selected(self) -> None:
        for server, app in self._systems():
            self.unsilence_requested.emit(server, app)

    def copy_selected(self) -> None:
        numbers = [e.number for e in self.selected_entries()] or None
        QGuiApplication.clipboard().setText(self.log.copy_text(numbers))

    def clear(self) -> None:
        self.log.clear()
        self.refresh()

    def _selection_changed(self) -> None:
        systems = self._systems()
        now = self.clock()
        self.silence_button.setEnabled(bool(systems))
        self.unsilence_button.setEnabled(
            any(self.log.silenced_until(s, a, now) is not None for s, a in systems)
        )

    def _context_menu(self, at: QPoint) -> None:
        self.context_menu().popup(self.list.viewport().mapToGlobal(at))

    def context_menu(self) -> QMenu:
        """What a right-click offers on the selected alerts (tests read it)."""
        menu = QMenu(self)
        menu.aboutToHide.connect(menu.deleteLater)
        systems = bool(self._systems())
        for choice in silence_choices(self.clock()):
            action = QAction(f"Silence this app {choice.text}", menu)
            action.setEnabled(systems)
            action.triggered.connect(
                lambda _=False, until=choice.until: self.silence_selected(until)
            )
            menu.addAction(action)
        menu.addAction(self._action(menu, "Unsilence", self.unsilence_selected,
                                    self.unsilence_button.isEnabled()))  # fmt: skip
        menu.addSeparator()
        menu.addAction(self._action(menu, "Copy", self.copy_selected, bool(self.log.entries)))
        menu.addAction(self._action(menu, "Clear", self.clear, bool(self.log.entries)))
        return menu

    @staticmethod
    def _action(menu: QMenu, text: str, then: Callable[[], None], enabled: bool) -> QAction:
        action = QAction(text, menu)
        action.setEnabled(enabled)
        action.triggered.connect(lambda _=False: then())
        return action

    # --- read when seen ----------------------------------------------------------------------

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        window = self.window()
        if window is not self._watched:
            if self._watched is not None:
                self._watched.removeEventFilter(self)
            window.installEventFilter(self)
            self._watched = window
        if self.seen():
            self.mark_read()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.WindowActivate and self.seen():
            self.mark_read()
        return False
