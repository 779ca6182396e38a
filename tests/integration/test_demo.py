"""``ereg-desktop --demo``: the CLI against the embedded demo server, in a fresh profile (its own
HOME, XDG dirs and a private gnome-keyring), as a new user runs it. The operator's own profile
(config dir, known_hosts, settings, keyring entries) is left exactly as it was."""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from test_secret_service import child_env
from test_status_support import ROOT, run_cli

DEMO_APPS = {"gt", "gt-dev", "els", "els-dev", "ldz", "ldz-dev", "tz", "tz-dev"}

LIST_KEYRING = r"""
import hashlib, json, secretstorage
conn = secretstorage.dbus_init()
items = []
for c in secretstorage.get_all_collections(conn):
    for i in c.get_all_items():
        items.append([c.get_label(), i.get_label(), sorted(i.get_attributes().items()),
                      hashlib.sha256(i.get_secret()).hexdigest()])
print(json.dumps(sorted(items)))
"""


def keyring_items(env: dict[str, str]) -> list[object]:
    res = subprocess.run(
        [sys.executable, "-c", LIST_KEYRING], env=env, capture_output=True, text=True, timeout=60
    )
    assert res.returncode == 0, res.stderr[-2000:]
    return list(json.loads(res.stdout))


def files_of(home: Path, skip: tuple[Path, ...]) -> dict[str, str]:
    """Every file under ``home`` (but ``skip``) with its content's digest and mode."""
    out = {}
    for path in sorted(home.rglob("*")):
        if any(path == s or s in path.parents for s in skip) or not path.is_file():
            continue
        out[str(path.relative_to(home))] = (
            hashlib.sha256(path.read_bytes()).hexdigest() + f" {path.stat().st_mode:o}"
        )
    return out


def operator_profile(env: dict[str, str]) -> Path:
    """The operator's own files, as a real install has them; returns the config dir."""
    cfg = Path(env["XDG_CONFIG_HOME"]) / "ereg-desktop"
    cfg.mkdir(parents=True)
    (cfg / "inventory.toml").write_text(
        'format = 1\n[operator]\nname = "Ana Operator"\n\n[[servers]]\nid = "unctad"\n'
        'host = "eregistrations.org"\n'
    )
    (cfg / "known_hosts").write_text(
        "eregistrations.org ssh-ed25519 "
        "AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl\n"
    )
    (cfg / "settings.toml").write_text("[monitor]\nrefresh_interval_s = 30\n")
    return cfg


def demo_env(secret_service_factory: Callable[[], dict[str, str]]) -> dict[str, str]:
    env = child_env(secret_service_factory())
    env["PYTHONPATH"] = str(ROOT)
    env["XDG_STATE_HOME"] = str(Path(env["HOME"]) / ".local/state")
    return env


def test_demo_status_in_a_fresh_profile_leaves_the_operators_profile_untouched(
    secret_service_factory: Callable[[], dict[str, str]],
) -> None:
    env = demo_env(secret_service_factory)
    home = Path(env["HOME"])
    operator_profile(env)
    # an entry of the operator's own in the keyring: the demo must neither read nor change it
    keys = run_cli(["keys", "generate"], env)
    assert keys.returncode == 0, keys.stderr
    demo_dir = Path(env["XDG_DATA_HOME"]) / "ereg-desktop/demo"
    skip = (demo_dir, home / ".local/share/keyrings", home / ".cache")
    files_before, keyring_before = files_of(home, skip), keyring_items(env)
    assert len(keyring_before) >= 2  # the operator's private key, its public line

    started = time.monotonic()
    res = run_cli(["--demo", "status", "--json"], env)
    took = time.monotonic() - started
    assert res.returncode == 0, res.stderr
    apps = {row["app"]: row for row in json.loads(res.stdout)}
    assert set(apps) == DEMO_APPS
    assert all(row["status"] == "online" for row in apps.values()), apps
    assert all(row["memory_bytes"] > 0 for row in apps.values())  # real processes
    assert took < 10, f"--demo status --json took {took:.1f} s in a fresh profile"
    print(f"\nfresh profile: `ereg-desktop --demo status --json` took {took:.2f} s")

    assert (demo_dir / "profile/inventory.toml").is_file()  # the demo's own profile
    assert files_of(home, skip) == files_before
    assert keyring_items(env) == keyring_before
    for f in demo_dir.rglob("*"):  # the demo's key was in memory only
        if f.is_file() and f.name != "host_ed25519" and f.stat().st_size < 1 << 20:
            assert b"PRIVATE KEY" not in f.read_bytes(), f
    # the demo's processes end with it: no app of its pm2 is left running
    assert processes_in(demo_dir) == []


def processes_in(folder: Path) -> list[int]:
    """The live processes whose working folder is under ``folder`` (Linux /proc)."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cwd = Path(os.readlink(proc / "cwd"))
        except OSError:
            continue  # gone, a zombie, or not ours to read
        if cwd == folder or folder in cwd.parents:
            found.append(int(proc.name))
    return found


def _git(where: Path, *args: str) -> str:
    res = subprocess.run(["git", "-C", str(where), *args], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    return res.stdout.strip()


def test_demo_deploy_completes_and_reset_builds_the_demo_anew(
    secret_service_factory: Callable[[], dict[str, str]],
) -> None:
    env = demo_env(secret_service_factory)
    demo_dir = Path(env["XDG_DATA_HOME"]) / "ereg-desktop/demo"
    first = run_cli(["--demo", "deploy", "gt-dev", "--yes"], env, timeout=120)
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-2000:]
    assert re.search(r"^deployed: online and stable at [0-9a-f]{8}", first.stdout, re.M)
    checkout = demo_dir / "sandbox/home/gt-dev"
    bare = demo_dir / "sandbox/repos/eregistrations-guatemala.git"
    assert _git(checkout, "rev-parse", "HEAD") == _git(bare, "rev-parse", "master")
    built = (demo_dir / "sandbox/built.json").read_text()
    (demo_dir / "sandbox/home/left-by-an-earlier-run").write_text("x\n")

    res = run_cli(["--demo", "--reset", "status", "--json"], env)
    assert res.returncode == 0, res.stderr
    assert {row["app"] for row in json.loads(res.stdout)} == DEMO_APPS
    assert not (demo_dir / "sandbox/home/left-by-an-earlier-run").exists()
    assert (demo_dir / "sandbox/built.json").read_text() != built
    # the pending commits are pending again
    assert _git(checkout, "rev-parse", "HEAD") != _git(bare, "rev-parse", "master")


def test_reset_without_demo_is_bad_usage(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HOME": str(tmp_path)}
    res = run_cli(["--reset", "status"], env)
    assert res.returncode == 2 and "--reset goes with --demo" in res.stderr
    res = run_cli(["--demo", "--config-dir", str(tmp_path), "status"], env)
    assert res.returncode == 2 and "its own profile" in res.stderr


def test_demo_with_the_real_pm2_when_it_is_installed(
    secret_service_factory: Callable[[], dict[str, str]],
) -> None:
    from sandbox import ensure_pm2_cache

    env = demo_env(secret_service_factory)
    pm2_bin = ensure_pm2_cache() / "node_modules/.bin"
    env["PATH"] = f"{pm2_bin}{os.pathsep}{env['PATH']}"
    demo_dir = Path(env["XDG_DATA_HOME"]) / "ereg-desktop/demo"
    res = run_cli(["--demo", "status", "--json"], env)
    assert res.returncode == 0, res.stderr
    apps = {row["app"]: row for row in json.loads(res.stdout)}
    assert set(apps) == DEMO_APPS and all(r["status"] == "online" for r in apps.values())
    assert not (demo_dir / "sandbox/home/bin/pm2").exists()  # no stand-in: pm2's own daemon
    assert (demo_dir / "sandbox/home/.pm2/logs/gt-out.log").is_file()
    assert processes_in(demo_dir) == []  # `pm2 kill` at the end: daemon and apps gone
