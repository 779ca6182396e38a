"""``ereg-desktop deploy APP --yes`` with translations pending, as a real subprocess against the
sandbox and the GitHub stand-in: no viewer, the checks decide before any downtime; the token comes
from ``github login`` (the keyring) and never shows in an output or a file the app wrote."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cli_helpers import Cli, make_cli
from translations_flow_helpers import (
    OWNER,
    TOKEN,
    change_messages,
    github_standin,
    jlist_pid,
    master_file,
    parents,
    restore_app,
)

from ereg_desktop.services.i18n.messages_file import parse_messages

APP = "gt-dev"


@pytest.fixture(scope="module")
def github(sandbox: Any) -> Iterator[Any]:
    with github_standin(sandbox) as standin:
        yield standin


@pytest.fixture
def cli(sandbox: Any, github: Any, tmp_path: Path) -> Iterator[Cli]:
    restore_app(sandbox, APP)
    cli = make_cli(sandbox, tmp_path, [APP])
    inventory = cli.config_dir / "inventory.toml"
    text = inventory.read_text()
    inventory.write_text(text.replace('owner = "Tester"\n',
                                      f'owner = "Tester"\nrepository = "{OWNER}/{APP}"\n', 1))  # fmt: skip
    (cli.config_dir / "settings.toml").write_text(f'[github]\napi_url = "{github.url}"\n')
    login = subprocess.run(cli.argv("github", "login", "--token-stdin"), input=TOKEN, text=True,
                           env=cli.env, capture_output=True, timeout=60)  # fmt: skip
    assert login.returncode == 0, login.stderr
    assert "translations-bot" in login.stdout and TOKEN not in login.stdout + login.stderr
    yield cli
    restore_app(sandbox, APP)


def _said(res: subprocess.CompletedProcess[str]) -> str:
    return res.stdout + res.stderr


def _no_token_in_files(root: Path) -> None:
    for path in root.rglob("*"):
        if path.is_file() and path.name != "keyring.json":  # the test's stand-in OS keyring
            assert TOKEN.encode() not in path.read_bytes(), path


def test_an_error_refuses_before_any_downtime(sandbox: Any, cli: Cli, tmp_path: Path) -> None:
    change_messages(sandbox, APP, {"I'm ${ fullName }": "Soy ${ process.env.HOME }"})
    pid = jlist_pid(sandbox, APP)
    res = cli.run("deploy", APP, "--yes")
    said = _said(res)
    assert res.returncode == 1, said
    assert "es_format" in said and "Nothing was stopped" in said and "[app up]" in said
    assert jlist_pid(sandbox, APP) == pid
    assert TOKEN not in said
    _no_token_in_files(tmp_path)


def test_warnings_need_accept_warnings_then_it_submits_merges_and_deploys(
    sandbox: Any, cli: Cli, tmp_path: Path
) -> None:
    wanted = change_messages(sandbox, APP, {"Welcome to ${ systemName }": "Bienvenido"})
    pid = jlist_pid(sandbox, APP)
    refused = cli.run("deploy", APP, "--yes")
    assert refused.returncode == 1 and "--accept-warnings" in _said(refused), _said(refused)
    assert jlist_pid(sandbox, APP) == pid
    done = cli.run("deploy", APP, "--yes", "--accept-warnings")
    said = _said(done)
    assert done.returncode == 0, said
    assert "deployed" in said and "== Pull request" in said and "merged" in said
    assert parse_messages(master_file(sandbox, APP)) == wanted
    assert len(parents(sandbox, APP)) == 2
    assert sandbox.head(APP) == sandbox.origin_head(APP)
    assert TOKEN not in said
    _no_token_in_files(tmp_path)
