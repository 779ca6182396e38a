"""The [alerts] section of settings.toml: the grace time and the memory thresholds saved and read
back; a broken value named in the log and replaced by its default, the other values kept."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from ereg_desktop.store.alert_settings import (
    ABSOLUTE,
    DEFAULT_GRACE_S,
    DEFAULT_MEMORY_FACTOR,
    DEFAULT_MEMORY_LIMIT_MB,
    MAX_GRACE_S,
    MAX_MEMORY_MB,
    MIN_GRACE_S,
    MIN_MEMORY_FACTOR,
    RELATIVE,
    AlertPrefs,
    MemoryOverride,
)
from ereg_desktop.store.settings import Settings, load_settings, save_settings


def test_defaults_without_a_section(tmp_path: Path) -> None:
    path = tmp_path / "settings.toml"
    path.write_text("[status]\nrefresh_interval_s = 20\n")
    assert load_settings(path).alerts == AlertPrefs()
    assert AlertPrefs().memory_rule == RELATIVE and AlertPrefs().grace_s == DEFAULT_GRACE_S


def test_saved_and_read_back(tmp_path: Path) -> None:
    path = tmp_path / "settings.toml"
    prefs = AlertPrefs(grace_s=120, memory_rule=ABSOLUTE, memory_factor=3.5, memory_limit_mb=900,
                       overrides=(MemoryOverride("unctad", "gt", 2048),
                                  MemoryOverride("unctad", "app with spaces \u00e9", 64)))  # fmt: skip
    save_settings(path, Settings(refresh_interval_s=30, alerts=prefs))
    back = load_settings(path)
    assert back.alerts == prefs and back.refresh_interval_s == 30
    assert "[alerts]" in path.read_text() and "webhook" not in path.read_text()


def test_nothing_out_of_range_is_written(tmp_path: Path) -> None:
    path = tmp_path / "settings.toml"
    save_settings(path, Settings(alerts=AlertPrefs(grace_s=-5, memory_factor=1e9,
                                                   memory_rule="bogus",
                                                   overrides=(MemoryOverride("s", "a", 10**12),
                                                              MemoryOverride("", "a", 100)))))  # fmt: skip
    back = load_settings(path).alerts
    assert back.grace_s == MIN_GRACE_S and back.memory_rule == RELATIVE
    assert back.overrides == (MemoryOverride("s", "a", MAX_MEMORY_MB),)


HOSTILE: dict[str, tuple[str, dict[str, object]]] = {
    "grace as a string": ('grace_s = "a minute"', {"grace_s": DEFAULT_GRACE_S}),
    "grace as a boolean": ("grace_s = true", {"grace_s": DEFAULT_GRACE_S}),
    "grace as a float": ("grace_s = 12.5", {"grace_s": DEFAULT_GRACE_S}),
    "grace negative": ("grace_s = -100", {"grace_s": MIN_GRACE_S}),
    "grace huge": ("grace_s = 9223372036854775807", {"grace_s": MAX_GRACE_S}),
    "factor nan": ("memory_factor = nan", {"memory_factor": DEFAULT_MEMORY_FACTOR}),
    "factor inf": ("memory_factor = inf", {"memory_factor": DEFAULT_MEMORY_FACTOR}),
    "factor below one": ("memory_factor = 0.2", {"memory_factor": MIN_MEMORY_FACTOR}),
    "factor a table": ("memory_factor = {x = 1}", {"memory_factor": DEFAULT_MEMORY_FACTOR}),
    "limit a float": ("memory_limit_mb = 1.5", {"memory_limit_mb": DEFAULT_MEMORY_LIMIT_MB}),
    "rule unknown": ('memory_rule = "absolutely"', {"memory_rule": RELATIVE}),
    "rule a number": ("memory_rule = 1", {"memory_rule": RELATIVE}),
    "overrides a string": ('memory_override = "gt=10"', {"overrides": ()}),
    "override without an app": (
        'memory_override = [{server = "unctad", limit_mb = 100}]',
        {"overrides": ()},
    ),  # fmt: skip
    "override with a control character": (
        'memory_override = [{server = "unc\\u001btad", app = "gt", limit_mb = 100}]',
        {"overrides": ()},
    ),
    "override limit a string": (
        'memory_override = [{server = "u", app = "gt", limit_mb = "1"}]',
        {"overrides": ()},
    ),  # fmt: skip
    "override not a table": ("memory_override = [1, 2]", {"overrides": ()}),
}


@pytest.mark.parametrize(
    "what",
    [
        pytest.param(
            what,
            marks=pytest.mark.hostile(
                area="files: settings",
                tried=f"settings.toml [alerts] {what}",
                outcome="that value's default (or clamped into range), said in the log naming "
                "the file; the other values of the file still count",
            ),
            id=what,
        )
        for what in HOSTILE
    ],
)
def test_a_broken_value_gives_its_default_and_says_so(
    tmp_path: Path, what: str, caplog: pytest.LogCaptureFixture
) -> None:
    line, expected = HOSTILE[what]
    path = tmp_path / "settings.toml"
    path.write_text(f"[status]\nrefresh_interval_s = 40\n\n[alerts]\n{line}\n", encoding="utf-8")
    with caplog.at_level(logging.INFO, logger="ereg_desktop"):
        loaded = load_settings(path)
    assert loaded.refresh_interval_s == 40
    for key, value in expected.items():
        assert getattr(loaded.alerts, key) == value
    assert any(str(path) in r.getMessage() for r in caplog.records), caplog.text


@pytest.mark.hostile(area="files: settings", tried="[alerts] is a string, not a table",
                     outcome="the alerts' defaults, said in the log")  # fmt: skip
def test_alerts_not_a_table(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "settings.toml"
    path.write_text('alerts = "loud"\n')
    with caplog.at_level(logging.INFO, logger="ereg_desktop"):
        assert load_settings(path).alerts == AlertPrefs()
    assert "alerts is not a table" in caplog.text


def test_the_last_override_of_an_app_counts_and_good_ones_survive_bad(tmp_path: Path) -> None:
    path = tmp_path / "settings.toml"
    path.write_text(
        "[alerts]\n"
        '[[alerts.memory_override]]\nserver = "unctad"\napp = "gt"\nlimit_mb = 100\n'
        '[[alerts.memory_override]]\nserver = "unctad"\napp = "gt"\nlimit_mb = 300\n'
        '[[alerts.memory_override]]\nserver = "unctad"\nlimit_mb = 300\n'
        '[[alerts.memory_override]]\nserver = " unctad "\napp = "els"\nlimit_mb = 5\n'
    )
    assert load_settings(path).alerts.overrides == (
        MemoryOverride("unctad", "gt", 300),
        MemoryOverride("unctad", "els", 16),  # trimmed; clamped up to the smallest threshold
    )
