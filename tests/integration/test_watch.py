"""``ereg-desktop watch --json`` (the real CLI, in the background) against the real sshd and pm2:
a stop by someone else is one line and this app's own stop none; a process killed (pm2 restarts
it) is one crash line; the crashing app is reported as a crash loop, once."""

from __future__ import annotations

import json
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cli_helpers import Cli, make_cli
from deploy_helpers import wait_until
from sandbox import Sandbox

APPS = ["gt", "gt-dev", "els", "crashy"]


def lines(log: Path) -> list[dict[str, Any]]:
    out = []
    for text in log.read_text(errors="replace").splitlines():
        if text.startswith("{"):
            out.append(json.loads(text))
    return out


def alerts(log: Path, kind: str, app: str) -> list[dict[str, Any]]:
    return [d for d in lines(log) if d["type"] == "alert" and d["kind"] == kind and d["app"] == app]


def status_seen(log: Path, app: str, status: str) -> bool:
    return any(d["type"] == "status" and d["app"] == app and d["status"] == status
               for d in lines(log))  # fmt: skip


@pytest.fixture
def watched(
    sandbox: Sandbox, tmp_path: Path
) -> Iterator[tuple[Cli, subprocess.Popen[bytes], Path]]:
    for app in ("gt", "gt-dev", "els"):
        sandbox.wait_online(app)
    cli = make_cli(sandbox, tmp_path, APPS)
    log = tmp_path / "watch.log"
    proc = cli.start("watch", "--json", "--interval", "2", log=log)
    try:
        yield cli, proc, log
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=30)
        for app in ("gt-dev", "els"):
            sandbox.pm2("start", app)
        for app in ("gt", "gt-dev", "els"):
            sandbox.wait_online(app, timeout=60)


def test_watch_stops_crashes_and_a_crash_loop(
    sandbox: Sandbox, watched: tuple[Cli, subprocess.Popen[bytes], Path]
) -> None:
    cli, proc, log = watched
    wait_until(lambda: all(status_seen(log, a, "online") for a in ("gt", "gt-dev", "els")),
               60, "watch's first status lines")  # fmt: skip
    first = [d for d in lines(log) if d["type"] == "status" and d["app"] == "els"]
    assert first[0]["before"] is None and first[0]["server"] == "sandbox"

    # this app's own stop (recorded in its history): a status line, no alert
    res = cli.run("stop", "gt-dev", "--yes")
    assert res.returncode == 0, res.stderr
    wait_until(lambda: status_seen(log, "gt-dev", "stopped"), 30, "gt-dev seen stopped")

    # someone else's stop, after ours: its alert comes after ours would have
    assert sandbox.pm2("stop", "els").returncode == 0
    got = wait_until(lambda: alerts(log, "stopped-by-someone-else", "els"), 30, "els alert")
    assert "els on sandbox was stopped by someone else" in got[0]["message"]

    # killed: pm2 starts it again, the restart count goes up by one
    pid = int(sandbox.pm2_process("gt")["pid"])
    sandbox.run_as_user(["kill", "-9", str(pid)], login=False, check=True)
    crash = wait_until(lambda: alerts(log, "crash", "gt"), 30, "gt crash alert")
    assert "gt on sandbox crashed" in crash[0]["message"]

    wait_until(lambda: alerts(log, "crash-loop", "crashy"), 60, "crashy crash loop alert")
    sandbox.wait_online("gt")
    # one more event after all the above: every poll before it has been judged
    assert sandbox.pm2("start", "els").returncode == 0
    wait_until(lambda: status_seen(log, "els", "online") and
               sum(1 for d in lines(log) if d["type"] == "status" and d["app"] == "els") >= 3,
               30, "els seen online again")  # fmt: skip

    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=30) == 0, log.read_text(errors="replace")[-2000:]
    assert alerts(log, "stopped-by-someone-else", "gt-dev") == []
    assert len(alerts(log, "stopped-by-someone-else", "els")) == 1
    assert len(alerts(log, "crash", "gt")) == 1
    assert len(alerts(log, "crash-loop", "crashy")) == 1
    assert len(alerts(log, "crash", "crashy")) <= 2  # before the third crash made it a loop
    assert not [d for d in lines(log) if d["type"] == "alert" and d["app"] == "gt-dev"]
