"""The Memory column's cells: the figure, and left of it a sparkline of the app's last samples
(from :data:`~ereg_desktop.ui.systems_model.SPARK_ROLE`), so a leak or a sawtooth shows at a
glance in the tree."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QPointF, QRectF
from PySide6.QtGui import QColor, QPainter, QPen, QPolygonF
from PySide6.QtWidgets import QStyledItemDelegate, QStyleOptionViewItem

_LINE = QColor(25, 118, 210)
_LINE_ON_DARK = QColor(100, 181, 246)


class SparklineDelegate(QStyledItemDelegate):
    def __init__(self, role: int, parent: object = None) -> None:
        super().__init__(parent)  # type: ignore[arg-type]
        self.role = role

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        super().paint(painter, option, index)
        points = index.data(self.role)
        if not points or len(points) < 2:
            return
        text = str(index.data() or "")
        rect = QRectF(option.rect).adjusted(4, 4, -4, -4)
        room = rect.width() - option.fontMetrics.horizontalAdvance(text) - 10
        if room < 24:
            return
        low, high = min(points), max(points)
        # at least a tenth of the figure tall: a wiggle of 1% stays a wiggle, a flat line sits
        # in the middle
        span = max(high - low, 0.1 * high, 1.0)
        low -= (span - (high - low)) / 2
        step = min(room, 90.0) / (len(points) - 1)
        line = QPolygonF(
            [
                QPointF(rect.left() + i * step, rect.bottom() - (v - low) / span * rect.height())
                for i, v in enumerate(points)
            ]  # fmt: skip
        )
        painter.save()
        pen = QPen(_LINE if option.palette.base().color().lightness() >= 128 else _LINE_ON_DARK)
        pen.setCosmetic(True)
        painter.setPen(pen)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.drawPolyline(line)
        painter.restore()
