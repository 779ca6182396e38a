"""The details pane of the selected app, in three tabs: "Chart" (memory or CPU over time from the
local history, ``ui/details_chart_tab``), "Logs" (its out and error logs, followed live if asked,
``ui/log_view``) and "Updates" (pending commits, last restart and deploy, whether a restart is
due, ``ui/updates_tab``). A tab that is not shown reads nothing: it reads when it is shown."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, tzinfo

from PySide6.QtWidgets import QTabWidget, QVBoxLayout, QWidget

from ereg_desktop.ui.details_chart_tab import NO_APP, ChartTab, HistoryProvider
from ereg_desktop.ui.log_view import LogSource, LogView
from ereg_desktop.ui.updates_tab import RowLookup, UpdatesSource, UpdatesTab

__all__ = ["NO_APP", "DetailsPane", "HistoryProvider"]


class DetailsPane(QWidget):
    def __init__(
        self,
        history: HistoryProvider,
        parent: QWidget | None = None,
        clock: Callable[[], float] = time.time,
        logs: LogSource | None = None,
        updates: UpdatesSource | None = None,
        row_of: RowLookup | None = None,
        zone: Callable[[], tzinfo] = lambda: UTC,
    ) -> None:
        super().__init__(parent)
        self.server_id = self.app = ""
        self.chart_tab = ChartTab(history, clock=clock)
        self.logs = LogView(logs) if logs is not None else None
        self.updates = UpdatesTab(updates, row_of or (lambda _s, _a: None), zone, clock=clock)
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(self.chart_tab, "Chart")
        if self.logs is not None:
            self.tabs.addTab(self.logs, "Logs")
        self.tabs.addTab(self.updates, "Updates")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.tabs)

    def show_app(self, server_id: str, app: str, neighbours: list[str]) -> None:
        """The selected app, and the other apps of its server the chart may compare it with."""
        self.server_id, self.app = server_id, app
        self.chart_tab.show_app(server_id, app, neighbours)
        if self.logs is not None:
            self.logs.show_app(server_id, app)
        self.updates.show_app(server_id, app)

    def clear(self) -> None:
        self.server_id = self.app = ""
        self.chart_tab.clear()
        if self.logs is not None:
            self.logs.clear()
        self.updates.show_app("", "")

    def show_tab(self, name: str) -> QWidget:
        for i in range(self.tabs.count()):
            if self.tabs.tabText(i) == name:
                self.tabs.setCurrentIndex(i)
                widget = self.tabs.widget(i)
                assert widget is not None
                return widget
        raise KeyError(name)

    def agent_event(self, event: object) -> None:
        """An agent's pushed event, on the GUI thread (``LiveStatus.agent_event``, queued)."""
        if self.logs is not None:
            self.logs.agent_event(event)

    def stop(self) -> None:
        """The window closes: nothing followed any longer."""
        if self.logs is not None:
            self.logs.stop_following()
