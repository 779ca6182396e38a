"""Paints a review cell from its segments: deleted words struck through on red in the old value,
inserted words on green in the new one, substitutions as rounded chips (blue: in the key too,
red: not in the key, amber and dashed: in the key but missing), invisible characters as a glyph
in purple. The tooltip names the chip or the invisible under the mouse.

One layout (``presenters/translation_layout.py``) serves painting, the size hint and the tooltip;
it is computed only for rows the view paints and kept per row, column and width.
"""

from __future__ import annotations

from PySide6.QtCore import (
    QEvent,
    QModelIndex,
    QPersistentModelIndex,
    QPoint,
    QPointF,
    QRectF,
    QSize,
    Qt,
)
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QHelpEvent, QIcon, QPainter, QPen
from PySide6.QtWidgets import (
    QAbstractItemView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QToolTip,
)

from ereg_desktop.presenters.translation_layout import Layout, lay_out
from ereg_desktop.presenters.translation_review import Column
from ereg_desktop.presenters.translation_segments import ChipKind, Mark, Segment
from ereg_desktop.services.i18n.word_diff import Op
from ereg_desktop.ui.translations.review_model import ROW_ROLE, SEGMENTS_ROLE

Index = QModelIndex | QPersistentModelIndex

MARGIN = 4.0
GAP = 3.0  # inside a chip or a glyph's box, each side
ICON_SIZE = 16
MAX_LINES = 8  # a longer value is cut in the table (the details pane shows it whole)
_CACHE_LIMIT = 4000

TEXT = QColor("#212121")
LABEL = QColor("#757575")
SELECTED = QColor("#d6e6fb")
DELETED_BG, DELETED_FG = QColor("#ffcdd2"), QColor("#b71c1c")
INSERTED_BG, INSERTED_FG = QColor("#c8e6c9"), QColor("#1b5e20")
INVISIBLE_BG, INVISIBLE_FG = QColor("#f3e5f5"), QColor("#7b1fa2")
CHIP_COLOURS = {  # background, border, text
    ChipKind.MATCHED: (QColor("#e3f2fd"), QColor("#1e88e5"), QColor("#0d47a1")),
    ChipKind.UNKNOWN: (QColor("#ffebee"), QColor("#c62828"), QColor("#b71c1c")),
    ChipKind.MISSING: (QColor("#fff3e0"), QColor("#ef6c00"), QColor("#e65100")),
}


class _Fonts:
    """The fonts a cell uses, and a measuring function over them (cached per text)."""

    def __init__(self, font: QFont) -> None:
        self.plain = QFont(font)
        self.struck = QFont(font)
        self.struck.setStrikeOut(True)
        self.label = QFont(font)
        self.label.setItalic(True)
        self.metrics = QFontMetricsF(self.plain)
        self.label_metrics = QFontMetricsF(self.label)
        self.line_height = self.metrics.height() + 2 * 2.0
        self._widths: dict[str, float] = {}

    def measure(self, text: str, segment: Segment) -> float:
        if segment.mark is Mark.LABEL:
            return self.label_metrics.horizontalAdvance(text)
        width = self._widths.get(text)
        if width is None:
            width = self.metrics.horizontalAdvance(text)
            self._widths[text] = width
        return width


class ReviewDelegate(QStyledItemDelegate):
    def __init__(self, view: QAbstractItemView) -> None:
        super().__init__(view)
        self.view = view
        self._fonts: dict[str, _Fonts] = {}
        self._layouts: dict[tuple[int, int, int], Layout] = {}

    def forget(self, row: int | None = None) -> None:
        """Drop the cached layouts (of one presenter row, or all): its value changed."""
        if row is None:
            self._layouts.clear()
        else:
            for cached in [k for k in self._layouts if k[0] == row]:
                del self._layouts[cached]

    def fonts(self, font: QFont) -> _Fonts:
        key = font.key()
        found = self._fonts.get(key)
        if found is None:
            found = self._fonts[key] = _Fonts(font)
        return found

    def layout(self, index: Index, width: float, fonts: _Fonts) -> tuple[list[Segment], Layout]:
        segments: list[Segment] = index.data(SEGMENTS_ROLE) or []
        row = index.data(ROW_ROLE)
        cache_key = (int(row) if row is not None else -1, index.column(), int(width))
        found = self._layouts.get(cache_key)
        if found is None:
            if len(self._layouts) > _CACHE_LIMIT:
                self._layouts.clear()
            found = lay_out(
                segments, width - 2 * MARGIN, fonts.measure, max_lines=MAX_LINES, gap=GAP
            )
            self._layouts[cache_key] = found
        return segments, found

    # --- size -------------------------------------------------------------------------------

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        # the style's own size hint asks the model for every role: only the lines count here
        fonts = self.fonts(option.font)
        column = index.column()
        width = self._column_width(column)
        lines = 1
        if column != Column.STATUS:
            lines = self.layout(index, width, fonts)[1].lines
        height = max(lines * fonts.line_height, ICON_SIZE) + 2 * MARGIN
        return QSize(int(width), int(height + 0.5))

    def one_line_height(self, font: QFont) -> int:
        """The height of a row of one line (a row not measured yet)."""
        return int(max(self.fonts(font).line_height, ICON_SIZE) + 2 * MARGIN + 0.5)

    def _column_width(self, column: int) -> float:
        header = getattr(self.view, "horizontalHeader", None)
        if header is not None:
            return float(header().sectionSize(column))
        return float(self.view.viewport().width() / 4)

    # --- painting ---------------------------------------------------------------------------

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        rect = QRectF(option.rect)
        if selected:
            painter.fillRect(rect, SELECTED)  # light, so the diff colours stay readable
        if index.column() == Column.STATUS:
            self._paint_status(painter, rect, index, option.font)
            return
        fonts = self.fonts(option.font)
        segments, layout = self.layout(index, rect.width(), fonts)
        painter.save()
        painter.setClipRect(rect)
        top, left, lh = rect.top() + MARGIN, rect.left() + MARGIN, fonts.line_height
        for placed in layout.placed:
            box = QRectF(left + placed.x, top + placed.line * lh, placed.width, lh)
            _paint_piece(painter, segments[placed.segment], placed.text, box, fonts)
        if layout.clipped:
            painter.setPen(LABEL)
            painter.setFont(fonts.label)
            more = QRectF(rect.left(), rect.bottom() - lh, rect.width() - MARGIN, lh)
            painter.drawText(more, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                             "… more below")  # fmt: skip
        painter.restore()

    def _paint_status(self, painter: QPainter, rect: QRectF, index: Index, font: QFont) -> None:
        """The severity's icon and the status word, on the first line like the values."""
        fonts = self.fonts(font)
        top = rect.top() + MARGIN
        icon = index.data(Qt.ItemDataRole.DecorationRole)
        size = ICON_SIZE
        if isinstance(icon, QIcon):
            icon_top = top + (fonts.line_height - size) / 2
            icon.paint(painter, int(rect.left() + MARGIN), int(icon_top), size, size)
        painter.save()
        painter.setFont(fonts.plain)
        painter.setPen(TEXT)
        box = QRectF(rect.left() + 2 * MARGIN + size, top, rect.width() - size - 3 * MARGIN,
                     fonts.line_height)  # fmt: skip
        text = str(index.data(Qt.ItemDataRole.DisplayRole) or "")
        painter.drawText(box, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, text)
        painter.restore()

    # --- tooltips ---------------------------------------------------------------------------

    def helpEvent(
        self,
        event: QHelpEvent,
        view: QAbstractItemView,
        option: QStyleOptionViewItem,
        index: Index,
    ) -> bool:
        if event.type() == QEvent.Type.ToolTip and index.column() != Column.STATUS:
            tip = self.tip_at(index, QRectF(option.rect), event.pos(), option.font)
            if tip:
                QToolTip.showText(event.globalPos(), tip, view)
                return True
        return super().helpEvent(event, view, option, index)

    def tip_at(self, index: Index, rect: QRectF, pos: QPoint | QPointF, font: QFont) -> str:
        """The tooltip of the piece at ``pos`` (view coordinates) in the cell at ``rect``."""
        fonts = self.fonts(font)
        segments, layout = self.layout(index, rect.width(), fonts)
        line = int((pos.y() - rect.top() - MARGIN) // fonts.line_height)
        placed = layout.at(pos.x() - rect.left() - MARGIN, line)
        return segments[placed.segment].tip if placed is not None else ""


def _paint_piece(
    painter: QPainter, segment: Segment, text: str, box: QRectF, fonts: _Fonts
) -> None:
    align = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
    if segment.mark is Mark.LABEL:
        painter.setFont(fonts.label)
        painter.setPen(LABEL)
        painter.drawText(box, align, text)
        return
    struck = segment.op is Op.DELETE
    if segment.op is not Op.EQUAL:
        painter.fillRect(box.adjusted(0, 1, 0, -1), DELETED_BG if struck else INSERTED_BG)
    painter.setFont(fonts.struck if struck else fonts.plain)
    if segment.mark is Mark.CHIP and segment.chip is not None:
        background, border, colour = CHIP_COLOURS[segment.chip]
        inner = box.adjusted(1, 2, -1, -2)
        pen = QPen(border, 2.0 if segment.chip is ChipKind.UNKNOWN else 1.2)
        if segment.chip is ChipKind.MISSING:
            pen.setStyle(Qt.PenStyle.DashLine)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setPen(pen)
        painter.setBrush(background)
        painter.drawRoundedRect(inner, 5, 5)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.setPen(colour)
        painter.drawText(inner, Qt.AlignmentFlag.AlignCenter, text)
        return
    if segment.mark is Mark.INVISIBLE:
        inner = box.adjusted(1, 2, -1, -2)
        if segment.op is Op.EQUAL:
            painter.fillRect(inner, INVISIBLE_BG)
        painter.setPen(INVISIBLE_FG)
        painter.drawText(inner, Qt.AlignmentFlag.AlignCenter, text)
        return
    painter.setPen(DELETED_FG if struck else INSERTED_FG if segment.op is Op.INSERT else TEXT)
    painter.drawText(box, align, text)
