"""The main window: every system's deployments, grouped by environment, with their live status."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QModelIndex, QUrl, Signal
from PySide6.QtGui import QAction, QDesktopServices, QFont, QFontMetrics, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QLabel,
    QLineEdit,
    QToolBar,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from ereg_desktop.context import AppContext
from ereg_desktop.services.status import ServerStatus
from ereg_desktop.store.inventory import Server
from ereg_desktop.store.inventory_file import LoadedInventory
from ereg_desktop.ui.memory_sparkline import SparklineDelegate
from ereg_desktop.ui.systems_model import (
    COLUMNS,
    MEMORY,
    SPARK_ROLE,
    URL,
    ProcessRow,
    SystemsFilter,
    SystemsModel,
)
from ereg_desktop.ui.window_dialogs import WindowDialogs

if TYPE_CHECKING:
    from ereg_desktop.ui.deploy_actions import DeploymentActions
    from ereg_desktop.ui.details_pane import DetailsPane
    from ereg_desktop.ui.github_token_dialog import GitHubTokenDialog
    from ereg_desktop.ui.inventory_dialog import InventoryDialog
    from ereg_desktop.ui.problem_bar import ProblemBar

UrlOpener = Callable[[str], object]

NO_OPERATOR_HINT = (
    "Who are you? Set your name in Inventory > Edit inventory\u2026: your systems get a \u2605 "
    "and your restarts and updates are recorded under it."
)

# Widths (pixels) the columns never shrink below, so that live figures do not make them jump.
_MIN_WIDTHS = {"Status": 110, "PID": 60, "Restarts": 64, "Uptime": 72, "Memory": 150, "CPU": 56}
_MAX_URL_WIDTH = 260


def open_in_browser(url: str) -> bool:
    return QDesktopServices.openUrl(QUrl(url))


class MainWindow(WindowDialogs):
    inventory_reloaded = Signal()  # after Reload inventory / a saved edit: live status re-reads it
    # (server id, app, verb): this window runs a restart/stop/start (at its start and its end),
    # so live status's alerts do not call it someone else's
    deployment_write_running = Signal(str, str, str)

    def __init__(
        self, ctx: AppContext, open_url: UrlOpener = open_in_browser, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self._open_url = open_url
        self._inventory_dialog: InventoryDialog | None = None
        self._github_dialog: GitHubTokenDialog | None = None
        self._deployment: DeploymentActions | None = None
        self.details: DetailsPane | None = None  # add_details_pane(), after the first paint
        self.setWindowTitle("eRegistrations systems \u2014 ereg-desktop")
        self.resize(1180, 560)

        self.model = SystemsModel(ctx.inventory, parent=self)
        self.filter_model = SystemsFilter(self)
        self.filter_model.setSourceModel(self.model)

        self._problem_bar: ProblemBar | None = None
        self.filter_box = QLineEdit()
        self.filter_box.setPlaceholderText("Filter by system, app, owner or URL")
        self.filter_box.setClearButtonEnabled(True)
        self.filter_box.textChanged.connect(self._filter_changed)
        self.tree = self._make_tree()

        central = QWidget()
        self._layout = layout = QVBoxLayout(central)
        layout.setContentsMargins(6, 6, 6, 0)
        layout.addWidget(self.filter_box)
        layout.addWidget(self.tree, 1)
        self.setCentralWidget(central)
        # --demo: the title and a banner say so (its servers and keys are the embedded demo's)
        if ctx.paths.profile is not None and ctx.paths.profile.name == "demo":
            self.setWindowTitle(self.windowTitle() + " \u2014 DEMO")
            banner = QLabel(
                "DEMO: an embedded server on this computer, its own inventory and keys. "
                "Nothing here touches your own servers, inventory, keyring or known hosts."
            )
            banner.setObjectName("demoBanner")
            banner.setWordWrap(True)
            banner.setStyleSheet(
                "QLabel#demoBanner { background: #ffe066; color: #3d3000; padding: 4px 8px;"
                " border: 1px solid #e0b800; font-weight: bold; }"
            )
            layout.insertWidget(0, banner)

        self._make_actions()
        self._server_labels: dict[str, QLabel] = {}
        self._show_servers()
        self._show_inventory_problem()
        self._fit_columns()
        self._selection_changed()

    # --- building ---------------------------------------------------------------------------

    def _make_tree(self) -> QTreeView:
        tree = QTreeView()
        tree.setModel(self.filter_model)
        tree.setUniformRowHeights(True)
        tree.setAlternatingRowColors(True)
        tree.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        tree.setExpandsOnDoubleClick(False)
        tree.setAllColumnsShowFocus(True)
        tree.header().setStretchLastSection(False)
        tree.setItemDelegateForColumn(MEMORY, SparklineDelegate(SPARK_ROLE, tree))
        tree.doubleClicked.connect(self._row_double_clicked)
        tree.selectionModel().selectionChanged.connect(self._selection_changed)
        # New groups (an app appearing under Other processes, a filter) open expanded.
        self.filter_model.rowsInserted.connect(lambda *_: tree.expandAll())
        self.filter_model.modelReset.connect(tree.expandAll)
        self.filter_model.layoutChanged.connect(tree.expandAll)
        tree.expandAll()
        return tree

    def _make_actions(self) -> None:
        self.open_url_action = QAction("Open URL", self)
        self.open_url_action.setToolTip("Open the selected system in the browser (double-click)")
        self.open_url_action.setShortcut(QKeySequence("Ctrl+O"))
        self.open_url_action.triggered.connect(self.open_selected_url)
        self.monitoring_action = QAction("Open monitoring panel", self)
        self.monitoring_action.setShortcut(QKeySequence("Ctrl+M"))
        self.monitoring_action.triggered.connect(self.open_monitoring_panel)
        self.edit_inventory_action = QAction("Edit inventory\u2026", self)
        self.edit_inventory_action.setShortcut(QKeySequence("Ctrl+E"))
        self.edit_inventory_action.triggered.connect(self.edit_inventory)
        self.reload_action = QAction("Reload inventory", self)
        # F5 is Refresh status (ui/live_status.py); reloading the file is rarer
        self.reload_action.setShortcut(QKeySequence("Ctrl+Shift+R"))
        self.reload_action.triggered.connect(self.reload_inventory)
        self.github_token_action = QAction("GitHub token\u2026", self)
        self.github_token_action.setToolTip("The token for the translations pull requests")
        self.github_token_action.triggered.connect(self.edit_github_token)
        self.about_action = QAction("About ereg-desktop", self)
        self.about_action.triggered.connect(self.show_about)
        quit_action = QAction("Quit", self)
        quit_action.setShortcut(QKeySequence("Ctrl+Q"))  # the standard key is none on Windows
        quit_action.triggered.connect(self.close)
        self.find_action = QAction("Find\u2026", self)
        self.find_action.setToolTip("Filter the systems by name, app, owner or URL")
        self.find_action.setShortcut(QKeySequence("Ctrl+F"))
        self.find_action.triggered.connect(self.focus_filter)

        menus = self.menuBar()
        systems = menus.addMenu("&Systems")
        systems.addActions([self.open_url_action, self.monitoring_action, self.find_action])
        systems.addSeparator()
        systems.addAction(quit_action)
        inventory = menus.addMenu("&Inventory")
        inventory.addActions([self.edit_inventory_action, self.reload_action])
        inventory.addSeparator()
        inventory.addAction(self.github_token_action)
        # filled by the live status (ui/live_status.py): Refresh, interval, SSH key
        self.view_menu = menus.addMenu("&View")
        self.server_menu = menus.addMenu("Se&rver")
        self.deployment_menu = menus.addMenu("&Deployment")  # filled by ui/deploy_actions.py
        # the first-run assistant (ui/setup_assistant.py), also offered by a bar on a new computer
        self.setup_action = QAction("Set up this computer\u2026", self)
        self.setup_action.triggered.connect(self.open_setup_assistant)
        menus.addMenu("&Help").addActions([self.setup_action, self.about_action])

        self.toolbar = toolbar = QToolBar("Main")
        toolbar.setObjectName("mainToolbar")
        toolbar.setMovable(False)
        toolbar.addActions([self.open_url_action, self.monitoring_action])
        toolbar.addSeparator()
        toolbar.addActions([self.edit_inventory_action, self.reload_action])
        self.addToolBar(toolbar)
        self._make_deployment_actions(toolbar)

    def _make_deployment_actions(self, toolbar: QToolBar) -> None:
        """Restart, Stop, Start, Update…, History: in place for the first paint, disabled until
        :attr:`deployment` (ui/deploy_actions.py, loaded after the first paint) drives them."""

        def action(text: str, tip: str, shortcut: str = "") -> QAction:
            a = QAction(text, self)
            a.setToolTip(tip)
            a.setStatusTip(tip)
            a.setProperty("normal_tip", tip)
            a.setEnabled(False)
            if shortcut:
                a.setShortcut(QKeySequence(shortcut))
            return a

        self.restart_action = action("Restart", "pm2 restart the selected deployment", "Ctrl+R")
        self.stop_action = action("Stop", "pm2 stop the selected deployment", "Ctrl+Shift+S")
        self.start_action = action("Start", "pm2 start the selected deployment", "Ctrl+Shift+T")
        self.update_action = action(
            "Update\u2026", "Latest code, npm run setup and start, with progress", "Ctrl+U"
        )
        self.history_action = action(
            "History\u2026", "What this computer did, newest first", "Ctrl+H"
        )
        writes = [self.restart_action, self.stop_action, self.start_action]
        menu = self.deployment_menu
        menu.addActions(writes)
        menu.addSeparator()
        menu.addAction(self.update_action)
        menu.addSeparator()
        menu.addAction(self.history_action)
        toolbar.addSeparator()
        toolbar.addActions([*writes, self.update_action, self.history_action])

    @property
    def deployment(self) -> DeploymentActions:
        """What the Deployment actions do; built on first use (after the first paint)."""
        if self._deployment is None:
            from ereg_desktop.ui.deploy_actions import DeploymentActions

            self._deployment = DeploymentActions(self, self.ctx)
        return self._deployment

    def _show_servers(self) -> None:
        for label in self._server_labels.values():
            self.statusBar().removeWidget(label)
            label.deleteLater()
        self._server_labels = {}
        for server in self.ctx.inventory.servers:
            label = QLabel()
            label.setToolTip(server.label)
            self._server_labels[server.id] = label
            # permanent: a passing message (a crash alert) must not hide the servers' states
            self.statusBar().addPermanentWidget(label)
            self.set_server_state(server.id, "not connected yet")

    @property
    def problem_bar(self) -> ProblemBar:
        """The warning strip above the systems; built when first needed (rarely at start-up)."""
        if self._problem_bar is None:
            from ereg_desktop.ui.problem_bar import ProblemBar  # a good file needs none of it

            self._problem_bar = ProblemBar()
            self._problem_bar.reload.clicked.connect(self.reload_inventory)
            self._layout.insertWidget(0, self._problem_bar)
        return self._problem_bar

    def _show_inventory_problem(self) -> None:
        if self.ctx.loaded.problem is not None or self._problem_bar is not None:
            self.problem_bar.show_inventory(self.ctx.loaded)
        if not self.ctx.inventory.operator.name.strip():
            self.statusBar().showMessage(NO_OPERATOR_HINT)
        elif self.statusBar().currentMessage() == NO_OPERATOR_HINT:
            self.statusBar().clearMessage()

    def _fit_columns(self) -> None:
        """Widths from the texts themselves: cheaper than resizeColumnToContents at start-up."""
        plain = self.tree.fontMetrics()
        bold_font = QFont(self.tree.font())
        bold_font.setBold(True)
        bold = QFontMetrics(bold_font)
        widths = [plain.horizontalAdvance(name) + 24 for name in COLUMNS]
        indent = self.tree.indentation()
        for category in range(self.model.rowCount()):
            parent = self.model.index(category, 0)
            widths[0] = max(widths[0], bold.horizontalAdvance(parent.data()) + indent + 16)
            for row in range(self.model.rowCount(parent)):
                metrics = bold if self.model.rows(category)[row].operators else plain
                for column in range(len(COLUMNS)):
                    text = self.model.index(row, column, parent).data() or ""
                    extra = 2 * indent + 12 if column == 0 else 16
                    widths[column] = max(widths[column], metrics.horizontalAdvance(text) + extra)
        header = self.tree.header()
        for column, name in enumerate(COLUMNS):
            width = max(widths[column], _MIN_WIDTHS.get(name, 0))
            header.resizeSection(column, min(width, _MAX_URL_WIDTH) if column == URL else width)

    # --- what the operator does -------------------------------------------------------------

    def selected_row(self) -> ProcessRow | None:
        indexes = self.tree.selectionModel().selectedRows()
        if not indexes:
            return None
        return self.model.row_at(self.filter_model.mapToSource(indexes[0]))

    def open_selected_url(self) -> None:
        row = self.selected_row()
        if row is not None and row.url:
            self._open_url(row.url)

    def _row_double_clicked(self, index: QModelIndex) -> None:
        row = self.model.row_at(self.filter_model.mapToSource(index))
        if row is None:
            self.tree.setExpanded(index, not self.tree.isExpanded(index))
        elif row.url:
            self._open_url(row.url)

    def monitoring_server(self) -> Server | None:
        """The selected row's server, or else the first server that has a monitoring panel."""
        row = self.selected_row()
        inv = self.ctx.inventory
        chosen = inv.server(row.server_id) if row is not None else None
        if chosen is not None and chosen.monitoring_url:
            return chosen
        return next((s for s in inv.servers if s.monitoring_url), None)

    def open_monitoring_panel(self) -> None:
        server = self.monitoring_server()
        if server is not None:
            self._open_url(server.monitoring_url)

    def reload_inventory(self) -> None:
        """Read the file on a worker; the tree changes when it has been read."""
        from ereg_desktop.ui.tasks import run_task

        inventory_file = self.ctx.inventory_file
        self._reload_task = run_task(
            lambda _progress: inventory_file.load_for_gui(),
            receiver=self,
            on_result=self._inventory_loaded,
            on_error=lambda exc: self.statusBar().showMessage(f"Inventory not reloaded: {exc}"),
        )

    def _inventory_loaded(self, loaded: LoadedInventory) -> None:
        self.ctx.loaded = loaded
        self.model.set_inventory(loaded.inventory)
        self._show_inventory_problem()
        self._show_servers()
        self.tree.expandAll()
        self._selection_changed()
        if loaded.problem is None:
            self.statusBar().showMessage("Inventory reloaded", 4000)
        self.inventory_reloaded.emit()

    def open_setup_assistant(self) -> QWidget:
        from ereg_desktop.ui.setup_assistant import open_assistant  # not at start-up

        return open_assistant(self)

    # --- live status (filled in by the monitoring step) -------------------------------------

    def apply_status(self, status: ServerStatus) -> None:
        self.model.apply_status(status)
        if self._deployment is not None:  # a (re)connected server: re-attach to its jobs
            self._deployment.jobs.status_applied(status)

    def as_widget(self) -> QWidget:
        """The window as the parent of the dialogs and actions others build (``WindowApi``)."""
        return self

    def set_server_state(self, server_id: str, text: str, detail: str = "") -> None:
        """``text`` in the status bar; ``detail`` (the whole reason) in its tooltip."""
        label = self._server_labels.get(server_id)
        if label is not None:
            label.setText(f"{server_id}: {text}")
            server = self.ctx.inventory.server(server_id)
            where = server.label if server is not None else server_id
            label.setToolTip(f"{where}\n{detail}" if detail else where)

    # --- internals --------------------------------------------------------------------------

    def focus_filter(self) -> None:
        self.filter_box.setFocus()
        self.filter_box.selectAll()

    def _filter_changed(self, text: str) -> None:
        self.filter_model.setFilterFixedString(text.strip())
        self.tree.expandAll()

    # the details pane's dock, the Today view and its dock, the pending checks both share
    def _selection_changed(self, *_: object) -> None:
        row = self.selected_row()
        if self.details is not None:
            if row is None:
                self.details.clear()
            else:
                same_server = [r.app for c in range(3) for r in self.model.rows(c)
                               if r.server_id == row.server_id]  # fmt: skip
                self.details.show_app(row.server_id, row.app, same_server)
        self.open_url_action.setEnabled(bool(row is not None and row.url))
        self.monitoring_action.setEnabled(self.monitoring_server() is not None)
        if self._deployment is not None:
            self._deployment.selection_changed(row.ref if row is not None else None)
