"""Status polls: one ``pm2 jlist`` per server over its pooled connection, never raising.

A poll that cannot reach the server returns a ``ServerStatus`` in state UNREACHABLE with the
reason in words; ``Monitor.problem(server_id)`` keeps the typed exception of the last poll so the
window can tell a host-key problem (prompt to check and trust) from a network one.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Protocol

from ereg_desktop.errors import EregError
from ereg_desktop.remote.connection import ConnectionPool
from ereg_desktop.services.keys import PassphraseSource
from ereg_desktop.services.pm2_parse import Pm2OutputError
from ereg_desktop.services.pm2_read import JLIST_TEXT, parse_reading
from ereg_desktop.services.status import CONNECTED, UNREACHABLE, ServerStatus
from ereg_desktop.store.inventory import Server

POLL_TIMEOUT = 20.0


class Monitor:
    """Polls servers. Thread-safe: the window's workers may poll several servers at once."""

    def __init__(
        self,
        pool: ConnectionPool,
        timeout: float = POLL_TIMEOUT,
        record: Callable[[str, ServerStatus], object] | None = None,
    ) -> None:
        self.pool = pool
        self.timeout = timeout
        self.record = record  # given each status polled, on the polling thread (must not raise)
        self._lock = threading.Lock()
        self._problems: dict[str, EregError] = {}
        # servers whose daemon our poll spawned and that still list no process: pm2 is "down"
        # (the server rebooted without `pm2 startup`/`pm2 save`), not "everything missing"
        self._spawned_empty: set[str] = set()

    def problem(self, server_id: str) -> EregError | None:
        """The typed error of the last poll of ``server_id`` (None if it succeeded)."""
        with self._lock:
            return self._problems.get(server_id)

    def poll(self, server: Server) -> ServerStatus:
        taken_at = time.time()
        try:
            # the one jlist path (uptimes on the server's clock), its text built once
            result = self.pool.run_raw(server, JLIST_TEXT, self.timeout)
            if result.exit_code != 0 and "[" not in result.stdout:
                raise Pm2OutputError(server.id, len(result.stdout), f"exit code {result.exit_code}")
            snapshot = parse_reading(result.stdout, server.id, taken_at)
        except EregError as exc:
            with self._lock:
                self._problems[server.id] = exc
            reason = exc.short
            return ServerStatus(server.id, UNREACHABLE, reason=reason, taken_at=taken_at)
        with self._lock:
            self._problems.pop(server.id, None)
            if snapshot.daemon_spawned:
                self._spawned_empty.add(server.id)
            elif snapshot.apps:
                self._spawned_empty.discard(server.id)
            pm2_running = server.id not in self._spawned_empty
        status = ServerStatus(
            server.id,
            CONNECTED,
            taken_at=taken_at,
            pm2_running=pm2_running,
            apps=snapshot.apps if pm2_running else {},
        )
        if self.record is not None:
            self.record(server.id, status)
        return status


class Wiring(Protocol):
    """What :func:`attach` needs of :class:`ereg_desktop.context.AppContext` (a Protocol: the
    context imports this module when it builds the monitor, not the other way round)."""

    def set_passphrase_source(self, ask: PassphraseSource | None) -> None: ...

    @property
    def monitor(self) -> Monitor: ...


def attach(ctx: Wiring, ask_passphrase: PassphraseSource | None = None) -> Monitor:
    """The context's monitor (and so its secret store and connection pool), built once.
    ``ask_passphrase`` (when given) becomes the context's passphrase source: it runs on the
    connecting (worker) thread, so a GUI must marshal it to the GUI thread itself."""
    if ask_passphrase is not None:
        ctx.set_passphrase_source(ask_passphrase)
    return ctx.monitor
