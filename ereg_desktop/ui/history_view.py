"""Deployment > History: the local record of every write (deploys, restarts, stops, starts).

The SQLite file is read on a worker (disk I/O stays off the GUI thread); the table is a model, not
a text blob, and can be limited to the app selected in the main window.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ereg_desktop.store.history import History
from ereg_desktop.ui.deploy_steps_view import format_seconds
from ereg_desktop.ui.tasks import LatestRequest, run_task

COLUMNS = ("When", "App", "Operator", "Action", "Outcome", "App after", "Downtime", "Commits",
           "Reason")  # fmt: skip
_BAD = {"failed", "blocked", "cancelled"}

Index = QModelIndex | QPersistentModelIndex


def when_text(iso: str) -> str:
    try:
        return datetime.fromisoformat(iso).astimezone().strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return iso


def cells(record: dict[str, Any]) -> tuple[str, ...]:
    downtime = record.get("downtime_s")
    before, after = str(record.get("commit_before") or ""), str(record.get("commit_after") or "")
    commits = f"{before[:8]} \u2192 {after[:8]}" if before and after else before[:8]
    reasons = record.get("reasons") or {}
    reason = "; ".join(str(v) for v in reasons.values()) if isinstance(reasons, dict) else ""
    return (
        when_text(str(record.get("started_at", ""))),
        str(record.get("app", "")),
        str(record.get("operator", "")),
        str(record.get("kind", "")),
        str(record.get("result", "")),
        str(record.get("app_state", "")),
        format_seconds(float(downtime)) if isinstance(downtime, int | float) else "",
        commits,
        reason,
    )


class HistoryModel(QAbstractTableModel):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.records: list[dict[str, Any]] = []
        self._cells: list[tuple[str, ...]] = []

    def set_records(self, records: list[dict[str, Any]]) -> None:
        self.beginResetModel()
        self.records = records
        self._cells = [cells(r) for r in records]
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._cells)

    def columnCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return COLUMNS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not (0 <= index.row() < len(self._cells)):
            return None
        row = self._cells[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return row[index.column()]
        if role == Qt.ItemDataRole.ToolTipRole:
            return str(self.records[index.row()].get("message", "")) or None
        if role == Qt.ItemDataRole.ForegroundRole:
            if row[4] in _BAD or row[5] == "down":
                return QColor("#c62828")
        return None


class HistoryView(QDialog):
    """Non-modal. ``selected_app`` gives the app selected in the main window (or None)."""

    def __init__(
        self,
        history: History,
        selected_app: Callable[[], str | None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.history = history
        self.selected_app = selected_app
        self._latest = LatestRequest()
        self.loaded = 0  # how many reads have been shown (tests wait on it)
        self.setWindowTitle("Deployment history (this computer)")
        self.resize(1000, 420)
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        self.only_selected = QCheckBox("Only the selected app")
        self.only_selected.toggled.connect(self.reload)
        self.status = QLabel("Loading\u2026")
        self.reload_button = QPushButton("Reload")
        self.reload_button.clicked.connect(self.reload)
        top.addWidget(self.only_selected)
        top.addWidget(self.status, 1)
        top.addWidget(self.reload_button)
        layout.addLayout(top)
        self.model = HistoryModel(self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setWordWrap(False)
        layout.addWidget(self.table, 1)
        note = QLabel(
            "The team's shared record is ~/.ereg-desktop/audit.jsonl on each server; this list "
            "holds what this computer did."
        )
        note.setStyleSheet("color: palette(mid);")
        layout.addWidget(note)

    def filter_app(self) -> str | None:
        return self.selected_app() if self.only_selected.isChecked() else None

    def reload(self) -> None:
        app = self.filter_app()
        self.status.setText("Loading\u2026")
        history = self.history
        run_task(
            lambda _progress: history.list(app, limit=1000),
            on_result=lambda records: self._loaded(app, records),
            on_error=lambda exc: self.status.setText(f"Could not read the history: {exc}"),
            latest=self._latest,
        )

    def _loaded(self, app: str | None, records: list[dict[str, Any]]) -> None:
        self.model.set_records(records)
        self.table.resizeColumnsToContents()
        where = f" for {app}" if app else ""
        self.status.setText(f"{len(records)} record(s){where}, newest first")
        self.loaded += 1
