"""The systems table: deployments grouped under Production, Development and Other processes.

Top rows are the three categories; under them one row per deployment (or, under Other processes,
per pm2 app found on a server but missing from the inventory). Live pm2 figures arrive through
:meth:`SystemsModel.apply_status` and change only the cells that differ, so selections survive.
"""

from __future__ import annotations

import bisect
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import overload

from PySide6.QtCore import (
    QAbstractItemModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtGui import QColor, QFont, QIcon
from PySide6.QtWidgets import QApplication, QStyle

from ereg_desktop.presenters.recent_memory import RecentMemory
from ereg_desktop.presenters.restart_rate import Health, RestartRate
from ereg_desktop.services.durations import age_text, uptime_text
from ereg_desktop.services.status import CONNECTED, MISSING, AppStatus, ServerStatus
from ereg_desktop.store.inventory import DeploymentRef, Inventory
from ereg_desktop.ui.status_text import cpu_text, memory_text

COLUMNS = ("System", "App", "Owner", "URL", "Status", "PID", "Restarts", "Uptime", "Memory", "CPU")
SYSTEM, APP, OWNER, URL, STATUS, PID, RESTARTS, UPTIME, MEMORY, CPU = range(len(COLUMNS))
STATUS_COLUMNS = tuple(range(STATUS, len(COLUMNS)))
NUMBER_COLUMNS = (PID, RESTARTS, UPTIME, MEMORY, CPU)

CATEGORIES = ("Production", "Development", "Other processes")
PRODUCTION, DEVELOPMENT, OTHER = range(len(CATEGORIES))

NOT_CONNECTED = "not connected"
OPERATORS_MARK = "\u2605"  # a star after the system name: the operator's own system

_GREY = QColor(128, 128, 128)
_ALARM = QColor(200, 0, 0)
_STATUS_COLOURS = {
    "online": QColor(0, 128, 0),
    "stopped": QColor(176, 96, 0),
    "errored": QColor(200, 0, 0),
    "pm2-down": QColor(200, 0, 0),
    MISSING: QColor(200, 0, 0),
}
# the same meanings, legible on a dark base (ui/colour_scheme.py)
_DARK = {_GREY.rgb(): QColor(150, 150, 150), _ALARM.rgb(): QColor(255, 105, 97),
         QColor(0, 128, 0).rgb(): QColor(102, 204, 102), QColor(176, 96, 0).rgb(): QColor(255, 170, 60)}  # fmt: skip


def _legible(colour: QColor | None) -> QColor | None:
    if colour is None or QApplication.palette().base().color().lightness() >= 128:
        return colour
    return _DARK.get(colour.rgb(), colour)


Index = QModelIndex | QPersistentModelIndex
QUIET = Health("", 0)
SPARK_ROLE = int(Qt.ItemDataRole.UserRole) + 1  # the Memory cell's recent samples


@dataclass
class ProcessRow:
    """A row under a category: an inventory deployment, or a pm2 app only the server knows."""

    server_id: str
    app: str
    ref: DeploymentRef | None = None
    server_status: ServerStatus | None = None
    operators: bool = False
    health: Health = QUIET  # restarts in the last hour, a crash loop (from successive samples)

    @property
    def url(self) -> str:
        return self.ref.deployment.url if self.ref else ""

    @property
    def process(self) -> AppStatus | None:
        return self.server_status.apps.get(self.app) if self.server_status else None

    @property
    def stale(self) -> bool:
        s = self.server_status
        return s is not None and s.state != CONNECTED and s.taken_at is not None

    def uptime_now(self, now: float) -> float | None:
        """pm2's uptime moved on by the age of the sample while the server answers (a stale
        sample keeps the uptime it had: the process may be gone)."""
        p, s = self.process, self.server_status
        if p is None or p.uptime_s is None or s is None:
            return None
        if s.state == CONNECTED and s.taken_at is not None:
            return p.uptime_s + max(0.0, now - s.taken_at)
        return p.uptime_s

    def _uptime(self, uptime_s: float, now: float | None) -> float:
        moved_on = None if now is None else self.uptime_now(now)
        return uptime_s if moved_on is None else moved_on

    def status_cells(self, now: float | None = None) -> tuple[str, ...]:
        """Texts of the status columns, Status to CPU."""
        if self.server_status is None:
            return (NOT_CONNECTED, "", "", "", "", "")
        p = self.process
        status = self.server_status.status_of(self.app)
        if p is None:
            return (status, "", "", "", "", "")
        h = self.health
        if h.state == "crash loop" and not self.stale:
            status = "crash loop"  # it reads online between crashes: that is not the news
        restarts = str(p.restarts)
        if h.restarts_last_hour and not self.stale:
            restarts = f"{p.restarts} (+{h.restarts_last_hour}/h)"
        return (
            status,
            "" if p.pid is None else str(p.pid),
            restarts,
            "" if p.uptime_s is None else uptime_text(self._uptime(p.uptime_s, now)),
            # pm2 reports 0 for a process that is not running: show nothing rather than "0 MiB"
            memory_text(p.memory_bytes) if p.pid is not None else "",
            cpu_text(p.cpu_percent) if p.pid is not None else "",
        )

    def filter_text(self) -> str:
        """What the filter box matches: system, app, owner and URL."""
        if self.ref is None:
            return f"{self.app}\n{self.server_id}".casefold()
        return "\n".join(
            (self.ref.system.name, self.app, self.ref.system.owner, self.url)
        ).casefold()


class SystemsModel(QAbstractItemModel):
    """Internal id 0 marks a category row; ``category + 1`` marks a row under that category."""

    def __init__(
        self,
        inventory: Inventory,
        clock: Callable[[], float] = time.time,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._clock = clock
        self._bold_font: QFont | None = None
        self._statuses: dict[str, ServerStatus] = {}
        self._restart_rate = RestartRate()
        self._recent_memory = RecentMemory()
        self._fresh_sample = False  # the status being applied is a new sample of its server
        self._warning_icon: QIcon | None = None
        self._inventory = inventory
        self._rows: list[list[ProcessRow]] = [[] for _ in CATEGORIES]
        self._build_rows()

    # --- the inventory and the live status -------------------------------------------------

    def set_inventory(self, inventory: Inventory) -> None:
        self.beginResetModel()
        self._inventory = inventory
        self._build_rows()
        self.endResetModel()

    def _build_rows(self) -> None:
        self._rows = [[] for _ in CATEGORIES]
        inv = self._inventory
        for ref in inv.deployments():
            category = PRODUCTION if ref.deployment.production else DEVELOPMENT
            row = ProcessRow(
                ref.server.id,
                ref.app,
                ref,
                self._statuses.get(ref.server.id),
                inv.is_operators(ref.system),
            )
            self._rows[category].append(row)
        for status in self._statuses.values():
            for app in sorted(self._unlisted_apps(status)):
                self._rows[OTHER].append(ProcessRow(status.server_id, app, None, status))
        self._rows[OTHER].sort(key=lambda r: (r.server_id, r.app))

    def _unlisted_apps(self, status: ServerStatus) -> set[str]:
        listed = {r.app for r in self._inventory.deployments() if r.server.id == status.server_id}
        return set(status.apps) - listed

    def apply_status(self, status: ServerStatus) -> None:
        """Show a server's pm2 status: change only the cells that differ, keep selections."""
        self._statuses[status.server_id] = status
        self._restart_rate.feed(status)
        self._fresh_sample = self._recent_memory.feed(status)
        for category in (PRODUCTION, DEVELOPMENT):
            for number, row in enumerate(self._rows[category]):
                if row.server_id == status.server_id:
                    self._update_row(category, number, row, status)
        self._sync_other_rows(status)

    def tick(self) -> None:
        """Once a second: the uptime of running processes moves on between polls."""
        for category, rows in enumerate(self._rows):
            parent = self.index(category, 0)
            for number, row in enumerate(rows):
                if row.uptime_now(0.0) is not None and not row.stale:
                    cell = self.index(number, UPTIME, parent)
                    self.dataChanged.emit(cell, cell, [Qt.ItemDataRole.DisplayRole])

    def _sync_other_rows(self, status: ServerStatus) -> None:
        parent = self.index(OTHER, 0)
        rows = self._rows[OTHER]
        wanted = self._unlisted_apps(status)
        for number in reversed(range(len(rows))):
            if rows[number].server_id == status.server_id and rows[number].app not in wanted:
                self.beginRemoveRows(parent, number, number)
                del rows[number]
                self.endRemoveRows()
        for number, row in enumerate(rows):
            if row.server_id == status.server_id:
                self._update_row(OTHER, number, row, status)
        present = {r.app for r in rows if r.server_id == status.server_id}
        for app in sorted(wanted - present):
            keys = [(r.server_id, r.app) for r in rows]
            number = bisect.bisect_left(keys, (status.server_id, app))
            self.beginInsertRows(parent, number, number)
            rows.insert(number, ProcessRow(status.server_id, app, None, status))
            self.endInsertRows()

    def _update_row(
        self, category: int, number: int, row: ProcessRow, status: ServerStatus
    ) -> None:
        before = (row.status_cells(), row.stale)
        row.server_status = status
        now = status.taken_at if status.taken_at is not None else self._clock()
        row.health = self._restart_rate.health(row.server_id, status.apps.get(row.app), now)
        after = (row.status_cells(), row.stale)
        parent = self.index(category, 0)
        if before == after:
            if self._fresh_sample and row.process is not None and row.process.pid is not None:
                # the figures are the same, the sparkline moved on
                cell = self.index(number, MEMORY, parent)
                self.dataChanged.emit(cell, cell, [SPARK_ROLE])
            return
        for offset, column in enumerate(STATUS_COLUMNS):
            if before[1] != after[1] or before[0][offset] != after[0][offset]:
                cell = self.index(number, column, parent)
                self.dataChanged.emit(cell, cell)

    # --- lookups for the window -------------------------------------------------------------

    def row_at(self, index: Index) -> ProcessRow | None:
        if not index.isValid() or index.internalId() == 0:
            return None
        return self._rows[index.internalId() - 1][index.row()]

    def category_index(self, category: int) -> QModelIndex:
        return self.index(category, 0)

    def rows(self, category: int) -> list[ProcessRow]:
        return list(self._rows[category])

    # --- QAbstractItemModel -----------------------------------------------------------------

    def index(self, row: int, column: int, parent: Index = QModelIndex()) -> QModelIndex:
        # Bounds checked here rather than with hasIndex(): views call this thousands of times.
        if not 0 <= column < len(COLUMNS) or row < 0:
            return QModelIndex()
        if not parent.isValid():
            return self.createIndex(row, column, 0) if row < len(CATEGORIES) else QModelIndex()
        if parent.internalId() != 0 or parent.column() != 0 or row >= len(self._rows[parent.row()]):
            return QModelIndex()
        return self.createIndex(row, column, parent.row() + 1)

    @overload
    def parent(self) -> QObject | None: ...
    @overload
    def parent(self, index: Index, /) -> QModelIndex: ...
    def parent(self, index: Index | None = None) -> QObject | QModelIndex | None:
        """The model's QObject parent without an index (as for any QObject), else the row's."""
        if index is None:
            return super().parent()
        if not index.isValid() or index.internalId() == 0:
            return QModelIndex()
        return self.createIndex(index.internalId() - 1, 0, 0)

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        if not parent.isValid():
            return len(CATEGORIES)
        if parent.internalId() == 0 and parent.column() == 0:
            return len(self._rows[parent.row()])
        return 0

    def columnCount(self, parent: Index = QModelIndex()) -> int:
        return len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> object:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(COLUMNS):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        if role == Qt.ItemDataRole.TextAlignmentRole and section in NUMBER_COLUMNS:
            return Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        if index.internalId() == 0:
            return Qt.ItemFlag.ItemIsEnabled
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid():
            return None
        row = self.row_at(index)
        if row is None:
            return self._category_data(index, role)
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(row, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(row, column)
        if role == Qt.ItemDataRole.FontRole and row.operators:
            return self._bold()
        if role == Qt.ItemDataRole.ForegroundRole:
            return self._foreground(row, column)
        if role == SPARK_ROLE and column == MEMORY and not row.stale and row.process is not None:
            points = self._recent_memory.points(row.server_id, row.app)
            return points if len(points) > 1 else None
        if role == Qt.ItemDataRole.DecorationRole and column == STATUS:
            return self._warning() if row.health.alarming and not row.stale else None
        if role == Qt.ItemDataRole.TextAlignmentRole and column in NUMBER_COLUMNS:
            return Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        return None

    def _warning(self) -> QIcon:
        if self._warning_icon is None:
            style = QApplication.style()
            self._warning_icon = style.standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning)
        return self._warning_icon

    def _bold(self) -> QFont:
        if self._bold_font is None:
            self._bold_font = QFont()
            self._bold_font.setBold(True)
        return self._bold_font

    def _category_data(self, index: Index, role: int) -> object:
        if index.column() != 0:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return CATEGORIES[index.row()]
        if role == Qt.ItemDataRole.FontRole:
            return self._bold()
        if role == Qt.ItemDataRole.ToolTipRole and index.row() == OTHER:
            return "pm2 apps running on a server but not in the inventory"
        return None

    def _display(self, row: ProcessRow, column: int) -> str:
        if column >= STATUS:
            return row.status_cells(self._clock())[column - STATUS]
        ref = row.ref
        if ref is None:
            return {SYSTEM: f"on {row.server_id}", APP: row.app}.get(column, "")
        if column == SYSTEM:
            return f"{ref.system.name} {OPERATORS_MARK}" if row.operators else ref.system.name
        if column == APP:
            pinned = ref.deployment.pinned
            return f"{row.app} [tag {ref.deployment.track}]" if pinned else row.app
        if column == OWNER:
            return ref.system.owner
        return row.url

    def _tooltip(self, row: ProcessRow, column: int) -> str | None:
        ref = row.ref
        if column >= STATUS:
            return self._status_tooltip(row)
        if ref is None:
            return f"pm2 app {row.app!r} on {row.server_id}: not in the inventory"
        if column == SYSTEM:
            text = f"{ref.system.name} ({ref.system.repository or 'no repository'})"
            return f"your system: {text}" if row.operators else text
        if column == APP:
            d = ref.deployment
            if d.pinned:
                return f"pinned to tag {d.track}: never moved to master"
            return f"pm2 app {row.app} on {ref.server.label}, follows {d.track_type} {d.track}"
        if column == URL and row.url:
            return f"{row.url}\nDouble-click to open"
        return None

    def _status_tooltip(self, row: ProcessRow) -> str | None:
        status = row.server_status
        if status is None:
            return f"{row.server_id}: not connected yet"
        if row.stale and status.taken_at is not None:
            age = age_text(self._clock() - status.taken_at)
            why = f"; {status.reason}" if status.reason else ""
            return f"stale: {age} old ({row.server_id} {status.state}{why})"
        if status.reason:
            return status.reason
        h, p = row.health, row.process
        if h.alarming and p is not None:
            if h.state == "errored":
                return f"errored: pm2 stopped restarting {row.app} ({p.restarts} restarts in all)"
            return (
                f"crash loop: pm2 restarted {row.app} {h.restarts_last_hour} times in the last "
                f"hour ({p.restarts} in all); it reads online between crashes. Its logs say why."
            )
        if h.restarts_last_hour and p is not None:
            return f"{row.app} restarted {h.restarts_last_hour} time(s) in the last hour"
        return None

    def _foreground(self, row: ProcessRow, column: int) -> QColor | None:
        return _legible(self._light_foreground(row, column))

    def _light_foreground(self, row: ProcessRow, column: int) -> QColor | None:
        if column < STATUS:
            return None
        if row.server_status is None or row.stale:
            return _GREY
        if column in (STATUS, RESTARTS) and row.health.alarming:
            return _ALARM
        if column == RESTARTS and row.health.restarts_last_hour:
            return _STATUS_COLOURS["stopped"]
        if column == STATUS:
            return _STATUS_COLOURS.get(row.status_cells()[0])
        return None

    def filter_text(self, source_row: int, source_parent: Index) -> str:
        return self._rows[source_parent.row()][source_row].filter_text()


class SystemsFilter(QSortFilterProxyModel):
    """The filter box: case-insensitive match on system, app, owner or URL, keeping the groups."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.setRecursiveFilteringEnabled(True)
        self.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)

    def filterAcceptsRow(self, source_row: int, source_parent: Index) -> bool:
        expression = self.filterRegularExpression()
        if not expression.pattern():
            return True
        if not source_parent.isValid():
            return False  # a category shows when one of its rows matches (recursive filtering)
        model = self.sourceModel()
        assert isinstance(model, SystemsModel)
        return expression.match(model.filter_text(source_row, source_parent)).hasMatch()
