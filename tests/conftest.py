"""Suite-wide rules: Qt runs offscreen, and an unexpected warning logged by the app fails the test.

Qt's own warnings fail through pytest-qt (``qt_log_level_fail = WARNING`` in pyproject.toml); the
app's Python warnings fail here, unless a test says it expects them with
``@pytest.mark.allow_warning_logs``.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
_TESTS = os.path.dirname(os.path.abspath(__file__))


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "allow_warning_logs: the test expects the app to log warnings or errors"
    )
    config.addinivalue_line(
        "markers",
        "hostile(area, tried, outcome): a hostile input or fault and what the app does about it "
        "(rows of docs/hostile-inputs.md, see tests/hostile_table.py)",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """With EREG_HOSTILE_ROWS set, write the ``hostile`` rows of the collected tests there."""
    target = os.environ.get("EREG_HOSTILE_ROWS")
    if not target:
        return
    import json

    rows = []
    for item in items:
        for mark in item.iter_markers("hostile"):
            missing = {"area", "tried", "outcome"} - set(mark.kwargs)
            if missing or mark.args:
                raise pytest.UsageError(f"{item.nodeid}: hostile(area=, tried=, outcome=) needed")
            rows.append({k: str(mark.kwargs[k]) for k in ("area", "tried", "outcome")})
            rows[-1]["test"] = item.nodeid
    with open(target, "w", encoding="utf-8") as f:
        json.dump(rows, f, ensure_ascii=False)


class _Collector(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def screenshot(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """``screenshot(widget, "name")`` saves a PNG and returns its path: into $EREG_SCREENSHOTS
    when set (to look at them), else a temporary folder. Asserts the picture is not empty."""
    folder = os.environ.get("EREG_SCREENSHOTS") or str(tmp_path_factory.mktemp("screens"))

    def save(widget, name: str):  # type: ignore[no-untyped-def]
        os.makedirs(folder, exist_ok=True)
        path = os.path.join(folder, f"{name}.png")
        assert widget.grab().save(path) and os.path.getsize(path) > 0
        return path

    return save


@pytest.fixture(autouse=True)
def _memory_keyring(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Nothing in a test may reach (or prompt from) the desktop's keyring."""
    from memory_keyring import MemoryKeyring

    MemoryKeyring.entries.clear()
    monkeypatch.setenv("EREG_DESKTOP_KEYRING", "memory_keyring:MemoryKeyring")
    monkeypatch.setenv(
        "PYTHONPATH", os.pathsep.join(filter(None, [_TESTS, os.environ.get("PYTHONPATH")]))
    )
    yield
    MemoryKeyring.entries.clear()


@pytest.fixture(autouse=True)
def _fail_on_app_warnings(request: pytest.FixtureRequest) -> Iterator[None]:
    collector = _Collector()
    logger = logging.getLogger("ereg_desktop")
    logger.addHandler(collector)
    try:
        yield
    finally:
        logger.removeHandler(collector)
    if collector.records and request.node.get_closest_marker("allow_warning_logs") is None:
        lines = "\n".join(f"{r.levelname} {r.name}: {r.getMessage()}" for r in collector.records)
        pytest.fail(f"unexpected warnings logged by the app:\n{lines}", pytrace=False)
