"""The edit box of a flagged value (two fields for a plural) with its re-check, live.

Each change is kept as the operator's edit in the presenter and checked again on a worker
(``run_task(kind=SHORT)``), one :class:`LatestRequest` per key so that a slower, older check never
overwrites the newer one; the result is shown under the fields as soon as it is back.
"""

from __future__ import annotations

import html

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QTextOption
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ereg_desktop.presenters.translation_review import SEVERITY_LABELS, TranslationReviewState
from ereg_desktop.presenters.translation_segments import Side, with_glyphs
from ereg_desktop.services.i18n.changes import Value
from ereg_desktop.services.i18n.findings import CheckId, Finding, Severity
from ereg_desktop.ui.tasks import SHORT, LatestRequest, run_task

DEBOUNCE_MS = 150
_COLOURS = {Severity.ERROR: "#c62828", Severity.WARNING: "#ef6c00", Severity.INFO: "#555"}


def _field() -> QPlainTextEdit:
    field = QPlainTextEdit()
    field.setTabChangesFocus(True)
    option = QTextOption(field.document().defaultTextOption())
    # the invisibles the viewer is about: shown while typing too
    option.setFlags(
        option.flags()
        | QTextOption.Flag.ShowTabsAndSpaces
        | QTextOption.Flag.ShowLineAndParagraphSeparators
    )
    field.document().setDefaultTextOption(option)
    field.setFixedHeight(field.fontMetrics().lineSpacing() * 3 + 12)
    return field


class ValueEditor(QFrame):
    """Edits the new value of one row at a time; ``changed(row)`` after an edit or a re-check."""

    changed = Signal(int)

    def __init__(self, state: TranslationReviewState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.row: int | None = None
        self._latest: dict[str, LatestRequest] = {}
        self._loading = False
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        title = QHBoxLayout()
        self.caption = QLabel("<b>Fix the translation here</b> (saved to the file on approval; "
                              "empty = remove it, English is shown again)")  # fmt: skip
        self.caption.setWordWrap(True)
        self.revert_button = QPushButton("Use the file's value")
        self.revert_button.setAutoDefault(False)
        self.revert_button.clicked.connect(self.revert)
        title.addWidget(self.caption, 1)
        title.addWidget(self.revert_button)
        layout.addLayout(title)
        self.labels = [QLabel("Singular (n = 0 or 1):"), QLabel("Plural:")]
        self.fields = [_field(), _field()]
        for label, field in zip(self.labels, self.fields, strict=True):
            layout.addWidget(label)
            layout.addWidget(field)
            field.textChanged.connect(self._typed)
        self.result = QLabel()
        self.result.setObjectName("recheckResult")
        self.result.setWordWrap(True)
        self.result.setTextFormat(Qt.TextFormat.RichText)
        layout.addWidget(self.result)
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(DEBOUNCE_MS)
        self._debounce.timeout.connect(self.apply)
        self.hide()

    @property
    def plural(self) -> bool:
        return self.row is not None and self.state.rows[self.row].change.key.startswith("n\0")

    def show_row(self, row: int | None) -> None:
        if self._debounce.isActive():
            self.apply()  # what was typed for the previous row is not lost
        self.row = row
        if row is None or not self.state.editable(row):
            self.hide()
            return
        value = self.state.value(row, Side.NEW)
        items = _items(value, plural=self.plural)
        self._loading = True
        for field, text in zip(self.fields, items, strict=False):
            field.setPlainText(text)
        self._loading = False
        for i, (field, label) in enumerate(zip(self.fields, self.labels, strict=True)):
            field.setVisible(i < len(items))
            label.setVisible(self.plural)
        self.revert_button.setEnabled(self.state.edited(row))
        self._show_result()
        self.show()

    def value(self) -> Value:
        if self.plural:
            return [self.fields[0].toPlainText(), self.fields[1].toPlainText()]
        return self.fields[0].toPlainText()

    def revert(self) -> None:
        if self.row is None:
            return
        original = self.state.rows[self.row].new
        self.state.edit(self.row, original if original is not None else "")
        self.show_row(self.row)
        self.changed.emit(self.row)

    def _typed(self) -> None:
        if not self._loading:
            self._debounce.start()

    def apply(self) -> None:
        """Keep what is typed as the edit and check it again (on a worker)."""
        self._debounce.stop()
        row = self.row
        if row is None:
            return
        value = self.value()
        key = self.state.rows[row].change.key
        if self.state.edit(row, value):
            latest = self._latest.setdefault(key, LatestRequest())
            job = self.state.recheck(key, value)  # the worker touches nothing of the window
            run_task(
                lambda _progress: job(),
                kind=SHORT,
                receiver=self,
                latest=latest,
                on_result=lambda found: self._rechecked(row, key, value, found),
                on_error=lambda error: self._recheck_failed(row, key, value, error),
            )
        self.revert_button.setEnabled(self.state.edited(row))
        self._show_result()
        self.changed.emit(row)

    def _rechecked(self, row: int, key: str, value: Value, found: list[Finding]) -> None:
        if self.state.rechecked(key, value, found):
            if row == self.row:
                self._show_result()
            self.changed.emit(row)

    def _recheck_failed(self, row: int, key: str, value: Value, error: BaseException) -> None:
        failure = Finding(key, CheckId.VALUE_TYPE, Severity.ERROR, f"could not check it: {error}")
        self._rechecked(row, key, value, [failure])

    def _show_result(self) -> None:
        row = self.row
        if row is None:
            return
        key = self.state.rows[row].change.key
        if not self.state.edited(row):
            self.result.setText("")
            return
        if key in self.state.pending:
            self.result.setText("<i>Checking…</i>")
            return
        findings = self.state.findings(row)
        if not findings:
            self.result.setText(
                '<span style="color:#2e7d32">✔ No problems in the edited value</span>'
            )
            return
        lines = [
            f'<span style="color:{_COLOURS[f.severity]}">{SEVERITY_LABELS[f.severity]}:</span> '
            f"{html.escape(with_glyphs(f.message))}"
            for f in findings
        ]
        self.result.setText("<br>".join(lines))


def _items(value: Value | None, *, plural: bool) -> list[str]:
    if plural:
        if isinstance(value, list) and len(value) == 2:
            return [v if isinstance(v, str) else "" for v in value]
        return [value if isinstance(value, str) else "", ""]
    return [value if isinstance(value, str) else ""]
