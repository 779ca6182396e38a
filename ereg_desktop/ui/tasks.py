"""Run a service call off the GUI thread and hand its outcome back on the GUI thread.

A service takes a plain ``progress`` callback and returns or raises; it never sees Qt. Here that
call runs as a :class:`QRunnable` on one of three bounded pools, chosen by what the call may wait
for, so that no kind of work starves another (a 2-core laptop gets as many threads as any other):

- ``LONG``: runs that last minutes (an update, following a server job, a restart's verification);
- ``POLL``: short calls that reach a server (status polls, job searches, lock breaks, audit reads).
  Connecting may wait on the operator (the passphrase prompt, up to minutes) while holding that
  server's connection lock, so this pool grows by one thread whenever all of its threads are
  taken: one server's prompt never queues another server's poll;
- ``SHORT``: local disk only (inventory, settings, history, the keyring).

The outcome goes to a slot of an inbox that is a child of ``receiver`` (a QObject: the dialog or
controller that asked). When Qt destroys the receiver (a closed dialog), the inbox goes with it
and nothing is delivered, with no Python list keeping anything alive; the worker only ever touches
its own signal relay, which lives until the worker is done. A :class:`LatestRequest` gives each request a token so that an answer
overtaken by a newer request (a status poll, a diff) is dropped instead of overwriting fresher data.
"""

from __future__ import annotations

import enum
import time
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, QRunnable, Qt, QThreadPool, Signal, Slot

Progress = Callable[[Any], None]


class Kind(enum.Enum):
    LONG = "long"
    POLL = "poll"
    SHORT = "short"


LONG, POLL, SHORT = Kind.LONG, Kind.POLL, Kind.SHORT
LONG_THREADS = 4  # deploys and followed jobs at once; a fifth waits for one to end
POLL_THREADS = 4  # to begin with; grows while every thread waits (see the module's doc)
POLL_MAX_THREADS = 64  # a bound all the same: a few per server of a large inventory
SHORT_THREADS = 2


class WorkerPools:
    """The three pools. One per process (:func:`worker_pools`), built on first use."""

    def __init__(self) -> None:
        self._pools: dict[Kind, QThreadPool] = {}
        for kind, threads in ((LONG, LONG_THREADS), (POLL, POLL_THREADS), (SHORT, SHORT_THREADS)):
            pool = QThreadPool()
            pool.setObjectName(f"ereg-{kind.value}")
            pool.setMaxThreadCount(threads)
            self._pools[kind] = pool

    def pool(self, kind: Kind) -> QThreadPool:
        return self._pools[kind]

    def start(self, kind: Kind, runnable: QRunnable) -> None:
        pool = self._pools[kind]
        if kind is POLL:
            if pool.tryStart(runnable):
                return
            # every POLL thread is taken (connecting, or waiting on a prompt): one more thread,
            # so that this call does not queue behind them
            pool.setMaxThreadCount(min(POLL_MAX_THREADS, pool.maxThreadCount() + 1))
        pool.start(runnable)

    def wait_for_done(self, timeout_ms: int) -> bool:
        """Wait up to ``timeout_ms`` in all for every pool; False if some work still runs (it
        is abandoned: remote calls have their own timeouts)."""
        deadline = time.monotonic() + timeout_ms / 1000
        done = True
        for pool in self._pools.values():
            left = max(0, int((deadline - time.monotonic()) * 1000))
            done = pool.waitForDone(left) and done
        return done


_pools: WorkerPools | None = None


def worker_pools() -> WorkerPools:
    """The process's pools (like Qt's own global pool, which they replace). GUI thread only."""
    global _pools
    if _pools is None:
        _pools = WorkerPools()
    return _pools


def wait_for_workers(timeout_ms: int) -> bool:
    """At exit (and in tests): let the running tasks finish, up to ``timeout_ms`` in all."""
    return _pools is None or _pools.wait_for_done(timeout_ms)


class LatestRequest:
    """Hands out request tokens; only the newest token's outcome is delivered."""

    def __init__(self) -> None:
        self._newest = 0

    def next_token(self) -> int:
        self._newest += 1
        return self._newest

    def is_newest(self, token: int) -> bool:
        return token == self._newest


class _Relay(QObject):
    """The worker's end: it emits here, never on an object Qt may delete meanwhile.

    Owned by the application (a Python-owned QObject would be freed by whichever thread drops it
    last, here the worker's), it asks the GUI thread to delete it once the worker is done.
    """

    outcome = Signal(object)  # (task, what, value)


class _Inbox(QObject):
    """The receiver's end: one per receiver, its child, so Qt deletes it with the receiver (and
    drops what is still queued for it). Long-lived: no object is created or deleted per delivery
    on the GUI thread."""

    NAME = "ereg-task-inbox"

    def __init__(self, receiver: QObject) -> None:
        super().__init__(receiver)
        self.setObjectName(self.NAME)

    @classmethod
    def of(cls, receiver: QObject) -> _Inbox:
        found = receiver.findChild(_Inbox, cls.NAME, Qt.FindChildOption.FindDirectChildrenOnly)
        return found if found is not None else cls(receiver)

    @Slot(object)
    def deliver(self, message: tuple[Task, str, object]) -> None:
        task, what, value = message
        task.deliver(what, value)


class Task:
    """One background call. ``cancel()`` drops what is still to come; GUI thread only."""

    def __init__(
        self,
        on_result: Callable[[Any], None],
        on_error: Callable[[BaseException], None],
        on_progress: Callable[[Any], None] | None,
        latest: LatestRequest | None,
    ) -> None:
        self._on_result = on_result
        self._on_error = on_error
        self._on_progress = on_progress
        self._latest = latest
        self.token = latest.next_token() if latest is not None else 0
        self.cancelled = False
        self.finished = False

    def cancel(self) -> None:
        self.cancelled = True

    @property
    def wanted(self) -> bool:
        stale = self._latest is not None and not self._latest.is_newest(self.token)
        return not (self.cancelled or stale)

    def deliver(self, what: str, value: Any) -> None:
        if what == _PROGRESS:
            if self.wanted and not self.finished and self._on_progress is not None:
                self._on_progress(value)
            return
        self.finished = True
        if self.wanted:
            (self._on_result if what == _RESULT else self._on_error)(value)


_RESULT, _ERROR, _PROGRESS = "result", "error", "progress"


class _TaskRun(QRunnable):
    def __init__(self, fn: Callable[[Progress], Any], task: Task, relay: _Relay) -> None:
        super().__init__()
        self._fn = fn
        self._task = task
        self._relay = relay

    def run(self) -> None:
        task, emit = self._task, self._relay.outcome.emit
        try:
            value = self._fn(lambda step: emit((task, _PROGRESS, step)))
        except Exception as exc:  # every failure goes to on_error, on the GUI thread
            emit((task, _ERROR, exc))
        else:
            emit((task, _RESULT, value))
        finally:
            self._relay.deleteLater()


def run_task(
    fn: Callable[[Progress], Any],
    *,
    receiver: QObject,
    on_result: Callable[[Any], None],
    on_error: Callable[[BaseException], None],
    on_progress: Callable[[Any], None] | None = None,
    latest: LatestRequest | None = None,
    kind: Kind = SHORT,
) -> Task:
    """Start ``fn(progress)`` on the ``kind`` pool; call the ``on_*`` callbacks on the GUI thread
    while ``receiver`` lives (call them slots of the receiver: nothing arrives once it is gone).

    Call from the GUI thread. At exit the app waits for the pools (:func:`wait_for_workers`).
    """
    relay = _Relay(QCoreApplication.instance())
    relay.outcome.connect(_Inbox.of(receiver).deliver, Qt.ConnectionType.QueuedConnection)
    task = Task(on_result, on_error, on_progress, latest)
    worker_pools().start(kind, _TaskRun(fn, task, relay))
    return task
