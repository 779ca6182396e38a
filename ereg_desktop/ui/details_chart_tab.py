"""The details pane's Chart tab: the selected app's memory or CPU over an hour, a day, a week or
a quarter from the local history, compared with other apps of its server if asked, restarts,
crashes and deploys as markers and uptime as a band; the history is read and the chart drawn on
a worker (``presenters/details_chart``, ``ui/metrics_chart.render_chart``)."""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ereg_desktop.presenters.details_chart import (
    CPU,
    MEMORY,
    SPANS,
    ChartRequest,
    HistoryLike,
    details_chart,
)
from ereg_desktop.ui.metrics_chart import Colours, MetricsChart, Rendered, render_chart
from ereg_desktop.ui.status_text import cpu_text, memory_text
from ereg_desktop.ui.tasks import SHORT, LatestRequest, run_task

HistoryProvider = Callable[[], HistoryLike | None]  # called on the worker: it may open the file
NO_APP = "Select an app in the tree to see its memory and CPU over time."


class ChartTab(QWidget):
    def __init__(self, history: HistoryProvider, parent: QWidget | None = None,
                 clock: Callable[[], float] = time.time) -> None:  # fmt: skip
        super().__init__(parent)
        self.history = history
        self.clock = clock
        self.server_id = ""
        self.app = ""
        self.compared: list[str] = []
        self.span = "Day"
        self.measure = MEMORY
        self.latest = LatestRequest()
        self.problem = ""
        self.title = QLabel(NO_APP)
        self.title.setWordWrap(True)
        self.spans = QButtonGroup(self)
        row = QHBoxLayout()
        row.addWidget(self.title, 1)
        for name in SPANS:
            button = QPushButton(name)
            button.setCheckable(True)
            button.setChecked(name == self.span)
            button.setToolTip(f"The last {name.lower()}")
            self.spans.addButton(button)
            row.addWidget(button)
        self.spans.buttonClicked.connect(lambda b: self.set_span(b.text()))
        self.metric_box = QComboBox()
        self.metric_box.addItems([MEMORY, CPU])
        self.metric_box.currentTextChanged.connect(self.set_measure)
        self.compare_box = QComboBox()
        self.compare_box.setToolTip("Add another app of this server to the chart")
        self.compare_box.activated.connect(self._compare_picked)
        row.addWidget(self.metric_box)
        row.addWidget(self.compare_box)
        self.chart = MetricsChart()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 4)
        layout.addLayout(row)
        layout.addWidget(self.chart, 1)
        self._set_compare_choices([])

    # --- what is shown ----------------------------------------------------------------------

    def show_app(self, server_id: str, app: str, neighbours: list[str]) -> None:
        """The selected app, and the other apps of its server it may be compared with."""
        if (server_id, app) == (self.server_id, self.app):
            return
        self.server_id, self.app, self.compared = server_id, app, []
        self._set_compare_choices([a for a in neighbours if a != app])
        self.refresh()

    def clear(self) -> None:
        self.server_id = self.app = ""
        self.compared = []
        self.title.setText(NO_APP)
        self.chart.show_chart(None)

    def set_span(self, span: str) -> None:
        if span in SPANS and span != self.span:
            self.span = span
            self.refresh()

    def set_measure(self, metric: str) -> None:
        if metric in (MEMORY, CPU) and metric != self.measure:
            self.measure = metric
            self.refresh()

    def _set_compare_choices(self, apps: list[str]) -> None:
        self.compare_box.clear()
        self.compare_box.addItem("Compare with\u2026")
        self.compare_box.addItems(apps)
        if self.compared:
            self.compare_box.addItem("Show it alone")
        self.compare_box.setEnabled(bool(apps))

    def _compare_picked(self, position: int) -> None:
        text = self.compare_box.itemText(position)
        if position == 0:
            return
        if text == "Show it alone":
            self.compared = []
        elif text not in self.compared:
            self.compared.append(text)
        choices = [self.compare_box.itemText(i) for i in range(1, self.compare_box.count())]
        self._set_compare_choices([c for c in choices if c != "Show it alone"])
        self.refresh()

    # --- the worker -------------------------------------------------------------------------

    def request(self) -> ChartRequest:
        apps = (self.app, *self.compared)
        return ChartRequest(self.server_id, apps, self.span, self.measure, self.clock(),
                            self.chart.plot_width())  # fmt: skip

    def refresh(self) -> None:
        """Read and draw again (a new sample, another span): only the newest answer shows."""
        if not self.app:
            return
        what = " vs ".join((self.app, *self.compared))
        self.title.setText(f"<b>{what}</b> on {self.server_id}: {self.measure.lower()}, the last "
                           f"{self.span.lower()}")  # fmt: skip
        request, size, colours = self.request(), self.chart.size(), Colours.of(self.chart)
        value_text: Callable[[float], str] = (
            (lambda v: memory_text(int(v))) if self.measure == MEMORY else cpu_text
        )
        provider = self.history

        def work(_progress: object) -> Rendered | None:
            store = provider()
            if store is None:
                return None
            return render_chart(details_chart(store, request), size, colours, value_text)

        run_task(work, receiver=self, on_result=self._drawn, on_error=self._failed,
                 latest=self.latest, kind=SHORT)  # fmt: skip

    def _drawn(self, rendered: Rendered | None) -> None:
        self.problem = ""
        if rendered is None:
            self.chart.empty_text = "No history kept on this computer yet"
        self.chart.show_chart(rendered)

    def _failed(self, exc: BaseException) -> None:
        self.problem = str(exc)
        self.chart.empty_text = f"The history could not be read: {exc}"
        self.chart.show_chart(None)
