"""Helpers shared by the status/keys/host-key integration tests (no tests here)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from sandbox import Sandbox

from ereg_desktop.remote.connection import ConnectionPool
from ereg_desktop.remote.hostkeys import KnownHosts
from ereg_desktop.services import keys
from ereg_desktop.store.inventory import Deployment, Inventory, Operator, Server, System
from ereg_desktop.store.inventory_toml import dump_inventory
from ereg_desktop.store.paths import AppPaths
from ereg_desktop.store.secrets import SecretStore

ROOT = Path(__file__).resolve().parents[2]
UNIT_TESTS = ROOT / "tests" / "unit"  # holds test_secrets_backends (the test keyring backends)
if str(UNIT_TESTS) not in sys.path:
    sys.path.append(str(UNIT_TESTS))
from test_secrets_backends import FileLimitedKeyring, LimitedKeyring  # noqa: E402

__all__ = ["FileLimitedKeyring", "LimitedKeyring"]
SERVER_ID = "sandbox"
# proto runs on the server but is in no inventory: an "other" process
INVENTORY_APPS = {
    "gt": ("Guatemala", "production", "Marek Tuchowski"),
    "gt-dev": ("Guatemala", "development", "Marek Tuchowski"),
    "els": ("Salvador", "production", "Ana Operator"),
    "crashy": ("Crashland", "production", "Ana Operator"),
}


def sandbox_server(box: Sandbox, server_id: str = SERVER_ID, port: int | None = None) -> Server:
    return Server(
        id=server_id, host=box.host, port=port or box.port, user=box.user, admin="Test Admin"
    )


def inventory(box: Sandbox, extra_servers: Sequence[Server] = ()) -> Inventory:
    systems: dict[str, System] = {}
    for app, (system, env, owner) in INVENTORY_APPS.items():
        s = systems.setdefault(system, System(name=system, owner=owner))
        s.deployments.append(Deployment(environment=env, server=SERVER_ID, app=app))
    return Inventory(
        operator=Operator(name="Ana Operator"),
        servers=[sandbox_server(box), *extra_servers],
        systems=list(systems.values()),
    )


def write_config(box: Sandbox, config_dir: Path, extra_servers: Sequence[Server] = ()) -> AppPaths:
    paths = AppPaths.resolve(config_dir)
    paths.config_dir.mkdir(parents=True, exist_ok=True)
    paths.inventory_file.write_text(dump_inventory(inventory(box, extra_servers)))
    return paths


def store_sandbox_key(store: SecretStore, box: Sandbox, server_id: str = SERVER_ID) -> None:
    keys.import_key(store, server_id, box.client_key_path, None, "ereg-desktop test")


def make_pool(store: SecretStore, known_hosts: Path, **kw: float) -> ConnectionPool:
    return ConnectionPool(
        KnownHosts(known_hosts),
        lambda server: keys.load_pkey(store, server.id),
        **kw,  # type: ignore[arg-type]
    )


def cli_env(keyring_file: Path) -> dict[str, str]:
    """Environment for the CLI in a subprocess: the file-backed test keyring (outside the
    config dir), the project on the import path."""
    env = dict(os.environ)
    env["EREG_DESKTOP_KEYRING"] = "test_secrets_backends:FileLimitedKeyring"
    env["EREG_TEST_KEYRING_FILE"] = str(keyring_file)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), str(UNIT_TESTS)])
    env.pop("EREG_KEY_PASSPHRASE", None)
    return env


def run_cli(
    args: Sequence[str], env: dict[str, str], timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ereg_desktop", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
        cwd=ROOT,
    )
