"""Downtime as the operator sees it: from the app leaving ``online`` to its return.

Every period counts: an app that comes back and crashes again is down again, and the downtime is
the sum of the periods (the last one still running while the app is down).
"""

from __future__ import annotations

import time

from ereg_desktop.services.deploy.events import (
    AppStateChanged,
    DowntimeEnded,
    DowntimeStarted,
    EventSink,
)
from ereg_desktop.services.deploy.verify import ONLINE
from ereg_desktop.services.status import AppStatus


class Downtime:
    """Estimates from pm2 samples: each transition is put midway between the two samples."""

    def __init__(self, emit: EventSink) -> None:
        self.emit = emit
        self.down_at: float | None = None  # start of the latest down period
        self.up_at: float | None = None  # end of the latest down period (None while down)
        self._before_s = 0.0  # the earlier, ended down periods
        self._last_t: float | None = None
        self._last_online: bool | None = None
        self._last_key: tuple[str, int] | None = None
        # (monotonic, restarts) when the app was last seen coming back online; None while down
        self.online_since: tuple[float, int] | None = None

    def went_down_at(self, t: float) -> None:
        """Re-attaching: the app went down at ``t`` (noted by the desktop that detached)."""
        if self.down_at is None:
            self.down_at = t
            self.emit(DowntimeStarted(t))

    def known(self, seconds: float) -> None:
        """The app is up again after a downtime of ``seconds`` that this run could not watch
        (measured from the server's own times): it replaces what the samples guessed."""
        now = time.time()
        self._before_s = 0.0
        self.down_at, self.up_at = now - seconds, now

    def sample(self, status: AppStatus | None, t: float) -> None:
        online = status is not None and status.status == ONLINE
        key = (status.status, status.restarts) if status else ("missing", 0)
        if key != self._last_key:
            self.emit(AppStateChanged(key[0], key[1]))
            self._last_key = key
        mid = t if self._last_t is None else (self._last_t + t) / 2
        if not online and not self.down_now:
            if self.down_at is not None and self.up_at is not None:  # down again
                self._before_s += self.up_at - self.down_at
            self.down_at, self.up_at = mid, None
            self.online_since = None
            self.emit(DowntimeStarted(mid))
        elif online and self.down_now:
            assert status is not None and self.down_at is not None
            self.up_at = mid
            self.online_since = (time.monotonic(), status.restarts)
            self.emit(DowntimeEnded(mid, self._before_s + mid - self.down_at))
        self._last_t, self._last_online = t, online

    @property
    def seconds(self) -> float | None:
        if self.down_at is None:
            return None
        end = self.up_at if self.up_at is not None else time.time()
        return self._before_s + end - self.down_at

    @property
    def down_now(self) -> bool:
        return self.down_at is not None and self.up_at is None
