"""The one application context: built once at start-up and passed to every service and widget.

No module-level singletons and no work at import time: everything hangs off this object. Each
service is a typed attribute built on first use, once, under :attr:`AppContext.lock` (several
worker threads may ask at once). The builders import their modules themselves: the window's first
paint never pays for paramiko, cryptography or keyring (tests/bench/bench_startup.py measures it).
Tests inject a service through the constructor instead of letting it be built.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from ereg_desktop.store.inventory import Inventory
from ereg_desktop.store.inventory_file import InventoryFile, LoadedInventory
from ereg_desktop.store.paths import AppPaths

if TYPE_CHECKING:
    from ereg_desktop.remote.connection import ConnectionPool
    from ereg_desktop.services.deploy.actions import WriteGuard
    from ereg_desktop.services.deploy.result import DeploySettings
    from ereg_desktop.services.keys import PassphraseSource
    from ereg_desktop.services.monitor import Monitor
    from ereg_desktop.store.history import History
    from ereg_desktop.store.secrets import SecretStore


class AppContext:
    def __init__(
        self,
        paths: AppPaths,
        inventory_file: InventoryFile,
        loaded: LoadedInventory,
        *,
        secrets: SecretStore | None = None,
        pool: ConnectionPool | None = None,
        monitor: Monitor | None = None,
        write_guard: WriteGuard | None = None,
        history: History | None = None,
        deploy_settings: DeploySettings | None = None,
    ) -> None:
        self.paths = paths
        self.inventory_file = inventory_file
        self.loaded = loaded
        # Held while a service is built (reentrant: the monitor's builder builds the pool).
        self.lock = threading.RLock()
        self._secrets = secrets
        self._pool = pool
        self._monitor = monitor
        self._write_guard = write_guard
        self._history = history
        self._deploy_settings = deploy_settings
        self._ask_passphrase: PassphraseSource | None = None

    @property
    def inventory(self) -> Inventory:
        return self.loaded.inventory

    @classmethod
    def for_cli(cls, paths: AppPaths) -> AppContext:
        """Strict: a broken inventory raises InventoryError (exit code 2)."""
        f = InventoryFile(paths.inventory_file)
        return cls(paths, f, LoadedInventory(f.load(), source=paths.inventory_file))

    @classmethod
    def for_gui(cls, paths: AppPaths) -> AppContext:
        """Forgiving: a broken inventory is reported and the last good copy is used."""
        f = InventoryFile(paths.inventory_file)
        return cls(paths, f, f.load_for_gui())

    # --- the passphrase source ----------------------------------------------------------------

    def set_passphrase_source(self, ask: PassphraseSource | None) -> None:
        """Who is asked for a key's passphrase (``ask(server_id) -> str | None``; the CLI's
        terminal prompt, the window's dialog). It runs on the connecting (worker) thread; a GUI
        must marshal it to the GUI thread itself. Read at each connect, so it may be set before
        or after the pool is built; None: keys with a passphrase cannot be used."""
        with self.lock:
            self._ask_passphrase = ask

    def _passphrase(self, server_id: str) -> str | None:
        with self.lock:
            ask = self._ask_passphrase
        return ask(server_id) if ask is not None else None  # never ask while holding the lock

    # --- services ------------------------------------------------------------------------------

    @property
    def secrets(self) -> SecretStore:
        """The OS keyring's key store (its imports are slow: first use on a worker thread)."""
        with self.lock:
            if self._secrets is None:
                from ereg_desktop.store.secrets import SecretStore

                self._secrets = SecretStore.from_environment()
            return self._secrets

    @property
    def pool(self) -> ConnectionPool:
        """The shared SSH connections: every status poll, action and deploy goes through it."""
        with self.lock:
            if self._pool is None:
                self._pool = self._build_pool()
            return self._pool

    def _build_pool(self) -> ConnectionPool:
        from ereg_desktop.remote.connection import ConnectionPool
        from ereg_desktop.remote.hostkeys import KnownHosts
        from ereg_desktop.services.keys import load_pkey

        # the key store is reached on the connecting worker: building the pool stays cheap
        return ConnectionPool(
            KnownHosts(self.paths.known_hosts_file),
            lambda server: load_pkey(self.secrets, server.id, self._passphrase),
        )

    @property
    def pool_if_built(self) -> ConnectionPool | None:
        """The pool if something built it (to close it at exit without building one)."""
        with self.lock:
            return self._pool

    @property
    def monitor_if_built(self) -> Monitor | None:
        """The monitor if live status built it (a window without live status polls nothing)."""
        with self.lock:
            return self._monitor

    @property
    def monitor(self) -> Monitor:
        with self.lock:
            if self._monitor is None:
                from ereg_desktop.services.monitor import Monitor

                self._monitor = Monitor(self.pool)
            return self._monitor

    @property
    def write_guard(self) -> WriteGuard:
        """At most one write per app in this process: shared by the window's every action."""
        with self.lock:
            if self._write_guard is None:
                from ereg_desktop.services.deploy.actions import WriteGuard

                self._write_guard = WriteGuard()
            return self._write_guard

    @property
    def history(self) -> History:
        with self.lock:
            if self._history is None:
                from ereg_desktop.store.history import History

                self._history = History(self.paths.history_db)
            return self._history

    @property
    def deploy_settings(self) -> DeploySettings:
        with self.lock:
            if self._deploy_settings is None:
                from ereg_desktop.services.deploy.result import DeploySettings

                self._deploy_settings = DeploySettings()
            return self._deploy_settings
