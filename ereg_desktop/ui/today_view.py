"""View > Today (Ctrl+T): every deployment of the inventory with what is due today: pending
updates, whether a restart is due and in which window, overdue ones marked; what is due first.
Computed on a worker (``presenters/today``, ``services/due``); a double-click selects the app in
the tree. Docked beside the details pane (it can be floated)."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, tzinfo
from typing import Any, Protocol

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ereg_desktop.presenters.today import Key, TodayRow, summary, today_rows
from ereg_desktop.services.due import PENDING_CHECK_INTERVAL_S, LastRestart, Pending
from ereg_desktop.services.shown_text import printable
from ereg_desktop.store.inventory import DeploymentRef
from ereg_desktop.ui.tasks import POLL, LatestRequest, run_task

COLUMNS = ("Deployment", "App", "Pending", "Restart", "When", "Last restart")
ROW_ROLE = Qt.ItemDataRole.UserRole + 1
DUE_COLOUR = QColor(180, 30, 30)
Index = QModelIndex | QPersistentModelIndex


class TodaySource(Protocol):
    def pending_all(self, refs: list[DeploymentRef], force: bool = False) -> dict[Key, Pending]:
        """Runs on a worker."""
        ...


class TodayModel(QAbstractTableModel):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.all: list[TodayRow] = []
        self.rows: list[TodayRow] = []
        self.only_due = False

    def set_rows(self, rows: list[TodayRow]) -> None:
        self.beginResetModel()
        self.all = rows
        self.rows = [r for r in rows if r.due or r.pending is None] if self.only_due else rows
        self.endResetModel()

    def set_only_due(self, on: bool) -> None:
        self.only_due = on
        self.set_rows(self.all)

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:  # fmt: skip
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.rows):
            return None
        row = self.rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return cells(row)[index.column()]
        if role == ROW_ROLE:
            return row
        if role == Qt.ItemDataRole.ToolTipRole:
            lines = [printable(row.reason)] + [f"\u2022 {s}" for s in row.subjects]
            return "\n".join(lines)
        if role == Qt.ItemDataRole.ForegroundRole and (row.due_now or row.overdue):
            return DUE_COLOUR
        if role == Qt.ItemDataRole.FontRole and row.due:
            font = QFont()
            font.setBold(True)
            return font
        return None


def cells(row: TodayRow) -> tuple[str, ...]:
    last = f"{row.last_restart.astimezone():%a %H:%M}" if row.last_restart else "not running"
    return (
        f"{row.label} ({row.server_id})",
        row.app,
        row.pending_text,
        row.restart_text,
        row.slot_text if row.due else printable(row.reason),
        last,
    )


class TodayView(QWidget):
    app_chosen = Signal(str, str)  # (server id, app): double-clicked

    def __init__(
        self,
        source: TodaySource | None,
        refs: Callable[[], list[DeploymentRef]],
        restarts: Callable[[], dict[Key, LastRestart]],
        zone: Callable[[], tzinfo],
        parent: QWidget | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(parent)
        self.source, self.refs, self.restarts, self.zone, self.clock = (
            source, refs, restarts, zone, clock)  # fmt: skip
        self.loaded_at: float | None = None
        self.problem = ""
        self._latest = LatestRequest()
        self.model = TodayModel(self)
        self.summary = QLabel("Not checked yet.")
        self.only_due = QCheckBox("Only what is due")
        self.only_due.toggled.connect(self.model.set_only_due)
        self.check_button = QPushButton("Check now")
        self.check_button.setToolTip("Fetch every deployment's tracked branch on its server")
        self.check_button.clicked.connect(lambda: self.refresh(force=True))
        head = QHBoxLayout()
        head.addWidget(self.summary, 1)
        head.addWidget(self.only_due)
        head.addWidget(self.check_button)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.setAlternatingRowColors(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.table.doubleClicked.connect(self._double_clicked)
        hint = QLabel("Double-click a deployment to select it in the tree. Restart slots: "
                      "production in its low-traffic window, development before lunch and "
                      "before the end of the day (your time).")  # fmt: skip
        hint.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 4)
        layout.addLayout(head)
        layout.addWidget(self.table, 1)
        layout.addWidget(hint)
        self.timer = QTimer(self)
        self.timer.setInterval(int(PENDING_CHECK_INTERVAL_S * 1000))
        self.timer.timeout.connect(self._timed)
        self.timer.start()

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        if self.loaded_at is None:
            self.refresh()

    def _timed(self) -> None:
        if self.isVisible():
            self.refresh()

    def refresh(self, force: bool = False) -> None:
        """Check what is pending (the shared checks unless old, or ``force``), then the rows."""
        refs, source, zone = self.refs(), self.source, self.zone()
        restarts, clock = self.restarts(), self.clock
        self.summary.setText(f"Checking {len(refs)} deployments\u2026")
        self.check_button.setEnabled(False)

        def work(_progress: object) -> list[TodayRow]:
            pendings = source.pending_all(refs, force) if source is not None else {}
            now = datetime.fromtimestamp(clock(), UTC)
            return today_rows(refs, pendings, lambda k: restarts.get(k, LastRestart(None, None)),
                              now, zone)  # fmt: skip

        run_task(work, receiver=self, on_result=self._loaded, on_error=self._failed,
                 latest=self._latest, kind=POLL)  # fmt: skip

    def _loaded(self, rows: list[TodayRow]) -> None:
        self.loaded_at, self.problem = self.clock(), ""
        self.model.set_rows(rows)
        self.check_button.setEnabled(True)
        self.summary.setText(f"<b>{summary(rows)}</b> \u00b7 checked "
                             f"{datetime.fromtimestamp(self.loaded_at):%H:%M}")  # fmt: skip

    def _failed(self, exc: BaseException) -> None:
        self.loaded_at = self.clock()
        self.problem = printable(str(exc))
        self.check_button.setEnabled(True)
        self.summary.setText(f"What is due could not be worked out: {self.problem}")

    def _double_clicked(self, index: QModelIndex) -> None:
        row = index.data(ROW_ROLE)
        if isinstance(row, TodayRow):
            self.app_chosen.emit(row.server_id, row.app)
