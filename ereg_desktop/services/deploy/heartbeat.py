"""The heartbeat of a held lock: while a run holds an app's lock and no server job holds it
(preflight, inspect, a question to the operator, the translation review, the wait for a merge),
a daemon thread renews it, so a live run keeps its lock however long it waits and a dead
desktop's lock still goes stale."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from ereg_desktop.errors import EregError
from ereg_desktop.services.deploy.lock import LockHeld

log = logging.getLogger(__name__)


class LockHeartbeat:
    """Calls ``renew`` every ``every_s`` seconds until :meth:`stop`.

    A renewal refused with :class:`LockHeld` means someone broke the lock and another holds it
    now: the heartbeat stops and :attr:`broken` says who; the run must stop before the point of no
    return. Any other failure (the connection) is counted and tried again at the next beat.
    """

    def __init__(self, renew: Callable[[], object], every_s: float, app: str) -> None:
        self._renew = renew
        self._every_s = max(0.01, every_s)
        self._app = app
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._broken: LockHeld | None = None
        self._failures = 0
        self._last_problem = ""
        self.renewals = 0
        self._thread = threading.Thread(target=self._beat, name=f"lock-heartbeat-{app}",
                                        daemon=True)  # fmt: skip

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Stop renewing; returns once a renewal in flight has ended (so nothing rewrites the
        lock after this, e.g. while a server job is bound to it)."""
        self._stop.set()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(timeout=60)

    @property
    def broken(self) -> LockHeld | None:
        with self._lock:
            return self._broken

    @property
    def problem(self) -> str:
        """A note for the run's record when renewals failed (empty when none did)."""
        with self._lock:
            if not self._failures:
                return ""
            times = "once" if self._failures == 1 else f"{self._failures} times"
            return f"renewing the lock failed {times} (last: {self._last_problem})"

    def _beat(self) -> None:
        while not self._stop.wait(self._every_s):
            try:
                self._renew()
                self.renewals += 1
            except LockHeld as held:
                with self._lock:
                    self._broken = held
                log.info("lock of %s broken while held: %s", self._app, held)
                return
            except EregError as exc:
                with self._lock:
                    self._failures += 1
                    self._last_problem = str(exc)
                log.info("renewing the lock of %s failed: %s", self._app, exc)
