"""Verify: pm2 shows the app online and not restarting for a settle time, and its URL answers
(:func:`..health.check_url`, asked again for a while, on its own thread).

The pm2 state is read from ``pm2 jlist`` through a whitelist: only name, status, pid and
``restart_time`` are kept (jlist carries every process's environment: secrets).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from ereg_desktop.errors import ConnectionProblem, OperationFailed
from ereg_desktop.services.deploy.steps import Shell
from ereg_desktop.services.pm2_parse import Pm2OutputError
from ereg_desktop.services.pm2_read import JLIST, parse_reading
from ereg_desktop.services.status import AppStatus

ONLINE = "online"


UNKNOWN = "unknown"  # pm2 could not be read: neither up nor down
URL_TIMEOUT_S = 10.0  # each GET of the deployment's URL (asked again for url_tries_s)


class Pm2Unavailable(OperationFailed):
    """``pm2 jlist`` failed or said something unreadable: the app's state is unknown (which is
    not the same as "not in pm2")."""


class AppProbe(Protocol):
    """Where the workflow reads an app's pm2 state; None when pm2 does not know the app.
    Raises :class:`Pm2Unavailable` when pm2 could not be asked (the state is unknown)."""

    def app_status(self, app: str) -> AppStatus | None: ...


class Pm2Probe:
    """:class:`AppProbe` over a :class:`Shell`, one read of pm2 per call (:mod:`..pm2_read`:
    the one jlist path, with the server's clock)."""

    def __init__(self, shell: Shell, server_id: str = "server") -> None:
        self.shell = shell
        self.server_id = server_id

    def app_status(self, app: str) -> AppStatus | None:
        res = JLIST.run(self.shell)
        if res.exit_code == -1:  # no exit status: the session was cut, pm2 was not asked
            raise ConnectionProblem("pm2 jlist: the connection dropped")
        if res.exit_code != 0:
            tail = (res.stderr.strip().splitlines() or [""])[-1][:200]
            raise Pm2Unavailable(f"pm2 jlist failed (exit {res.exit_code}) {tail}".strip())
        try:
            return parse_reading(res.stdout, self.server_id, time.time()).apps.get(app)
        except Pm2OutputError as exc:
            raise Pm2Unavailable(f"pm2 jlist said something unreadable: {exc}") from None


@dataclass(frozen=True)
class Pm2Check:
    ok: bool
    status: str
    restarts: int
    message: str


def wait_stable(
    probe: AppProbe,
    app: str,
    *,
    settle_s: float,
    deadline_s: float,
    interval_s: float = 0.25,
    on_sample: Callable[[AppStatus | None], None] | None = None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
    online_since: tuple[float, int] | None = None,
) -> Pm2Check:
    """Online with an unchanged restart count for ``settle_s``, within ``deadline_s``.

    pm2's own start time counts: a sample with ``uptime_s`` (from ``pm_uptime``, which every
    restart resets) has been online that long already, so a process started during the job is
    not waited for a second time. ``online_since`` = (``clock()`` time, restart count) when the
    app was already seen coming online; without either, the settle time counts from the first
    online sample. With both, the later start wins (a sighting of an older process must not
    shorten the wait for a newer one). A read of pm2 that fails is no verdict either way.
    """
    end = clock() + deadline_s
    # seen_since: when this run saw the app (the same process) come online, if it did
    seen_since: float | None = online_since[0] if online_since else None
    restarts: int | None = online_since[1] if online_since else None
    last: AppStatus | None = None
    unknown = ""  # why the last read of pm2 failed, while it keeps failing
    while True:
        try:
            last = probe.app_status(app)
            unknown = ""
        except (Pm2Unavailable, ConnectionProblem) as exc:
            # neither up nor down: no verdict from this read (a lost connection is made again
            # by the next read; the deadline bounds how long)
            unknown = str(exc)
        now = clock()
        wait = interval_s
        if unknown:
            pass
        elif last is not None and last.status == ONLINE:
            if on_sample:
                on_sample(last)
            if restarts is None or last.restarts != restarts:
                restarts, seen_since = last.restarts, None
            if last.uptime_s is not None:
                # pm2's start time (reset by every restart) is the truth about this process;
                # an earlier sighting is of an older process: the later start wins
                started = now - last.uptime_s
                stable_since = started if seen_since is None else max(seen_since, started)
            else:
                if seen_since is None:
                    seen_since = now
                stable_since = seen_since
            if now - stable_since >= settle_s:
                return Pm2Check(True, ONLINE, last.restarts, f"online, stable for {settle_s:g} s")
            # Straight to the end of the settle time: a restart meanwhile shows in that sample
            # (a new restart count, a shorter uptime), so sampling in between adds nothing.
            wait = settle_s - (now - stable_since)
        else:
            if on_sample:
                on_sample(last)
            seen_since, restarts = None, None
        if now >= end:
            if unknown:
                return Pm2Check(False, UNKNOWN, last.restarts if last else 0,
                                f"pm2's state unknown after {deadline_s:g} s: {unknown}")  # fmt: skip
            status = last.status if last else "not in pm2"
            msg = (
                f"online but restarting (restart count {last.restarts})"
                if last and last.status == ONLINE
                else f"{status} after {deadline_s:g} s"
            )
            return Pm2Check(False, status, last.restarts if last else 0, msg)
        sleep(max(0.01, wait))


class UrlCheckInBackground:
    """Runs a URL check on its own thread, beside the pm2 settle wait (both only wait)."""

    def __init__(self, check: Callable[[], Any]) -> None:
        self._check = check
        self._result: Any = None
        self._done = False
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="verify-url", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            self._result = self._check()
            self._done = True
        except BaseException as exc:  # handed to the caller of result()
            self._error = exc

    def result(self) -> Any:
        """The checker's answer (a :class:`..health.Health` for :func:`..health.check_url`),
        once it is done."""
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._result
