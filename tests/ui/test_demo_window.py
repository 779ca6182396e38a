"""The window of the demo profile says DEMO (title and banner); the operator's does not."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QLabel

from ereg_desktop.context import AppContext
from ereg_desktop.store.paths import AppPaths, SessionProfile
from ereg_desktop.store.secrets import memory_secret_store
from ereg_desktop.ui.main_window import MainWindow


def _window(qtbot, paths: AppPaths) -> MainWindow:  # type: ignore[no-untyped-def]
    window = MainWindow(AppContext.for_gui(paths))
    qtbot.addWidget(window)
    return window


def test_demo_profile_window_says_demo(qtbot, tmp_path: Path, screenshot) -> None:  # type: ignore[no-untyped-def]
    profile = SessionProfile("demo", memory_secret_store(), github_token="t")
    paths = AppPaths.for_profile(tmp_path, profile, tmp_path / "inventory.toml")
    window = _window(qtbot, paths)
    window.show()
    assert window.windowTitle().endswith(" \u2014 DEMO")
    banner = window.findChild(QLabel, "demoBanner")
    assert banner is not None and banner.isVisible() and "DEMO" in banner.text()
    screenshot(window, "demo-window")


def test_operator_window_has_no_demo_banner(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    window = _window(qtbot, AppPaths.resolve(tmp_path))
    assert "DEMO" not in window.windowTitle()
    assert window.findChild(QLabel, "demoBanner") is None
