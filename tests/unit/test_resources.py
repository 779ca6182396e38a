"""resources/: the desktop entry and the AppStream metainfo pass their validators, the icon files
are the SVG's at every size, and the window finds them."""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import struct
import subprocess
import sys
import tomllib
import xml.etree.ElementTree as ET
from pathlib import Path
from types import ModuleType

import pytest
from PySide6.QtCore import QByteArray, QSize
from PySide6.QtGui import QImage

from ereg_desktop import __version__
from ereg_desktop.ui import resources

ROOT = Path(__file__).resolve().parents[2]
RES = ROOT / "resources"
DESKTOP = RES / f"{resources.APP_ID}.desktop"
METAINFO = RES / f"{resources.APP_ID}.metainfo.xml"


def _render_icons() -> ModuleType:
    spec = importlib.util.spec_from_file_location("render_icons", RES / "render_icons.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _tool(name: str, package: str) -> str:
    path = shutil.which(name)
    if path is None:
        reason = f"{name} is not installed (apt package {package}; tests/run installs it)"
        if os.environ.get("CI"):
            pytest.fail(reason, pytrace=False)  # CI never passes by skipping
        pytest.skip(reason)
    return path


def test_desktop_entry_validates() -> None:
    tool = _tool("desktop-file-validate", "desktop-file-utils")
    res = subprocess.run([tool, str(DESKTOP)], capture_output=True, text=True, timeout=60)
    assert res.returncode == 0 and res.stdout == "" and res.stderr == "", res.stdout + res.stderr
    entry = dict(line.split("=", 1) for line in DESKTOP.read_text().splitlines() if "=" in line)
    assert entry["Exec"] == "ereg-desktop"  # packaging/install.sh rewrites it to the full path
    assert entry["Icon"] == resources.APP_ID  # the name install.sh gives the hicolor icons


def test_metainfo_validates_and_names_this_release() -> None:
    tool = _tool("appstreamcli", "appstream")
    res = subprocess.run(
        [tool, "validate", "--no-net", "--no-color", str(METAINFO)],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert res.returncode == 0, res.stdout + res.stderr
    # only the pedantic note on the id's capitals (reverse-DNS ids are CamelCase by convention)
    notes = [line for line in res.stdout.splitlines() if re.match(r"^[EWI]: ", line)]
    assert notes == [], res.stdout

    root = ET.parse(METAINFO).getroot()
    assert root.findtext("id") == resources.APP_ID
    assert root.findtext("launchable") == DESKTOP.name
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    release = root.find("releases/release")
    assert release is not None
    assert release.get("version") == pyproject["project"]["version"] == __version__
    # every screenshot is a file of this repository's docs/
    images = [i.text or "" for i in root.iter("image")]
    assert images
    for url in images:
        assert (ROOT / url.split("/main/", 1)[1]).is_file(), url


def test_pngs_are_the_svg_at_every_size(qapp: object) -> None:
    render = _render_icons()
    assert tuple(render.SIZES) == resources.ICON_SIZES
    for size in resources.ICON_SIZES:
        shipped = QImage(str(render.png_path(size)))
        assert shipped.size() == QSize(size, size), size
        fresh = QImage.fromData(QByteArray(render.render(size)))
        assert fresh.size() == shipped.size()
        # the same picture: at most a rounding's difference per channel on average (another Qt
        # version may antialias a little differently); a changed SVG differs by far more
        a = shipped.convertToFormat(QImage.Format.Format_ARGB32).constBits().tobytes()
        b = fresh.convertToFormat(QImage.Format.Format_ARGB32).constBits().tobytes()
        mean = sum(abs(x - y) for x, y in zip(a, b, strict=True)) / len(a)
        assert mean < 2.0, f"{size}px differs from the SVG (mean {mean:.1f}): run render_icons.py"


def test_ico_and_icns_hold_every_size() -> None:
    render = _render_icons()
    ico = (RES / "icons" / "ereg-desktop.ico").read_bytes()
    reserved, kind, count = struct.unpack_from("<HHH", ico)
    assert (reserved, kind, count) == (0, 1, len(render.ICO_SIZES))
    sizes = []
    for i in range(count):
        width, _h, _c, _r, _p, _bits, length, offset = struct.unpack_from(
            "<BBBBHHII", ico, 6 + 16 * i
        )
        image = QImage.fromData(QByteArray(ico[offset : offset + length]), "PNG")
        assert image.width() == (width or 256)
        sizes.append(image.width())
    assert tuple(sizes) == render.ICO_SIZES

    icns = (RES / "icons" / "ereg-desktop.icns").read_bytes()
    assert icns[:4] == b"icns" and struct.unpack_from(">I", icns, 4)[0] == len(icns)
    found, at = {}, 8
    while at < len(icns):
        kind_bytes, length = icns[at : at + 4], struct.unpack_from(">I", icns, at + 4)[0]
        found[kind_bytes] = QImage.fromData(QByteArray(icns[at + 8 : at + length]), "PNG").width()
        at += length
    assert found == dict(render.ICNS_TYPES)


def test_the_window_icon_comes_from_resources(qapp: object) -> None:
    folder = resources.resources_dir()
    assert folder == RES  # a source checkout: the top-level folder itself
    icon = resources.app_icon()
    assert sorted(s.width() for s in icon.availableSizes()) == list(resources.ICON_SIZES)
    assert icon.pixmap(QSize(32, 32)).size() == QSize(32, 32)


def test_self_test_opens_the_window_with_its_icon_and_closes(tmp_path: Path) -> None:
    """``ereg-desktop --self-test`` (the frozen build's smoke test runs it too): exit 0 after the
    first paint, the icon found; no live status, so no server is contacted."""
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env.pop("QT_QPA_PLATFORM", None)  # the self-test goes offscreen by itself
    env["PYTHONPATH"] = str(ROOT)
    res = subprocess.run(
        [sys.executable, "-m", "ereg_desktop", "--config-dir", str(tmp_path), "--self-test"],
        env=env, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    assert res.returncode == 0, res.stdout + res.stderr
    assert "ereg-desktop: self-test ok (the first paint)" in res.stdout
    # the profile it was given (a new one gets the default inventory), not the operator's
    assert (tmp_path / "inventory.toml").is_file()
