"""Shared by the deploy/actions integration tests: a pool to the sandbox and deployments in it."""

from __future__ import annotations

import io
import json
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import paramiko

from ereg_desktop.remote.connection import ConnectionPool
from ereg_desktop.remote.hostkeys import KnownHosts
from ereg_desktop.services.deploy.connect import ServerShell
from ereg_desktop.services.deploy.result import DeploySettings
from ereg_desktop.store.inventory import Deployment, DeploymentRef, Server, System


def make_pool(box: Any, tmp: Path) -> ConnectionPool:
    kh = tmp / "known_hosts"
    kh.write_text(box.known_hosts_line() + "\n")
    key = paramiko.Ed25519Key.from_private_key(io.StringIO(box.client_key_text))
    return ConnectionPool(KnownHosts(kh), lambda s: key, backoff_max=0.5)


def make_ref(box: Any, app: str, *, track: str = "master", track_type: str = "branch",
             environment: str = "development", owner: str = "Tester") -> DeploymentRef:  # fmt: skip
    server = Server("sandbox", box.host, box.port, box.user)
    dep = Deployment(environment, "sandbox", app, box.app_url(app), track, track_type)
    return DeploymentRef(System(f"System {app}", owner=owner, deployments=[dep]), dep, server)


# quick enough for tests, long enough that a slow machine still settles
FAST = DeploySettings(settle_s=1.0, verify_deadline_s=30, poll_interval_s=0.2, url_tries_s=10)


def server_audit(box: Any, app: str) -> list[dict[str, Any]]:
    """The server's audit records of ``app``, split on "\n" only, as the app reads them (a
    U+2028 inside a reason is part of its line)."""
    res = box.run_as_user("cat ~/.ereg-desktop/audit.jsonl 2>/dev/null", login=False)
    lines = [ln for ln in res.stdout.split("\n") if ln.strip()]
    return [r for r in map(json.loads, lines) if r.get("app") == app]


def lock_dir(box: Any, app: str) -> Path:
    return Path(box.home) / ".ereg-desktop/locks" / app


def shell(pool: ConnectionPool, ref: DeploymentRef) -> ServerShell:
    return ServerShell(pool, ref.server)


def wait_until(cond: Callable[[], Any], timeout: float, what: str, interval: float = 0.05) -> Any:
    """Poll with a deadline (never a bare sleep as synchronisation)."""
    end = time.monotonic() + timeout
    while True:
        value = cond()
        if value:
            return value
        if time.monotonic() > end:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(interval)


class Recorder:
    """Collects events from the worker thread; tests wait on conditions over them."""

    def __init__(self) -> None:
        self.events: list[Any] = []
        self._lock = threading.Lock()

    def __call__(self, event: Any) -> None:
        with self._lock:
            self.events.append(event)

    def snapshot(self) -> list[Any]:
        with self._lock:
            return list(self.events)

    def lines(self) -> list[str]:
        return [e.line for e in self.snapshot() if hasattr(e, "line")]
