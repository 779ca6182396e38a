"""The setting that turns the model-load check of pending translations on for development
deployments too (production always has it): settings.toml, then the update's settings."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from ereg_desktop.context import AppContext
from ereg_desktop.store.paths import AppPaths
from ereg_desktop.store.settings import Settings, load_settings, save_settings


def test_off_by_default_on_when_set_and_saved_only_when_on(tmp_path: Path) -> None:
    path = tmp_path / "settings.toml"
    assert load_settings(path).model_check_development is False
    path.write_text("[translations]\nmodel_check_development = true\n")
    assert load_settings(path).model_check_development is True
    save_settings(path, Settings())
    assert "translations" not in path.read_text()
    save_settings(path, Settings(refresh_interval_s=30, model_check_development=True))
    back = load_settings(path)
    assert back.model_check_development is True and back.refresh_interval_s == 30


@pytest.mark.hostile(area="files: settings", tried="translations.model_check_development = "
                     "\"yes\" (a string)", outcome="off (the default), said in the log; the "
                     "other settings still read")  # fmt: skip
def test_a_value_that_is_not_a_boolean_is_off_and_said(tmp_path: Path, caplog) -> None:
    path = tmp_path / "settings.toml"
    path.write_text(
        '[status]\nrefresh_interval_s = 20\n[translations]\nmodel_check_development = "yes"\n'
    )
    with caplog.at_level(logging.INFO):
        got = load_settings(path)
    assert got.model_check_development is False and got.refresh_interval_s == 20
    assert "model_check_development" in caplog.text


def test_the_update_reads_it(tmp_path: Path) -> None:
    paths = AppPaths.resolve(config_dir=tmp_path / "config")
    paths.settings_file.parent.mkdir(parents=True, exist_ok=True)
    paths.settings_file.write_text("[translations]\nmodel_check_development = true\n")
    ctx = AppContext.for_gui(paths)
    assert ctx.deploy_settings.model_check_for(production=False) is True
    assert ctx.deploy_settings.model_check_for(production=True) is True
