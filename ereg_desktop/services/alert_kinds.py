"""What an alert is: its kinds, the :class:`Alert` itself and the engine's :class:`AlertSettings`
and what the engine remembers per app and server (``services/alerts.py`` decides when one is
due)."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Any

from ereg_desktop.services.status import AppStatus

CRASH = "crash"
CRASH_LOOP = "crash-loop"
STOPPED_ELSEWHERE = "stopped-by-someone-else"
RESTARTED_ELSEWHERE = "restarted-by-someone-else"
MEMORY_HIGH = "memory-high"
MEMORY_NORMAL = "memory-normal"
SERVER_UNREACHABLE = "server-unreachable"
PM2_DOWN = "pm2-down"
SERVER_BACK = "server-back"
KINDS = (
    CRASH,
    CRASH_LOOP,
    STOPPED_ELSEWHERE,
    RESTARTED_ELSEWHERE,
    MEMORY_HIGH,
    MEMORY_NORMAL,
    SERVER_UNREACHABLE,
    PM2_DOWN,
    SERVER_BACK,
)
_CONFIRMED = frozenset({CRASH, CRASH_LOOP, STOPPED_ELSEWHERE, RESTARTED_ELSEWHERE})
URGENT = frozenset({CRASH, CRASH_LOOP, STOPPED_ELSEWHERE, SERVER_UNREACHABLE, PM2_DOWN})

STOPPED = "stopped"
MB = 1024 * 1024
# the history kinds of this app's own writes (store/history.py) and how long after one ended
# a change of that app is still its doing (pm2 reports the restart a moment later)
OWN_KINDS = frozenset({"restart", "stop", "start", "start-again", "deploy"})
OWN_GRACE_S = 30.0
_EXCEPTION_KEEP_S = 10.0  # an uncaught exception this recent is named in the crash alert
_EXIT_THEN_RESTART_S = 10.0  # pm2's "restart" right after an "exit" is the same crash


@dataclass(frozen=True)
class Alert:
    """``app`` is "" for an alert about the whole server (unreachable, pm2 down, back)."""

    server: str
    app: str
    kind: str
    message: str
    at: float

    @property
    def urgent(self) -> bool:
        return self.kind in URGENT

    def to_dict(self) -> dict[str, Any]:
        return {
            "type": "alert",
            "server": self.server,
            "app": self.app,
            "kind": self.kind,
            "message": self.message,
            "at": self.at,
        }


@dataclass(frozen=True)
class AlertSettings:
    grace_s: float = 60.0  # unreachable or pm2 down this long before an alert
    loop_crashes: int = 3  # this many crashes ...
    loop_window_s: float = 60.0  # ... within this time: a crash loop
    memory_factor: float = 2.0  # default threshold: factor x the median of the last hour ...
    memory_margin_bytes: int = 200 * MB  # ... and at least this much above it
    memory_window_s: float = 3600.0
    memory_min_samples: int = 6  # fewer samples than this: no default threshold yet
    memory_clear_ratio: float = 0.8  # back to normal below this share of the threshold
    memory_limit_bytes: int | None = None  # instead of the relative default: this for every app
    # an app's crash or stop alert held this long and checked again against this app's own
    # actions: the CLI learns of them from the history, written just after the action ran
    confirm_s: float = 0.0


@dataclass
class AppWatch:
    """What the engine remembers of one app between samples."""

    last: AppStatus | None = None
    crashes: deque[float] = field(default_factory=deque)
    in_loop: bool = False
    stop_reported: bool = False
    restarts_by_events: int = 0  # restarts already counted from events since the last snapshot
    last_exit_at: float | None = None
    exception: tuple[float, str] | None = None
    memory: deque[tuple[float, int]] = field(default_factory=deque)
    memory_high_at: int | None = None  # the threshold crossed while high (hysteresis)


@dataclass
class ServerWatch:
    """What the engine remembers of one server: since when it is down, and its mode."""

    down_since: float | None = None
    down_kind: str = ""
    down_reason: str = ""
    alerted: bool = False
    mode: str = "polling"
