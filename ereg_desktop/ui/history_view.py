"""Deployment > History: every write (deploys, restarts, stops, starts), this computer's and the
team's.

This computer's SQLite history and, when the view has servers to ask, the team's shared audit file
on each server (``~/.ereg-desktop/audit.jsonl``, its last lines) are read on a worker; a run found
in both is one row, with a Source column saying where it was recorded. The table is a model, not
a text blob, and can be limited to the app selected in the main window.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ereg_desktop.services.deploy.audit import (
    SOURCE_BOTH,
    SOURCE_LOCAL,
    SOURCE_SERVER,
    ServerAudit,
    merge_records,
)
from ereg_desktop.services.durations import seconds_text
from ereg_desktop.store.history import History
from ereg_desktop.ui.tasks import POLL, LatestRequest, run_task

COLUMNS = ("When", "App", "Operator", "Action", "Outcome", "App after", "Downtime", "Commits",
           "Reason")  # fmt: skip
SOURCE = "Source"
# With the team's records: where each row was recorded, after the operator.
TEAM_COLUMNS = (*COLUMNS[:3], SOURCE, *COLUMNS[3:])
SOURCE_TEXT = {
    SOURCE_LOCAL: "this computer",
    SOURCE_SERVER: "server (team)",
    SOURCE_BOTH: "this computer + server",
}
SOURCE_TIP = {
    SOURCE_LOCAL: "Only in this computer's history (not found in the last lines of the server's "
    "audit file, or the server could not be read)",
    SOURCE_SERVER: "Only in the server's shared audit file: done from another computer (or "
    "before this computer's history was started)",
    SOURCE_BOTH: "Done from this computer and recorded in the server's shared audit file too",
}
_BAD = {"failed", "blocked", "cancelled"}
LIMIT = 1000

# Reads one server's audit for an app (None: every app). Runs on a worker.
AuditReader = Callable[[str | None], ServerAudit]

Index = QModelIndex | QPersistentModelIndex


def when_text(iso: str) -> str:
    try:
        return datetime.fromisoformat(iso).astimezone().strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return iso


def cells(record: dict[str, Any], with_source: bool = False) -> tuple[str, ...]:
    downtime = record.get("downtime_s")
    before, after = str(record.get("commit_before") or ""), str(record.get("commit_after") or "")
    commits = f"{before[:8]} \u2192 {after[:8]}" if before and after else before[:8]
    reasons = record.get("reasons") or {}
    reason = "; ".join(str(v) for v in reasons.values()) if isinstance(reasons, dict) else ""
    source = SOURCE_TEXT.get(str(record.get("source", "")), "")
    return (
        when_text(str(record.get("started_at", ""))),
        str(record.get("app", "")),
        str(record.get("operator", "")),
        *((source,) if with_source else ()),
        str(record.get("kind", "")),
        str(record.get("result", "")),
        str(record.get("app_state", "")),
        seconds_text(float(downtime)) if isinstance(downtime, int | float) else "",
        commits,
        reason,
    )


def tooltip(record: dict[str, Any]) -> str | None:
    lines = []
    who, machine = str(record.get("operator") or ""), str(record.get("machine") or "")
    if who or machine:
        lines.append(f"by {who or '?'}" + (f" on {machine}" if machine else ""))
    if record.get("server"):
        lines.append(f"server: {record['server']}")
    if record.get("message"):
        lines.append(str(record["message"]))
    tip = SOURCE_TIP.get(str(record.get("source", "")))
    if tip:
        lines.append(tip)
    return "\n".join(lines) or None


class HistoryModel(QAbstractTableModel):
    def __init__(self, parent: QWidget | None = None, with_source: bool = False) -> None:
        super().__init__(parent)
        self.with_source = with_source
        self.columns = TEAM_COLUMNS if with_source else COLUMNS
        self.records: list[dict[str, Any]] = []
        self._cells: list[tuple[str, ...]] = []
        self._outcome = self.columns.index("Outcome")
        self._app_after = self.columns.index("App after")

    def set_records(self, records: list[dict[str, Any]]) -> None:
        self.beginResetModel()
        self.records = records
        self._cells = [cells(r, self.with_source) for r in records]
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._cells)

    def columnCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.columns)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.columns[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not (0 <= index.row() < len(self._cells)):
            return None
        row = self._cells[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return row[index.column()]
        if role == Qt.ItemDataRole.ToolTipRole:
            return tooltip(self.records[index.row()])
        if role == Qt.ItemDataRole.ForegroundRole:
            if row[self._outcome] in _BAD or row[self._app_after] == "down":
                return QColor("#c62828")
            if self.columns[index.column()] == SOURCE:
                source = self.records[index.row()].get("source")
                return QColor("#1565c0") if source == SOURCE_SERVER else QColor("#555555")
        return None


@dataclass
class Loaded:
    """One read: the merged rows, and what the servers said."""

    app: str | None
    records: list[dict[str, Any]]
    audits: list[ServerAudit] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    final: bool = True


def read_all(
    history: History,
    servers: Sequence[tuple[str, AuditReader]],
    app: str | None,
    progress: Callable[[Any], None],
) -> Loaded:
    """On a worker: this computer's history first (shown at once), then every server's audit
    (in parallel; a server that cannot be read is named, the others still count)."""
    local = history.list(app, limit=LIMIT)
    if not servers:
        return Loaded(app, merge_records(local, [], limit=LIMIT))
    progress(Loaded(app, merge_records(local, [], limit=LIMIT), final=False))
    audits: list[ServerAudit] = []
    problems: list[str] = []
    with ThreadPoolExecutor(max_workers=min(8, len(servers))) as pool:
        futures = [(sid, pool.submit(read, app)) for sid, read in servers]
        for sid, future in futures:
            try:
                audits.append(future.result())
            except Exception as exc:  # one server's problem is shown, not raised
                problems.append(f"{sid}: {exc}")
    return Loaded(app, merge_records(local, audits, limit=LIMIT), audits, problems)


class HistoryView(QDialog):
    """Non-modal. ``selected_app`` gives the app selected in the main window (or None);
    ``servers`` (called at each reload) the servers whose shared audit to read, with a reader
    each; without it the view shows this computer's history only."""

    def __init__(
        self,
        history: History,
        selected_app: Callable[[], str | None],
        parent: QWidget | None = None,
        servers: Callable[[], Sequence[tuple[str, AuditReader]]] | None = None,
    ) -> None:
        super().__init__(parent)
        self.history = history
        self.selected_app = selected_app
        self.servers = servers
        self._latest = LatestRequest()
        self.loaded = 0  # how many reads have been shown (tests wait on it)
        self.last: Loaded | None = None
        team = servers is not None
        self.setWindowTitle(
            "Deployment history (this computer and the team's servers)"
            if team
            else "Deployment history (this computer)"
        )
        self.resize(1100, 420)
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        self.only_selected = QCheckBox("Only the selected app")
        self.only_selected.toggled.connect(self.reload)
        self.status = QLabel("Loading\u2026")
        self.status.setWordWrap(True)
        self.reload_button = QPushButton("Reload")
        self.reload_button.clicked.connect(self.reload)
        top.addWidget(self.only_selected)
        top.addWidget(self.status, 1)
        top.addWidget(self.reload_button)
        layout.addLayout(top)
        self.problems = QLabel()  # servers not read, unreadable audit lines
        self.problems.setWordWrap(True)
        self.problems.setStyleSheet("color: #ef6c00;")
        self.problems.hide()
        layout.addWidget(self.problems)
        self.model = HistoryModel(self, with_source=team)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setWordWrap(False)
        layout.addWidget(self.table, 1)
        if team:
            text = (
                "Source: <b>this computer</b> = in this computer's history; <b>server (team)</b>"
                " = in a server's shared record (~/.ereg-desktop/audit.jsonl, its last lines), "
                "done from another computer; a run in both is one row."
            )
        else:
            text = (
                "The team's shared record is ~/.ereg-desktop/audit.jsonl on each server; this "
                "list holds what this computer did."
            )
        self.note = QLabel(text)
        self.note.setWordWrap(True)
        self.note.setStyleSheet("color: palette(mid);")
        layout.addWidget(self.note)

    def filter_app(self) -> str | None:
        return self.selected_app() if self.only_selected.isChecked() else None

    def reload(self) -> None:
        app = self.filter_app()
        self.status.setText("Loading\u2026")
        history = self.history
        servers = list(self.servers()) if self.servers is not None else []
        run_task(
            lambda progress: read_all(history, servers, app, progress),
            kind=POLL,  # it reads the servers' audit files
            receiver=self,
            on_result=self._loaded,
            on_progress=self._loaded,
            on_error=lambda exc: self.status.setText(f"Could not read the history: {exc}"),
            latest=self._latest,
        )

    def _loaded(self, loaded: Loaded) -> None:
        self.model.set_records(loaded.records)
        self.table.resizeColumnsToContents()
        where = f" for {loaded.app}" if loaded.app else ""
        text = f"{len(loaded.records)} record(s){where}, newest first"
        if not loaded.final:
            text += " \u00b7 reading the servers\u2019 shared records\u2026"
        elif self.servers is not None:
            others = sum(1 for r in loaded.records if r.get("source") == SOURCE_SERVER)
            read = ", ".join(a.server for a in loaded.audits) or "none"
            text += f", {others} done from other computers (servers read: {read})"
        self.status.setText(text)
        if loaded.final:
            problems = [
                f"{a.server}: {a.skipped} unreadable line(s) of its audit file skipped"
                for a in loaded.audits
                if a.skipped
            ]
            problems += [f"not read: {p}" for p in loaded.problems]
            self.problems.setText("\u26a0 " + " \u00b7 ".join(problems) if problems else "")
            self.problems.setVisible(bool(problems))
            self.last = loaded
            self.loaded += 1
