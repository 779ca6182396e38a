"""What changed between two status snapshots of a server, as lines for ``ereg-desktop watch``:
the server's reachability and each app's pm2 status (never the counters of every sample)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ereg_desktop.services.shown_text import printable
from ereg_desktop.services.status import CONNECTED, CONNECTING, ServerStatus


@dataclass(frozen=True)
class StatusChange:
    """``app`` is "" for the server's own state (connected, unreachable, pm2-down)."""

    server: str
    app: str
    before: str | None  # None: first seen
    after: str
    at: float
    reason: str = ""

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"type": "status", "server": self.server, "app": self.app,
                             "before": self.before, "status": self.after, "at": self.at}  # fmt: skip
        if self.reason:
            d["reason"] = self.reason
        return d

    def text(self) -> str:
        where = f"{self.app} on {self.server}" if self.app else self.server
        if self.before is None:
            line = f"{where}: {self.after}"
        else:
            line = f"{where}: {self.before} \u2192 {self.after}"
        return f"{line} ({self.reason})" if self.reason else line


def server_state(st: ServerStatus) -> str:
    if st.state == CONNECTED:
        return CONNECTED if st.pm2_running else "pm2-down"
    return st.state


class StatusTracker:
    """Feed it each snapshot of each server; it returns what changed since the last one. While a
    server is unreachable or pm2 is down its apps are not compared (not known, not gone): after
    it is back they are compared with what was last known."""

    def __init__(self) -> None:
        self._state: dict[str, str] = {}
        self._apps: dict[str, dict[str, str]] = {}

    def feed(self, after: ServerStatus, at: float) -> list[StatusChange]:
        if after.state == CONNECTING:
            return []
        sid = after.server_id
        out: list[StatusChange] = []
        old_state = self._state.get(sid)
        new_state = self._state[sid] = server_state(after)
        if old_state != new_state:
            reason = printable(after.reason) if new_state != CONNECTED else ""
            out.append(StatusChange(sid, "", old_state, new_state, at, reason))
        if new_state != CONNECTED:
            return out
        old_apps = self._apps.get(sid)
        new_apps = self._apps[sid] = {name: a.status for name, a in after.apps.items()}
        for name in sorted(new_apps):
            was = None if old_apps is None else old_apps.get(name)
            if was != new_apps[name]:
                out.append(StatusChange(sid, printable(name), was, new_apps[name], at))
        for name in sorted(set(old_apps or ()) - set(new_apps)):
            out.append(StatusChange(sid, printable(name), (old_apps or {})[name], "missing", at))
        return out
