"""The deployments of one system, edited in place: environment, server, app, URL and what it tracks."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QItemSelectionModel, QObject, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHeaderView,
    QLineEdit,
    QTableWidget,
    QWidget,
)

from ereg_desktop.store.inventory import ENVIRONMENTS, TRACK_TYPES, Deployment

FIELDS = ("environment", "server", "app", "url", "track", "track_type")
HEADERS = ("Environment", "Server", "App (pm2 name)", "URL", "Track", "Track type")
_COMBO_FIELDS = {"environment", "server", "track_type"}


def field_value(d: Deployment, field: str) -> str:
    values = {
        "environment": d.environment,
        "server": d.server,
        "app": d.app,
        "url": d.url,
        "track": d.track,
        "track_type": d.track_type,
    }
    return values[field]


def set_field(d: Deployment, field: str, value: str) -> None:
    if field == "environment":
        d.environment = value
    elif field == "server":
        d.server = value
    elif field == "app":
        d.app = value
    elif field == "url":
        d.url = value
    elif field == "track":
        d.track = value
    elif field == "track_type":
        d.track_type = value
    else:
        raise KeyError(f"a deployment has no field {field!r}")


class DeploymentsTable(QTableWidget):
    """Each cell is an editor bound to one field of one :class:`Deployment` of the system."""

    edited = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(0, len(FIELDS), parent)
        self.setHorizontalHeaderLabels(HEADERS)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.verticalHeader().hide()
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(FIELDS.index("url"), QHeaderView.ResizeMode.Stretch)
        for name, width in (("environment", 110), ("server", 100), ("app", 120), ("track", 80)):
            self.setColumnWidth(FIELDS.index(name), width)
        self._deployments: list[Deployment] = []
        self._server_ids: list[str] = []

    def show_deployments(self, deployments: list[Deployment], server_ids: list[str]) -> None:
        """Edit this list in place (the list object belongs to the system being edited)."""
        self._deployments = deployments
        self._server_ids = server_ids
        self.setRowCount(0)
        for d in deployments:
            self._add_row(d)

    def add_deployment(self) -> Deployment:
        taken = {d.environment for d in self._deployments}
        environment = next((e for e in ENVIRONMENTS if e not in taken), ENVIRONMENTS[0])
        server = self._server_ids[0] if self._server_ids else ""
        d = Deployment(environment=environment, server=server, app="")
        self._deployments.append(d)
        self._add_row(d)
        self.selectRow(self.rowCount() - 1)
        self.editor(self.rowCount() - 1, "app").setFocus()
        self.edited.emit()
        return d

    def remove_selected(self) -> None:
        row = self.currentRow()
        if 0 <= row < len(self._deployments):
            del self._deployments[row]
            self.removeRow(row)
            self.edited.emit()

    def editor(self, row: int, field: str) -> QWidget:
        widget = self.cellWidget(row, FIELDS.index(field))
        assert widget is not None
        return widget

    def _add_row(self, d: Deployment) -> None:
        row = self.rowCount()
        self.insertRow(row)
        for column, field in enumerate(FIELDS):
            value = field_value(d, field)
            if field in _COMBO_FIELDS:
                choices = {"environment": ENVIRONMENTS, "track_type": TRACK_TYPES}.get(
                    field, self._server_ids
                )
                combo = QComboBox()
                combo.addItems(list(choices))
                if value not in choices:
                    combo.addItem(
                        value
                    )  # keep what the file says, even if unknown: save reports it
                combo.setCurrentText(value)
                combo.currentTextChanged.connect(lambda text, d=d, f=field: self._set(d, f, text))
                combo.installEventFilter(self)
                self.setCellWidget(row, column, combo)
            else:
                edit = QLineEdit(value)
                edit.setFrame(False)
                if field == "url":
                    edit.setPlaceholderText("https://...")
                edit.textChanged.connect(lambda text, d=d, f=field: self._set(d, f, text.strip()))
                edit.installEventFilter(self)
                self.setCellWidget(row, column, edit)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # Editing a cell makes its row the one "Remove deployment" acts on.
        if event.type() == QEvent.Type.FocusIn:
            for row in range(self.rowCount()):
                for column in range(self.columnCount()):
                    if self.cellWidget(row, column) is watched:
                        self.selectionModel().setCurrentIndex(
                            self.model().index(row, column),
                            QItemSelectionModel.SelectionFlag.ClearAndSelect
                            | QItemSelectionModel.SelectionFlag.Rows,
                        )
        return False

    def _set(self, d: Deployment, field: str, value: str) -> None:
        set_field(d, field, value)
        self.edited.emit()
