"""Run a service call off the GUI thread and hand its outcome back on the GUI thread.

A service takes a plain ``progress`` callback and returns or raises; it never sees Qt. Here that
call runs as a :class:`QRunnable` on a thread pool, and its result, error and progress travel back
through a small :class:`QObject` that lives on the GUI thread, by queued connections. A
:class:`LatestRequest` gives each request a token so that an answer overtaken by a newer request
(a status poll, a diff) is dropped instead of overwriting fresher data.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, Signal, Slot

Progress = Callable[[Any], None]


class LatestRequest:
    """Hands out request tokens; only the newest token's outcome is delivered."""

    def __init__(self) -> None:
        self._newest = 0

    def next_token(self) -> int:
        self._newest += 1
        return self._newest

    def is_newest(self, token: int) -> bool:
        return token == self._newest


class Task(QObject):
    """One background call. Lives on the GUI thread; its slots run there.

    It keeps itself alive until the outcome is delivered, so a caller may drop the returned object.
    (Not parented to the pool: the global pool outlives the interpreter, and a Python object
    destroyed by Qt after Python's own shutdown crashes it.) ``cancel()`` drops what is still to come.
    """

    _result = Signal(object)
    _error = Signal(object)
    _progress = Signal(object)

    def __init__(
        self,
        on_result: Callable[[Any], None],
        on_error: Callable[[BaseException], None],
        on_progress: Callable[[Any], None] | None,
        latest: LatestRequest | None,
    ) -> None:
        super().__init__()
        self._keep_alive: Task | None = self
        self._on_result = on_result
        self._on_error = on_error
        self._on_progress = on_progress
        self._latest = latest
        self.token = latest.next_token() if latest is not None else 0
        self.cancelled = False
        self.finished = False
        queued = Qt.ConnectionType.QueuedConnection
        self._result.connect(self._deliver_result, queued)
        self._error.connect(self._deliver_error, queued)
        self._progress.connect(self._deliver_progress, queued)

    def cancel(self) -> None:
        self.cancelled = True

    @property
    def wanted(self) -> bool:
        stale = self._latest is not None and not self._latest.is_newest(self.token)
        return not (self.cancelled or stale)

    # Called on the worker thread: emitting is thread-safe, the slots run on the GUI thread.
    def report_progress(self, value: Any) -> None:
        self._progress.emit(value)

    @Slot(object)
    def _deliver_progress(self, value: Any) -> None:
        if self.wanted and not self.finished and self._on_progress is not None:
            self._on_progress(value)

    @Slot(object)
    def _deliver_result(self, value: Any) -> None:
        self._finish()
        if self.wanted:
            self._on_result(value)

    @Slot(object)
    def _deliver_error(self, error: BaseException) -> None:
        self._finish()
        if self.wanted:
            self._on_error(error)

    def _finish(self) -> None:
        self.finished = True
        self._keep_alive = None


class _TaskRun(QRunnable):
    def __init__(self, fn: Callable[[Progress], Any], task: Task) -> None:
        super().__init__()
        self._fn = fn
        self._task = task

    def run(self) -> None:
        try:
            value = self._fn(self._task.report_progress)
        except Exception as exc:  # every failure goes to on_error, on the GUI thread
            self._task._error.emit(exc)
        else:
            self._task._result.emit(value)


def run_task(
    fn: Callable[[Progress], Any],
    *,
    on_result: Callable[[Any], None],
    on_error: Callable[[BaseException], None],
    on_progress: Callable[[Any], None] | None = None,
    latest: LatestRequest | None = None,
    pool: QThreadPool | None = None,
) -> Task:
    """Start ``fn(progress)`` on the pool; call the ``on_*`` callbacks on the GUI thread.

    Call from the GUI thread. At exit the app waits for the pool (``QThreadPool.waitForDone``).
    """
    pool = pool or QThreadPool.globalInstance()
    task = Task(on_result, on_error, on_progress, latest)
    pool.start(_TaskRun(fn, task))
    return task
