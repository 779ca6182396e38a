"""The translation changes of a review: the counts, a filter, "problems only", the table, the
next/previous problem (F8 / Shift+F8) and the details of the current row.

The table (``review_table.py``) measures the heights of the rows on screen only, and the
delegate computes what it paints for those rows only, so 2,000 changes open as fast as ten.
"""

from __future__ import annotations

import html

from PySide6.QtCore import QItemSelectionModel, QModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from ereg_desktop.presenters.translation_review import (
    SEVERITY_LABELS,
    Column,
    TranslationReviewState,
    count_text,
)
from ereg_desktop.presenters.translation_segments import with_glyphs
from ereg_desktop.services.i18n.findings import Severity
from ereg_desktop.ui.translations.review_delegate import ReviewDelegate
from ereg_desktop.ui.translations.review_details import ReviewDetails
from ereg_desktop.ui.translations.review_model import TranslationReviewModel
from ereg_desktop.ui.translations.review_table import ReviewTable

FILTER_DEBOUNCE_MS = 200
_SEVERITY_COLOURS = {Severity.ERROR: "#c62828", Severity.WARNING: "#e65100",
                     Severity.INFO: "#455a64"}  # fmt: skip
NEXT_KEY, PREVIOUS_KEY = "F8", "Shift+F8"
LEGEND = (
    "<span style='color:#555'>Colours:</span> "
    "<span style='background:#ffcdd2; color:#b71c1c; text-decoration:line-through'>deleted</span> "
    "<span style='background:#c8e6c9; color:#1b5e20'>inserted</span> &nbsp; "
    "<span style='background:#e3f2fd; color:#0d47a1; border:1px solid #1e88e5'>"
    "&nbsp;${ in the key }&nbsp;</span> "
    "<span style='background:#ffebee; color:#b71c1c; font-weight:bold'>&nbsp;${ not in the key }"
    "&nbsp;</span> "
    "<span style='background:#fff3e0; color:#e65100'>&nbsp;${ missing }&nbsp;</span> &nbsp; "
    "<span style='background:#f3e5f5; color:#7b1fa2'>&nbsp;↵ ⇥ ⍽ · [U+200B]&nbsp;</span> "
    "<span style='color:#555'>invisible characters (hover for their names)</span>"
)


class TranslationReviewWidget(QWidget):
    """``changed`` after an edit or a re-check: the counts or the verdict may differ now."""

    changed = Signal()

    def __init__(
        self,
        state: TranslationReviewState,
        *,
        editable: bool = True,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.state = state
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)

        self.counts = QLabel()
        self.counts.setObjectName("reviewCounts")
        self.counts.setTextFormat(Qt.TextFormat.RichText)
        layout.addWidget(self.counts)
        self.file_findings = QLabel()
        self.file_findings.setWordWrap(True)
        self.file_findings.setTextFormat(Qt.TextFormat.RichText)
        layout.addWidget(self.file_findings)

        bar = QHBoxLayout()
        self.filter = QLineEdit()
        self.filter.setPlaceholderText("Filter by key or text")
        self.filter.setClearButtonEnabled(True)
        self.problems_only = QCheckBox("Problems only")
        self.previous_button = QPushButton(f"◀ Previous problem ({PREVIOUS_KEY})")
        self.next_button = QPushButton(f"Next problem ({NEXT_KEY}) ▶")
        bar.addWidget(self.filter, 1)
        bar.addWidget(self.problems_only)
        for button in (self.previous_button, self.next_button):
            button.setAutoDefault(False)
            bar.addWidget(button)
        layout.addLayout(bar)
        self.legend = QLabel(LEGEND)
        self.legend.setTextFormat(Qt.TextFormat.RichText)
        layout.addWidget(self.legend)

        self.model = TranslationReviewModel(state, self)
        self.table = ReviewTable()
        self.delegate = ReviewDelegate(self.table)
        self.table.setItemDelegate(self.delegate)
        self.table.setModel(self.model)
        self.table.set_line_height(self.delegate.one_line_height(self.table.font()))
        self.details = ReviewDetails(state, editable=editable)
        self.details.changed.connect(self._row_changed)
        self.empty = QLabel("No translation changes")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setVisible(not state.rows)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.table)
        splitter.addWidget(self.details)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 1)
        splitter.setChildrenCollapsible(False)
        layout.addWidget(self.empty)
        layout.addWidget(splitter, 1)

        self._filter_timer = QTimer(self)
        self._filter_timer.setSingleShot(True)
        self._filter_timer.setInterval(FILTER_DEBOUNCE_MS)
        self._filter_timer.timeout.connect(self.apply_filter)
        self.filter.textChanged.connect(lambda _t: self._filter_timer.start())
        self.problems_only.toggled.connect(lambda _on: self.apply_filter())
        self.next_button.clicked.connect(self.next_problem)
        self.previous_button.clicked.connect(self.previous_problem)
        for key, slot in ((NEXT_KEY, self.next_problem), (PREVIOUS_KEY, self.previous_problem)):
            shortcut = QShortcut(QKeySequence(key), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(slot)
        self._connect_selection()
        self.show_counts()

    # --- rows ------------------------------------------------------------------------------

    def current_row(self) -> int | None:
        """The presenter's row number of the current table row."""
        return self.model.row_at(self.table.currentIndex())

    def select_row(self, row: int) -> bool:
        shown = self.model.model_row(row)
        if shown is None:
            return False
        index = self.model.index(shown, Column.KEY)
        flags = (
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows
        )
        self.table.selectionModel().setCurrentIndex(index, flags)
        self.table.show_row(shown)
        return True

    def go_to_first_problem(self) -> None:
        """Select the first row of the worst severity (where a review starts)."""
        row = self.state.first_problem()
        if row is not None:
            self.select_row(row)

    def next_problem(self) -> None:
        self._go(backwards=False)

    def previous_problem(self) -> None:
        self._go(backwards=True)

    def _go(self, *, backwards: bool) -> None:
        row = self.state.next_problem(self.current_row(), backwards=backwards)
        if row is not None:
            self.select_row(row)

    def apply_filter(self) -> None:
        self._filter_timer.stop()
        current = self.current_row()
        self.model.set_filter(self.filter.text(), self.problems_only.isChecked())
        if current is None or not self.select_row(current):
            self.details.show_row(None)

    def _connect_selection(self) -> None:
        self.table.selectionModel().currentChanged.connect(self._current_changed)
        self.model.modelReset.connect(lambda: self.details.show_row(self.current_row()))

    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        self.details.show_row(self.model.row_at(current))

    def _row_changed(self, row: int) -> None:
        self.delegate.forget(row)
        self.model.row_changed(row)
        shown = self.model.model_row(row)
        if shown is not None:
            self.table.refit(shown)
        self.show_counts()
        self.changed.emit()

    # --- the counts ------------------------------------------------------------------------

    def show_counts(self) -> None:
        counts = self.state.counts()
        total = len(self.state.rows)
        noun = "change" if total == 1 else "changes"
        parts = [
            f"<b style='color:{_SEVERITY_COLOURS[s]}'>{html.escape(count_text({s: counts[s]}))}</b>"
            for s in Severity
            if counts[s]
        ] or ["<b style='color:#2e7d32'>No problems found</b>"]
        self.counts.setText(
            f"<span style='font-size:large'><b>{total:,} translation {noun}</b>: "
            + " · ".join(parts)
            + "</span>"
        )
        lines = [
            f"<span style='color:{_SEVERITY_COLOURS[f.severity]}'>"
            f"{SEVERITY_LABELS[f.severity]} (the whole file):</span> {html.escape(with_glyphs(f.message))}"
            for f in self.state.file_findings
        ]
        self.file_findings.setText("<br>".join(lines))
        self.file_findings.setVisible(bool(lines))
