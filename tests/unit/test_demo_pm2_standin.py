"""The demo's pm2 stand-in, run as the app runs pm2 (its script, real processes), checked
against recorded output of the real pm2 7 (tests/unit/data/pm2) and the app's own parser."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from ereg_desktop.demo import pm2_standin
from ereg_desktop.demo.demo_sandbox import free_port
from ereg_desktop.services.pm2_parse import parse_jlist

RECORDED = Path(__file__).parent / "data" / "pm2" / "jlist-errored.json"


class Pm2:
    def __init__(self, home: Path, cwd: Path) -> None:
        self.home, self.cwd = home, cwd

    def __call__(self, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
        full = {"PATH": os.environ["PATH"], "HOME": str(self.cwd), "PM2_HOME": str(self.home)}
        return subprocess.run(
            [sys.executable, pm2_standin.__file__, *args],
            cwd=self.cwd, env={**full, **env}, capture_output=True, text=True, timeout=30,
        )  # fmt: skip

    def jlist(self) -> list[dict]:  # type: ignore[type-arg]
        res = self("jlist")
        assert res.returncode == 0, res.stderr
        return list(json.loads(res.stdout))

    def proc(self, name: str) -> dict:  # type: ignore[type-arg]
        return next(p for p in self.jlist() if p["name"] == name)


def wait_until(cond: Callable[[], object], timeout: float, what: str) -> object:
    deadline = time.monotonic() + timeout
    while True:
        got = cond()
        if got:
            return got
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.1)


@pytest.fixture
def pm2(tmp_path: Path) -> Iterator[Pm2]:
    app = tmp_path / "gt"
    app.mkdir()
    (app / "server.js").write_text("// the real app; the stand-in runs its own\n")
    runner = Pm2(tmp_path / "pm2home", app)
    yield runner
    runner("kill")


def test_jlist_has_real_pm2s_shape_and_the_apps_parser_reads_it(pm2: Pm2) -> None:
    port = free_port()
    res = pm2("start", "server.js", "--name", "gt", PORT=str(port), HOLD_MB="8")
    assert res.returncode == 0, res.stderr
    out = pm2("jlist").stdout
    assert "\n" not in out  # one line, no newline at its end: as pm2 prints it
    entry = json.loads(out)[0]
    real = json.loads(RECORDED.read_text())[0]
    assert set(entry) == set(real)  # pid, name, pm2_env, pm_id, monit
    whitelist = {"status", "exec_mode", "instances", "restart_time", "unstable_restarts",
                 "exit_code", "pm_uptime", "pm_cwd", "pm_exec_path", "pm_out_log_path",
                 "pm_err_log_path", "autorestart", "namespace", "username", "env"}  # fmt: skip
    assert whitelist <= set(entry["pm2_env"]) and whitelist <= set(real["pm2_env"])
    assert entry["pm2_env"]["env"]["PORT"] == str(port)  # the environment, as pm2 keeps it
    assert entry["pm2_env"]["PORT"] == str(port)  # and flat, twice
    status = parse_jlist(out, "demo", time.time()).apps["gt"]
    assert status.status == "online"
    assert status.memory_bytes is not None and status.memory_bytes > 8 << 20  # live: held


def test_the_app_answers_and_stop_start_restart_behave_as_pm2s(pm2: Pm2) -> None:
    import urllib.request

    port = free_port()
    assert pm2("start", "server.js", "--name", "gt", PORT=str(port)).returncode == 0

    def answer() -> dict | None:  # type: ignore[type-arg]
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as r:
                return dict(json.loads(r.read()))
        except OSError:
            return None

    first = wait_until(answer, 20, "the app to answer")
    assert isinstance(first, dict) and first["app"] == "gt"
    stop = pm2("stop", "gt")
    assert stop.returncode == 0 and "stopProcessId" in stop.stdout
    p = pm2.proc("gt")
    assert (p["pid"], p["pm2_env"]["status"], p["monit"]["memory"]) == (0, "stopped", 0)
    assert pm2("start", "gt").returncode == 0
    assert pm2.proc("gt")["pm2_env"]["status"] == "online"
    assert pm2.proc("gt")["pm2_env"]["restart_time"] == 0  # stop + start: not a restart
    assert pm2("restart", "gt").returncode == 0
    again = pm2.proc("gt")
    assert again["pm2_env"]["restart_time"] == 1 and again["pid"] != p["pid"]


def test_an_unknown_app_is_refused_like_pm2(pm2: Pm2) -> None:
    res = pm2("stop", "nonexistent")
    assert res.returncode == 1
    assert (
        "[PM2][ERROR] " in res.stderr and "Process or Namespace nonexistent not found" in res.stderr
    )
    assert res.stdout == ""


def test_a_crashing_app_is_restarted_and_counted(pm2: Pm2) -> None:
    res = pm2("start", "server.js", "--name", "crashy", PORT=str(free_port()), CRASH_S="0.4")
    assert res.returncode == 0
    first_pid = pm2.proc("crashy")["pid"]
    got = wait_until(
        lambda: (p := pm2.proc("crashy"))["pm2_env"]["restart_time"] >= 1 and p,
        30,
        "the crash to be seen and the app restarted",
    )
    assert isinstance(got, dict)
    assert got["pm2_env"]["status"] == "online" and got["pid"] != first_pid
    err_log = Path(got["pm2_env"]["pm_err_log_path"]).read_text()
    assert "planned crash" in err_log


def test_kill_ends_every_process(pm2: Pm2) -> None:
    assert pm2("start", "server.js", "--name", "gt", PORT=str(free_port())).returncode == 0
    pid = pm2.proc("gt")["pid"]
    assert pm2("kill").returncode == 0
    assert pm2.jlist() == []
    wait_until(lambda: not pm2_standin._alive(pid), 10, "the app's process to end")
