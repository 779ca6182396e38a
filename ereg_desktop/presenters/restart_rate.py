"""How often each app restarted lately, from successive status samples: a process that pm2 keeps
restarting reads "online" in every single sample, so its restart counter alone hides a crash
loop. Plain Python: the tree's model feeds it each server's status and asks per app."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from ereg_desktop.services.status import CONNECTED, AppStatus, ServerStatus

HOUR_S = 3600.0
CRASH_LOOP_RESTARTS = 5  # restarts within the last hour that make a crash loop
ERRORED = "errored"


@dataclass(frozen=True)
class Health:
    """What stands out about a process: "" (nothing), "restarting" (it restarted lately),
    "crash loop" (it keeps restarting) or "errored" (pm2 gave up)."""

    state: str
    restarts_last_hour: int

    @property
    def alarming(self) -> bool:
        return self.state in ("crash loop", ERRORED)

    @property
    def text(self) -> str:
        """The words beside the restart counter ("16 in the last hour")."""
        if not self.restarts_last_hour:
            return ""
        n = self.restarts_last_hour
        return f"{n} in the last hour"


class RestartRate:
    """Per (server, app): the restart count seen at each sample of the last hour."""

    def __init__(self, window_s: float = HOUR_S) -> None:
        self.window_s = window_s
        self._seen: dict[tuple[str, str], deque[tuple[float, int]]] = {}

    def feed(self, status: ServerStatus) -> None:
        """A server's status: a sample per app (an unreachable server adds nothing)."""
        if status.state != CONNECTED or status.taken_at is None:
            return
        at = status.taken_at
        for name, app in status.apps.items():
            seen = self._seen.setdefault((status.server_id, name), deque())
            if seen and app.restarts < seen[-1][1]:
                seen.clear()  # the counter went down: `pm2 reset` or a new process; start over
            if seen and at <= seen[-1][0]:
                continue  # the same sample again, or an older one
            seen.append((at, app.restarts))
            while len(seen) > 2 and seen[1][0] < at - self.window_s:
                seen.popleft()  # keep one sample from before the window as the baseline

    def last_hour(self, server_id: str, app: str, now: float) -> int:
        """Restarts since the window began: from the last sample before it (or the first one
        seen, when the app has not been watched that long) to the latest."""
        seen = self._seen.get((server_id, app))
        if not seen:
            return 0
        start = now - self.window_s
        before = [r for t, r in seen if t < start]
        baseline = before[-1] if before else seen[0][1]
        return max(0, seen[-1][1] - baseline)

    def health(self, server_id: str, app: AppStatus | None, now: float) -> Health:
        if app is None:
            return Health("", 0)
        recent = self.last_hour(server_id, app.app, now)
        if app.status == ERRORED:
            return Health(ERRORED, recent)
        if recent >= CRASH_LOOP_RESTARTS:
            return Health("crash loop", recent)
        if recent:
            return Health("restarting", recent)
        return Health("", 0)
