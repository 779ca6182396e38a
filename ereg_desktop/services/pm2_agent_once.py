"""One status read per server without ``pm2 jlist``'s environment: the agent's once mode.

``pm2 jlist`` prints every process's whole environment across the connection, only for the
parser to throw it away. :class:`AgentSnapshots` (``ereg-desktop status``) runs the agent's
once mode instead (``services/pm2_agent_script.py``): the fields are whitelisted ON THE SERVER,
one snapshot line comes back (about a tenth of jlist's bytes) and it starts faster (pm2's RPC
client only). Without a pm2 daemon it says so and starts none: the status is "pm2 down". When the
agent cannot run (no node, an old pm2, anything it did not write), the status comes from
:meth:`Monitor.poll <ereg_desktop.services.monitor.Monitor.poll>` (``pm2 jlist``) and
:meth:`AgentSnapshots.mode` says so with the reason. No Qt here.
"""

from __future__ import annotations

import threading
import time

from ereg_desktop.errors import ConnectionProblem, EregError
from ereg_desktop.remote.command import remote_command
from ereg_desktop.services.monitor import Monitor
from ereg_desktop.services.pm2_agent import AGENT, POLLING, Tap
from ereg_desktop.services.pm2_agent_lines import AgentFailed, parse_agent_line
from ereg_desktop.services.pm2_agent_script import once_argv
from ereg_desktop.services.pm2_events import Snapshot
from ereg_desktop.services.status import CONNECTED, ServerStatus
from ereg_desktop.store.inventory import Server

ONCE_TEXT = remote_command(once_argv())  # built once: a status read is a hot path
ONCE_TIMEOUT = 20.0
NO_DAEMON_EXIT = 3  # the agent's exit code without a daemon (it starts none)


class AgentSnapshots:
    """``poll``/``problem`` like :class:`Monitor`, read through the agent's once mode.
    Thread-safe (``status`` reads several servers at once). ``tap`` (tests, diagnostics) gets
    every byte the once mode's channel received, stdout then stderr."""

    def __init__(self, monitor: Monitor, timeout: float = ONCE_TIMEOUT, tap: Tap | None = None):
        self.monitor = monitor
        self.timeout = timeout
        self.tap = tap
        self._lock = threading.Lock()
        self._modes: dict[str, tuple[str, str]] = {}

    def problem(self, server_id: str) -> EregError | None:
        with self._lock:
            if self._modes.get(server_id, (AGENT, ""))[0] == AGENT:
                return None
        return self.monitor.problem(server_id)

    def mode(self, server_id: str) -> tuple[str, str]:
        """``("agent", "")``, or ``("polling", why)`` when the last read fell back to jlist."""
        with self._lock:
            return self._modes.get(server_id, (POLLING, "not read yet"))

    def poll(self, server: Server) -> ServerStatus:
        try:
            status: ServerStatus | str = self._read(server)
        except ConnectionProblem:
            status = "no connection"  # the poll below reports it (the pool's backoff: no retry)
        except EregError as exc:  # a time limit, a line the agent does not write
            status = exc.short
        if isinstance(status, ServerStatus):
            with self._lock:
                self._modes[server.id] = (AGENT, "")
            if self.monitor.record is not None:  # the metrics history, as for a jlist poll
                self.monitor.record(server.id, status)
            return status
        with self._lock:
            self._modes[server.id] = (POLLING, status)
        return self.monitor.poll(server)

    def _read(self, server: Server) -> ServerStatus | str:
        """The agent's snapshot, or why there is none (the agent's own words, or its exit)."""
        result = self.monitor.pool.run_raw(server, ONCE_TEXT, self.timeout)
        received = time.time()
        if self.tap is not None:
            self.tap(result.stdout.encode("utf-8", "surrogateescape"))
            self.tap(result.stderr.encode("utf-8", "surrogateescape"))
        lines = [line for line in result.stdout.split("\n") if line.strip()]
        if not lines:
            return f"the agent printed nothing (exit code {result.exit_code})"
        meaning = parse_agent_line(lines[-1], server.id, received)
        if isinstance(meaning, AgentFailed):
            if result.exit_code == NO_DAEMON_EXIT:
                return ServerStatus(server.id, CONNECTED, taken_at=received, pm2_running=False)
            return meaning.why
        if isinstance(meaning, Snapshot) and result.exit_code == 0:
            return meaning.status
        return f"the agent's once mode ended with exit code {result.exit_code}"
