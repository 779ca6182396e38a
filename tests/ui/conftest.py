"""Fixtures for the window tests: offscreen Qt, a fresh config dir, no unexpected warnings."""

import os

# Before any Qt import: there is no display on CI or on the test machine.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import logging

import pytest

from ereg_desktop.context import AppContext
from ereg_desktop.store.paths import AppPaths

# Qt messages that are expected and harmless. Anything else at WARNING or above fails the test
# (qt_log_level_fail = "WARNING" in pyproject.toml).
EXPECTED_QT_MESSAGES = (
    # The offscreen platform plugin cannot tell a window manager about size hints.
    r"This plugin does not support propagateSizeHints\(\)",
    # ...nor raise a popup (the time zone completer) or let it grab the keyboard.
    r"This plugin does not support raise\(\)",
    r"This plugin does not support grabbing the keyboard",
)


def pytest_collection_modifyitems(config, items):
    here = os.path.dirname(__file__)
    for item in items:
        if str(item.fspath).startswith(here):
            item.add_marker(pytest.mark.gui)
            item.add_marker(pytest.mark.qt_log_ignore(*EXPECTED_QT_MESSAGES, extend=True))


@pytest.fixture(autouse=True, scope="session")
def qt_warnings_fail_tests(pytestconfig):
    """Guard the guard: the suite is only meaningful if a Qt warning fails the test."""
    assert pytestconfig.getini("qt_log_level_fail") == "WARNING"
    assert pytestconfig.getoption("qt_log"), "--no-qt-log would let Qt warnings pass"


@pytest.fixture(autouse=True)
def python_warnings_fail_tests(caplog):
    """A test also fails when our own code logs a warning (as Qt's do, via pytest-qt)."""
    caplog.set_level(logging.WARNING)
    yield
    bad = [r for r in caplog.get_records("call") if r.levelno >= logging.WARNING]
    assert not bad, "unexpected log messages: " + "; ".join(r.getMessage() for r in bad)


@pytest.fixture
def paths(tmp_path) -> AppPaths:
    """A fresh config dir: the app writes the default inventory there on first load."""
    return AppPaths.resolve(config_dir=tmp_path / "config")


@pytest.fixture
def ctx(paths) -> AppContext:
    return AppContext.for_gui(paths)


@pytest.fixture
def opened_urls() -> list[str]:
    """What the window asked the browser to open."""
    return []


@pytest.fixture
def window(qtbot, ctx, opened_urls):
    from ereg_desktop.ui.main_window import MainWindow

    w = MainWindow(ctx, open_url=opened_urls.append)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    return w
