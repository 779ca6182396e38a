"""The details pane: the selected app's memory over a span from the local history, compared with
another app, restarts and deploys marked; read and drawn on a worker."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, NamedTuple

from ereg_desktop.ui.details_pane import DetailsPane

NOW = 1_800_000_000.0


class Sample(NamedTuple):
    at: float
    status: str
    memory_bytes: int
    memory_max_bytes: int
    cpu_percent: float


class Event(NamedTuple):
    at: float
    kind: str
    text: str


class History:
    """Stands in for the metrics database: a day of minute samples per app."""

    def __init__(self) -> None:
        self.asked: list[tuple[str | None, str, float]] = []

    def samples(self, server_id: Any, app: str, since: float, until: Any = None) -> list[Sample]:
        self.asked.append((server_id, app, since))
        base = 150 if app == "gt" else 260
        out = []
        for i in range(1440):
            at = NOW - 86400 + i * 60
            if at < since:
                continue
            mb = base + (i % 360) * 0.2  # a sawtooth: restarts every six hours
            status = "stopped" if 700 <= i < 705 and app == "gt" else "online"
            out.append(Sample(at, status, int(mb * 2**20), int((mb + 3) * 2**20), 2.0))
        return out

    def events(self, server_id: Any, app: Any, since: float, until: Any = None) -> list[Event]:
        return [Event(NOW - 86400 + 700 * 60, "deploy", "gt deployed by Ana (3 commits)"),
                Event(NOW - 86400 + 360 * 60, "restart", "restarted by Ben")]  # fmt: skip


def test_the_selected_app_over_a_day_compared_with_another(qtbot, tmp_path) -> None:
    history = History()
    pane = DetailsPane(lambda: history, clock=lambda: NOW)
    qtbot.addWidget(pane)
    pane.resize(1100, 320)
    pane.show()
    qtbot.waitExposed(pane)
    pane.show_app("unctad", "gt", ["gt", "els", "ldz"])
    qtbot.waitUntil(lambda: pane.chart_tab.chart.data is not None, timeout=5000)
    assert history.asked[-1] == ("unctad", "gt", NOW - 86400)
    assert "gt" in pane.chart_tab.title.text() and "the last day" in pane.chart_tab.title.text()
    pane.chart_tab.compare_box.setCurrentIndex(1)
    pane.chart_tab.compare_box.activated.emit(1)  # "els"
    qtbot.waitUntil(lambda: pane.chart_tab.chart.data is not None
                    and [s.name for s in pane.chart_tab.chart.data.series] == ["gt", "els"], timeout=5000)  # fmt: skip
    data = pane.chart_tab.chart.data
    assert sorted(m.kind for m in data.markers) == ["deploy", "restart"]
    assert any(not span.up for span in data.band)  # the five stopped minutes
    folder = Path(os.environ.get("EREG_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    assert pane.grab().save(str(folder / "details-pane.png"))
    pane.chart_tab.set_span("Hour")
    qtbot.waitUntil(lambda: history.asked[-1][2] == NOW - 3600, timeout=5000)


def test_without_history_it_says_so(qtbot) -> None:
    pane = DetailsPane(lambda: None, clock=lambda: NOW)
    qtbot.addWidget(pane)
    pane.show_app("unctad", "gt", [])
    qtbot.waitUntil(lambda: "No history" in pane.chart_tab.chart.empty_text, timeout=5000)
    assert not pane.chart_tab.compare_box.isEnabled()
    pane.clear()
    assert "Select an app" in pane.chart_tab.title.text()


def test_the_window_adds_the_pane_after_the_first_paint_and_follows_the_selection(window) -> None:
    assert window.details is None  # not on the start-up path
    pane = window.add_details_pane()
    assert window.add_details_pane() is pane
    assert any(a.text() == "&Details pane" for a in window.view_menu.actions())
    from window_helpers import select

    select(window, "els")
    assert pane.app == "els" and pane.chart_tab.app == "els"
    assert [pane.tabs.tabText(i) for i in range(pane.tabs.count())] == ["Chart", "Logs", "Updates"]
    assert pane.logs is not None and pane.logs.app == "els" and pane.logs.stale  # read when shown
    assert pane.updates.app == "els"
