"""A broken inventory file never keeps the window from opening, and is never overwritten."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from ereg_desktop.context import AppContext
from ereg_desktop.store.inventory_toml import parse_inventory
from ereg_desktop.ui import app as ui_app
from ereg_desktop.ui.main_window import MainWindow


@pytest.fixture
def broken(paths):
    """The default inventory, once loaded fine, then edited into ``app = "gt;rm"``."""
    AppContext.for_gui(paths)
    path = paths.inventory_file
    good = path.read_text()
    path.write_text(good.replace('app = "gt"', 'app = "gt;rm"'))
    line = 1 + path.read_text().splitlines().index('  app = "gt;rm"')
    return path, line, path.read_bytes(), good


def test_window_opens_with_a_warning_bar_naming_file_and_line(qtbot, paths, broken):
    path, line, broken_bytes, good = broken
    window = MainWindow(AppContext.for_gui(paths), open_url=lambda url: None)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    bar = window.problem_bar
    assert bar.isVisible()
    assert bar.geometry().top() < window.tree.geometry().top()  # above the systems
    text = bar.message.text()
    assert f"{path}:{line}: app name 'gt;rm'" in text
    assert "last good copy is in use" in text
    assert window.ctx.inventory.systems[0].deployments[0].app == "gt"  # runs on the good copy
    assert path.read_bytes() == broken_bytes
    last_good = path.with_name(path.name + ".last-good")
    assert last_good.read_text() == good
    parse_inventory(last_good.read_text(), str(last_good))


def test_fixing_the_file_and_reloading_clears_the_bar(qtbot, paths, broken):
    path, _, _, good = broken
    window = MainWindow(AppContext.for_gui(paths), open_url=lambda url: None)
    qtbot.addWidget(window)
    window.show()
    path.write_text(good)
    with qtbot.waitSignal(window.inventory_reloaded):
        window.problem_bar.reload.click()
    assert not window.problem_bar.isVisible()


def test_the_app_starts_the_real_way_despite_the_broken_file(paths, broken):
    """``python -m ereg_desktop`` in its own process: an exec()'d app cannot run event loops again."""
    path, _, broken_bytes, _ = broken
    env = {**os.environ, ui_app.EXIT_AFTER_FIRST_PAINT: "1", "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run(
        [sys.executable, "-m", "ereg_desktop", "--config-dir", str(paths.config_dir)],
        env=env,
        cwd=Path(__file__).parents[2],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(ui_app.FIRST_PAINT_PREFIX)
    assert path.read_bytes() == broken_bytes
