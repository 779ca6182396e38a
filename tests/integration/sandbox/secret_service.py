"""A private D-Bus session bus with an unlocked gnome-keyring (Secret Service), no display.

    env, stop = start_secret_service(tmpdir)
    subprocess.run([sys.executable, "-c", "import keyring; ..."], env={**os.environ, **env})
    stop()

Use `env` for subprocesses (the keyring library reads DBUS_SESSION_BUS_ADDRESS when a backend is
created; in-process, set os.environ from it before creating `SecretService.Keyring()`).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

from .procs import Proc, end_processes, read_proc, wait_for

KEYRING_PASSWORD = "sandbox-keyring-pass"


def _name_has_owner(address: str, name: str) -> bool:
    from jeepney import DBus, new_method_call  # noqa: F401 - jeepney ships with secretstorage
    from jeepney.io.blocking import open_dbus_connection

    try:
        with open_dbus_connection(bus=address) as conn:
            reply = conn.send_and_get_reply(DBus().NameHasOwner(name), timeout=2)
            return bool(reply.body[0])
    except (OSError, ConnectionError, TimeoutError):
        return False


def start_secret_service(
    tmpdir: Path | str, password: str = KEYRING_PASSWORD
) -> tuple[dict[str, str], Callable[[], None]]:
    """Start `dbus-daemon --session` and `gnome-keyring-daemon --unlock --components=secrets`
    (password on stdin) with HOME and XDG dirs under tmpdir. Returns (env, stop): env holds
    DBUS_SESSION_BUS_ADDRESS, HOME, XDG_RUNTIME_DIR, XDG_DATA_HOME, XDG_CONFIG_HOME,
    XDG_CACHE_HOME; stop() ends both daemons (by pid). The keyring is unlocked and 'login' is
    the default collection, so keyring.backends.SecretService.Keyring works without prompts."""
    for tool in ("dbus-daemon", "gnome-keyring-daemon"):
        if not shutil.which(tool):
            raise RuntimeError(f"{tool} not found (apt packages dbus-daemon, gnome-keyring)")
    base = Path(tmpdir)
    home, runtime = base / "home", base / "runtime"
    home.mkdir(parents=True, exist_ok=True)
    runtime.mkdir(mode=0o700, parents=True, exist_ok=True)
    env = {
        "HOME": str(home),
        "XDG_RUNTIME_DIR": str(runtime),
        "XDG_DATA_HOME": str(home / ".local/share"),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "LANG": "C.UTF-8",
    }
    out = subprocess.run(
        [
            "dbus-daemon",
            "--session",
            "--fork",
            "--nosyslog",
            "--print-address=1",
            "--print-pid=1",
            f"--address=unix:path={runtime}/bus",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    ).stdout.split()
    address, dbus_pid = out[0], int(out[1])
    procs: list[Proc] = [p for p in [read_proc(dbus_pid)] if p]
    env["DBUS_SESSION_BUS_ADDRESS"] = address
    keyring = subprocess.Popen(
        ["gnome-keyring-daemon", "--foreground", "--unlock", "--components=secrets"],
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    assert keyring.stdin is not None
    keyring.stdin.write(password.encode())
    keyring.stdin.close()

    def stop() -> None:
        if keyring.poll() is None:
            keyring.terminate()
            try:
                keyring.wait(5)
            except subprocess.TimeoutExpired:
                keyring.kill()
                keyring.wait(5)
        end_processes(procs)

    def ready() -> bool:
        if keyring.poll() is not None:
            raise RuntimeError(f"gnome-keyring-daemon exited {keyring.returncode}")
        return _name_has_owner(address, "org.freedesktop.secrets")

    try:
        wait_for(ready, 15, "gnome-keyring-daemon on the private session bus", interval=0.1)
    except BaseException:
        stop()
        raise
    return env, stop
