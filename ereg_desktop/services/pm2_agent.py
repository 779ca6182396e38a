"""The server-side agent: one long-lived remote process per server, its lines as typed events.

:class:`Pm2Agent` starts the agent (``services/pm2_agent_script.py``) on a channel of the
server's pooled connection, reads its JSON lines STRICTLY (:func:`parse_agent_line`: anything
else, or a line over :data:`MAX_AGENT_LINE`, ends the agent with a reason, never a crash) and
hands each event to a callback, on its own thread. When the agent cannot start or dies it reports
``ModeChanged(mode="polling", reason)``; :class:`AgentMonitor` then answers from
:meth:`Monitor.poll <ereg_desktop.services.monitor.Monitor.poll>` (``pm2 jlist``) and starts the
agent again after a reconnect. No Qt here.
"""

from __future__ import annotations

import json
import math
import select
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import paramiko

from ereg_desktop.errors import EregError, OperationFailed
from ereg_desktop.remote.connection import ConnectionPool
from ereg_desktop.services.monitor import Monitor
from ereg_desktop.services.pm2_agent_script import agent_argv
from ereg_desktop.services.pm2_events import (
    LogLine,
    ModeChanged,
    MonitorEvent,
    ProcessEvent,
    ProcessException,
    RestartOverlimit,
    Snapshot,
)
from ereg_desktop.services.pm2_parse import Pm2OutputError, parse_processes
from ereg_desktop.services.shown_text import printable
from ereg_desktop.services.status import CONNECTED, ServerStatus
from ereg_desktop.store.inventory import Server

AGENT = "agent"
POLLING = "polling"
STARTING = "starting"

MAX_AGENT_LINE = 4 << 20  # a snapshot of thousands of apps fits; a runaway line does not
START_TIMEOUT = 20.0  # from the channel's opening to the agent's hello
FRESH_TIMEOUT = 5.0  # a snapshot asked for: then the refresh polls `pm2 jlist` instead
READ_SIZE = 65536
_MAX_APP = 200
_MAX_EVENT = 60
_MAX_MESSAGE = 500
_MAX_LOG = 4000
_MAX_WHY = 300

EventSink = Callable[[MonitorEvent], None]
Tap = Callable[[bytes], None]


class AgentLineError(OperationFailed):
    """The agent printed a line that is not one it writes. Holds no part of the line."""

    def __init__(self, server_id: str, size: int, why: str) -> None:
        self.why = why
        super().__init__(
            f"the monitoring agent on {server_id} printed an unexpected line ({why}; {size} "
            "bytes not shown); the app polls pm2 instead"
        )


@dataclass(frozen=True)
class Hello:
    """The agent is connected to the daemon."""

    pm2_version: str
    node_version: str


@dataclass(frozen=True)
class AgentFailed:
    """The agent's last word before it exits non-zero."""

    why: str


AgentLine = MonitorEvent | Hello | AgentFailed


def parse_agent_line(line: str | bytes, server_id: str, received_at: float) -> AgentLine:
    """One line of the agent's stdout as what it means. Raises :class:`AgentLineError` (and
    nothing else) for anything the agent does not write."""
    size = len(line)
    why = ""
    try:
        return _meaning(_decode(line), server_id, received_at)
    except _Bad as exc:
        why = str(exc)
    except (ValueError, RecursionError):  # not JSON, not UTF-8, a number past the digit limit
        why = "not a JSON line"
    except Pm2OutputError as exc:
        why = f"the snapshot is not a process list ({exc.short})"
    raise AgentLineError(server_id, size, why)


def log_paths(line: str | bytes) -> dict[str, tuple[str, str]]:
    """The out and err log paths per app of a snapshot line (empty for any other line)."""
    try:
        doc = _decode(line)
    except (_Bad, ValueError, RecursionError):
        return {}
    paths: dict[str, tuple[str, str]] = {}
    procs = doc.get("procs") if doc.get("t") == "snapshot" else None
    for proc in procs if isinstance(procs, list) else []:
        env = proc.get("pm2_env") if isinstance(proc, dict) else None
        name = proc.get("name") if isinstance(proc, dict) else None
        if isinstance(env, dict) and isinstance(name, str):
            out, err = env.get("pm_out_log_path"), env.get("pm_err_log_path")
            if isinstance(out, str) and isinstance(err, str):
                paths[printable(name[:_MAX_APP])] = (out[:1000], err[:1000])
    return paths


class _Bad(Exception):
    """Internal: why a line is not the agent's (its words only)."""


def _decode(line: str | bytes) -> dict[str, Any]:
    if len(line) > MAX_AGENT_LINE:
        raise _Bad("too long")
    text = line.decode("utf-8") if isinstance(line, bytes) else line
    doc = json.loads(text)
    if not isinstance(doc, dict) or not isinstance(doc.get("t"), str):
        raise _Bad("not an agent record")
    return doc


def _text(doc: dict[str, Any], key: str, cap: int, *, empty: bool = False) -> str:
    value = doc.get(key)
    if not isinstance(value, str) or (not value and not empty) or len(value) > cap:
        raise _Bad(f"no readable {key}")
    return value


def _time(doc: dict[str, Any], key: str) -> float:
    value = doc.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _Bad(f"no readable {key}")
    if isinstance(value, int) and abs(value) > 2**53:
        raise _Bad(f"no readable {key}")
    seconds = float(value) / 1000.0
    if not math.isfinite(seconds) or seconds < 0:
        raise _Bad(f"no readable {key}")
    return seconds


def _meaning(doc: dict[str, Any], server_id: str, received_at: float) -> AgentLine:
    kind = doc["t"]
    if kind == "snapshot":
        now = _time(doc, "now")
        snap = parse_processes(doc.get("procs"), server_id, now)
        return Snapshot(ServerStatus(server_id, CONNECTED, taken_at=received_at, apps=snap.apps))
    if kind == "event":
        app = printable(_text(doc, "app", _MAX_APP))
        event = printable(_text(doc, "event", _MAX_EVENT))
        manually = doc.get("manually")
        if not isinstance(manually, bool):
            raise _Bad("no readable manually")
        at = _time(doc, "at")
        if event == "restart overlimit":
            return RestartOverlimit(server_id, app, at)
        return ProcessEvent(server_id, app, event, manually, at)
    if kind == "exception":
        app = printable(_text(doc, "app", _MAX_APP))
        message = printable(_text(doc, "message", _MAX_MESSAGE, empty=True))
        return ProcessException(server_id, app, message, _time(doc, "at"))
    if kind == "log":
        app = printable(_text(doc, "app", _MAX_APP))
        stream = doc.get("stream")
        if stream not in ("out", "err"):
            raise _Bad("no readable stream")
        line = _text(doc, "line", _MAX_LOG, empty=True)
        return LogLine(server_id, app, str(stream), line, _time(doc, "at"))
    if kind == "hello":
        return Hello(printable(_text(doc, "pm2", 40)), printable(_text(doc, "node", 40)))
    if kind == "error":
        return AgentFailed(printable(_text(doc, "why", _MAX_WHY)))
    raise _Bad("an unknown record")


class Pm2Agent:
    """The agent on one server, read on its own thread. ``on_event`` runs on that thread.

    ``tap`` (tests, diagnostics) gets every byte the channel received, stdout and stderr."""

    def __init__(
        self,
        pool: ConnectionPool,
        server: Server,
        on_event: EventSink,
        interval_s: float = 5.0,
        start_timeout: float = START_TIMEOUT,
        tap: Tap | None = None,
    ) -> None:
        self.pool = pool
        self.server = server
        self.on_event = on_event
        self.interval_s = max(1.0, interval_s)
        self.start_timeout = start_timeout
        self.tap = tap
        self.mode = STARTING
        self.reason = ""
        self.latest: ServerStatus | None = None
        self.logs: dict[str, tuple[str, str]] = {}
        self.transport: paramiko.Transport | None = None
        self._chan: paramiko.Channel | None = None
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._fresh = threading.Condition()

    @property
    def live(self) -> bool:
        return self.mode == AGENT

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name=f"agent-{self.server.id}")
        self._thread.daemon = True
        self._thread.start()

    def follow(self, app: str) -> None:
        """Stream ``app``'s out and err log lines as :class:`LogLine` events."""
        self._send("follow", app)

    def unfollow(self, app: str) -> None:
        self._send("unfollow", app)

    def _send(self, verb: str, app: str | None) -> None:
        if app is not None and (not app or len(app) > _MAX_APP or "\n" in app or "\r" in app):
            raise ValueError("not an app name")
        text = verb if not app else f"{verb} {app}"
        with self._lock:
            chan = self._chan
        if chan is not None and not chan.closed:
            try:
                chan.sendall(f"{text}\n".encode())
            except OSError:
                pass  # the reader notices the channel ending

    def fresh_status(self, timeout: float = FRESH_TIMEOUT) -> ServerStatus | None:
        """A snapshot asked for now and received after this call (a refresh never returns older
        figures than its request); None when the agent is not live or did not answer in time."""
        asked = time.time()
        with self._fresh:
            if not self.live:
                return None
            self._send("snapshot", None)
            got = self._fresh.wait_for(
                lambda: (
                    not self.live
                    or self._stopping.is_set()
                    or (self.latest is not None and (self.latest.taken_at or 0) >= asked)
                ),
                timeout,
            )
            return self.latest if got and self.live and not self._stopping.is_set() else None

    def stop(self, timeout: float = 5.0) -> None:
        """Close the channel (the remote node exits when its stdin closes) and end the thread."""
        self._stopping.set()
        with self._fresh:
            self._fresh.notify_all()
        with self._lock:
            chan = self._chan
        if chan is not None:
            chan.close()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout)

    def _run(self) -> None:
        try:
            reason = self._read()
        except EregError as exc:
            reason = exc.short
        except (paramiko.SSHException, EOFError, OSError) as exc:
            reason = f"the agent's channel failed ({type(exc).__name__})"
        finally:
            with self._lock:
                chan, self._chan = self._chan, None
            if chan is not None:
                chan.close()
        if self._stopping.is_set():
            return
        with self._fresh:
            self.mode, self.reason = POLLING, reason
            self._fresh.notify_all()
        self.on_event(ModeChanged(self.server.id, POLLING, reason))

    def _read(self) -> str:
        chan = self.pool.open_channel(self.server, agent_argv(self.interval_s))
        with self._lock:
            self._chan = chan
            if self._stopping.is_set():
                return "stopped"
        self.transport = chan.get_transport()
        buf = b""
        said = ""
        # no hello within the start time, or no line for three intervals: the agent is stuck
        quiet_limit = self.start_timeout
        last_line = time.monotonic()
        fileno = chan.fileno()
        while not self._stopping.is_set():
            select.select([fileno], [], [], 0.5)
            got = False
            while chan.recv_ready():
                data = chan.recv(READ_SIZE)
                if not data:
                    break
                got = True
                if self.tap is not None:
                    self.tap(data)
                buf += data
                *lines, buf = buf.split(b"\n")
                for line in lines:
                    last_line = time.monotonic()
                    failed = self._line(line)
                    if failed is not None:
                        said = failed
                        if not failed.startswith("!"):
                            return failed
                        said = failed[1:]
                if len(buf) > MAX_AGENT_LINE:
                    return "the agent printed a line longer than the app reads"
                if self.mode == AGENT:
                    quiet_limit = 3 * self.interval_s + self.start_timeout
            while chan.recv_stderr_ready():
                data = chan.recv_stderr(READ_SIZE)
                if self.tap is not None:
                    self.tap(data)
                got = True
            if not got and (chan.exit_status_ready() or chan.closed or chan.eof_received):
                if chan.recv_ready() or chan.recv_stderr_ready():
                    continue
                chan.status_event.wait(2.0)  # the exit status follows the end of output
                code = chan.recv_exit_status() if chan.exit_status_ready() else -1
                return said or f"the agent ended (exit code {code})"
            if time.monotonic() - last_line > quiet_limit:
                return f"the agent said nothing for {quiet_limit:g} s"
        return "stopped"

    def _line(self, line: bytes) -> str | None:
        """Handle one line; a reason to stop (``!reason``: the agent's own last word, read on
        until it exits) or None."""
        received = time.time()
        try:
            meaning = parse_agent_line(line, self.server.id, received)
        except AgentLineError as exc:
            return exc.short
        if isinstance(meaning, AgentFailed):
            return "!" + meaning.why
        if isinstance(meaning, Hello):
            self.mode, self.reason = AGENT, ""
            self.on_event(ModeChanged(self.server.id, AGENT))
            return None
        if isinstance(meaning, Snapshot):
            with self._fresh:
                self.latest = meaning.status
                self.logs = log_paths(line)
                self._fresh.notify_all()
        self.on_event(meaning)
        return None


class AgentMonitor:
    """Status from the agent when it runs, from ``pm2 jlist`` polls otherwise.

    :meth:`poll` is :meth:`Monitor.poll`'s drop-in: a snapshot the agent takes at once
    (about 2 ms of server CPU against about 190 ms for ``pm2 jlist``) while it is live, else a
    poll (and, once a poll reaches the server, the agent is started: the first
    time, and again after a reconnect if it had failed). Events (the agent's and the mode
    changes) go to ``on_event`` on the agents' threads."""

    def __init__(
        self,
        monitor: Monitor,
        on_event: EventSink,
        interval_s: float = 5.0,
        tap: Tap | None = None,
    ) -> None:
        self.monitor = monitor
        self.on_event = on_event
        self.interval_s = interval_s
        self.tap = tap
        self._agents: dict[str, Pm2Agent] = {}
        self._lock = threading.Lock()

    @property
    def pool(self) -> ConnectionPool:
        return self.monitor.pool

    def problem(self, server_id: str) -> EregError | None:
        """The typed error of the last ``pm2 jlist`` poll (see :meth:`Monitor.problem`)."""
        return self.monitor.problem(server_id)

    def agent(self, server_id: str) -> Pm2Agent | None:
        with self._lock:
            return self._agents.get(server_id)

    def mode(self, server_id: str) -> str:
        agent = self.agent(server_id)
        return POLLING if agent is None or agent.mode == STARTING else agent.mode

    def mode_text(self, server_id: str) -> str:
        """For the status bar: "agent", or "polling (why)"."""
        agent = self.agent(server_id)
        if agent is not None and agent.live:
            return AGENT
        why = agent.reason if agent is not None and agent.reason else "agent not started"
        if agent is not None and agent.mode == STARTING:
            why = "agent starting"
        return f"{POLLING} ({why})"

    def poll(self, server: Server) -> ServerStatus:
        agent = self.agent(server.id)
        fresh = agent.fresh_status() if agent is not None else None
        if fresh is not None:
            if self.monitor.record is not None:  # the metrics history, as for a jlist poll
                self.monitor.record(server.id, fresh)
            return fresh
        status = self.monitor.poll(server)
        if status.state == CONNECTED and status.pm2_running:
            self._start_if_due(server)
        return status

    def _start_if_due(self, server: Server) -> None:
        agent = self.agent(server.id)
        if agent is not None and agent.mode != POLLING:
            return
        if agent is not None:
            try:  # outside the lock: the GUI thread reads the mode under it, never waits
                current = self.monitor.pool.transport(server)
            except EregError:
                return
            if current is agent.transport:
                return  # failed on this very connection: a reconnect brings it back
        with self._lock:
            if self._agents.get(server.id) is not agent:
                return  # another poll started one meanwhile
            fresh = Pm2Agent(
                self.monitor.pool, server, self.on_event, self.interval_s, tap=self.tap
            )
            self._agents[server.id] = fresh
        fresh.start()

    def stop(self) -> None:
        with self._lock:
            agents, self._agents = list(self._agents.values()), {}
        for agent in agents:
            agent.stop()
