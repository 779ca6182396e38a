"""What the details pane's Logs and Updates tabs and the Today view read, from the servers and the
local history. Every method runs on a worker; the shells take ``lambda: ctx.pool`` so the
connection pool is built there, never on the GUI thread (as ``ui/deploy_actions`` does)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from ereg_desktop.context import AppContext
from ereg_desktop.errors import BadInputError
from ereg_desktop.presenters.today import Key, PendingBook, key_of
from ereg_desktop.services import app_logs
from ereg_desktop.services.app_logs import LogLine, LogRead
from ereg_desktop.services.deploy.connect import ServerShell
from ereg_desktop.services.due import Pending, check_pending
from ereg_desktop.services.pm2_parse import LogPaths
from ereg_desktop.store.inventory import DeploymentRef
from ereg_desktop.ui.log_view import AgentLike

AgentsProvider = Callable[[], object]  # the live status's monitor (an AgentMonitor) or None


class RemoteLogs:
    """:class:`~ereg_desktop.ui.log_view.LogSource` over the context's connection pool."""

    def __init__(self, ctx: AppContext, agents: AgentsProvider | None = None) -> None:
        self.ctx = ctx
        self.agents = agents

    def shell(self, server_id: str) -> ServerShell:
        server = self.ctx.inventory.server(server_id)
        if server is None:
            raise BadInputError(f"{server_id} is not a server of the inventory")
        ctx = self.ctx
        return ServerShell(lambda: ctx.pool, server)

    def read(self, server_id: str, app: str, n: int) -> LogRead:
        return app_logs.read_logs(self.shell(server_id), server_id, app, n)

    def paths(self, server_id: str, app: str) -> LogPaths:
        return app_logs.log_paths(self.shell(server_id), server_id, app)

    def follow(self, server_id: str, paths: LogPaths, on_line: Callable[[LogLine], None],
               stop: threading.Event) -> None:  # fmt: skip
        shell = self.shell(server_id)
        app_logs.follow(lambda argv, sink, ev: shell.pool.stream(shell.server, argv, sink, stop=ev),
                        paths, on_line, stop, shell=shell)  # fmt: skip

    def agent(self, server_id: str) -> AgentLike | None:
        monitor = self.agents() if self.agents is not None else None
        find = getattr(monitor, "agent", None)
        found = find(server_id) if callable(find) else None
        return found if found is not None and hasattr(found, "follow") else None


class RemoteUpdates:
    """Pending commits (``services/due.check_pending``, kept in a :class:`PendingBook` shared
    with the Today view) and the last deploy from this computer's history."""

    def __init__(self, ctx: AppContext, book: PendingBook) -> None:
        self.ctx = ctx
        self.book = book

    def pending(self, ref: DeploymentRef, force: bool = False) -> Pending:
        key, now = key_of(ref), time.time()
        known = self.book.get(key)
        if known is not None and not force and not self.book.due_for_check(key, now):
            return known
        ctx = self.ctx
        found = check_pending(ServerShell(lambda: ctx.pool, ref.server), ref, now)
        self.book.put(key, found)
        return found

    def pending_all(self, refs: list[DeploymentRef], force: bool = False) -> dict[Key, Pending]:
        """Every deployment's, eight at a time (one server's slowness never holds up the rest)."""
        if not refs:
            return {}
        with ThreadPoolExecutor(max_workers=min(8, len(refs))) as workers:
            found = list(workers.map(lambda r: self.pending(r, force), refs))
        return {key_of(r): p for r, p in zip(refs, found, strict=True)}

    def last_deploy(self, server_id: str, app: str) -> dict[str, Any] | None:
        for record in self.ctx.history.list(app, limit=100):
            if record.get("kind") == "deploy" and record.get("server") in ("", server_id):
                return record
        return None
