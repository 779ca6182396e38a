"""A damaged inventory.toml: the CLI refuses it naming the file (and line), the window uses the last
good copy; neither changes the damaged file or the last good copy."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from ereg_desktop.cli import main
from ereg_desktop.errors import EXIT_BAD_INPUT, InventoryError
from ereg_desktop.store.inventory_file import InventoryFile

GOOD = b"""format = 1

[operator]
name = "Ana"

[[servers]]
id = "unctad"
host = "eregistrations.org"
port = 22
"""

DAMAGE: dict[str, tuple[bytes, int | None, str]] = {
    # what: (the file's bytes, the line named, words in the message)
    "truncated mid-line": (GOOD[: GOOD.index(b"istrations")], 8, "not valid TOML"),
    "empty (0 bytes)": (b"", None, "empty"),
    "only blank lines": (b"\n \n\t\n", None, "empty"),
    "binary garbage": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 20, 1, "not UTF-8"),
    "invalid UTF-8": (GOOD.replace(b'"Ana"', b'"An\xe9"'), 4, "not UTF-8"),
    "a NUL byte": (GOOD.replace(b'"unctad"', b'"unc\x00tad"'), 7, "not valid TOML"),
    "a duplicated key": (GOOD.replace(b"port = 22", b'host = "x"'), 9, "not valid TOML"),
    "a directory in place of the file": (b"", None, "cannot read"),
}


def _cases() -> list[object]:
    return [
        pytest.param(
            what,
            marks=pytest.mark.hostile(
                area="files: inventory",
                tried=f"inventory.toml {what}",
                outcome="CLI: exit 2 naming the file"
                + (" and line" if line else "")
                + "; window: the last good copy with the problem shown; nothing rewritten",
            ),
            id=what,
        )
        for what, (_data, line, _words) in DAMAGE.items()
    ]


@pytest.fixture
def cfg(tmp_path: Path) -> Path:
    folder = tmp_path / "cfg"
    folder.mkdir()
    (folder / "inventory.toml").write_bytes(GOOD)
    InventoryFile(folder / "inventory.toml").load()  # leaves the last good copy
    return folder


def _damage(path: Path, what: str) -> None:
    data = DAMAGE[what][0]
    if what.startswith("a directory"):
        path.unlink()
        path.mkdir()
    else:
        path.write_bytes(data)


def _snapshot(folder: Path) -> dict[str, bytes | None]:
    """The files; the app's own log (``logs/``, which a run adds to) aside."""
    return {p.name: None if p.is_dir() else p.read_bytes() for p in sorted(folder.iterdir())
            if p.name != "logs"}  # fmt: skip


@pytest.mark.parametrize("what", _cases())
def test_the_cli_refuses_a_damaged_inventory_naming_file_and_line(
    cfg: Path, what: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = cfg / "inventory.toml"
    _damage(path, what)
    before = _snapshot(cfg)
    assert main(["--config-dir", str(cfg), "inventory"]) == EXIT_BAD_INPUT
    err = capsys.readouterr().err
    _data, line, words = DAMAGE[what]
    assert (f"{path}:{line}: " if line else f"{path}: ") in err
    assert words in err and "Traceback" not in err
    assert _snapshot(cfg) == before


@pytest.mark.parametrize("what", _cases())
def test_the_window_uses_the_last_good_copy(cfg: Path, what: str) -> None:
    path = cfg / "inventory.toml"
    _damage(path, what)
    before = _snapshot(cfg)
    loaded = InventoryFile(path).load_for_gui()
    assert isinstance(loaded.problem, InventoryError) and str(path) in str(loaded.problem)
    assert loaded.source == cfg / "inventory.toml.last-good"
    assert [s.id for s in loaded.inventory.servers] == ["unctad"]
    assert _snapshot(cfg) == before


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(
            GOOD.replace(b"\n", b"\r\n"),
            marks=pytest.mark.hostile(
                area="files: inventory",
                tried="inventory.toml saved with CRLF line ends (Windows editors)",
                outcome="read as written",
            ),
            id="CRLF",
        ),
        pytest.param(
            b"\xef\xbb\xbf" + GOOD,
            marks=pytest.mark.hostile(
                area="files: inventory",
                tried="inventory.toml starting with a UTF-8 BOM (Notepad)",
                outcome="read as written, not 'line 1: Invalid statement'",
            ),
            id="BOM",
        ),
    ],
)
def test_what_editors_write_is_read(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "inventory.toml"
    path.write_bytes(data)
    inv = InventoryFile(path).load()
    assert inv.operator.name == "Ana" and [s.host for s in inv.servers] == ["eregistrations.org"]


@pytest.mark.hostile(
    area="files: inventory",
    tried="`port = true` in a server",
    outcome="one problem: 'port must be a number, not True' with its line (no 'port 0 outside')",
)
def test_port_true_is_one_clear_problem(tmp_path: Path) -> None:
    path = tmp_path / "inventory.toml"
    path.write_bytes(GOOD.replace(b"port = 22", b"port = true"))
    with pytest.raises(InventoryError) as caught:
        InventoryFile(path).load()
    assert caught.value.problems == [(9, "port must be a number, not True")]


@pytest.mark.hostile(
    area="files: inventory",
    tried="saving the inventory when inventory.toml is a symlink to a 0640 file elsewhere",
    outcome="written through to the target, which keeps its mode; the link stays a link",
)
def test_saving_through_a_symlink_writes_the_target_and_keeps_its_mode(tmp_path: Path) -> None:
    target = tmp_path / "dotfiles" / "ereg.toml"
    target.parent.mkdir()
    target.write_bytes(GOOD)
    os.chmod(target, 0o640)
    link = tmp_path / "cfg" / "inventory.toml"
    link.parent.mkdir()
    link.symlink_to(target)
    f = InventoryFile(link)
    inv = f.load()
    inv.operator.name = "Bea"
    f.save(inv)
    assert link.is_symlink() and link.resolve() == target
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert 'name = "Bea"' in target.read_text(encoding="utf-8")
    assert list(target.parent.iterdir()) == [target]  # no temporary file left beside it
