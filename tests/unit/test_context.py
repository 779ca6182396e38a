"""The typed application context: each service built once, lazily, under its lock; injected
services are used as given; start-up imports none of the heavy modules."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

from ereg_desktop.context import AppContext
from ereg_desktop.services.deploy.actions import WriteGuard
from ereg_desktop.services.deploy.result import DeploySettings
from ereg_desktop.services.monitor import attach
from ereg_desktop.store.paths import AppPaths
from ereg_desktop.store.secrets import SecretStore

ROOT = Path(__file__).resolve().parents[2]


def make(tmp_path: Path, **services: Any) -> AppContext:
    paths = AppPaths.resolve(config_dir=tmp_path / "config")
    ctx = AppContext.for_gui(paths)
    return AppContext(paths, ctx.inventory_file, ctx.loaded, **services)


def test_services_are_built_once_even_when_threads_race(tmp_path: Path) -> None:
    ctx = make(tmp_path)
    pools, monitors = [], []
    go = threading.Barrier(8)

    def ask() -> None:
        go.wait(10)
        pools.append(ctx.pool)
        monitors.append(ctx.monitor)

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert len(pools) == 8 and all(p is pools[0] for p in pools)
    assert all(m is monitors[0] for m in monitors) and monitors[0].pool is pools[0]
    assert ctx.write_guard is ctx.write_guard and ctx.history is ctx.history
    assert ctx.history.path == ctx.paths.history_db
    assert ctx.deploy_settings == DeploySettings()


def test_injected_services_are_used_as_given(tmp_path: Path) -> None:
    from memory_keyring import MemoryKeyring

    store, guard = SecretStore(MemoryKeyring()), WriteGuard()
    settings = DeploySettings(settle_s=0.5)
    ctx = make(tmp_path, secrets=store, write_guard=guard, deploy_settings=settings)
    assert ctx.secrets is store and ctx.write_guard is guard and ctx.deploy_settings is settings


def test_nothing_is_built_until_asked(tmp_path: Path) -> None:
    ctx = make(tmp_path)
    assert ctx.pool_if_built is None and ctx.monitor_if_built is None
    monitor = attach(ctx)
    assert ctx.monitor_if_built is monitor and ctx.pool_if_built is monitor.pool


def test_the_passphrase_source_is_asked_at_connect_time_outside_the_lock(tmp_path: Path) -> None:
    ctx = make(tmp_path)
    assert ctx._passphrase("unctad") is None  # no source: keys with a passphrase cannot be used
    held: list[bool] = []

    def ask(server_id: str) -> str:
        # the GUI's prompt blocks for minutes: other threads must get the services meanwhile
        def take() -> None:
            held.append(ctx.lock.acquire(timeout=5))
            if held[-1]:
                ctx.lock.release()

        other = threading.Thread(target=take)
        other.start()
        other.join(10)
        return f"secret of {server_id}"

    attach(ctx)  # the pool is built before the source is set: it is still the one asked
    attach(ctx, ask)
    assert ctx._passphrase("unctad") == "secret of unctad"
    assert held == [True]


def test_the_context_imports_no_ssh_crypto_or_keyring_module() -> None:
    code = (
        "import sys, ereg_desktop.context;"
        "heavy = [m for m in ('paramiko', 'cryptography', 'keyring', 'ereg_desktop.remote.connection',"
        " 'ereg_desktop.services.monitor') if m in sys.modules];"
        "print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                         check=True)  # fmt: skip
    assert out.stdout.strip() == "[]"


def test_a_built_service_is_read_while_another_one_is_being_built(tmp_path: Path) -> None:
    """The keyring's store may take seconds to build under the lock: the GUI thread asking for
    the pool (built already) must not wait for it."""
    ctx = make(tmp_path)
    pool = ctx.pool
    building, release = threading.Event(), threading.Event()

    def slow_build() -> None:
        with ctx.lock:
            building.set()
            release.wait(30)

    builder = threading.Thread(target=slow_build)
    builder.start()
    try:
        assert building.wait(10)
        got: list[object] = []
        reader = threading.Thread(target=lambda: got.append(ctx.pool))
        reader.start()
        reader.join(5)
        assert got == [pool]
    finally:
        release.set()
        builder.join(10)
