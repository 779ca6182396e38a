"""The global data changes (files under ``data/``) as ordinary unified diffs, one file at a
time: added lines green, removed lines red, hunk headers blue. A binary file is only named."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFontDatabase, QSyntaxHighlighter, QTextCharFormat, QTextDocument
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from ereg_desktop.services.i18n.review import DataFileDiff
from ereg_desktop.services.shown_text import printable

BINARY_TEXT = "binary file changed, not shown"
NO_CHANGES = "No changes to the global data (data/)"


def diff_text(diff: DataFileDiff) -> str:
    """What the viewer shows for one file."""
    if diff.binary:
        return f"{diff.path}: {BINARY_TEXT}"
    if not diff.unified:
        return f"{diff.path}: {diff.status}, no text changes"
    return printable(diff.unified, keep="\n\t")


def file_label(diff: DataFileDiff) -> str:
    return f"{diff.path} ({diff.status}{', binary' if diff.binary else ''})"


def _format(colour: str, background: str = "") -> QTextCharFormat:
    fmt = QTextCharFormat()
    fmt.setForeground(QColor(colour))
    if background:
        fmt.setBackground(QColor(background))
    return fmt


class UnifiedDiffHighlighter(QSyntaxHighlighter):
    def __init__(self, document: QTextDocument) -> None:
        super().__init__(document)
        self.added = _format("#1b5e20", "#e8f5e9")
        self.removed = _format("#b71c1c", "#ffebee")
        self.hunk = _format("#1565c0")
        self.header = _format("#555")

    def highlightBlock(self, text: str) -> None:
        if text.startswith(("+++", "---")):
            fmt = self.header
        elif text.startswith("+"):
            fmt = self.added
        elif text.startswith("-"):
            fmt = self.removed
        elif text.startswith("@@"):
            fmt = self.hunk
        else:
            return
        self.setFormat(0, len(text), fmt)


class DataDiffView(QWidget):
    def __init__(self, diffs: Sequence[DataFileDiff], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.diffs = tuple(diffs)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.summary = QLabel(self._summary())
        layout.addWidget(self.summary)
        self.files = QListWidget()
        self.files.setObjectName("dataFiles")
        for diff in self.diffs:
            item = QListWidgetItem(file_label(diff))
            item.setToolTip(diff.path)
            self.files.addItem(item)
        self.text = QPlainTextEdit()
        self.text.setObjectName("dataDiff")
        self.text.setReadOnly(True)
        self.text.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.text.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.highlighter = UnifiedDiffHighlighter(self.text.document())
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.files)
        splitter.addWidget(self.text)
        splitter.setStretchFactor(1, 3)
        splitter.setSizes([260, 700])
        row = QHBoxLayout()
        row.addWidget(splitter)
        layout.addLayout(row, 1)
        self.files.currentRowChanged.connect(self.show_file)
        if self.diffs:
            self.files.setCurrentRow(0)
        else:
            self.text.setPlainText(NO_CHANGES)

    def _summary(self) -> str:
        count = len(self.diffs)
        binary = sum(1 for d in self.diffs if d.binary)
        files = "file" if count == 1 else "files"
        return f"{count} changed {files} under data/" + (
            f" ({binary} binary, not shown)" if binary else ""
        )

    def show_file(self, row: int) -> None:
        if 0 <= row < len(self.diffs):
            self.text.setPlainText(diff_text(self.diffs[row]))
