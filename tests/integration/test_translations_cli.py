"""``ereg-desktop translations diff APP [--json]`` end to end: the real CLI against the sandbox's
``proto`` (its pending files, its scan map, its model loaded by the real node)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cli_helpers import Cli, make_cli
from sandbox.apps import i18n_messages, panel_json
from test_translations_server import APP, from_the_base, restore


@pytest.fixture
def cli(sandbox: Any, tmp_path: Path) -> Iterator[Cli]:
    from_the_base(sandbox)
    yield make_cli(sandbox, tmp_path, [APP])
    restore(sandbox)


def production(cli: Cli) -> None:
    inventory = cli.config_dir / "inventory.toml"
    text = inventory.read_text()
    inventory.write_text(text.replace('environment = "development"', 'environment = "production"'))


def write_messages(box: Any, **change: str) -> None:
    box.write_app_file(APP, "i18n-messages.json", panel_json({**i18n_messages(APP), **change}))


def test_nothing_pending_says_so(sandbox: Any, cli: Cli) -> None:
    res = cli.run("translations", "diff", APP)
    assert (res.returncode, res.stderr) == (0, ""), res.stderr
    assert (
        res.stdout.strip() == f"{APP}: nothing pending (no changes in i18n-messages.json or data/)."
    )
    res = cli.run("translations", "diff", APP, "--json")
    assert json.loads(res.stdout) == {"app": APP, "changes": [], "findings": [], "data": []}


def test_development_checks_offline_and_lists_the_data_files(sandbox: Any, cli: Cli) -> None:
    write_messages(sandbox, legend="Ley\nenda")
    sandbox.write_app_file(APP, "data/global.json", '{"system": "proto", "currency": "EUR"}\n')
    res = cli.run("translations", "diff", APP)
    assert res.returncode == 1, res.stdout + res.stderr
    out = res.stdout
    assert f"{APP}: HEAD:i18n-messages.json -> working tree" in out
    assert 'changed  legend: "Leyenda" -> "Ley\\nenda"' in out
    assert "stringline (/model/documents/legend.js:8)" in out  # the scan map's place
    assert "modified data/global.json" in out and '+{"system": "proto", "currency": "EUR"}' in out
    assert "Model check: not run (off for this environment; --model-check runs it)" in out
    assert "model-load" not in out

    res = cli.run("translations", "diff", APP, "--json")
    assert res.returncode == 1
    data = json.loads(res.stdout)
    assert list(data) == ["app", "changes", "findings", "data"]
    assert data["changes"] == [
        {"key": "legend", "status": "changed", "old": "Leyenda", "new": "Ley\nenda"}
    ]
    assert [f["check"] for f in data["findings"]] == ["stringline"]
    assert [(d["path"], d["status"], d["binary"]) for d in data["data"]] == [
        ("data/global.json", "modified", False)
    ]
    assert '-  "currency": "USD",' in data["data"][0]["diff"]


def test_production_loads_the_model_by_default(sandbox: Any, cli: Cli) -> None:
    production(cli)
    pid = sandbox.pm2_process(APP)["pid"]
    before = (sandbox.app_dir(APP) / "i18n-messages.json").read_bytes()
    write_messages(sandbox, **{"Business registration": "Registro\r\nde empresas"})
    res = cli.run("translations", "diff", APP, "--json")
    assert res.returncode == 1, res.stderr
    data = json.loads(res.stdout)
    model = [f for f in data["findings"] if f["check"] == "model-load"]
    assert len(model) == 1 and model[0]["severity"] == "error" and model[0]["key"] is None
    assert "doesn't match pattern" in model[0]["message"]
    assert data["model_check"]["ran"] is True and data["model_check"]["ok"] is False
    assert (sandbox.app_dir(APP) / "i18n-messages.json").read_bytes() != before  # the panel's
    assert sandbox.pm2_process(APP)["pid"] == pid and sandbox.pm2_status(APP) == "online"

    res = cli.run("translations", "diff", APP, "--no-model-check", "--json")
    assert "model_check" not in json.loads(res.stdout)


def test_a_harmless_change_passes_with_the_model_check(sandbox: Any, cli: Cli) -> None:
    write_messages(sandbox, Submit="Enviar ahora", legend="Leyenda nueva")
    res = cli.run("translations", "diff", APP, "--model-check")
    assert res.returncode == 0, res.stdout + res.stderr
    assert 'changed  Submit: "Enviar" -> "Enviar ahora"' in res.stdout
    assert "Model check: the model loads with these translations (" in res.stdout
    assert "0 errors" in res.stdout


def test_an_unknown_app_is_bad_input(sandbox: Any, cli: Cli) -> None:
    res = cli.run("translations", "diff", "nosuchapp")
    assert res.returncode == 2 and "no deployment named 'nosuchapp'" in res.stderr
