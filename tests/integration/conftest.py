"""Integration tests: the real server sandbox (sshd, a user, pm2, node apps, git) on this machine.

Fixtures
- `sandbox` (session): a started `sandbox.Sandbox`, torn down at the end (pm2 killed, every process
  of the test user ended, sshd stopped, files removed). See tests/integration/sandbox/server.py.
- `secret_service` (session): env dict of a private D-Bus session with an unlocked gnome-keyring;
  pass it to subprocesses that use keyring's SecretService backend.
- `secret_service_factory`: `start_secret_service(tmpdir) -> (env, stop)` for a fresh one.
- `pool`: a ConnectionPool to the sandbox's sshd (its key and pinned host key), closed after.
- `store`: a SecretStore over the size-limited in-memory keyring (Windows' entry limit), empty.

Requirements (root, sshd, node, npm, git, ...) that are missing FAIL the tests, so that CI never
passes by skipping; set EREG_ALLOW_SKIP=1 to skip instead (developer machines).
Other knobs: EREG_TEST_CACHE (pm2 cache dir, default ~/.cache/ereg-desktop-tests),
EREG_TEST_USER (default eregtest), EREG_TEST_KEEP=1 (keep the sandbox files for debugging).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sandbox import Sandbox, cache_dir, start_secret_service

from ereg_desktop.store.secrets import SecretStore

HERE = Path(__file__).parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in Path(item.path).parents:
            item.add_marker(pytest.mark.integration)


def _missing(tools: dict[str, str]) -> list[str]:
    out = [f"{name} ({pkg})" for name, pkg in tools.items() if not shutil.which(name)]
    return out


def require(what: str, problems: list[str]) -> None:
    """Fail (or, with EREG_ALLOW_SKIP=1, skip) when problems is not empty."""
    if not problems:
        return
    msg = f"{what} cannot run: " + "; ".join(problems)
    if os.environ.get("EREG_ALLOW_SKIP") == "1":
        pytest.skip(msg)
    pytest.fail(msg + "  (set EREG_ALLOW_SKIP=1 to skip instead of failing)", pytrace=False)


def sandbox_problems() -> list[str]:
    problems = []
    if os.geteuid() != 0:
        problems.append("not root (needs useradd, runuser and sshd)")
    if not os.path.exists("/usr/sbin/sshd"):
        problems.append("/usr/sbin/sshd missing (apt: openssh-server)")
    tools = {"ssh-keygen": "openssh-client", "git": "git", "node": "nodejs 20"}
    tools |= {"runuser": "util-linux", "useradd": "passwd"}
    if not (cache_dir() / "pm2/node_modules/pm2/package.json").is_file():
        tools["npm"] = "npm, to install pm2 once"
    problems += [f"{m} not found" for m in _missing(tools)]
    return problems


@pytest.fixture(scope="session")
def sandbox() -> Iterator[Sandbox]:
    require("the server sandbox", sandbox_problems())
    box = Sandbox().start()
    try:
        yield box
    finally:
        box.close()


def _secret_service_problems() -> list[str]:
    return [
        f"{m} not found"
        for m in _missing({"dbus-daemon": "dbus-daemon", "gnome-keyring-daemon": "gnome-keyring"})
    ]


@pytest.fixture(scope="session")
def secret_service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    require("the Secret Service (gnome-keyring)", _secret_service_problems())
    env, stop = start_secret_service(tmp_path_factory.mktemp("secret-service"))
    try:
        yield env
    finally:
        stop()


@pytest.fixture
def secret_service_factory(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Callable[[], dict[str, str]]]:
    require("the Secret Service (gnome-keyring)", _secret_service_problems())
    stops: list[Callable[[], None]] = []

    def make() -> dict[str, str]:
        env, stop = start_secret_service(tmp_path_factory.mktemp("secret-service"))
        stops.append(stop)
        return env

    yield make
    for stop in stops:
        stop()


@pytest.fixture
def store() -> Iterator[SecretStore]:
    from test_status_support import LimitedKeyring

    LimitedKeyring.reset()
    yield SecretStore(LimitedKeyring())
    LimitedKeyring.reset()


@pytest.fixture
def pool(sandbox: Sandbox, tmp_path: Path) -> Iterator[Any]:
    from deploy_helpers import make_pool

    p = make_pool(sandbox, tmp_path)
    yield p
    p.close()
