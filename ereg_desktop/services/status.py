"""What the app knows about the processes on a server: the whitelisted pm2 fields, nothing more."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

# Statuses beyond pm2's own (online, stopped, errored, launching, stopping, waiting restart, ...).
MISSING = "missing"  # in the inventory, not on the server
PM2_DOWN = "pm2-down"  # the pm2 daemon was not running
UNREACHABLE = "unreachable"  # the server could not be asked

CONNECTING = "connecting"
CONNECTED = "connected"


@dataclass(frozen=True)
class AppStatus:
    """One pm2 app (all instances of a cluster app folded into one row)."""

    app: str
    status: str
    pid: int | None = None
    restarts: int = 0
    unstable_restarts: int = 0
    uptime_s: float | None = None  # only while online; pm2's pm_uptime is stale otherwise
    memory_bytes: int = 0
    cpu_percent: float = 0.0
    instances: int = 1
    exec_mode: str = "fork"
    exit_code: int | None = None


@dataclass(frozen=True)
class ServerStatus:
    server_id: str
    state: str  # CONNECTING, CONNECTED or UNREACHABLE
    reason: str = ""  # why unreachable, in words a person can act on
    taken_at: float | None = None  # time.time() of the data in ``apps``
    pm2_running: bool = True
    apps: Mapping[str, AppStatus] = field(default_factory=dict)

    def status_of(self, app: str) -> str:
        if self.state != CONNECTED:
            return UNREACHABLE if self.state == UNREACHABLE else CONNECTING
        if not self.pm2_running:
            return PM2_DOWN
        found = self.apps.get(app)
        return found.status if found else MISSING
