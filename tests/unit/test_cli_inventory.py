"""The CLI as a user runs it: a real process, a fresh config dir, exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from ereg_desktop.store.default_inventory import DEFAULT_INVENTORY_TOML


def cli(*args: str, config: Path | None = None) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "ereg_desktop"]
    if config is not None:
        cmd += ["--config-dir", str(config)]
    return subprocess.run([*cmd, *args], capture_output=True, text=True, timeout=60)


def test_version() -> None:
    from ereg_desktop import __version__

    r = cli("--version")
    assert (r.returncode, r.stdout) == (0, f"ereg-desktop {__version__}\n")


def test_inventory_json_on_fresh_config_dir(tmp_path: Path) -> None:
    r = cli("inventory", "--json", config=tmp_path)
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert set(data) >= {"servers", "systems"}
    assert [s["id"] for s in data["servers"]] == ["unctad"]
    assert data["servers"][0]["admin"] == "Mariusz Nowak"
    apps = {
        d["app"]: (s["name"], s["owner"], d["environment"], d["url"])
        for s in data["systems"]
        for d in s["deployments"]
    }
    assert apps["gt"] == ("Guatemala", "Marek Tuchowski", "production", "https://minegocio.gt/")
    assert apps["els-dev"][2] == "development"
    assert len(apps) == 8
    tz = next(d for s in data["systems"] for d in s["deployments"] if d["app"] == "tz")
    assert (tz["track"], tz["track_type"], tz["pinned"]) == ("2015", "tag", True)
    assert (tmp_path / "inventory.toml").read_text() == DEFAULT_INVENTORY_TOML


def test_inventory_text_groups_by_environment(tmp_path: Path) -> None:
    r = cli("inventory", config=tmp_path)
    assert r.returncode == 0
    prod, dev = r.stdout.split("Development")
    assert "gt " in prod and "Marek Tuchowski" in prod and "gt-dev" not in prod
    assert "gt-dev" in dev and "tz-dev" in dev


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ('owner = "Kamil Gruca"', 'owner = "Kamil Gruca'),
        ('server = "unctad"\n  app = "ldz"', 'server = "elsewhere"\n  app = "ldz"'),
        ('app = "els"', 'app = "els`reboot`"'),
        ('app = "els-dev"', 'app = "els"'),
    ],
)
def test_broken_inventory_exit_2_with_file_and_line(tmp_path: Path, old: str, new: str) -> None:
    assert cli("inventory", config=tmp_path).returncode == 0
    good = (tmp_path / "inventory.toml.last-good").read_text()
    broken = DEFAULT_INVENTORY_TOML.replace(old, new, 1)
    (tmp_path / "inventory.toml").write_text(broken)
    r = cli("inventory", "--json", config=tmp_path)
    assert r.returncode == 2
    assert r.stdout == ""
    assert f"{tmp_path / 'inventory.toml'}:" in r.stderr
    line = int(r.stderr.split(f"{tmp_path / 'inventory.toml'}:")[1].split(":")[0])
    assert broken.splitlines()[line - 1].strip() in [n.strip() for n in new.splitlines()]
    assert (tmp_path / "inventory.toml").read_text() == broken
    assert (tmp_path / "inventory.toml.last-good").read_text() == good


def test_inventory_option_selects_file(tmp_path: Path) -> None:
    other = tmp_path / "other.toml"
    other.write_text(DEFAULT_INVENTORY_TOML.replace('name = "Lomas"', 'name = "Lomas de Zamora"'))
    r = cli("--inventory", str(other), "inventory", "--json", config=tmp_path / "cfg")
    assert r.returncode == 0, r.stderr
    assert "Lomas de Zamora" in r.stdout
    assert not (tmp_path / "cfg" / "inventory.toml").exists()


def test_bad_usage_exit_2() -> None:
    r = cli("no-such-command")
    assert r.returncode == 2
    assert "invalid choice" in r.stderr


def test_cli_imports_no_qt(tmp_path: Path) -> None:
    code = (
        "import sys; from ereg_desktop.cli import main; "
        f"main(['--config-dir', {str(tmp_path)!r}, 'inventory']); "
        "assert not [m for m in sys.modules if m.startswith('PySide6')], 'Qt imported'"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr


def test_a_command_imports_only_its_own_module(tmp_path: Path) -> None:
    """Start-up of one command never pays for another's imports (paramiko is ~0.3 s)."""
    code = (
        "import sys; from ereg_desktop.cli import main; "
        f"main(['--config-dir', {str(tmp_path)!r}, 'inventory']); "
        "heavy = [m for m in sys.modules if m.split('.')[0] in "
        "('paramiko', 'keyring', 'cryptography', 'github', 'sqlite3')"
        " or m.startswith('ereg_desktop.commands.') and m != 'ereg_desktop.commands.inventory'];"
        "assert not heavy, heavy"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr


def test_help_lists_every_command_and_exit_codes() -> None:
    from ereg_desktop.cli import COMMANDS

    r = cli("--help")
    assert r.returncode == 0
    for name in COMMANDS:
        assert f"    {name}" in r.stdout
    assert "3\nconnection" in r.stdout or "3 connection" in r.stdout
