"""The secret store against a real Secret Service (gnome-keyring on a private D-Bus), in
subprocesses, as the app runs on a Linux desktop."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from test_status_support import ROOT, run_cli

SCRIPT = r"""
import hashlib, sys
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from ereg_desktop.store.secrets import PRIVATE_KEY, SecretStore

store = SecretStore.from_environment()
action = sys.argv[1]
if action == "put":
    key = rsa.generate_private_key(public_exponent=65537, key_size=4096)
    text = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH,
                             serialization.NoEncryption()).decode()
    store.put(PRIVATE_KEY, text, "unctad")
    print(type(store.backend).__module__, hashlib.sha256(text.encode()).hexdigest(), len(text))
elif action == "get":
    text = store.get(PRIVATE_KEY, "unctad")
    print(text and hashlib.sha256(text.encode()).hexdigest())
elif action == "delete":
    store.delete(PRIVATE_KEY, "unctad")
"""


def child_env(service_env: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DBUS_", "XDG_"))}
    env.update(service_env)
    env["PYTHONPATH"] = str(ROOT)
    for name in ("EREG_DESKTOP_KEYRING", "PYTHON_KEYRING_BACKEND", "EREG_KEY_PASSPHRASE"):
        env.pop(name, None)
    return env


def py(env: dict[str, str], *args: str) -> str:
    res = subprocess.run(
        [sys.executable, "-c", SCRIPT, *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    assert res.returncode == 0, res.stderr[-2000:]
    return res.stdout.strip()


def test_rsa4096_key_in_gnome_keyring(secret_service: dict[str, str]) -> None:
    env = child_env(secret_service)
    module, digest, length = py(env, "put").split()
    assert module == "keyring.backends.SecretService" and int(length) > 3000
    assert py(env, "get") == digest  # another process reads it back, reassembled
    py(env, "delete")
    assert py(env, "get") == "None"


def test_cli_keys_with_gnome_keyring(secret_service: dict[str, str], tmp_path: Path) -> None:
    env = child_env(secret_service)
    cfg = ["--config-dir", str(tmp_path / "cfg")]
    res = run_cli([*cfg, "keys", "generate"], env)
    assert res.returncode == 0, res.stderr
    res2 = run_cli([*cfg, "keys", "public"], env)
    assert res2.returncode == 0 and res2.stdout.strip().splitlines()[-1] in res.stdout
    for f in (tmp_path / "cfg").rglob("*"):
        assert not f.is_file() or "PRIVATE KEY" not in f.read_text(errors="replace")


def test_no_keyring_is_a_clear_error_never_a_file(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    env = child_env({"HOME": str(home), "XDG_RUNTIME_DIR": str(tmp_path)})
    env["DBUS_SESSION_BUS_ADDRESS"] = f"unix:path={tmp_path}/no-bus"
    res = run_cli(["--config-dir", str(tmp_path / "cfg"), "keys", "generate"], env)
    assert res.returncode == 1
    assert "No usable OS keyring" in res.stderr and "gnome-keyring" in res.stderr
    assert "Traceback" not in res.stderr
    for f in tmp_path.rglob("*"):
        assert not f.is_file() or "PRIVATE KEY" not in f.read_text(errors="replace")
