"""The chart widget paints prepared data and tells the exact values under the mouse."""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtGui import QImage

from ereg_desktop.presenters.chart_data import Marker, Series, Span, chart_data
from ereg_desktop.ui.metrics_chart import LEFT, Colours, MetricsChart, render_chart
from ereg_desktop.ui.status_text import memory_text


def week(app_count: int = 3, step: float = 600.0) -> list[Series]:
    n = int(7 * 86400 / step)
    out = []
    for a in range(app_count):
        times = [i * step for i in range(n)]
        values = [(150 + 40 * a + (i % 144) * 0.5) * 2**20 for i in range(n)]
        out.append(Series(f"app{a}", times, values))
    return out


def test_paints_the_envelopes_markers_band_and_hover(qtbot, tmp_path) -> None:
    chart = MetricsChart()
    qtbot.addWidget(chart)
    chart.resize(900, 300)
    chart.show()
    qtbot.waitExposed(chart)
    data = chart_data(week(), 0, 7 * 86400, chart.plot_width(),
                      markers=[Marker(2 * 86400, "crash", "app1 exited (code 1)"),
                               Marker(5 * 86400, "deploy", "gt-dev deployed by Ana")],
                      band=[Span(0, 2 * 86400, True), Span(2 * 86400, 2 * 86400 + 600, False),
                            Span(2 * 86400 + 600, 7 * 86400, True)], unit=2**20)  # fmt: skip
    chart.show_chart(render_chart(data, chart.size(), Colours.of(chart), memory_text))
    image = chart.grab().toImage()
    folder = Path(os.environ.get("EREG_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    assert image.save(str(folder / "metrics-chart.png"))
    coloured = sum(1 for x in range(0, image.width(), 7) for y in range(0, image.height(), 5)
                   if QImage.pixelColor(image, x, y).saturation() > 120)  # fmt: skip
    assert coloured > 50  # lines and the band were drawn, not an empty frame
    text = chart.hover_text(LEFT + data.x_of(2 * 86400))
    assert "app0: " in text and "app2: " in text and "MiB" in text
    assert "crash: app1 exited (code 1)" in text
    assert chart.hover_text(5) == ""  # over the value labels


def test_no_data_says_so(qtbot) -> None:
    chart = MetricsChart()
    qtbot.addWidget(chart)
    empty = chart_data([], 0, 3600, chart.plot_width())
    chart.show_chart(render_chart(empty, chart.size(), Colours.of(chart), memory_text))
    assert chart.hover_text(LEFT + 10) == ""
    assert not chart.grab().isNull()
