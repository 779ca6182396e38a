"""A damaged settings.toml: the window starts with the defaults, says which file it ignored and
why (in the log), and leaves the file as it was."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from ereg_desktop.store.settings import (
    DEFAULT_REFRESH_S,
    MAX_REFRESH_S,
    Settings,
    load_settings,
    save_settings,
)

GOOD = b"version = 1\n\n[status]\nrefresh_interval_s = 30\n"

DAMAGE: dict[str, bytes | None] = {
    "truncated mid-line": GOOD[:-6],
    "empty (0 bytes)": b"",
    "binary garbage": b"\x89PNG\r\n\x1a\n\x00\x00" * 30,
    "invalid UTF-8": GOOD.replace(b"version", b"versi\xf3n"),
    "a NUL byte": GOOD.replace(b"30", b"3\x000"),
    "a duplicated key": GOOD + b"refresh_interval_s = 40\n",
    "a value of the wrong type": GOOD.replace(b"30", b'"thirty"'),
    "a directory in place of the file": None,
}


@pytest.mark.parametrize(
    "what",
    [
        pytest.param(
            what,
            marks=pytest.mark.hostile(
                area="files: settings",
                tried=f"settings.toml {what}",
                outcome="the window starts with the default refresh interval; the log names the "
                "file and why; the file is left as it was",
            ),
            id=what,
        )
        for what in DAMAGE
    ],
)
def test_damaged_settings_give_the_defaults_and_say_why(
    tmp_path: Path, what: str, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "settings.toml"
    data = DAMAGE[what]
    if data is None:
        path.mkdir()
    else:
        path.write_bytes(data)
    with caplog.at_level(logging.INFO, logger="ereg_desktop"):
        assert load_settings(path) == Settings(refresh_interval_s=DEFAULT_REFRESH_S)
    assert any(str(path) in r.getMessage() for r in caplog.records), caplog.text
    assert path.is_dir() if data is None else path.read_bytes() == data


@pytest.mark.parametrize(
    "data,expected",
    [
        pytest.param(
            GOOD.replace(b"\n", b"\r\n"),
            30,
            marks=pytest.mark.hostile(
                area="files: settings",
                tried="settings.toml with CRLF line ends and a BOM",
                outcome="read as written",
            ),
            id="CRLF and BOM",
        ),
        pytest.param(
            GOOD.replace(b"30", b"1" + b"0" * 400),
            MAX_REFRESH_S,
            marks=pytest.mark.hostile(
                area="files: settings",
                tried="a 401-digit refresh interval in settings.toml",
                outcome="clamped to the longest interval (3600 s)",
            ),
            id="huge number",
        ),
    ],
)
def test_what_editors_write_is_read(tmp_path: Path, data: bytes, expected: int) -> None:
    path = tmp_path / "settings.toml"
    path.write_bytes(b"\xef\xbb\xbf" + data if b"\r\n" in data else data)
    assert load_settings(path).refresh_interval_s == expected


@pytest.mark.hostile(
    area="files: settings",
    tried="saving the refresh interval when a directory is in place of settings.toml",
    outcome="an OSError naming the file (the window shows 'could not be saved'); nothing removed",
)
def test_saving_over_a_directory_names_it_and_removes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "settings.toml"
    path.mkdir()
    (path / "keep").write_text("x")
    with pytest.raises(OSError) as caught:
        save_settings(path, Settings(refresh_interval_s=20))
    assert str(path) in str(caught.value)
    assert (path / "keep").read_text() == "x"
    assert [p.name for p in tmp_path.iterdir()] == ["settings.toml"]  # no temporary file left
