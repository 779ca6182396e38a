"""The frozen one-folder app (packaging/build.sh: PyInstaller, packaging/ereg-desktop.spec) on
Linux: its smoke test, its resources, and real work through what it bundles (the Secret Service
keyring backend, paramiko's crypto): a key kept in gnome-keyring, then the sandbox's live status.
And the self-test's status mode (``--demo --self-test``) against the sandbox's real sshd and pm2.

The build takes about a minute with its virtualenv cached in EREG_TEST_CACHE (a few on a new
machine: PySide6 and the rest come from PyPI)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sandbox import Sandbox, cache_dir
from test_status_support import SERVER_ID, cli_env, write_config

ROOT = Path(__file__).resolve().parents[2]
DIST = ROOT / "dist" / "ereg-desktop"
BUILD_TIMEOUT_S = 1200
RESOURCE_FILES = (
    "org.eregistrations.EregDesktop.desktop",
    "org.eregistrations.EregDesktop.metainfo.xml",
    "icons/ereg-desktop.svg",
    *(f"icons/ereg-desktop-{size}.png" for size in (16, 24, 32, 48, 64, 128, 256, 512)),
)


@pytest.fixture(scope="module")
def frozen_app() -> Path:
    env = {**os.environ, "EREG_BUILD_VENV": str(cache_dir() / "build-venv")}
    res = subprocess.run(
        ["bash", "packaging/build.sh"], cwd=ROOT, env=env, capture_output=True, text=True,
        timeout=BUILD_TIMEOUT_S, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    assert res.returncode == 0, (res.stdout + res.stderr)[-4000:]
    assert "built dist/ereg-desktop" in res.stdout
    return DIST / "ereg-desktop"


def _run(app: Path, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(app), *args], env=env, capture_output=True, text=True, timeout=120,
        stdin=subprocess.DEVNULL, cwd=ROOT,
    )  # fmt: skip


def test_smoke_test_passes(frozen_app: Path) -> None:
    res = subprocess.run(
        ["bash", "packaging/smoke_test.sh", str(frozen_app)], cwd=ROOT, capture_output=True,
        text=True, timeout=300, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    assert res.returncode == 0, res.stdout + res.stderr
    assert "ereg-desktop 0.1.0" in res.stdout
    assert "self-test ok (the first paint)" in res.stdout  # the window had its icon too
    assert res.stdout.rstrip().endswith("smoke_test: ok")


def test_resources_are_in_the_folder_and_the_wheel(frozen_app: Path) -> None:
    frozen = frozen_app.parent / "_internal" / "ereg_desktop" / "resources"
    venv = cache_dir() / "build-venv"
    # build.sh installs the project from its wheel (not editable): setup.py's package data
    (site,) = venv.glob("lib/python3*/site-packages")
    installed = site / "ereg_desktop" / "resources"
    for name in RESOURCE_FILES:
        source = (ROOT / "resources" / name).read_bytes()
        assert (frozen / name).read_bytes() == source, name
        assert (installed / name).read_bytes() == source, name
    plugins = frozen_app.parent / "_internal" / "PySide6" / "Qt" / "plugins"
    for plugin in ("platforms/libqoffscreen.so", "platforms/libqxcb.so", "imageformats/libqsvg.so"):
        assert (plugins / plugin).is_file(), plugin


def test_frozen_app_keeps_a_key_in_the_secret_service_and_reads_the_status(
    frozen_app: Path, sandbox: Sandbox, secret_service: dict[str, str], tmp_path: Path
) -> None:
    cfg = tmp_path / "cfg"
    write_config(sandbox, cfg)
    env = {**secret_service, "LANG": "C.UTF-8", "QT_QPA_PLATFORM": "offscreen"}
    base = ("--config-dir", str(cfg))
    key = ("keys", "import", str(sandbox.client_key_path), "--server", SERVER_ID)
    res = _run(frozen_app, *base, *key, env=env)
    assert res.returncode == 0, res.stderr  # keyring's SecretService backend, through jeepney
    fingerprint = sandbox.host_key_fingerprint()
    res = _run(
        frozen_app, *base, "hosts", "trust", SERVER_ID, "--fingerprint", fingerprint, env=env
    )
    assert res.returncode == 0, res.stderr
    res = _run(frozen_app, *base, "status", "--json", env=env)  # paramiko, its crypto, the key
    assert res.returncode == 0, res.stderr
    rows = {row["app"]: row for row in json.loads(res.stdout)}
    truth = {p["name"]: p for p in sandbox.pm2_jlist()}
    assert set(rows) == set(truth)
    assert rows["gt"]["status"] == "online" and rows["gt"]["pid"] == truth["gt"]["pid"]


SELF_TEST = """
import sys
from ereg_desktop.store.paths import AppPaths
from ereg_desktop.ui.self_test import run_self_test
sys.exit(run_self_test(AppPaths.resolve(sys.argv[1]), [sys.argv[0]], status=True))
"""


def _self_test(cfg: Path, env: dict[str, str], timeout: float) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", SELF_TEST, str(cfg)], env=env, capture_output=True, text=True,
        timeout=timeout, stdin=subprocess.DEVNULL, cwd=ROOT,
    )  # fmt: skip


def test_self_test_with_status_waits_for_the_first_status(sandbox: Sandbox, tmp_path: Path) -> None:
    """What ``--demo --self-test`` runs, against the sandbox instead of the demo server."""
    cfg = tmp_path / "cfg"
    write_config(sandbox, cfg)
    env = cli_env(tmp_path / "keyring.json")
    env["QT_QPA_PLATFORM"] = "offscreen"
    base = [sys.executable, "-m", "ereg_desktop", "--config-dir", str(cfg)]
    trust = ["hosts", "trust", SERVER_ID, "--fingerprint", sandbox.host_key_fingerprint()]
    res = subprocess.run([*base, *trust], env=env, capture_output=True, text=True, timeout=60)
    assert res.returncode == 0, res.stderr

    # no key yet: the only server cannot be asked, so it fails at once (not at its 90 s deadline)
    res = _self_test(cfg, env, timeout=60)
    assert res.returncode == 1, res.stdout + res.stderr
    assert f"self-test failed: {SERVER_ID}: " in res.stderr

    key = ["keys", "import", str(sandbox.client_key_path), "--server", SERVER_ID]
    res = subprocess.run([*base, *key], env=env, capture_output=True, text=True, timeout=60)
    assert res.returncode == 0, res.stderr
    res = _self_test(cfg, env, timeout=180)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "self-test ok (a status refresh)" in res.stdout
