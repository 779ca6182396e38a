"""``pm2 jlist`` output to :class:`AppStatus` rows, through a whitelist of fields.

Every process entry of jlist holds the app's whole environment (twice), inactive ``env_*``
blocks, script arguments and possibly a credentialed git URL. So the raw JSON is parsed here,
only the whitelisted fields are copied out, and nothing else of it leaves this module: no
attribute, log line, exception message or return value holds a part of the raw output (an
error says its size only).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ereg_desktop.errors import OperationFailed
from ereg_desktop.services.shown_text import printable
from ereg_desktop.services.status import AppStatus

SPAWN_MARK = "Spawning PM2 daemon"


class Pm2OutputError(OperationFailed):
    """pm2 printed something that is not a process list. Holds no part of the output."""

    def __init__(self, server_id: str, size: int, why: str) -> None:
        self.server_id = server_id
        self.size = size
        super().__init__(
            f"pm2 on {server_id} did not print a process list ({why}; {size} bytes of output "
            "not shown, it may hold secrets). Is pm2 installed for that account?"
        )


@dataclass(frozen=True)
class Pm2Snapshot:
    apps: Mapping[str, AppStatus]
    daemon_spawned: bool  # our call started the daemon: it was not running before


def parse_jlist(stdout: str, server_id: str, now: float) -> Pm2Snapshot:
    """Parse ``pm2 jlist`` stdout; ``now`` is time.time() at the poll (for uptimes).

    Raises :class:`Pm2OutputError` and nothing else, whatever the server printed. The error is
    raised outside every ``except`` block: a JSON error keeps the whole document it failed on
    (``JSONDecodeError.doc``), so it must not be the error's ``__context__``."""
    why = ""
    try:
        return _parse(stdout, now)
    except _Unreadable as exc:
        why = str(exc)
    except (ValueError, RecursionError):  # broken JSON, a number past Python's digit limit
        why = "the list is not valid JSON"
    raise Pm2OutputError(server_id, len(stdout), why)


class _Unreadable(Exception):
    """Internal: why the output is not a process list (its words only, no part of it)."""


def _parse(stdout: str, now: float) -> Pm2Snapshot:
    spawned = SPAWN_MARK in stdout
    line = _json_line(stdout)
    if line is None:
        raise _Unreadable("no JSON list line")
    return _fold(json.loads(line), now, spawned)


def parse_processes(processes: object, server_id: str, now: float) -> Pm2Snapshot:
    """The same whitelist over an already-decoded list of jlist-shaped entries (the agent's
    snapshot). Raises :class:`Pm2OutputError` and nothing else."""
    why = ""
    try:
        return _fold(processes, now, False)
    except _Unreadable as exc:
        why = str(exc)
    raise Pm2OutputError(server_id, 0, why)


def _fold(processes: object, now: float, spawned: bool) -> Pm2Snapshot:
    if not isinstance(processes, list):
        raise _Unreadable("not a list")
    apps: dict[str, _Fold] = {}
    for proc in processes:
        # an entry that names no app may be the very app asked about: the list is unreadable,
        # not the app "missing"
        name = proc.get("name") if isinstance(proc, dict) else None
        if not isinstance(name, str) or not name:
            raise _Unreadable("an entry of the list is not a named process")
        # a name that is no app name cannot be in the inventory: shown safely, matched by none
        name = printable(name[:_MAX_NAME])
        fold = apps.get(name)
        if fold is None:
            fold = apps[name] = _Fold(name)
        fold.add(proc, now if math.isfinite(now) else 0.0)
    del processes  # the raw dicts end here
    return Pm2Snapshot({name: fold.result() for name, fold in apps.items()}, spawned)


def _json_line(stdout: str) -> str | None:
    """The last stdout line that starts with ``[{`` or equals ``[]``.

    Daemon spawn messages start with ``[PM2]``, so "the first line starting with [" is wrong;
    the out-of-date warning can come after the JSON.
    """
    for raw in reversed(stdout.splitlines()):
        line = raw.strip()
        if line.startswith("[{") or line == "[]":
            return line
    return None


# pids, byte counts and restart counts beyond this are not figures pm2 could have printed
_MAX_INT = 2**63 - 1
_MAX_NAME = 200
_MAX_CPU = 1e6  # percent of one core, summed over instances: far beyond any machine


def _int(value: Any) -> int | None:
    """A whole number pm2 could have meant; None for anything else (bool, NaN, 1e999, text, a
    400-digit number)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, float):
        if not math.isfinite(value) or abs(value) > _MAX_INT:
            return None
        value = int(value)
    if isinstance(value, int) and -_MAX_INT <= value <= _MAX_INT:
        return value
    return None


def _float(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if isinstance(value, int) and abs(value) > _MAX_INT:
        return None  # float() of a 400-digit int raises OverflowError
    f = float(value)
    return f if math.isfinite(f) else None


_STATUS_RANK = {"online": 0, "errored": 1, "launching": 2, "waiting restart": 3, "stopping": 4}


class _Fold:
    """All instances of one app name, folded into one row as they are read."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.statuses: list[str] = []
        self.pid: int | None = None
        self.pid_online = False
        self.restarts = 0
        self.unstable = 0
        self.uptime: float | None = None
        self.memory = 0
        self.cpu = 0.0
        self.exec_mode = "fork"
        self.exit_code: int | None = None

    def add(self, proc: dict[str, Any], now: float) -> None:
        env = proc.get("pm2_env")
        env = env if isinstance(env, dict) else {}
        monit = proc.get("monit")
        monit = monit if isinstance(monit, dict) else {}
        status = env.get("status")
        status = status if isinstance(status, str) and status else "unknown"
        self.statuses.append(printable(status[:40]))
        pid = _int(proc.get("pid"))
        if pid is not None and pid > 0:
            if status == "online" and not self.pid_online:
                self.pid, self.pid_online = pid, True
            elif self.pid is None:
                self.pid = pid
        self.restarts = max(self.restarts, _int(env.get("restart_time")) or 0)
        self.unstable = max(self.unstable, _int(env.get("unstable_restarts")) or 0)
        self.memory = min(_MAX_INT, self.memory + max(0, _int(monit.get("memory")) or 0))
        self.cpu = min(_MAX_CPU, self.cpu + max(0.0, _float(monit.get("cpu")) or 0.0))
        mode = env.get("exec_mode")
        if isinstance(mode, str):
            self.exec_mode = printable(mode.removesuffix("_mode")[:20])
        exit_code = _int(env.get("exit_code"))
        if exit_code is not None:
            self.exit_code = exit_code
        started_ms = _float(env.get("pm_uptime"))
        if status == "online" and started_ms is not None:
            # only while online: pm_uptime is stale for stopped/errored processes
            up = max(0.0, now - started_ms / 1000.0)
            self.uptime = up if self.uptime is None else min(self.uptime, up)

    def result(self) -> AppStatus:
        if "online" in self.statuses:
            status = "online"
        else:
            status = min(self.statuses, key=lambda s: _STATUS_RANK.get(s, 9))
        return AppStatus(
            app=self.name,
            status=status,
            pid=self.pid,
            restarts=self.restarts,
            unstable_restarts=self.unstable,
            uptime_s=self.uptime,
            memory_bytes=self.memory,
            cpu_percent=round(self.cpu, 1),
            instances=len(self.statuses),
            exec_mode=self.exec_mode,
            exit_code=self.exit_code,
        )


@dataclass(frozen=True)
class LogPaths:
    """Where pm2 writes one app's output and errors (``pm2_env.pm_out_log_path`` and
    ``pm_err_log_path``); None where jlist gave no usable path."""

    out: str | None
    err: str | None


_MAX_PATH = 4096


def log_path(value: Any) -> str | None:
    """A path pm2 could have written a log to: absolute, at most 4096 characters, every
    character printable (no newline, NUL or escape that would garble a command or a screen)."""
    if not isinstance(value, str) or not value.startswith("/") or len(value) > _MAX_PATH:
        return None
    if not value.isprintable() or value.strip() != value:
        return None
    return value


def parse_log_paths(stdout: str, server_id: str, app: str) -> LogPaths | None:
    """The log paths of ``app`` from ``pm2 jlist`` stdout (the first instance that names
    them); None when no process of that name is listed. Only the two paths are read from the
    raw JSON. Raises :class:`Pm2OutputError` when the output is no process list."""
    why = ""
    try:
        return _log_paths(stdout, app)
    except _Unreadable as exc:
        why = str(exc)
    except (ValueError, RecursionError):
        why = "the list is not valid JSON"
    raise Pm2OutputError(server_id, len(stdout), why)


def _log_paths(stdout: str, app: str) -> LogPaths | None:
    line = _json_line(stdout)
    if line is None:
        raise _Unreadable("no JSON list line")
    processes = json.loads(line)
    if not isinstance(processes, list):
        raise _Unreadable("not a list")
    found: LogPaths | None = None
    for proc in processes:
        if not isinstance(proc, dict) or proc.get("name") != app:
            continue
        env = proc.get("pm2_env")
        env = env if isinstance(env, dict) else {}
        paths = LogPaths(log_path(env.get("pm_out_log_path")), log_path(env.get("pm_err_log_path")))
        if found is None or (found.out is None and found.err is None):
            found = paths
    del processes
    return found
