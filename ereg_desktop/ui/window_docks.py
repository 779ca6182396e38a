"""The main window's docks, built after its first paint: the details pane (chart, logs, updates),
the alert log, Today, and the Preferences menu (:class:`WindowDocks`, the base of
:class:`ereg_desktop.ui.main_window.MainWindow`, which builds the tree and the actions these use).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QLineEdit, QMainWindow, QMenu, QTreeView

from ereg_desktop.context import AppContext
from ereg_desktop.ui.systems_model import ProcessRow, SystemsFilter, SystemsModel

if TYPE_CHECKING:
    from PySide6.QtCore import SignalInstance
    from PySide6.QtWidgets import QDockWidget

    from ereg_desktop.presenters.alert_log import AlertLog
    from ereg_desktop.presenters.today import PendingBook
    from ereg_desktop.services.due import LastRestart
    from ereg_desktop.ui.alerts_pane import AlertsPane
    from ereg_desktop.ui.details_pane import DetailsPane
    from ereg_desktop.ui.today_view import TodayView


class WindowDocks(QMainWindow):
    """What the docks need of the window (set by MainWindow.__init__)."""

    ctx: AppContext
    model: SystemsModel
    filter_model: SystemsFilter
    filter_box: QLineEdit
    tree: QTreeView
    view_menu: QMenu
    details: DetailsPane | None

    def _selection_changed(self, *_: object) -> None:  # MainWindow's: the details follow it
        raise NotImplementedError

    _details_dock: QDockWidget | None = None
    today: TodayView | None = None  # add_today_view(), after the first paint
    _today_dock: QDockWidget | None = None
    _pending_book: PendingBook | None = None

    def add_details_pane(
        self, agents: Callable[[], object] | None = None, agent_events: SignalInstance | None = None
    ) -> DetailsPane:
        """The selected app's chart, logs and updates, docked below the tree (built after the
        first paint: their code is not on the start-up path). View > Details pane shows or hides
        it. ``agents`` gives the live status's monitor (its agents follow logs), ``agent_events``
        its pushed events (``LiveStatus.agent_event``)."""
        if self.details is not None:
            return self.details
        from PySide6.QtCore import Qt
        from PySide6.QtWidgets import QDockWidget

        from ereg_desktop.presenters.details_chart import WithRecords
        from ereg_desktop.presenters.today import operator_zone
        from ereg_desktop.ui.details_pane import DetailsPane
        from ereg_desktop.ui.details_sources import RemoteLogs, RemoteUpdates

        ctx = self.ctx
        # the history provider is called on the worker: both databases open there
        self.details = DetailsPane(lambda: WithRecords(ctx.metrics, ctx.history),
                                   logs=RemoteLogs(ctx, agents),
                                   updates=RemoteUpdates(ctx, self.pending_book),
                                   row_of=self.row_of, zone=lambda: operator_zone(ctx.inventory))  # fmt: skip
        if agent_events is not None:
            agent_events.connect(self.details.agent_event, Qt.ConnectionType.QueuedConnection)
        dock = self._details_dock = QDockWidget("Details", self)
        dock.setObjectName("detailsDock")
        dock.setWidget(self.details)
        dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetClosable
                         | QDockWidget.DockWidgetFeature.DockWidgetMovable)  # fmt: skip
        if not self.restoreDockWidget(dock):  # where the operator left it (ui/window_layout.py)
            self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, dock)
        toggle = dock.toggleViewAction()
        toggle.setText("&Details pane")
        toggle.setShortcut("Ctrl+D")
        self.view_menu.addAction(toggle)
        self._selection_changed()
        return self.details

    # --- the alert log and Preferences (ui/live_alerts.py, ui/live_settings.py) ------------

    def add_alerts_pane(self, log: AlertLog) -> AlertsPane:
        """The alert log, docked beside the details (built after the first paint, like them).
        View > Alerts (Ctrl+Shift+A) shows or hides it."""
        from PySide6.QtCore import Qt
        from PySide6.QtWidgets import QDockWidget

        from ereg_desktop.ui.alerts_pane import AlertsPane

        existing = self.findChild(QDockWidget, "alertsDock")
        if existing is not None and isinstance(existing.widget(), AlertsPane):
            return existing.widget()  # type: ignore[return-value]
        pane = AlertsPane(log)
        dock = QDockWidget("Alerts", self)
        dock.setObjectName("alertsDock")
        dock.setWidget(pane)
        dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetClosable
                         | QDockWidget.DockWidgetFeature.DockWidgetMovable)  # fmt: skip
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, dock)
        details = self.findChild(QDockWidget, "detailsDock")
        if details is not None:  # a tab beside the details: each has the window's width
            self.tabifyDockWidget(details, dock)
            details.raise_()
        toggle = dock.toggleViewAction()
        toggle.setShortcut("Ctrl+Shift+A")

        def titled(unread: int) -> None:  # the tab says how many are unread
            dock.setWindowTitle(f"Alerts ({unread})" if unread else "Alerts")
            toggle.setText("&Alerts")

        pane.count_changed.connect(titled)
        titled(pane.unread_count)
        self.view_menu.addAction(toggle)
        return pane

    def add_preferences_action(self, action: QAction) -> None:
        """Edit > Preferences… (the live status's, after the first paint)."""
        from PySide6.QtWidgets import QMenu

        edit = QMenu("&Edit", self)
        edit.addAction(action)
        self.menuBar().insertMenu(self.view_menu.menuAction(), edit)

    @property
    def pending_book(self) -> PendingBook:
        """The pending commits last checked per deployment: the Updates tab's and Today's."""
        if self._pending_book is None:
            from ereg_desktop.presenters.today import PendingBook

            self._pending_book = PendingBook()
        return self._pending_book

    def add_today_view(self) -> TodayView:
        """View > Today (Ctrl+T): what is due today, docked beside the details pane."""
        if self.today is not None:
            return self.today
        import time

        from PySide6.QtCore import Qt
        from PySide6.QtWidgets import QDockWidget

        from ereg_desktop.presenters.today import operator_zone
        from ereg_desktop.services.due import last_restart
        from ereg_desktop.ui.details_sources import RemoteUpdates
        from ereg_desktop.ui.today_view import TodayView

        ctx, model = self.ctx, self.model

        def restarts() -> dict[tuple[str, str], LastRestart]:
            now = time.time()
            return {(r.server_id, r.app): last_restart(r.process, (r.server_status.taken_at
                    if r.server_status and r.server_status.taken_at else now))
                    for c in range(3) for r in model.rows(c)}  # fmt: skip

        self.today = TodayView(RemoteUpdates(ctx, self.pending_book), lambda: ctx.inventory.deployments(),
                               restarts, lambda: operator_zone(ctx.inventory))  # fmt: skip
        self.today.app_chosen.connect(self.select_app)
        dock = self._today_dock = QDockWidget("Today", self)
        dock.setObjectName("todayDock")
        dock.setWidget(self.today)
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, dock)
        if self._details_dock is not None:
            self.tabifyDockWidget(self._details_dock, dock)
        dock.hide()
        action = QAction("&Today", self)
        action.setToolTip("What is due today: pending updates, restarts and their windows")
        action.setShortcut(QKeySequence("Ctrl+T"))
        action.triggered.connect(self.show_today)
        self.today_action = action
        self.view_menu.addAction(action)
        return self.today

    def show_today(self) -> None:
        dock = self._today_dock
        if dock is not None:
            dock.show()
            dock.raise_()

    def row_of(self, server_id: str, app: str) -> ProcessRow | None:
        return next((r for c in range(3) for r in self.model.rows(c)
                     if (r.server_id, r.app) == (server_id, app)), None)  # fmt: skip

    def select_app(self, server_id: str, app: str) -> bool:
        """Select (and show) the row of ``app`` on ``server_id``; the filter is cleared if it
        hides it."""
        for attempt in range(2):
            for c in range(self.filter_model.rowCount()):
                parent = self.filter_model.index(c, 0)
                for r in range(self.filter_model.rowCount(parent)):
                    index = self.filter_model.index(r, 0, parent)
                    row = self.model.row_at(self.filter_model.mapToSource(index))
                    if row is not None and (row.server_id, row.app) == (server_id, app):
                        self.tree.setCurrentIndex(index)
                        self.tree.scrollTo(index)
                        return True
            if attempt == 0 and self.filter_box.text():
                self.filter_box.clear()
        return False
