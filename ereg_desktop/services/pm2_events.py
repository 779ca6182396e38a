"""What a server's pm2 says between two status snapshots, as typed events (monitoring).

The server-side agent (``services/pm2_agent.py``) turns pm2's bus into these; the alerts
(``services/alerts.py``) and ``ereg-desktop watch`` read them. A snapshot is the same
:class:`~ereg_desktop.services.status.ServerStatus` a ``pm2 jlist`` poll gives, so everything
built on polls works unchanged on the agent's stream.
"""

from __future__ import annotations

from dataclasses import dataclass

from ereg_desktop.services.status import ServerStatus


@dataclass(frozen=True)
class ProcessEvent:
    """pm2's ``process:event``: ``event`` is pm2's word (start, online, restart, exit, stop,
    delete, ...); ``manually`` is pm2's flag: True when a person or a command (``pm2 stop``,
    ``pm2 restart``) caused it, False when the process died or pm2 restarted it by itself."""

    server_id: str
    app: str
    event: str
    manually: bool
    at: float  # the server's time (epoch seconds)


@dataclass(frozen=True)
class RestartOverlimit:
    """pm2 gave up restarting ``app`` (``restart overlimit``): a crash loop."""

    server_id: str
    app: str
    at: float


@dataclass(frozen=True)
class ProcessException:
    """``process:exception``: an uncaught exception pm2 reported (message only, capped)."""

    server_id: str
    app: str
    message: str
    at: float


@dataclass(frozen=True)
class LogLine:
    """A line of an app's out or err log, while that log is followed."""

    server_id: str
    app: str
    stream: str  # "out" or "err"
    line: str
    at: float


@dataclass(frozen=True)
class Snapshot:
    """A whole status, every N seconds and when the agent starts."""

    status: ServerStatus


@dataclass(frozen=True)
class ModeChanged:
    """How the server's status arrives now: ``agent`` (streamed) or ``polling`` (``pm2 jlist``
    every refresh), and why when it fell back."""

    server_id: str
    mode: str  # "agent" or "polling"
    reason: str = ""


MonitorEvent = ProcessEvent | RestartOverlimit | ProcessException | LogLine | Snapshot | ModeChanged
