"""A dark desktop gets a dark window: the app follows the scheme Qt reports, and its own painted
parts (status colours, sparklines, the chart's colours) stay legible on a dark base."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QApplication
from test_systems_model import NOW, online

from ereg_desktop.services.status import CONNECTED, ServerStatus
from ereg_desktop.ui.colour_scheme import SchemeFollower, apply_scheme, dark_palette, is_dark
from ereg_desktop.ui.systems_model import PRODUCTION, STATUS

# docs/screenshots only when asked (EREG_SCREENSHOTS=docs/screenshots): a run leaves the checkout as it was
DOCS = Path(os.environ.get("EREG_SCREENSHOTS") or tempfile.mkdtemp(prefix="ereg-shots-"))


def contrast(a: QColor, b: QColor) -> float:
    def lum(c: QColor) -> float:
        def ch(v: float) -> float:
            return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4

        return 0.2126 * ch(c.redF()) + 0.7152 * ch(c.greenF()) + 0.0722 * ch(c.blueF())

    hi, lo = sorted((lum(a), lum(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


@pytest.fixture
def dark(qapp):  # type: ignore[no-untyped-def]
    before = qapp.palette()
    apply_scheme(qapp, Qt.ColorScheme.Dark)
    yield
    apply_scheme(qapp, Qt.ColorScheme.Light)
    qapp.setPalette(before)


def test_the_dark_scheme_gets_a_dark_palette_and_the_light_one_it_back(qapp) -> None:
    before = qapp.palette()
    assert not is_dark(before)
    SchemeFollower(qapp).changed(Qt.ColorScheme.Dark)
    assert is_dark()
    SchemeFollower(qapp).changed(Qt.ColorScheme.Light)
    assert not is_dark()
    qapp.setPalette(before)
    assert is_dark(dark_palette())


def test_the_window_in_the_dark(window, dark, qtbot) -> None:
    server = window.ctx.inventory.servers[0].id
    apps = [r.app for r in window.model.rows(PRODUCTION)] + [r.app for r in window.model.rows(1)]

    def status(at: float, crashy_restarts: int) -> ServerStatus:
        rows = {a: online(a, pid=100 + i, restarts=1) for i, a in enumerate(apps)}
        rows["els"] = online("els", pid=777, restarts=crashy_restarts, uptime=4)
        step = int((at - NOW + 120) / 10)
        rows["gt"] = online("gt", pid=100, restarts=1, memory=(150 + 9 * step) * 2**20)
        return ServerStatus(server, CONNECTED, taken_at=at, apps=rows)

    for i in range(12):
        window.model.apply_status(status(NOW - 120 + 10 * i, 30 + (8 if i == 11 else 0)))
    pane = window.add_details_pane()
    window.resize(1180, 640)
    from window_helpers import select

    select(window, "els")
    qtbot.waitUntil(lambda: pane.parentWidget().isVisible() and pane.app == "els")
    base = QApplication.palette().base().color()
    model = window.tree.model()
    production = model.index(PRODUCTION, 0)
    for row in range(model.rowCount(production)):
        colour = model.index(row, STATUS, production).data(Qt.ItemDataRole.ForegroundRole)
        assert colour is not None and contrast(colour, base) >= 4.5, model.index(
            row, 1, production
        ).data()
    from ereg_desktop.ui.metrics_chart import MARKER_COLOURS, PALETTE, Colours

    chart_base = Colours.of(window.details).base if window.details is not None else base
    assert all(contrast(c, chart_base) >= 3.0 for c in (*PALETTE, *MARKER_COLOURS.values()))
    DOCS.mkdir(parents=True, exist_ok=True)
    qtbot.waitExposed(window)
    assert window.grab().save(str(DOCS / "main-window-dark.png"))


def test_the_chart_in_the_dark(dark, qtbot, screenshot) -> None:
    from test_metrics_chart import week

    from ereg_desktop.presenters.chart_data import Marker, chart_data
    from ereg_desktop.ui.metrics_chart import Colours, MetricsChart, render_chart
    from ereg_desktop.ui.status_text import memory_text

    chart = MetricsChart()
    qtbot.addWidget(chart)
    chart.resize(900, 300)
    chart.show()
    qtbot.waitExposed(chart)
    markers = [Marker(2 * 86400, "crash", "app1 exited"), Marker(5 * 86400, "deploy", "deployed"),
               Marker(3 * 86400, "restart", "restarted")]  # fmt: skip
    data = chart_data(week(8), 0, 7 * 86400, chart.plot_width(), markers=markers, unit=2**20)
    colours = Colours.of(chart)
    assert is_dark() and colours.base.lightness() < 128 and colours.text.lightness() > 128
    chart.show_chart(render_chart(data, chart.size(), colours, memory_text))
    screenshot(chart, "metrics-chart-dark")
