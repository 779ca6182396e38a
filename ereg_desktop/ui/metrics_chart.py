"""The memory/CPU chart. :func:`render_chart` runs on a worker: the samples reduced to one column a
pixel (``presenters/chart_data``) are drawn into an image there (one envelope per app, restarts,
crashes and deploys as markers, uptime as a band, the axes); the widget on the GUI thread only
blits that image and tells the exact values under the mouse. A week of 10-second samples for 20
apps costs the GUI thread one image copy."""

from __future__ import annotations

import struct
import sys
import time
from array import array
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from PySide6.QtCore import QByteArray, QDataStream, QPointF, QRectF, QSize, Qt
from PySide6.QtGui import (
    QColor,
    QImage,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
    QPolygonF,
    QTransform,
)
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from ereg_desktop.presenters.chart_data import ChartData, Reduced

LEFT, RIGHT, TOP, BOTTOM = 64, 12, 10, 34  # margins: value labels left, time labels and band below
BAND_H = 6
# mid tones, at least 3:1 against a dark base too (tests/ui/test_dark_scheme.py)
PALETTE = (
    QColor(25, 118, 210), QColor(56, 142, 60), QColor(245, 124, 0), QColor(171, 71, 188),
    QColor(0, 151, 167), QColor(216, 27, 96), QColor(141, 110, 99), QColor(117, 117, 117),
)  # fmt: skip
MARKER_COLOURS = {
    "restart": QColor(245, 124, 0),
    "crash": QColor(229, 57, 53),
    "deploy": QColor(30, 136, 229),
}


class MetricsChart(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.data: ChartData | None = None
        self.image: QImage | None = None
        self.value_text: Callable[[float], str] = lambda v: f"{v:.0f}"
        self.empty_text = "No samples in this span yet"
        self.setMouseTracking(True)
        self.setMinimumSize(320, 160)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def plot_width(self) -> int:
        """The width the data should be reduced to (one column a pixel)."""
        return max(1, self.width() - LEFT - RIGHT)

    def show_chart(self, rendered: Rendered | None) -> None:
        """Show what :func:`render_chart` made on a worker (None: nothing to show)."""
        self.data = rendered.data if rendered is not None else None
        self.image = rendered.image if rendered is not None else None
        if rendered is not None:
            self.value_text = rendered.value_text
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        try:
            p.fillRect(self.rect(), self.palette().base())
            if self.image is None or self.data is None or not self.data.has_samples:
                p.setPen(self.palette().placeholderText().color())
                p.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, self.empty_text)
                return
            p.drawImage(0, 0, self.image)
        finally:
            p.end()

    # --- hover ------------------------------------------------------------------------------

    def hover_text(self, x: float) -> str:
        """The exact values at pixel ``x`` of the widget (the tooltip's text)."""
        data = self.data
        if data is None:
            return ""
        column = int(x - LEFT)
        if not 0 <= column < data.width:
            return ""
        lines = []
        for name, (_x, low, high, last, at) in data.nearest(column):
            when = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(at))
            extra = (
                "" if low == high else f" (min {self.value_text(low)}, max {self.value_text(high)})"
            )
            lines.append(f"{name}: {self.value_text(last)}{extra} at {when}")
        for m in data.markers:
            if abs(LEFT + data.x_of(m.at) - x) <= 3:
                lines.append(f"{m.kind}: {m.text}")
        return "\n".join(lines)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        text = self.hover_text(event.position().x())
        if text:
            QToolTip.showText(event.globalPosition().toPoint(), text, self)
        else:
            QToolTip.hideText()
        super().mouseMoveEvent(event)


@dataclass(frozen=True)
class Rendered:
    data: ChartData
    image: QImage
    value_text: Callable[[float], str]


@dataclass(frozen=True)
class Colours:
    """The palette's colours the image needs, read on the GUI thread (a QPalette is not for
    workers)."""

    base: QColor
    text: QColor
    grid: QColor

    @classmethod
    def of(cls, widget: QWidget) -> Colours:
        pal = widget.palette()
        return cls(pal.base().color(), pal.text().color(), pal.mid().color())


def render_chart(
    data: ChartData,
    size: QSize,
    colours: Colours,
    value_text: Callable[[float], str],
) -> Rendered:
    """Draw ``data`` into an image of ``size`` (the widget's): run it on a worker."""
    image = QImage(size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(colours.base)
    if data.has_samples:
        p = QPainter(image)
        try:
            plot = QRectF(LEFT, TOP, max(1, size.width() - LEFT - RIGHT),
                          max(1, size.height() - TOP - BOTTOM))  # fmt: skip
            _grid(p, plot, data, colours, value_text)
            _band(p, plot, data)
            for i, s in enumerate(data.series):
                _envelope(p, plot, data, s, PALETTE[i % len(PALETTE)])
            _markers(p, plot, data)
            _legend(p, plot, data, colours)
        finally:
            p.end()
    return Rendered(data, image, value_text)


def _y(plot: QRectF, data: ChartData, value: float) -> float:
    return plot.bottom() - (value / data.top) * plot.height() if data.top else plot.bottom()


def _grid(p: QPainter, plot: QRectF, data: ChartData, colours: Colours,
          value_text: Callable[[float], str]) -> None:  # fmt: skip
    grid = QPen(colours.grid)
    grid.setStyle(Qt.PenStyle.DotLine)
    for i in range(5):
        value = data.top * i / 4
        y = _y(plot, data, value)
        p.setPen(grid)
        p.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))
        p.setPen(colours.text)
        p.drawText(QRectF(0, y - 8, LEFT - 6, 16),
                   Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                   value_text(value))  # fmt: skip
    for t, label in data.ticks:
        x = plot.left() + data.x_of(t)
        p.setPen(grid)
        p.drawLine(QPointF(x, plot.top()), QPointF(x, plot.bottom()))
        p.setPen(colours.text)
        p.drawText(QRectF(x - 40, plot.bottom() + BAND_H + 2, 80, 16),
                   Qt.AlignmentFlag.AlignHCenter, label)  # fmt: skip


def _band(p: QPainter, plot: QRectF, data: ChartData) -> None:
    for span in data.band:
        x0, x1 = plot.left() + data.x_of(span.start), plot.left() + data.x_of(span.end)
        colour = QColor(129, 199, 132) if span.up else QColor(229, 115, 115)
        # a short outage stays visible at a week's scale
        p.fillRect(QRectF(x0, plot.bottom() + 1, max(1.0 if span.up else 3.0, x1 - x0),
                          BAND_H), colour)  # fmt: skip


def _envelope(p: QPainter, plot: QRectF, data: ChartData, series: Reduced,
              colour: QColor) -> None:  # fmt: skip
    """One polyline through each column's high and low, drawn in the plot's pixels."""
    k = plot.height() / data.top if data.top else 0.0
    coords: list[float] = []
    add = coords.extend
    for x, low, high in zip(series.xs, series.lows, series.highs, strict=True):
        if low != high:
            add((x, high, x, low))
        else:
            add((x, high))
    to_plot = QTransform(1.0, 0.0, 0.0, -k, plot.left(), plot.bottom())
    pen = QPen(colour)
    pen.setCosmetic(True)  # width 1: the raster engine's fast path for long polylines
    p.setPen(pen)
    p.drawPolyline(to_plot.map(polygon(coords)))


def polygon(coords: Sequence[float]) -> QPolygonF:
    """The points (x0, y0, x1, y1, ...) as a QPolygonF, read from its serialised form (a count
    and the doubles) in one C++ call: no QPointF a point made in Python."""
    data = coords if isinstance(coords, array) else array("d", coords)
    raw = QByteArray(struct.pack(_COUNT, len(data) // 2) + data.tobytes())
    stream = QDataStream(raw)
    stream.setByteOrder(_ORDER)
    out = QPolygonF()
    stream >> out
    return out


_COUNT = "<I" if sys.byteorder == "little" else ">I"
_ORDER = (
    QDataStream.ByteOrder.LittleEndian
    if sys.byteorder == "little"
    else QDataStream.ByteOrder.BigEndian
)


def _markers(p: QPainter, plot: QRectF, data: ChartData) -> None:
    for m in data.markers:
        x = plot.left() + data.x_of(m.at)
        pen = QPen(MARKER_COLOURS.get(m.kind, QColor(120, 120, 120)))
        pen.setStyle(Qt.PenStyle.DashLine if m.kind == "restart" else Qt.PenStyle.SolidLine)
        p.setPen(pen)
        p.drawLine(QPointF(x, plot.top()), QPointF(x, plot.bottom()))


def _legend(p: QPainter, plot: QRectF, data: ChartData, colours: Colours) -> None:
    x = plot.left() + 8
    for i, s in enumerate(data.series):
        p.fillRect(QRectF(x, plot.top() + 4, 10, 10), PALETTE[i % len(PALETTE)])
        p.setPen(colours.text)
        p.drawText(QPointF(x + 14, plot.top() + 13), s.name)
        x += p.fontMetrics().horizontalAdvance(s.name) + 24
