"""Verify: pm2 shows the app online and not restarting for a settle time, and its URL answers.

The pm2 state is read from ``pm2 jlist`` through a whitelist: only name, status, pid and
``restart_time`` are kept (jlist carries every process's environment: secrets).
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from ereg_desktop.services.deploy.steps import RemoteCommand, Shell
from ereg_desktop.services.status import AppStatus

ONLINE = "online"


class AppProbe(Protocol):
    """Where the workflow reads an app's pm2 state; None when pm2 does not know the app."""

    def app_status(self, app: str) -> AppStatus | None: ...


def jlist_command() -> RemoteCommand:
    return RemoteCommand("pm2 jlist", ("pm2", "jlist"), timeout=30)


def parse_jlist(stdout: str) -> dict[str, AppStatus]:
    """Whitelisted fields of every app. The JSON is the last line that is a list (pm2 may print
    a daemon banner before it)."""
    payload: Any = None
    for line in reversed(stdout.splitlines()):
        s = line.strip()
        if s == "[]" or s.startswith("[{"):
            payload = json.loads(s)
            break
    if payload is None:
        raise ValueError("pm2 jlist printed no process list")
    apps: dict[str, AppStatus] = {}
    for proc in payload:
        env = proc.get("pm2_env") or {}
        name = str(proc.get("name", ""))
        status = str(env.get("status", "unknown"))
        restarts = int(env.get("restart_time") or 0)
        pid = int(proc.get("pid") or 0) or None
        prev = apps.get(name)
        if prev is not None:  # cluster: worst status wins, restarts add up
            status = prev.status if prev.status != ONLINE else status
            restarts += prev.restarts
            pid = prev.pid
        apps[name] = AppStatus(app=name, status=status, pid=pid, restarts=restarts)
    return apps


class Pm2Probe:
    """:class:`AppProbe` over a :class:`Shell`, one ``pm2 jlist`` per call."""

    def __init__(self, shell: Shell) -> None:
        self.shell = shell

    def app_status(self, app: str) -> AppStatus | None:
        res = jlist_command().run(self.shell)
        if res.exit_code != 0:
            return None
        try:
            return parse_jlist(res.stdout).get(app)
        except ValueError:
            return None


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

    ``online_since`` = (``clock()`` time, restart count) when the app was already seen coming
    online (while following the job): the settle time counts from then if nothing restarted.
    """
    end = clock() + deadline_s
    stable_since: float | None = online_since[0] if online_since else None
    restarts: int | None = online_since[1] if online_since else None
    last: AppStatus | None = None
    while True:
        last = probe.app_status(app)
        now = clock()
        if on_sample:
            on_sample(last)
        if last is not None and last.status == ONLINE:
            if restarts is None or last.restarts != restarts or stable_since is None:
                restarts, stable_since = last.restarts, now
            if now - stable_since >= settle_s:
                return Pm2Check(True, ONLINE, last.restarts, f"online, stable for {settle_s:g} s")
        else:
            stable_since = None
        if now >= end:
            status = last.status if last else "not in pm2"
            msg = (
                f"online but restarting (restart count {last.restarts})"
                if last and last.status == ONLINE
                else f"{status} after {deadline_s:g} s"
            )
            return Pm2Check(False, status, last.restarts if last else 0, msg)
        sleep(interval_s)


@dataclass(frozen=True)
class UrlCheck:
    url: str
    ok: bool
    status: int | None
    seconds: float
    message: str


def check_url(url: str, *, timeout_s: float = 10.0, tries_s: float = 10.0) -> UrlCheck:
    """GET the URL from the desktop until it answers (any status below 500) or ``tries_s`` ends.

    A 4xx (a login page, a 401) means the app answers: that is what is checked here.
    """
    end = time.monotonic() + tries_s
    while True:
        t0 = time.monotonic()
        status: int | None = None
        problem = ""
        try:
            req = urllib.request.Request(url, headers={"User-Agent": "ereg-desktop verify"})
            with urllib.request.urlopen(req, timeout=timeout_s) as resp:
                status = int(resp.status)
        except urllib.error.HTTPError as exc:
            status = exc.code
        except (urllib.error.URLError, OSError, ValueError) as exc:
            problem = str(getattr(exc, "reason", exc))
        took = time.monotonic() - t0
        if status is not None and status < 500:
            return UrlCheck(url, True, status, took, f"HTTP {status} in {took * 1000:.0f} ms")
        if time.monotonic() >= end:
            what = f"HTTP {status}" if status is not None else f"no answer ({problem})"
            return UrlCheck(url, False, status, took, f"{what} from {url}")
        time.sleep(0.2)
