"""The server-side agent: one long-lived remote process per server, its lines as typed events.

:class:`Pm2Agent` starts the agent (``services/pm2_agent_script.py``) on a channel of the
server's pooled connection, reads its JSON lines STRICTLY
(:func:`~ereg_desktop.services.pm2_agent_lines.parse_agent_line`: anything else, or a line over
:data:`~ereg_desktop.services.pm2_agent_lines.MAX_AGENT_LINE`, ends the agent with a reason,
never a crash) and hands each event to a callback, on its own thread. When the agent cannot start
or dies it reports ``ModeChanged(mode="polling", reason)``;
:class:`~ereg_desktop.services.agent_monitor.AgentMonitor` then answers from ``pm2 jlist`` polls
and starts the agent again after a reconnect. No Qt here.
"""

from __future__ import annotations

import select
import threading
import time
from collections.abc import Callable

import paramiko

from ereg_desktop.errors import EregError
from ereg_desktop.remote.connection import ConnectionPool
from ereg_desktop.services.pm2_agent_lines import (
    MAX_AGENT_LINE,
    MAX_APP,
    AgentFailed,
    AgentLineError,
    Hello,
    log_paths,
    parse_agent_line,
)
from ereg_desktop.services.pm2_agent_script import agent_argv
from ereg_desktop.services.pm2_events import ModeChanged, MonitorEvent, Snapshot
from ereg_desktop.services.status import ServerStatus
from ereg_desktop.store.inventory import Server

AGENT = "agent"
POLLING = "polling"
STARTING = "starting"

START_TIMEOUT = 20.0  # from the channel's opening to the agent's hello
FRESH_TIMEOUT = 5.0  # a snapshot asked for: then the refresh polls `pm2 jlist` instead
READ_SIZE = 65536

EventSink = Callable[[MonitorEvent], None]
Tap = Callable[[bytes], None]


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
        if app is not None and (not app or len(app) > MAX_APP or "\n" in app or "\r" in app):
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
