"""The details of the current row: its findings (each can be copied), where the key is used, the
raw JSON line of the file on demand, and the edit box."""

from __future__ import annotations

import html

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFontDatabase, QGuiApplication, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ereg_desktop.presenters.translation_review import (
    STATUS_TIPS,
    JsonLines,
    TranslationReviewState,
)
from ereg_desktop.presenters.translation_segments import with_glyphs
from ereg_desktop.services.i18n.findings import Finding
from ereg_desktop.ui.tasks import SHORT, run_task
from ereg_desktop.ui.translations.review_editor import ValueEditor
from ereg_desktop.ui.translations.review_model import severity_icon

FINDING_ROLE = Qt.ItemDataRole.UserRole + 1


class ReviewDetails(QWidget):
    changed = Signal(int)  # a row's edit or re-check changed it

    def __init__(
        self, state: TranslationReviewState, *, editable: bool, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.state = state
        self.row: int | None = None
        self._json_asked = False
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.title = QLabel()
        self.title.setTextFormat(Qt.TextFormat.RichText)
        self.title.setWordWrap(True)
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.title)

        self.findings = QListWidget()
        self.findings.setObjectName("findingsList")
        self.findings.setWordWrap(True)
        layout.addWidget(self.findings)
        copy = QShortcut(QKeySequence(QKeySequence.StandardKey.Copy), self.findings)
        copy.setContext(Qt.ShortcutContext.WidgetShortcut)
        copy.activated.connect(self.copy_finding)

        row = QHBoxLayout()
        self.usage = QLabel()
        self.usage.setWordWrap(True)
        self.usage.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        row.addWidget(self.usage, 1)
        self.copy_button = QPushButton("Copy finding")
        self.copy_button.setToolTip("Copy the selected finding (Ctrl+C in the list)")
        self.copy_button.clicked.connect(self.copy_finding)
        self.json_button = QPushButton("Show the JSON line")
        self.json_button.setCheckable(True)
        self.json_button.toggled.connect(self._show_json)
        for button in (self.copy_button, self.json_button):
            button.setAutoDefault(False)
            row.addWidget(button)
        layout.addLayout(row)

        self.raw = QPlainTextEdit()
        self.raw.setObjectName("rawJson")
        self.raw.setReadOnly(True)
        self.raw.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.raw.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.raw.setMaximumHeight(80)
        self.raw.hide()
        layout.addWidget(self.raw)

        self.editor = ValueEditor(state)
        self.editor.changed.connect(self._edited)
        self.editable = editable
        layout.addWidget(self.editor)
        layout.addStretch(1)
        self.show_row(None)

    def show_row(self, row: int | None) -> None:
        self.row = row
        self.findings.clear()
        if row is None:
            self.title.setText("<i>Select a row to see its findings</i>")
            self.usage.setText("")
            self.raw.clear()
            self.editor.show_row(None)
            self.copy_button.setEnabled(False)
            self.json_button.setEnabled(False)
            return
        r = self.state.rows[row]
        self.title.setText(
            f"<b>{html.escape(r.key)}</b> &nbsp; <span style='color:#555'>"
            f"{html.escape(STATUS_TIPS[r.status])}</span>"
        )
        self._fill_findings(row)
        self.usage.setText(self._usage_text(row))
        self.json_button.setEnabled(True)
        self._fill_json()
        self.editor.show_row(row if self.editable else None)

    def _fill_findings(self, row: int) -> None:
        self.findings.clear()
        for finding in self.state.findings(row):
            item = QListWidgetItem(severity_icon(finding.severity), self._finding_line(finding))
            item.setData(FINDING_ROLE, finding)
            self.findings.addItem(item)
        if self.findings.count():
            self.findings.setCurrentRow(0)
        else:
            self.findings.addItem(QListWidgetItem("No problems found in this value"))
        lines = min(self.findings.count(), 4)  # no empty space under one finding
        rows = sum(self.findings.sizeHintForRow(i) for i in range(lines))
        self.findings.setFixedHeight(rows + 2 * self.findings.frameWidth() + 4)
        self.copy_button.setEnabled(self.current_finding() is not None)

    @staticmethod
    def _finding_line(finding: Finding) -> str:
        item = f" ({('singular', 'plural')[finding.item]})" if finding.item in (0, 1) else ""
        return with_glyphs(f"{finding.message}{item}  [{finding.check}]")

    def _usage_text(self, row: int) -> str:
        where = self.state.rows[row].where
        if where:
            return f"Used in: {where}"
        if self.state.review.has_scan_map:
            return "Not found in the server's scan map"
        return "Where it is used is not known (no scan map from the server)"

    def current_finding(self) -> Finding | None:
        item = self.findings.currentItem()
        found = item.data(FINDING_ROLE) if item is not None else None
        return found if isinstance(found, Finding) else None

    def copy_finding(self) -> str:
        """Copy the selected finding's text to the clipboard (and return it)."""
        finding = self.current_finding()
        if finding is None:
            return ""
        text = self.state.finding_text(finding)
        QGuiApplication.clipboard().setText(text)
        return text

    def _edited(self, row: int) -> None:
        if row == self.row:
            self._fill_findings(row)
        self.changed.emit(row)

    # --- the raw JSON lines ----------------------------------------------------------------

    def _show_json(self, on: bool) -> None:
        self.raw.setVisible(on)
        self.json_button.setText("Hide the JSON line" if on else "Show the JSON line")
        if on and self.state.json_lines is None and not self._json_asked:
            self._json_asked = True
            self.raw.setPlainText("Reading the file…")
            job = self.state.json_lines_job()
            run_task(
                lambda _progress: job(),
                kind=SHORT,
                receiver=self,
                on_result=self._json_read,
                on_error=lambda e: self.raw.setPlainText(f"Could not read the lines: {e}"),
            )
        self._fill_json()

    def _json_read(self, lines: tuple[JsonLines, JsonLines]) -> None:
        self.state.json_lines = lines
        self._fill_json()

    def _fill_json(self) -> None:
        if not self.raw.isVisibleTo(self) or self.row is None or self.state.json_lines is None:
            return
        new, old = self.state.raw_lines(self.row)
        text = []
        if new is not None:
            text.append(f"new file, line {new[0]}:\n{new[1]}")
        if old is not None:
            text.append(f"old file, line {old[0]}:\n{old[1]}")
        if self.state.edited(self.row):
            text.append("(edited here: the file changes on approval)")
        self.raw.setPlainText("\n".join(text) or "Not in either file")
