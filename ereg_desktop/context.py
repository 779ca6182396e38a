"""The one application context: built once at start-up and passed to every service and widget.

No module-level singletons and no work at import time: everything hangs off this object. Each
service is a typed attribute built on first use, once, under :attr:`AppContext.lock` (several
worker threads may ask at once). The builders import their modules themselves: the window's first
paint never pays for paramiko, cryptography or keyring (tests/bench/bench_startup.py measures it).
Tests inject a service through the constructor instead of letting it be built.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from ereg_desktop.store.inventory import Inventory
from ereg_desktop.store.inventory_file import InventoryFile, LoadedInventory
from ereg_desktop.store.paths import AppPaths

if TYPE_CHECKING:
    from ereg_desktop.remote.connection import ConnectionPool
    from ereg_desktop.services.deploy.actions import WriteGuard
    from ereg_desktop.services.deploy.result import DeploySettings
    from ereg_desktop.services.github.pulls import TranslationPulls
    from ereg_desktop.services.keys import PassphraseSource
    from ereg_desktop.services.monitor import Monitor
    from ereg_desktop.store.history import History
    from ereg_desktop.store.metrics import MetricsStore
    from ereg_desktop.store.secrets import SecretStore

T = TypeVar("T")


class _Once(Generic[T]):
    """One service's slot: built on first use, once, under the context's lock. Once built it is
    read without the lock, so that a thread building another service (the keyring's store may
    take seconds) never holds up the GUI thread asking for this one."""

    def __init__(self, lock: threading.RLock, value: T | None) -> None:
        self._lock = lock
        self._value = value

    def get(self, build: Callable[[], T]) -> T:
        value = self._value
        if value is None:
            with self._lock:
                if self._value is None:
                    self._value = build()
                value = self._value
        return value

    @property
    def built(self) -> T | None:
        return self._value


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
        metrics: MetricsStore | None = None,
        deploy_settings: DeploySettings | None = None,
        github_token: str | None = None,
        github_api_url: str | None = None,
    ) -> None:
        self.paths = paths
        self.inventory_file = inventory_file
        self.loaded = loaded
        # Held while a service is built (reentrant: the monitor's builder builds the pool).
        self.lock = threading.RLock()
        self._secrets = _Once(self.lock, secrets)
        self._pool = _Once(self.lock, pool)
        self._monitor = _Once(self.lock, monitor)
        self._write_guard = _Once(self.lock, write_guard)
        self._history = _Once(self.lock, history)
        self._metrics = _Once(self.lock, metrics)
        self._deploy_settings = _Once(self.lock, deploy_settings)
        # tests (and the embedded demo) give a token and an API URL instead of keyring/settings
        self._github_token = github_token
        self._github_api_url = _Once(self.lock, github_api_url)
        self._ask_passphrase: PassphraseSource | None = None

    @property
    def inventory(self) -> Inventory:
        return self.loaded.inventory

    @classmethod
    def for_cli(cls, paths: AppPaths) -> AppContext:
        """Strict: a broken inventory raises InventoryError (exit code 2)."""
        f = InventoryFile(paths.inventory_file)
        loaded = LoadedInventory(f.load(), source=paths.inventory_file)
        return cls(paths, f, loaded, **_profile_services(paths))

    @classmethod
    def for_gui(cls, paths: AppPaths) -> AppContext:
        """Forgiving: a broken inventory is reported and the last good copy is used."""
        f = InventoryFile(paths.inventory_file)
        return cls(paths, f, f.load_for_gui(), **_profile_services(paths))

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

        def build() -> SecretStore:
            from ereg_desktop.store.secrets import SecretStore

            return SecretStore.from_environment()

        return self._secrets.get(build)

    @property
    def pool(self) -> ConnectionPool:
        """The shared SSH connections: every status poll, action and deploy goes through it."""

        def build() -> ConnectionPool:
            from ereg_desktop.remote.connection import ConnectionPool
            from ereg_desktop.remote.hostkeys import KnownHosts
            from ereg_desktop.services.keys import load_pkey

            # the key store is reached on the connecting worker: building the pool stays cheap
            return ConnectionPool(
                KnownHosts(self.paths.known_hosts_file),
                lambda server: load_pkey(self.secrets, server.id, self._passphrase),
            )

        return self._pool.get(build)

    @property
    def pool_if_built(self) -> ConnectionPool | None:
        """The pool if something built it (to close it at exit without building one)."""
        return self._pool.built

    @property
    def monitor_if_built(self) -> Monitor | None:
        """The monitor if live status built it (a window without live status polls nothing)."""
        return self._monitor.built

    @property
    def monitor(self) -> Monitor:
        def build() -> Monitor:
            from ereg_desktop.services.monitor import Monitor

            # every status polled is recorded (on the polling worker) into the metrics history
            return Monitor(self.pool, record=self.metrics.record)

        return self._monitor.get(build)

    @property
    def write_guard(self) -> WriteGuard:
        """At most one write per app in this process: shared by the window's every action."""

        def build() -> WriteGuard:
            from ereg_desktop.services.deploy.actions import WriteGuard

            return WriteGuard()

        return self._write_guard.get(build)

    @property
    def history(self) -> History:
        def build() -> History:
            from ereg_desktop.store.history import History

            return History(self.paths.history_db)

        return self._history.get(build)

    @property
    def metrics(self) -> MetricsStore:
        """The local history of samples (opened on first use, on a worker: it touches disk)."""

        def build() -> MetricsStore:
            from ereg_desktop.store.metrics import MetricsStore

            return MetricsStore.open(self.paths.metrics_db)

        return self._metrics.get(build)

    @property
    def deploy_settings(self) -> DeploySettings:
        """The update's settings, with what settings.toml says about them (read once: the
        window builds it on a worker at start, beside the live status's settings)."""

        def build() -> DeploySettings:
            from ereg_desktop.services.deploy.result import DeploySettings
            from ereg_desktop.store.settings import load_settings

            saved = load_settings(self.paths.settings_file)
            return DeploySettings(model_check_development=saved.model_check_development)

        return self._deploy_settings.get(build)

    # --- GitHub --------------------------------------------------------------------------------

    @property
    def github_api_url(self) -> str:
        """The GitHub API base (settings.toml [github] api_url; read once, on first use)."""

        def build() -> str:
            from ereg_desktop.store.settings import load_settings

            return load_settings(self.paths.settings_file).github_api_url

        return self._github_api_url.get(build)

    def github_token(self) -> str | None:
        """The GitHub token (the keyring's, unless one was given): read each time, so a login
        or logout in the dialog counts at once. Reads the keyring: call it on a worker."""
        if self._github_token is not None:
            return self._github_token or None
        from ereg_desktop.store.secrets import get_github_token

        return get_github_token(self.secrets)

    def github_pulls(self, repository: str) -> TranslationPulls:
        """The translations PRs of ``repository`` ("owner/name"); TokenMissing without a token."""
        from ereg_desktop.services.github.errors import TokenMissing
        from ereg_desktop.services.github.pulls import TranslationPulls

        token = self.github_token()
        if not token:
            raise TokenMissing()
        return TranslationPulls(repository, token, api_url=self.github_api_url)


def _profile_services(paths: AppPaths) -> dict[str, Any]:
    """A session profile's (the demo's) secret store and GitHub, given to the context so that
    nothing of it reaches the OS keyring or the operator's settings; none for the operator's."""
    profile = paths.profile
    if profile is None:
        return {}
    return {
        "secrets": profile.secrets,
        "github_token": profile.github_token or "",
        "github_api_url": profile.github_api_url,
    }
