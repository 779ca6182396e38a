"""A Deployment action clicked before live status built the connection pool: the shell is built
on the GUI thread, the pool (paramiko, a quarter of a second) only on the worker that runs it."""

from __future__ import annotations

import threading

from PySide6.QtCore import QObject

from ereg_desktop.remote.command import Result
from ereg_desktop.services.deploy.connect import ServerShell
from ereg_desktop.store.inventory import Server
from ereg_desktop.ui.tasks import POLL, run_task


class FakePool:
    def __init__(self) -> None:
        self.runs: list[tuple[str, list[str]]] = []

    def run(self, server: Server, argv: list[str], timeout: float) -> Result:
        self.runs.append((server.id, list(argv)))
        return Result(0, "ok\n", "", 0.01)


def test_the_window_builds_shells_without_building_the_pool(qtbot, window, ctx) -> None:
    ref = ctx.inventory.deployments()[0]
    actions = window.deployment
    shell = actions.shell(ref.server)
    for reader in actions.audit_readers():  # the history view's shells, one per server
        assert callable(reader[1])
    assert ctx.pool_if_built is None  # nothing on the GUI thread built it
    pools: list[object] = []
    receiver = QObject()
    run_task(lambda _p: shell.pool, kind=POLL, receiver=receiver,
             on_result=pools.append, on_error=pools.append)  # fmt: skip
    qtbot.waitUntil(lambda: bool(pools), timeout=10_000)
    assert pools == [ctx.pool_if_built] and pools[0] is not None  # the context's one pool


def test_the_provider_is_called_once_on_the_first_run_on_a_worker(qtbot) -> None:
    pool = FakePool()
    calls: list[threading.Thread] = []

    def provider() -> FakePool:
        calls.append(threading.current_thread())
        return pool

    shell = ServerShell(provider, Server("unctad", "unctad.example", 22, "deploy"))  # type: ignore[arg-type]
    assert calls == []
    results: list[object] = []
    receiver = QObject()
    for _ in range(2):
        run_task(lambda _p: shell.run(["pm2", "jlist"], timeout=5), kind=POLL,
                 receiver=receiver, on_result=results.append, on_error=results.append)  # fmt: skip
    qtbot.waitUntil(lambda: len(results) == 2, timeout=10_000)
    assert all(isinstance(r, Result) and r.ok for r in results), results
    assert len(calls) == 1 and calls[0] is not threading.main_thread()
    assert pool.runs == [("unctad", ["pm2", "jlist"])] * 2


def test_a_pool_given_directly_is_used_as_it_is() -> None:
    pool = FakePool()
    shell = ServerShell(pool, Server("unctad", "unctad.example", 22, "deploy"))  # type: ignore[arg-type]
    assert shell.run(["true"], timeout=5).ok and shell.pool is pool
