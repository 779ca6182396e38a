"""The review's table: a :class:`QTableView` whose rows are one line high until they are on
screen, then as high as their wrapped values (at most eight lines).

Qt's own "resize rows to contents" asks every row's size, so 2,000 changes would be laid out
before the first paint; here only the rows in view are measured, when they come into view (a
scroll, a resize, a filter, an edit), and each once per column width.
"""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QWidget

from ereg_desktop.presenters.translation_review import Column

_SHARES = {Column.KEY: 0.3, Column.OLD: 0.33}  # of the width; the new value takes the rest
STATUS_WIDTH = 104
_ROUNDS = 4  # rows that grow push others out of view: a few rounds settle it


class ReviewTable(QTableView):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("reviewTable")
        self.setShowGrid(False)
        self.setWordWrap(False)  # the delegate wraps
        self.setAlternatingRowColors(True)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        rows = self.verticalHeader()
        rows.hide()
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        columns = self.horizontalHeader()
        columns.setStretchLastSection(True)
        columns.setHighlightSections(False)
        self._fitted: set[int] = set()
        self._sizing = False
        self._user_sized = False
        self._fit_soon = QTimer(self)
        self._fit_soon.setSingleShot(True)
        self._fit_soon.setInterval(0)
        self._fit_soon.timeout.connect(self.fit_visible_rows)
        columns.sectionResized.connect(lambda column, *_: self._section_resized(column))
        self.verticalScrollBar().valueChanged.connect(lambda _v: self.fit_visible_rows())

    def set_line_height(self, height: int) -> None:
        """The height of a row not measured yet (one line)."""
        self.verticalHeader().setDefaultSectionSize(height)
        self.verticalHeader().setMinimumSectionSize(min(height, 12))

    # --- row heights ------------------------------------------------------------------------

    def fit_visible_rows(self) -> int:
        """Measure the rows in view that are not measured yet; how many were."""
        model = self.model()
        count = model.rowCount() if model is not None else 0
        fitted = 0
        for _ in range(_ROUNDS):
            first = self.rowAt(0)
            if first < 0:
                break
            last = self.rowAt(self.viewport().height() - 1)
            last = count - 1 if last < 0 else last
            todo = [r for r in range(first, min(last + 2, count)) if r not in self._fitted]
            if not todo:
                break
            for row in todo:
                self._fitted.add(row)
                self.resizeRowToContents(row)
            fitted += len(todo)
        return fitted

    def refit(self, row: int | None = None) -> None:
        """A row's content (or, with None, every row's) changed: measure it again in view."""
        if row is None:
            self._fitted.clear()
        else:
            self._fitted.discard(row)
        self._fit_soon.start()

    def reset(self) -> None:
        self._fitted.clear()
        super().reset()
        self._fit_soon.start()

    def show_row(self, row: int) -> None:
        """Scroll table row ``row`` into view, measured (it may grow once on screen)."""
        index = self.model().index(row, Column.KEY)
        self.scrollTo(index)
        if self.fit_visible_rows():
            self.scrollTo(index)

    # --- columns ----------------------------------------------------------------------------

    def size_columns(self) -> None:
        """Share the width between the columns, until the operator resizes one."""
        self._sizing = True
        width = max(self.viewport().width(), 600) - STATUS_WIDTH
        header = self.horizontalHeader()
        header.resizeSection(Column.STATUS, STATUS_WIDTH)
        for column in (Column.KEY, Column.OLD):
            header.resizeSection(column, int(width * _SHARES[column]))
        self._sizing = False

    def _section_resized(self, column: int) -> None:
        # the last column stretches by itself; any other one changing is the operator's doing
        if not self._sizing and column != Column.NEW and self.isVisible():
            self._user_sized = True
        self.refit()  # the wrapped heights follow the new widths

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if not self._user_sized:
            self.size_columns()
        self.fit_visible_rows()
