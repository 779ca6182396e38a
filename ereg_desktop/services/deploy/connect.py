"""The real :class:`~.steps.Shell`: one server over the shared connection pool."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from ereg_desktop.store.inventory import Server

if TYPE_CHECKING:  # paramiko: reached on the first run, on the worker that runs it
    from ereg_desktop.remote.command import Result
    from ereg_desktop.remote.connection import ConnectionPool

PoolProvider = Callable[[], "ConnectionPool"]


class ServerShell:
    """Runs commands on ``server`` over ``pool``: the pool itself, or a provider of it (such as
    ``lambda: ctx.pool``) called on the first :meth:`run`. A window builds shells on the GUI
    thread and runs them on workers: with a provider, building the pool (paramiko, a quarter of
    a second) happens on the worker, never in front of the operator."""

    def __init__(self, pool: ConnectionPool | PoolProvider, server: Server) -> None:
        self.server = server
        self._provider: PoolProvider | None = None
        self._pool: ConnectionPool | None = None
        if callable(pool):
            self._provider = pool
        else:
            self._pool = pool
        self._lock = threading.Lock()  # one provider call when two workers start at once

    @property
    def pool(self) -> ConnectionPool:
        with self._lock:
            if self._pool is None:
                assert self._provider is not None  # one of them is always given
                self._pool = self._provider()
            return self._pool

    def run(self, argv: Sequence[str], *, timeout: float) -> Result:
        return self.pool.run(self.server, argv, timeout)

    def run_input(self, argv: Sequence[str], data: bytes, *, timeout: float) -> Result:
        """Run ``argv`` with ``data`` on its standard input (an upload without a file on the
        command line); the time limit covers sending it."""
        return self.pool.run(self.server, argv, timeout, stdin=data)
