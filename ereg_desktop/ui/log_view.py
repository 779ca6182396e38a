"""The details pane's Logs tab: the last lines of the selected app's out and error logs (read on
a worker, never ``pm2 logs``), followed live from the server's agent when it runs, else with
``tail -F`` on a LONG worker; searched, copied, scrolled along while the operator stays at the end.
The lines and the search are :class:`~ereg_desktop.presenters.log_lines.LogLines`."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, Protocol

from PySide6.QtCore import (
    QAbstractListModel,
    QCoreApplication,
    QModelIndex,
    QPersistentModelIndex,
    QRect,
    Qt,
    QTimer,
)
from PySide6.QtGui import QColor, QFontDatabase, QGuiApplication, QKeySequence, QPainter, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QPushButton,
    QSpinBox,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)

from ereg_desktop.presenters.log_lines import Line, LogLines
from ereg_desktop.services.app_logs import MAX_LINES, LogLine, LogRead
from ereg_desktop.services.pm2_events import LogLine as AgentLogLine
from ereg_desktop.services.pm2_events import ModeChanged
from ereg_desktop.services.pm2_parse import LogPaths
from ereg_desktop.services.shown_text import printable
from ereg_desktop.ui.tasks import LONG, POLL, LatestRequest, run_task

DEFAULT_SHOWN = 200
LINE_ROLE = Qt.ItemDataRole.UserRole + 1
FLUSH_MS = 100  # followed lines are shown in batches at most this often
ERR_COLOUR = QColor(190, 30, 30)
MATCH_COLOUR = QColor(255, 225, 80)
Index = QModelIndex | QPersistentModelIndex


class AgentLike(Protocol):
    @property
    def live(self) -> bool: ...
    def follow(self, app: str) -> None: ...
    def unfollow(self, app: str) -> None: ...


class LogSource(Protocol):
    """Where the lines come from; every method runs on a worker."""

    def read(self, server_id: str, app: str, n: int) -> LogRead: ...
    def paths(self, server_id: str, app: str) -> LogPaths: ...
    def follow(self, server_id: str, paths: LogPaths, on_line: Callable[[LogLine], None],
               stop: threading.Event) -> None: ...  # fmt: skip
    def agent(self, server_id: str) -> AgentLike | None: ...


class LogModel(QAbstractListModel):
    """The shown lines; kept in step with the presenter by :meth:`sync` and :meth:`reset`."""

    def __init__(self, lines: LogLines, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.lines = lines
        self.rows: list[Line] = []

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.rows)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.rows):
            return None
        line = self.rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return line.text
        if role == LINE_ROLE:
            return line
        if role == Qt.ItemDataRole.ToolTipRole and len(line.text) > 120:
            return "\n".join(line.text[i : i + 120] for i in range(0, len(line.text), 120))
        return None

    def reset(self) -> None:
        self.beginResetModel()
        self.rows = list(self.lines.shown)
        self.endResetModel()

    def sync(self, removed: int, added: int) -> None:
        if removed:
            self.beginRemoveRows(QModelIndex(), 0, removed - 1)
            del self.rows[:removed]
            self.endRemoveRows()
        if added:
            start = len(self.rows)
            self.beginInsertRows(QModelIndex(), start, start + added - 1)
            self.rows.extend(self.lines.shown[-added:])
            self.endInsertRows()


class LineDelegate(QStyledItemDelegate):
    """A line: "err" in the gutter and in red for the error log, the search's matches marked."""

    def __init__(self, lines: LogLines, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.lines = lines

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        line = index.data(LINE_ROLE)
        if not isinstance(line, Line):
            return
        painter.save()
        rect: QRect = option.rect
        palette = option.palette
        fm = option.fontMetrics
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        if selected:
            painter.fillRect(rect, palette.highlight())
        gutter = fm.horizontalAdvance("err ")
        left = rect.left() + 4
        if line.is_err:
            painter.setPen(ERR_COLOUR if not selected else palette.highlightedText().color())
            painter.drawText(QRect(left, rect.top(), gutter, rect.height()),
                             Qt.AlignmentFlag.AlignVCenter, "err")  # fmt: skip
        x = left + gutter
        width = max(0, rect.right() - x)
        text = fm.elidedText(line.text, Qt.TextElideMode.ElideRight, width)
        visible = len(text) if text == line.text else max(0, len(text) - 1)
        for start, end in self.lines.spans(line.text):
            if start >= visible:
                break
            x0 = x + fm.horizontalAdvance(text[:start])
            w = fm.horizontalAdvance(text[start : min(end, visible)])
            painter.fillRect(QRect(x0, rect.top() + 1, w, rect.height() - 2), MATCH_COLOUR)
        if selected:
            painter.setPen(palette.highlightedText().color())
        else:
            painter.setPen(ERR_COLOUR if line.is_err else palette.text().color())
        painter.drawText(QRect(x, rect.top(), width, rect.height()),
                         Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft, text)  # fmt: skip
        painter.restore()


class LogView(QWidget):
    def __init__(self, source: LogSource, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.source = source
        self.lines = LogLines()
        self.model = LogModel(self.lines, self)
        self.server_id = self.app = ""
        self.mode = ""  # while following: "agent" or "tail"
        self.problem = ""
        self.stale = False  # the app changed while the tab was hidden: read when shown
        self._latest = LatestRequest()
        self._paths: LogPaths | None = None
        self._agent: AgentLike | None = None
        self._stop: threading.Event | None = None  # the tail follow's
        self._follow_gen = 0
        self._incoming: list[tuple[str, str]] = []
        self._stick = True  # scroll along with new lines while at the end

        self.source_label = QLabel("Select an app in the tree to see its logs.")
        self.source_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.count_box = QSpinBox()
        self.count_box.setRange(10, MAX_LINES)
        self.count_box.setSingleStep(100)
        self.count_box.setValue(DEFAULT_SHOWN)
        self.count_box.setPrefix("Last ")
        self.count_box.setSuffix(" lines")
        self.count_box.setToolTip("How many of the newest lines of each log to read")
        self.reload_button = QPushButton("Reload")
        self.reload_button.clicked.connect(self.reload)
        self.follow_button = QPushButton("Follow")
        self.follow_button.setCheckable(True)
        self.follow_button.setToolTip("Add new lines as the app writes them")
        self.follow_button.toggled.connect(self.set_following)
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search the lines")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self._search_changed)
        self.copy_button = QPushButton("Copy")
        self.copy_button.setToolTip("Copy the selected lines, or every shown line")
        self.copy_button.clicked.connect(self.copy)
        self.status = QLabel("")
        row = QHBoxLayout()
        for w in (self.count_box, self.reload_button, self.follow_button):
            row.addWidget(w)
        row.addWidget(self.search, 1)
        row.addWidget(self.copy_button)

        self.view = QListView()
        self.view.setModel(self.model)
        self.view.setUniformItemSizes(True)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.view.setItemDelegate(LineDelegate(self.lines, self.view))
        self.view.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.view.verticalScrollBar().valueChanged.connect(self._scrolled)
        QShortcut(QKeySequence.StandardKey.Copy, self.view, self.copy)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addLayout(row)
        layout.addWidget(self.source_label)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.status)

        self._flush_timer = QTimer(self)
        self._flush_timer.setSingleShot(True)
        self._flush_timer.setInterval(FLUSH_MS)
        self._flush_timer.timeout.connect(self._flush)
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.stop_following)
        self._set_enabled(False)

    # --- the app --------------------------------------------------------------------------

    def show_app(self, server_id: str, app: str) -> None:
        if (server_id, app) == (self.server_id, self.app):
            return
        self.stop_following()
        self.server_id, self.app, self._paths = server_id, app, None
        self.lines.clear()
        self.model.reset()
        self.problem = ""
        self._set_enabled(bool(app))
        self.source_label.setText(f"<b>{app}</b> on {server_id}" if app else
                                  "Select an app in the tree to see its logs.")  # fmt: skip
        self.status.setText("")
        self.stale = bool(app)
        if app and self.isVisible():
            self.reload()

    def clear(self) -> None:
        self.show_app("", "")

    def _set_enabled(self, on: bool) -> None:
        for w in (self.count_box, self.reload_button, self.follow_button, self.copy_button):
            w.setEnabled(on)

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        if self.stale and self.app:
            self.reload()

    # --- reading --------------------------------------------------------------------------

    def reload(self) -> None:
        if not self.app:
            return
        self.stale = False
        source, server_id, app, n = self.source, self.server_id, self.app, self.count_box.value()
        self.status.setText(f"Reading the last {n} lines of {app}\u2019s logs\u2026")
        run_task(lambda _p: source.read(server_id, app, n), receiver=self, on_result=self._read,
                 on_error=self._read_failed, latest=self._latest, kind=POLL)  # fmt: skip

    def _read(self, read: LogRead) -> None:
        self.problem = ""
        self._paths = read.paths
        self.lines.replace(read)
        self.model.reset()
        where = []
        for name, path in (("out", read.paths.out), ("err", read.paths.err)):
            if path:
                gone = " (not there)" if name in read.missing else ""
                where.append(f"{name}: {printable(path)}{gone}")
        self.source_label.setText(f"<b>{self.app}</b> on {self.server_id} \u2014 " +
                                  " \u00b7 ".join(where))  # fmt: skip
        self._stick = True
        self.view.scrollToBottom()
        self._show_status()

    def _read_failed(self, exc: BaseException) -> None:
        self.problem = f"The logs could not be read: {printable(str(exc))}"
        self._show_status()

    def _show_status(self) -> None:
        parts = [self.lines.summary()]
        if self.mode:
            parts.append("following (agent)" if self.mode == "agent" else "following (tail -F)")
        if self.problem:
            parts.append(self.problem)
        self.status.setText(" \u2014 ".join(parts))

    # --- following ------------------------------------------------------------------------

    def set_following(self, on: bool) -> None:
        if on and not self.mode and self.app:
            self._start_following()
        elif not on:
            self.stop_following()

    def _start_following(self) -> None:
        self._follow_gen += 1
        gen, source, server_id, app = self._follow_gen, self.source, self.server_id, self.app
        self.mode = "starting"

        def choose(_p: object) -> AgentLike | None:
            agent = source.agent(server_id)
            if agent is not None and agent.live:
                agent.follow(app)
                return agent
            return None

        run_task(choose, receiver=self, on_result=lambda a: self._chosen(gen, app, a),
                 on_error=lambda e: self._follow_failed(gen, e), kind=POLL)  # fmt: skip

    def _chosen(self, gen: int, app: str, agent: AgentLike | None) -> None:
        if gen != self._follow_gen:  # stopped (or another app) meanwhile
            if agent is not None:
                run_task(lambda _p: agent.unfollow(app), receiver=self,
                         on_result=lambda _r: None, on_error=lambda _e: None, kind=POLL)  # fmt: skip
            return
        if agent is not None:
            self._agent, self.mode = agent, "agent"
            self._show_status()
        else:
            self._start_tail(gen)

    def _start_tail(self, gen: int) -> None:
        source, server_id, app, known = self.source, self.server_id, self.app, self._paths
        stop = self._stop = threading.Event()
        self.mode = "tail"
        self._show_status()

        def work(progress: Callable[[object], None]) -> None:
            paths = known or source.paths(server_id, app)
            source.follow(server_id, paths, progress, stop)

        run_task(work, receiver=self, on_progress=self._tail_line,
                 on_result=lambda _r: self._tail_ended(gen, stop, None),
                 on_error=lambda e: self._tail_ended(gen, stop, e), kind=LONG)  # fmt: skip

    def _tail_line(self, line: object) -> None:
        if isinstance(line, LogLine) and self.mode == "tail":
            self._queue(line.stream, line.text)

    def _tail_ended(self, gen: int, stop: threading.Event, exc: BaseException | None) -> None:
        if gen != self._follow_gen or stop.is_set():
            return
        why = printable(str(exc)) if exc is not None else "the connection ended"
        self.problem = f"Following stopped: {why}"
        self.stop_following()

    def _follow_failed(self, gen: int, exc: BaseException) -> None:
        if gen == self._follow_gen:
            self.problem = f"Following did not start: {printable(str(exc))}"
            self.stop_following()

    def agent_event(self, event: object) -> None:
        """An agent's event (on the GUI thread): a line of the followed app, or the agent gone."""
        if isinstance(event, AgentLogLine):
            if self.mode == "agent" and (event.server_id, event.app) == (self.server_id, self.app):
                self._queue(event.stream, event.line)
        elif isinstance(event, ModeChanged) and event.server_id == self.server_id:
            if self.mode == "agent" and event.mode != "agent":
                self._agent = None
                self._start_tail(self._follow_gen)  # the agent went away: tail -F instead

    def stop_following(self) -> None:
        """Toggle off, another app, the window closing: the agent unfollows, the tail ends."""
        self._follow_gen += 1
        if self._stop is not None:
            self._stop.set()
            self._stop = None
        agent, app = self._agent, self.app
        self._agent = None
        if agent is not None:
            run_task(lambda _p: agent.unfollow(app), receiver=self, on_result=lambda _r: None,
                     on_error=lambda _e: None, kind=POLL)  # fmt: skip
        self._flush()
        self.mode = ""
        if self.follow_button.isChecked():
            self.follow_button.blockSignals(True)
            self.follow_button.setChecked(False)
            self.follow_button.blockSignals(False)
        self._show_status()

    def _queue(self, stream: str, text: str) -> None:
        self._incoming.append((stream, text))
        if not self._flush_timer.isActive():
            self._flush_timer.start()

    def _flush(self) -> None:
        incoming, self._incoming = self._incoming, []
        if not incoming:
            return
        stick = self._stick
        change = self.lines.add(incoming)
        self.model.sync(change.removed, change.added)
        if stick:
            self.view.scrollToBottom()
        self._show_status()

    def _scrolled(self, value: int) -> None:
        self._stick = value >= self.view.verticalScrollBar().maximum() - 1

    # --- search and copy ------------------------------------------------------------------

    def _search_changed(self, text: str) -> None:
        self.lines.set_query(text)
        self.model.reset()
        self.view.viewport().update()
        if self._stick:
            self.view.scrollToBottom()
        self._show_status()

    def copy(self) -> str:
        rows = [i.row() for i in self.view.selectionModel().selectedRows()]
        text = self.lines.copy_text(rows)
        QGuiApplication.clipboard().setText(text)
        return text
