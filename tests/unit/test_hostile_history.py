"""``ereg-desktop history`` and ``status`` against hostile records and a damaged history file: no
traceback, the problem named with the file, and nothing from a server rewrites the terminal."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from ereg_desktop.commands.status import rows_text, status_rows
from ereg_desktop.remote.command import Result
from ereg_desktop.services.monitor import Monitor
from ereg_desktop.store.history import History
from ereg_desktop.store.inventory import Inventory, Server

ESCAPES = "\x1b]0;pwned\x07\x1b[2J\x00\u2028\u202e"
CONTROLS = "\x1b\x07\x00\u2028\u202e"  # what of ESCAPES a terminal acts on


def cli(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "ereg_desktop", "--config-dir", str(config), *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=60)


def history_file(config: Path) -> Path:
    (config / "data").mkdir(parents=True, exist_ok=True)
    return config / "data" / "history.sqlite3"


@pytest.mark.hostile(area="history", tried="the history database is not a database (random bytes)",
                     outcome="'the local history (FILE) could not be read ... move it aside'; "
                             "exit 1, no traceback")  # fmt: skip
def test_a_damaged_history_file_is_named_not_a_traceback(tmp_path: Path) -> None:
    history_file(tmp_path).write_bytes(b"\x00\xff garbage " * 500)
    res = cli(tmp_path, "history")
    assert res.returncode != 0 and "Traceback" not in res.stderr
    assert "could not be read" in res.stderr and str(history_file(tmp_path)) in res.stderr


@pytest.mark.hostile(area="history", tried="rows of the history edited into broken JSON, a "
                     "number, a blob and a 100 000-deep list", outcome="those rows are left out; "
                     "the good records are listed")  # fmt: skip
def test_broken_rows_are_left_out(tmp_path: Path) -> None:
    h = History(history_file(tmp_path))
    h.add({"app": "gt", "server": "s", "kind": "restart", "started_at": "2026-01-01T00:00:01",
           "result": "ok", "app_state": "up"})  # fmt: skip
    conn = sqlite3.connect(h.path)
    with conn:
        for bad in ("{broken", "5", b"\xff", "[" * 100_000):
            conn.execute("INSERT INTO writes (app, server, kind, started_at, result, record)"
                         " VALUES ('gt', 's', 'x', '2026', 'ok', ?)", (bad,))  # fmt: skip
    conn.close()
    assert [r["kind"] for r in h.list("gt")] == ["restart"]
    res = cli(tmp_path, "history")
    assert res.returncode == 0 and "restart" in res.stdout, res.stderr


@pytest.mark.hostile(area="history", tried="a record whose operator and message hold terminal "
                     "escapes, NUL, U+2028 and a right-to-left override", outcome="printed with "
                     "those characters as spaces; the terminal is not rewritten")  # fmt: skip
def test_control_characters_in_a_record_never_reach_the_terminal(tmp_path: Path) -> None:
    History(history_file(tmp_path)).add(
        {"app": "gt", "server": "s", "kind": "restart", "started_at": "2026-01-01T00:00:01",
         "result": "ok", "app_state": "up", "operator": f"Ann{ESCAPES}", "message": ESCAPES}
    )  # fmt: skip
    res = cli(tmp_path, "history")
    assert res.returncode == 0 and "by Ann" in res.stdout
    assert not any(c in res.stdout for c in CONTROLS)


class OnePool:
    def __init__(self, stdout: str) -> None:
        self.stdout = stdout

    def run_raw(self, server: Server, command: str, timeout: float | None = None) -> Result:
        return Result(0, self.stdout, "", 0.0)


@pytest.mark.hostile(area="status poll", tried="pm2 lists an app whose name and status hold "
                     "terminal escapes and NUL", outcome="listed as an 'other' app with those "
                     "characters as spaces")  # fmt: skip
def test_a_hostile_app_name_is_shown_safely() -> None:
    server = Server("s", "h")
    listing = ('[{"name":"evil\\u001b]0;x\\u0007\\u0000","pm2_env":{"status":"on\\u001b[2Jline"'
               "}}]\n")  # fmt: skip
    status = Monitor(OnePool(listing)).poll(server)  # type: ignore[arg-type]
    text = rows_text(status_rows(Inventory(servers=[server]), {"s": status}))
    assert "evil" in text and "on [2Jline" in text
    assert not any(c in text for c in "\x1b\x07\x00")
