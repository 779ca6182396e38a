"""The review's rows as a table: status, key, old, new. The rows shown are the presenter's
filtered ones; the delegate paints the key and the values from :data:`SEGMENTS_ROLE`."""

from __future__ import annotations

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QIcon, QPixmap
from PySide6.QtWidgets import QApplication, QStyle

from ereg_desktop.presenters.translation_review import (
    COLUMN_TITLES,
    SEVERITY_LABELS,
    STATUS_TIPS,
    Column,
    TranslationReviewState,
)
from ereg_desktop.presenters.translation_segments import with_glyphs
from ereg_desktop.services.i18n.findings import Severity

Index = QModelIndex | QPersistentModelIndex

SEVERITY_ROLE = Qt.ItemDataRole.UserRole + 1  # the row's worst severity (a Severity) or None
FINDINGS_ROLE = Qt.ItemDataRole.UserRole + 2  # the row's findings (a tuple, after edits)
SEGMENTS_ROLE = Qt.ItemDataRole.UserRole + 3  # what the delegate paints (list of Segment)
ROW_ROLE = Qt.ItemDataRole.UserRole + 4  # the presenter's row number (int)

_FLAGS = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren
_NO_FLAGS = Qt.ItemFlag.NoItemFlags
_COLUMNS = tuple(Column)
_DISPLAY = Qt.ItemDataRole.DisplayRole
_ROLES = frozenset(
    int(r)
    for r in (
        Qt.ItemDataRole.DisplayRole,
        Qt.ItemDataRole.DecorationRole,
        Qt.ItemDataRole.ToolTipRole,
        Qt.ItemDataRole.TextAlignmentRole,
        SEGMENTS_ROLE,
        SEVERITY_ROLE,
        FINDINGS_ROLE,
        ROW_ROLE,
    )
)

_ICONS = {
    Severity.ERROR: QStyle.StandardPixmap.SP_MessageBoxCritical,
    Severity.WARNING: QStyle.StandardPixmap.SP_MessageBoxWarning,
    Severity.INFO: QStyle.StandardPixmap.SP_MessageBoxInformation,
}


def severity_icon(severity: Severity | None) -> QIcon:
    """The icon of a severity; None: an empty one of the same size (the text stays aligned)."""
    if severity is None:
        blank = QPixmap(16, 16)
        blank.fill(Qt.GlobalColor.transparent)
        return QIcon(blank)
    return QApplication.style().standardIcon(_ICONS[severity])


class TranslationReviewModel(QAbstractTableModel):
    def __init__(self, state: TranslationReviewState, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self._icons: dict[Severity | None, QIcon] = {}

    # --- what the widget changes -----------------------------------------------------------

    def set_filter(self, text: str, problems_only: bool) -> None:
        self.beginResetModel()
        self.state.set_filter(text, problems_only)
        self.endResetModel()

    def row_changed(self, row: int) -> None:
        """A row's value or findings changed (an edit, a re-check)."""
        shown = self.model_row(row)
        if shown is not None:
            first = self.index(shown, 0)
            last = self.index(shown, len(Column) - 1)
            self.dataChanged.emit(first, last, [])

    def model_row(self, row: int) -> int | None:
        """The table row showing presenter row ``row`` (None when filtered out)."""
        try:
            return self.state.visible.index(row)
        except ValueError:
            return None

    def row_at(self, index: Index) -> int | None:
        """The presenter's row number of a table index."""
        if not index.isValid() or not 0 <= index.row() < len(self.state.visible):
            return None
        return self.state.visible[index.row()]

    # --- the model -------------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.state.visible)

    def columnCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(Column)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> object:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(Column):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return COLUMN_TITLES[Column(section)]
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        # asked for every row each time the view lays its rows out: a constant, and "never has
        # children" spares the view asking for any
        return _FLAGS if index.isValid() else _NO_FLAGS

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if role not in _ROLES:
            return None
        row = self.row_at(index)
        if row is None or not 0 <= index.column() < len(_COLUMNS):
            return None
        column = _COLUMNS[index.column()]
        state = self.state
        if role == _DISPLAY:
            return state.text(row, column)
        if role == SEGMENTS_ROLE:
            return state.segments(row, column)
        if role == SEVERITY_ROLE:
            return state.worst(row)
        if role == FINDINGS_ROLE:
            return state.findings(row)
        if role == ROW_ROLE:
            return row
        if column is Column.STATUS:
            return self._status_data(row, role)
        return None

    def _status_data(self, row: int, role: int) -> object:
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop
        severity = self.state.worst(row)
        if role == Qt.ItemDataRole.DecorationRole:
            if severity not in self._icons:
                self._icons[severity] = severity_icon(severity)
            return self._icons[severity]
        if role == Qt.ItemDataRole.ToolTipRole:
            tip = STATUS_TIPS[self.state.rows[row].status]
            findings = self.state.findings(row)
            if findings:
                tip += "\n" + "\n".join(
                    f"{SEVERITY_LABELS[f.severity]}: {with_glyphs(f.message)}" for f in findings
                )
            if self.state.edited(row):
                tip += "\nEdited here (not in the file yet)"
            return tip
        return None
