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
    """Parse ``pm2 jlist`` stdout; ``now`` is time.time() at the poll (for uptimes)."""
    spawned = SPAWN_MARK in stdout
    line = _json_line(stdout)
    if line is None:
        raise Pm2OutputError(server_id, len(stdout), "no JSON list line")
    try:
        processes = json.loads(line)
    except (ValueError, RecursionError):
        raise Pm2OutputError(server_id, len(stdout), "the list is not valid JSON") from None
    if not isinstance(processes, list):
        raise Pm2OutputError(server_id, len(stdout), "not a list")
    apps: dict[str, _Fold] = {}
    for proc in processes:
        if not isinstance(proc, dict):
            continue
        name = proc.get("name")
        if not isinstance(name, str) or not name:
            continue
        fold = apps.get(name)
        if fold is None:
            fold = apps[name] = _Fold(name)
        fold.add(proc, now)
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


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and math.isfinite(value):
        return int(value)
    return None


def _float(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        f = float(value)
        return f if math.isfinite(f) else None
    return None


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
        self.statuses.append(status[:40])
        pid = _int(proc.get("pid"))
        if pid is not None and pid > 0:
            if status == "online" and not self.pid_online:
                self.pid, self.pid_online = pid, True
            elif self.pid is None:
                self.pid = pid
        self.restarts = max(self.restarts, _int(env.get("restart_time")) or 0)
        self.unstable = max(self.unstable, _int(env.get("unstable_restarts")) or 0)
        self.memory += max(0, _int(monit.get("memory")) or 0)
        self.cpu += max(0.0, _float(monit.get("cpu")) or 0.0)
        mode = env.get("exec_mode")
        if isinstance(mode, str):
            self.exec_mode = mode.removesuffix("_mode")[:20]
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
