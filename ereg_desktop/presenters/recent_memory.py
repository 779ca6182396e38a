"""The memory of each app over its last samples, for the sparkline beside its figure in the tree
(plain Python; the long history lives in the metrics database)."""

from __future__ import annotations

from collections import deque

from ereg_desktop.services.status import CONNECTED, ServerStatus

SPARK_SAMPLES = 60  # ten minutes at the default refresh


class RecentMemory:
    def __init__(self, keep: int = SPARK_SAMPLES) -> None:
        self.keep = keep
        self._seen: dict[tuple[str, str], deque[float]] = {}
        self._last_at: dict[str, float] = {}

    def feed(self, status: ServerStatus) -> bool:
        """One sample per running app of a server that answered (a repeated sample is skipped;
        a stopped app's memory is not a sample: it would read as a drop to zero). True when
        it was a new sample (the sparklines moved on)."""
        if status.state != CONNECTED or status.taken_at is None:
            return False
        if self._last_at.get(status.server_id) == status.taken_at:
            return False
        self._last_at[status.server_id] = status.taken_at
        for name, app in status.apps.items():
            if app.pid is None:
                continue
            seen = self._seen.setdefault((status.server_id, name), deque(maxlen=self.keep))
            seen.append(float(app.memory_bytes))
        return True

    def points(self, server_id: str, app: str) -> tuple[float, ...]:
        return tuple(self._seen.get((server_id, app), ()))
