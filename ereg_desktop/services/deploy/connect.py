"""The real :class:`~.steps.Shell`: one server over the shared connection pool."""

from __future__ import annotations

from collections.abc import Sequence

from ereg_desktop.remote.command import Result
from ereg_desktop.remote.connection import ConnectionPool
from ereg_desktop.store.inventory import Server


class ServerShell:
    def __init__(self, pool: ConnectionPool, server: Server) -> None:
        self.pool = pool
        self.server = server

    def run(self, argv: Sequence[str], *, timeout: float) -> Result:
        return self.pool.run(self.server, argv, timeout)
