"""Files the operator's account may not read or write: run as `nobody` (root reads everything), in
a child process as the operator runs the app. A clear error naming the file, no traceback, nothing
changed."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import require

ROOT = Path(__file__).resolve().parents[2]
NOBODY = 65534
INVENTORY = '[[servers]]\nid = "unctad"\nhost = "127.0.0.1"\nport = 2222\n'


@pytest.fixture
def folder() -> Iterator[Path]:
    """A config folder owned by root, readable (not writable) by everyone: nobody's read-only."""
    require("running as nobody", [] if os.geteuid() == 0 and shutil.which("setpriv") else
            ["not root, or setpriv (util-linux) missing"])  # fmt: skip
    path = Path(tempfile.mkdtemp(prefix="ereg-perm-"))
    path.chmod(0o755)
    (path / "inventory.toml").write_text(INVENTORY, encoding="utf-8")
    yield path
    shutil.rmtree(path)


def as_nobody(*args: str) -> subprocess.CompletedProcess[str]:
    env = {
        "PATH": os.environ["PATH"],
        "HOME": "/nonexistent",
        "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "tests")]),
        "EREG_DESKTOP_KEYRING": "memory_keyring:MemoryKeyring",
    }
    return subprocess.run(
        ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups",
         sys.executable, *args],
        env=env, capture_output=True, text=True, timeout=60, cwd="/",
    )  # fmt: skip


def cli(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return as_nobody("-m", "ereg_desktop", "--config-dir", str(folder), *args)


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


@pytest.mark.hostile(
    area="files: inventory",
    tried="inventory.toml the operator may not read (mode 000)",
    outcome="exit 2: '<file>: cannot read: Permission denied'; no traceback",
)
def test_an_unreadable_inventory(folder: Path) -> None:
    (folder / "inventory.toml").chmod(0o000)
    proc = cli(folder, "inventory")
    assert proc.returncode == 2, proc.stderr
    assert f"{folder / 'inventory.toml'}: cannot read: Permission denied" in proc.stderr
    assert "Traceback" not in proc.stderr


@pytest.mark.hostile(
    area="files: inventory",
    tried="a read-only config folder (the last good copy cannot be written)",
    outcome="the inventory is read and shown as usual; nothing written, no traceback",
)
def test_a_read_only_config_folder(folder: Path) -> None:
    before = _snapshot(folder)
    proc = cli(folder, "inventory")
    assert proc.returncode == 0, proc.stderr
    assert "(unctad)" not in proc.stderr and proc.stderr == ""
    assert _snapshot(folder) == before


@pytest.mark.hostile(
    area="files: inventory",
    tried="no inventory.toml, in a read-only config folder (first start)",
    outcome="exit 2: '<file>: missing, and the example cannot be written: Permission denied'",
)
def test_no_inventory_in_a_read_only_folder(folder: Path) -> None:
    (folder / "inventory.toml").unlink()
    proc = cli(folder, "inventory")
    assert proc.returncode == 2, proc.stderr
    assert f"{folder / 'inventory.toml'}: missing, and the example cannot be written" in proc.stderr
    assert "Traceback" not in proc.stderr


@pytest.mark.hostile(
    area="files: known_hosts",
    tried="known_hosts the operator may not read (mode 000)",
    outcome="`hosts show` exits 3: '<file>: cannot read (Permission denied)'; no traceback",
)
def test_an_unreadable_known_hosts(folder: Path) -> None:
    (folder / "known_hosts").write_text("")
    (folder / "known_hosts").chmod(0o000)
    proc = cli(folder, "hosts", "show", "unctad")
    assert proc.returncode == 3, proc.stderr
    assert f"{folder / 'known_hosts'}: cannot read (Permission denied)" in proc.stderr
    assert "Traceback" not in proc.stderr


@pytest.mark.hostile(
    area="files: settings",
    tried="settings.toml the operator may not read (mode 000)",
    outcome="the defaults, the file named in the log; nothing changed",
)
def test_unreadable_settings(folder: Path) -> None:
    path = folder / "settings.toml"
    path.write_text("[status]\nrefresh_interval_s = 30\n")
    path.chmod(0o000)
    proc = as_nobody("-c", (
        "import logging, sys; logging.basicConfig(level=logging.INFO, stream=sys.stdout)\n"
        "from ereg_desktop.store.settings import load_settings\n"
        f"print(load_settings(__import__('pathlib').Path({str(path)!r})).refresh_interval_s)"
    ))  # fmt: skip
    assert proc.returncode == 0 and proc.stderr == "", proc.stderr
    assert f"settings file {path} unreadable" in proc.stdout
    assert proc.stdout.strip().endswith("10")


@pytest.mark.parametrize(
    "how",
    [
        pytest.param(
            how,
            marks=pytest.mark.hostile(
                area="files: history database",
                tried=f"recording a write with {what}",
                outcome="HistoryError naming the file; no traceback, nothing changed",
            ),
        )
        for how, what in {
            "read-only folder": "the history in a read-only data folder",
            "unreadable file": "a history database the operator may not read (mode 000)",
        }.items()
    ],
)
def test_history_without_permission(folder: Path, how: str) -> None:
    data = folder / "data"
    data.mkdir()
    data.chmod(0o755)
    path = data / "history.sqlite3"
    if how == "unreadable file":
        subprocess.run([sys.executable, "-c", (
            "import sys; sys.path.insert(0, sys.argv[2])\n"
            "from ereg_desktop.store.history import History\n"
            "History(__import__('pathlib').Path(sys.argv[1])).add({'app': 'a'})"
        ), str(path), str(ROOT)], check=True)  # fmt: skip
        path.chmod(0o000)
    before = _snapshot(folder)
    proc = as_nobody("-c", (
        "from ereg_desktop.store.history import History, HistoryError\n"
        f"try:\n    History(__import__('pathlib').Path({str(path)!r})).add({{'app': 'b'}})\n"
        "except HistoryError as exc:\n    print(exc)"
    ))  # fmt: skip
    assert proc.returncode == 0 and proc.stderr == "", proc.stderr
    assert f"the local history ({path}) could not be written" in proc.stdout
    assert _snapshot(folder) == before


@pytest.mark.hostile(
    area="keys",
    tried="`keys import` of a key file the operator may not read (mode 000)",
    outcome="exit 2: 'Cannot read <file>: Permission denied'; nothing stored",
)
def test_an_unreadable_key_file(folder: Path) -> None:
    key = folder / "id_ed25519"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
    key.chmod(0o000)
    proc = cli(folder, "keys", "import", str(key))
    assert proc.returncode == 2, proc.stderr
    assert f"Cannot read {key}: Permission denied" in proc.stderr
    assert "Traceback" not in proc.stderr
