"""The window's layout as the operator left it: geometry, toolbar and dock state, column widths,
the groups they collapsed. Kept in ``window-layout.json`` in the config dir (so ``--config-dir``
moves it too), not in QSettings' own place.

The GUI thread never waits on the disk: the file is read on a ``SHORT`` worker started before the
window is built, and applied as soon as it is there (before the first paint when the read is done
by then, which it nearly always is, else when it arrives). It is written atomically on a worker
when the window closes. A damaged file is ignored with a warning in the app's log: the default
layout is used, and the next close writes a good one.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import (
    QByteArray,
    QCoreApplication,
    QEvent,
    QModelIndex,
    QObject,
    Qt,
    QTimer,
    Signal,
)

from ereg_desktop.ui.tasks import SHORT, run_task

if TYPE_CHECKING:
    from ereg_desktop.ui.main_window import MainWindow

LAYOUT_FILE = "window-layout.json"
FORMAT = 1
MAX_BYTES = 256_000  # far beyond a real layout (about 2 KB): anything bigger is not ours
_WIDTHS = range(8, 4001)
_HORIZONTAL = Qt.Orientation.Horizontal
_OPERATOR_INPUT = frozenset({QEvent.Type.MouseButtonPress, QEvent.Type.MouseButtonRelease,
                             QEvent.Type.MouseButtonDblClick, QEvent.Type.KeyPress})  # fmt: skip

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SavedLayout:
    geometry: bytes = b""
    state: bytes = b""
    columns: dict[str, int] = field(default_factory=dict)
    collapsed: frozenset[str] = frozenset()

    def to_bytes(self) -> bytes:
        import base64  # here and below: on the workers, off the start-up path
        import json

        data = {
            "format": FORMAT,
            "geometry": base64.b64encode(self.geometry).decode(),
            "state": base64.b64encode(self.state).decode(),
            "columns": self.columns,
            "collapsed": sorted(self.collapsed),
        }
        return (json.dumps(data, indent=1) + "\n").encode()

    @classmethod
    def from_bytes(cls, raw: bytes) -> SavedLayout:
        """Raises ValueError with what is wrong."""
        import base64
        import json

        if len(raw) > MAX_BYTES:
            raise ValueError(f"{len(raw)} bytes, more than a layout has")
        data = json.loads(raw.decode("utf-8"))
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise ValueError(f"not a layout of format {FORMAT}")
        columns, collapsed = data.get("columns", {}), data.get("collapsed", [])
        if not isinstance(columns, dict) or not all(
            isinstance(k, str) and type(v) is int and v in _WIDTHS for k, v in columns.items()
        ):
            raise ValueError("the column widths are not names and widths in pixels")
        if not isinstance(collapsed, list) or not all(isinstance(c, str) for c in collapsed):
            raise ValueError("the collapsed groups are not a list of names")
        try:
            geometry = base64.b64decode(str(data.get("geometry", "")), validate=True)
            state = base64.b64decode(str(data.get("state", "")), validate=True)
        except ValueError:
            raise ValueError("the geometry or the dock state is not base64") from None
        return cls(geometry, state, dict(columns), frozenset(collapsed))


def read_layout(path: Path) -> SavedLayout | None:
    """On a worker. None when there is none yet, or it is damaged (said in the log)."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        log.warning("window layout %s unreadable (%s): using the default layout", path, exc)
        return None
    try:
        return SavedLayout.from_bytes(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        log.warning("window layout %s ignored (%s): using the default layout", path, exc)
        return None


def write_layout(path: Path, layout: SavedLayout) -> None:
    from ereg_desktop.store.atomic import atomic_write

    atomic_write(path, layout.to_bytes(), mode=0o644)


class PendingLayout(QObject):
    """The read, started before the window exists. ``done`` and ``layout`` are set by the worker
    (the GUI thread only looks, never waits); ``arrived`` fires on the GUI thread."""

    arrived = Signal(object)

    def __init__(self, path: Path) -> None:
        super().__init__(QCoreApplication.instance())
        self.path = path
        self.layout: SavedLayout | None = None
        self.done = False
        run_task(self._read, receiver=self, kind=SHORT,
                 on_result=self.arrived.emit, on_error=self._failed)  # fmt: skip

    def _read(self, _progress: object) -> SavedLayout | None:
        layout = read_layout(self.path)
        self.layout = layout
        self.done = True
        return layout

    def _failed(self, exc: BaseException) -> None:
        log.warning("window layout %s not read (%s): using the default layout", self.path, exc)
        self.done = True
        self.arrived.emit(None)


class WindowLayout(QObject):
    """Applies the saved layout to ``window`` and saves it again when the window closes."""

    saved = Signal()  # the file is written (tests)

    def __init__(self, window: MainWindow, pending: PendingLayout) -> None:
        super().__init__(window)
        self.window = window
        self.path = pending.path
        self.applied = False
        self.collapsed: set[str] = set()
        self._pending = pending
        self._by_operator = False  # the tree is handling the operator's click or key
        tree, model = window.tree, window.filter_model
        # the window's expandAll emits `expanded` too: an expansion is the operator's only while
        # the tree handles their input
        tree.installEventFilter(self)
        tree.viewport().installEventFilter(self)
        tree.collapsed.connect(lambda index: self._tracked(index, collapsed=True))
        tree.expanded.connect(lambda index: self._tracked(index, collapsed=False))
        # after the window's own expandAll (connected first): the operator's collapsed groups
        # stay collapsed when rows come and go, and open while a filter is typed
        for signal in (model.rowsInserted, model.modelReset, model.layoutChanged):
            signal.connect(self._collapse_again)
        window.filter_box.textChanged.connect(self._collapse_again)
        window.inventory_reloaded.connect(self._collapse_again)  # after its own expandAll
        window.installEventFilter(self)
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self._quitting)
        if pending.done:  # read while the window was built: applied before it is shown
            self.apply(pending.layout)
        else:
            pending.arrived.connect(self.apply)

    # --- restoring ---------------------------------------------------------------------------

    def apply(self, layout: SavedLayout | None) -> None:
        if self.applied:
            return
        self.applied = True
        if layout is None:
            return
        w = self.window
        if layout.geometry and not w.restoreGeometry(QByteArray(layout.geometry)):
            log.warning("window layout %s: the geometry was not usable", self.path)
        if layout.state and not w.restoreState(QByteArray(layout.state)):
            log.warning("window layout %s: the toolbar and dock state was not usable", self.path)
        header = w.tree.header()
        model = w.tree.model()
        for column in range(model.columnCount()):
            width = layout.columns.get(str(model.headerData(column, _HORIZONTAL)))
            if width is not None:
                header.resizeSection(column, width)
        self.collapsed = set(layout.collapsed)
        self._collapse_again()

    def _collapse_again(self, *_: object) -> None:
        w = self.window
        if not self.collapsed or w.filter_box.text().strip():
            return
        model = w.tree.model()
        for row in range(model.rowCount()):
            index = model.index(row, 0)
            if index.data() in self.collapsed and w.tree.isExpanded(index):
                w.tree.collapse(index)

    def _tracked(self, index: object, *, collapsed: bool) -> None:
        if not isinstance(index, QModelIndex) or index.parent().isValid():
            return  # only the groups (Production, Development, Other processes)
        if self.window.filter_box.text().strip():
            return  # opened or closed while filtering: not the operator's layout
        if not collapsed and not self._by_operator:
            return  # the window opening every group (a reload, new rows)
        name = str(index.data())
        if collapsed:
            self.collapsed.add(name)
        else:
            self.collapsed.discard(name)

    # --- saving ------------------------------------------------------------------------------

    def current(self) -> SavedLayout:
        w = self.window
        model, header = w.tree.model(), w.tree.header()
        columns = {str(model.headerData(c, _HORIZONTAL)): header.sectionSize(c)
                   for c in range(model.columnCount())}  # fmt: skip
        return SavedLayout(
            bytes(w.saveGeometry().data()),
            bytes(w.saveState().data()),
            {name: width for name, width in columns.items() if width in _WIDTHS},
            frozenset(self.collapsed),
        )

    def save(self) -> None:
        """Take the layout now (GUI thread) and write it on a worker."""
        path, layout = self.path, self.current()
        run_task(lambda _p: write_layout(path, layout), receiver=self, kind=SHORT,
                 on_result=lambda _v: self.saved.emit(), on_error=self._not_saved)  # fmt: skip

    def _not_saved(self, exc: BaseException) -> None:
        log.warning("window layout %s not saved: %s", self.path, exc)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if watched is self.window:
            if kind == QEvent.Type.Close:
                self.save()
        elif kind in _OPERATOR_INPUT and not self._by_operator:
            self._by_operator = True
            QTimer.singleShot(0, self._input_handled)
        return False

    def _input_handled(self) -> None:
        self._by_operator = False

    def _quitting(self) -> None:
        if self.window.isVisible():  # quit without closing the window (a logout, a signal)
            self.save()
