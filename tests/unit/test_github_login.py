"""The GitHub token and API URL: settings.toml [github] api_url, the keyring entry, the context's
github_pulls, and `ereg-desktop github login|logout|status` against the stand-in."""

from __future__ import annotations

import io
import logging
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from ereg_desktop import cli
from ereg_desktop.context import AppContext
from ereg_desktop.demo.github_standin import GitHubStandIn
from ereg_desktop.services.github.errors import TokenMissing
from ereg_desktop.store.paths import AppPaths
from ereg_desktop.store.secrets import (
    GITHUB_TOKEN,
    SecretStore,
    delete_github_token,
    get_github_token,
    set_github_token,
)
from ereg_desktop.store.settings import (
    DEFAULT_GITHUB_API_URL,
    Settings,
    load_settings,
    save_settings,
)

TOKEN = "ghp_loginTestToken0123456789abcdefABCD"


@pytest.fixture
def standin(tmp_path: Path) -> Iterator[GitHubStandIn]:
    with GitHubStandIn({}, {TOKEN: "maria-gh"}) as s:
        yield s


@pytest.fixture
def config(tmp_path: Path, standin: GitHubStandIn) -> Path:
    folder = tmp_path / "config"
    folder.mkdir()
    save_settings(folder / "settings.toml", Settings(github_api_url=standin.url))
    return folder


def store() -> SecretStore:
    return SecretStore.from_environment()  # the suite's in-memory keyring


def run_cli(config: Path, *args: str, stdin: str = "", tty: bool = False,
            monkeypatch: pytest.MonkeyPatch) -> int:  # fmt: skip
    fake = io.StringIO(stdin)
    fake.isatty = lambda: tty  # type: ignore[method-assign]
    monkeypatch.setattr(sys, "stdin", fake)
    return cli.main(["--config-dir", str(config), "github", *args])


# --- settings ---------------------------------------------------------------------------------


def test_the_api_url_is_saved_only_when_not_the_default(tmp_path: Path) -> None:
    path = tmp_path / "settings.toml"
    save_settings(path, Settings(refresh_interval_s=20))
    assert "github" not in path.read_text()
    assert load_settings(path).github_api_url == DEFAULT_GITHUB_API_URL
    save_settings(path, Settings(github_api_url="https://ghe.example.org/api/v3"))
    assert load_settings(path) == Settings(github_api_url="https://ghe.example.org/api/v3")
    # the live status saves the interval from the loaded settings: the URL stays
    save_settings(path, load_settings(path).with_refresh_interval(30))
    assert load_settings(path).github_api_url == "https://ghe.example.org/api/v3"


BAD_URLS = {
    "another scheme": '"ftp://ghe.example.org"',
    "no scheme": '"api.github.com"',
    "a number": "42",
    "credentials in the URL": '"https://user:secret@ghe.example.org/api/v3"',
    "an empty string": '""',
    "a bad port": '"https://ghe.example.org:99999"',
    "a line break": '"https://ghe.example.org\\n/api"',
}


@pytest.mark.parametrize(
    "what",
    [
        pytest.param(
            what,
            marks=pytest.mark.hostile(
                area="files: settings",
                tried=f"settings.toml [github] api_url: {what}",
                outcome="https://api.github.com is used; the log names the file and the value; "
                "the refresh interval is still read",
            ),
            id=what,
        )
        for what in BAD_URLS
    ],
)
def test_a_bad_api_url_falls_back_to_github_com(
    tmp_path: Path, what: str, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "settings.toml"
    path.write_text(
        f"version = 1\n\n[status]\nrefresh_interval_s = 30\n\n[github]\napi_url = {BAD_URLS[what]}\n"
    )
    with caplog.at_level(logging.INFO, logger="ereg_desktop"):
        loaded = load_settings(path)
    assert loaded == Settings(refresh_interval_s=30, github_api_url=DEFAULT_GITHUB_API_URL)
    assert any(str(path) in r.getMessage() and "api_url" in r.getMessage() for r in caplog.records)
    assert "secret" not in caplog.text


# --- the keyring entry and the context --------------------------------------------------------


def test_the_token_is_one_global_keyring_entry() -> None:
    s = store()
    assert get_github_token(s) is None and delete_github_token(s) is False
    set_github_token(s, TOKEN)
    assert get_github_token(s) == TOKEN and s.get(GITHUB_TOKEN) == TOKEN
    assert delete_github_token(s) is True and get_github_token(s) is None


def test_the_context_builds_pulls_only_with_a_token(tmp_path: Path, standin: GitHubStandIn) -> None:
    paths = AppPaths.resolve(config_dir=tmp_path / "c")
    gui = AppContext.for_gui(paths)
    ctx = AppContext(paths, gui.inventory_file, gui.loaded)
    assert ctx.github_api_url == DEFAULT_GITHUB_API_URL
    with pytest.raises(TokenMissing) as missing:
        ctx.github_pulls("egov/gt")
    assert "github login" in str(missing.value) and "GitHub token" in str(missing.value)
    set_github_token(ctx.secrets, TOKEN)
    assert ctx.github_pulls("egov/gt").api_url == DEFAULT_GITHUB_API_URL
    given = AppContext(paths, gui.inventory_file, gui.loaded, github_token=TOKEN,
                       github_api_url=standin.url)  # fmt: skip
    pulls = given.github_pulls("egov/gt")
    assert (pulls.repository, pulls.api_url) == ("egov/gt", standin.url)
    assert pulls.check_token() == "maria-gh"


def test_the_context_reads_the_api_url_from_settings(tmp_path: Path, config: Path, standin: GitHubStandIn) -> None:  # fmt: skip
    ctx = AppContext.for_gui(AppPaths.resolve(config_dir=config))
    assert ctx.github_api_url == standin.url


# --- the CLI ----------------------------------------------------------------------------------


def test_login_checks_stores_and_says_whose(config: Path, monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    assert (
        run_cli(config, "login", "--token-stdin", stdin=TOKEN + "\n", monkeypatch=monkeypatch) == 0
    )
    out = capsys.readouterr()
    assert "Logged in to GitHub" in out.out and "as maria-gh" in out.out
    assert TOKEN not in out.out + out.err
    assert get_github_token(store()) == TOKEN
    assert run_cli(config, "status", monkeypatch=monkeypatch) == 0
    out = capsys.readouterr()
    assert "belongs to maria-gh" in out.out and TOKEN not in out.out + out.err
    assert run_cli(config, "logout", monkeypatch=monkeypatch) == 0
    assert "Removed" in capsys.readouterr().out and get_github_token(store()) is None
    assert run_cli(config, "status", monkeypatch=monkeypatch) == 1
    assert "No GitHub token is stored" in capsys.readouterr().out
    assert run_cli(config, "logout", monkeypatch=monkeypatch) == 0
    assert "No GitHub token was stored" in capsys.readouterr().out


def test_a_refused_token_is_not_stored(config: Path, monkeypatch: pytest.MonkeyPatch,
                                       capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    wrong = "ghp_notTheRightOne0123456789"
    assert run_cli(config, "login", "--token-stdin", stdin=wrong, monkeypatch=monkeypatch) == 1
    err = capsys.readouterr().err
    assert "GitHub refused the token (Bad credentials)" in err and wrong not in err
    assert get_github_token(store()) is None


def test_login_asks_without_echo_on_a_terminal_only(config: Path, monkeypatch: pytest.MonkeyPatch,
                                                    capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    asked: list[str] = []
    monkeypatch.setattr("getpass.getpass", lambda prompt: asked.append(prompt) or TOKEN)
    assert run_cli(config, "login", tty=True, monkeypatch=monkeypatch) == 0
    assert asked == ["GitHub token (not shown): "] and get_github_token(store()) == TOKEN
    assert run_cli(config, "login", tty=False, monkeypatch=monkeypatch) == 2
    assert "--token-stdin" in capsys.readouterr().err


def test_status_says_when_github_cannot_be_reached(config: Path, standin: GitHubStandIn,
                                                   monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    set_github_token(store(), TOKEN)
    url = standin.url
    standin.stop()
    assert run_cli(config, "status", monkeypatch=monkeypatch) == 3
    out = capsys.readouterr().out
    assert "could not be checked" in out and url in out and TOKEN not in out
