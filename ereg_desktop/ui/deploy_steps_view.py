"""The pieces of the progress dialog: the steps with their state and elapsed time, and the log.

State icons are drawn here (a coloured disc with a symbol), so they look the same on every
platform and style; the state is also written out, so colour is never the only signal.
"""

from __future__ import annotations

from collections.abc import Mapping

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QIcon, QPainter, QPixmap, QResizeEvent, QTextCursor
from PySide6.QtWidgets import QHeaderView, QPlainTextEdit, QTreeWidget, QTreeWidgetItem, QWidget

from ereg_desktop.presenters.deploy_progress import LOG_MAX_LINES, StepRecord
from ereg_desktop.services.deploy.events import STEPS, Step, StepState
from ereg_desktop.services.durations import seconds_text

_COLOURS = {
    StepState.PENDING: ("#9e9e9e", ""),
    StepState.RUNNING: ("#1e88e5", "\u25b6"),
    StepState.OK: ("#2e7d32", "\u2713"),
    StepState.FAILED: ("#c62828", "\u2715"),
    StepState.BLOCKED: ("#ef6c00", "!"),
    StepState.SKIPPED: ("#bdbdbd", "\u2013"),
    StepState.CANCELLED: ("#757575", "\u2013"),
    StepState.DETACHED: ("#6a1b9a", "\u21aa"),
}


def state_icon(state: StepState, size: int = 16) -> QIcon:
    colour, symbol = _COLOURS[state]
    pix = QPixmap(size, size)
    pix.fill(Qt.GlobalColor.transparent)
    p = QPainter(pix)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QColor(colour))
    if state == StepState.PENDING:
        p.setPen(QColor(colour))
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawEllipse(QRectF(2, 2, size - 4, size - 4))
    else:
        p.drawEllipse(QRectF(0.5, 0.5, size - 1, size - 1))
    if symbol:
        font = QFont()
        font.setPixelSize(int(size * 0.7))
        font.setBold(True)
        p.setFont(font)
        p.setPen(QColor("white"))
        p.drawText(QRectF(0, 0, size, size), Qt.AlignmentFlag.AlignCenter, symbol)
    p.end()
    return QIcon(pix)


class StepsList(QTreeWidget):
    """One row per step: icon + state word, title, elapsed time. It renders the presenter's
    records (``records``, shared, never copied): :meth:`show_step` after a change, :meth:`tick`
    for the running step's time."""

    def __init__(self, records: Mapping[Step, StepRecord], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.records = records
        self.setColumnCount(3)
        self.setHeaderLabels(["Step", "State", "Time"])
        self.setRootIsDecorated(False)
        self.setUniformRowHeights(True)
        self.items: dict[Step, QTreeWidgetItem] = {}
        self._shown: dict[Step, StepState] = {}
        for step in STEPS:
            item = QTreeWidgetItem([step.label, "", ""])
            item.setData(0, Qt.ItemDataRole.UserRole, str(step))
            item.setTextAlignment(2, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.items[step] = item
            self.addTopLevelItem(item)
            self.show_step(step)
        header = self.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Fixed)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Fixed)
        self.setColumnWidth(1, 110)
        self.setColumnWidth(2, 80)

    def fit_height(self) -> int:
        """The height that shows every step and nothing more."""
        rows = self.sizeHintForRow(0) * self.topLevelItemCount()
        return self.header().sizeHint().height() + rows + 2 * self.frameWidth()

    def sizeHint(self) -> QSize:  # the splitter above the log starts from it: no empty band
        return QSize(super().sizeHint().width(), self.fit_height())

    @property
    def states(self) -> dict[Step, StepState]:
        return {step: record.state for step, record in self.records.items()}

    def show_step(self, step: Step, elapsed: float | None = None) -> None:
        record = self.records[step]
        item = self.items[step]
        if self._shown.get(step) != record.state:  # drawing the icon is the costly part
            self._shown[step] = record.state
            item.setIcon(1, state_icon(record.state))
            item.setText(1, str(record.state))
            font = item.font(0)
            font.setBold(record.state == StepState.RUNNING)
            item.setFont(0, font)
        shown = elapsed if elapsed is not None else record.seconds
        item.setText(2, "" if shown is None else seconds_text(shown))

    def tick(self, elapsed: Mapping[Step, float]) -> None:
        """The running steps' times (seconds so far, by step)."""
        for step, seconds in elapsed.items():
            self.items[step].setText(2, seconds_text(seconds))

    def step_at(self, item: QTreeWidgetItem | None) -> Step | None:
        if item is None:
            return None
        return Step(str(item.data(0, Qt.ItemDataRole.UserRole)))


class StepLogView(QPlainTextEdit):
    """The log of one step. Lines arrive in batches; the progress line (npm's ``\\r`` bar) is
    always the last line and is replaced in place."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setReadOnly(True)
        self.setMaximumBlockCount(LOG_MAX_LINES)
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        font = QFont("monospace")
        font.setStyleHint(QFont.StyleHint.Monospace)
        self.setFont(font)
        self._has_progress = False

    def show_lines(self, lines: list[str], progress: str) -> None:
        self.clear()
        self._has_progress = False
        self.append_lines(lines, progress)

    def append_lines(self, lines: list[str], progress: str) -> None:
        bar = self.verticalScrollBar()
        at_end = bar.value() >= bar.maximum() - 2
        self._drop_progress()
        if lines:
            self.appendPlainText("\n".join(lines))
        if progress:
            self.appendPlainText(progress)
            self._has_progress = True
        if at_end:
            bar.setValue(bar.maximum())

    def resizeEvent(self, event: QResizeEvent) -> None:
        # the view shrinks when the summary appears under it: a log read at its end (where the
        # failure is) stays at its end
        bar = self.verticalScrollBar()
        at_end = bar.value() >= bar.maximum() - 2
        super().resizeEvent(event)
        if at_end:
            bar.setValue(bar.maximum())

    def _drop_progress(self) -> None:
        if not self._has_progress:
            return
        cursor = QTextCursor(self.document())
        cursor.movePosition(QTextCursor.MoveOperation.End)
        cursor.select(QTextCursor.SelectionType.BlockUnderCursor)
        cursor.removeSelectedText()  # the block and the newline before it
        if self.document().blockCount() == 1 and not self.document().firstBlock().text():
            self.clear()
        self._has_progress = False
