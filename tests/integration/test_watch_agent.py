"""``watch`` and ``status`` on the server-side agent, against the real sshd and pm2.

- ``watch --json`` with a refresh interval far longer than the test: a ``kill -9`` of an app is
  one crash line, pushed by the agent (no refresh could have seen it); an app nobody touched is
  one status line however many snapshots arrived; the agent killed on the server is a
  ``"type": "mode"`` line saying polling, with the reason.
- ``status --json`` reads through the agent's once mode: the planted environment secrets of the
  pm2 apps are in neither its output nor anything its SSH channels received; where the agent
  cannot run the status comes from ``pm2 jlist`` and the reader says so; without a daemon it is
  "pm2 down" and no daemon is started.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from cli_helpers import ROOT, Cli, make_cli
from deploy_helpers import wait_until
from sandbox import Sandbox
from test_pm2_agent import agent_pids, server_of
from test_watch import alerts, lines

from ereg_desktop.remote.command import remote_command
from ereg_desktop.remote.connection import ConnectionPool
from ereg_desktop.services import pm2_agent_once
from ereg_desktop.services.monitor import Monitor
from ereg_desktop.services.pm2_agent import AGENT, POLLING
from ereg_desktop.services.pm2_agent_once import AgentSnapshots
from ereg_desktop.services.pm2_agent_script import once_argv
from ereg_desktop.services.status import CONNECTED

APPS = ["gt", "gt-dev", "els", "crashy"]
INTERVAL = "120"  # no refresh happens during the test: what it sees, the agent pushed
WIRE_TAP = ROOT / "tests" / "integration" / "wire_tap.py"


def modes(log: Path) -> list[dict[str, object]]:
    return [d for d in lines(log) if d["type"] == "mode"]


def status_lines(log: Path, app: str) -> list[dict[str, object]]:
    return [d for d in lines(log) if d["type"] == "status" and d["app"] == app]


@pytest.fixture
def watching(
    sandbox: Sandbox, tmp_path: Path
) -> Iterator[tuple[Cli, subprocess.Popen[bytes], Path]]:
    sandbox.wait_all_online()
    cli = make_cli(sandbox, tmp_path, APPS)
    log = tmp_path / "watch.log"
    proc = cli.start("watch", "--json", "--interval", INTERVAL, log=log)
    try:
        yield cli, proc, log
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=30)
        sandbox.pm2("start", "els")
        sandbox.wait_all_online(timeout=60)
        wait_until(lambda: not agent_pids(sandbox), 15, "no agent left on the server")


def test_watch_pushes_a_crash_once_and_says_when_it_falls_back(
    sandbox: Sandbox, watching: tuple[Cli, subprocess.Popen[bytes], Path]
) -> None:
    _cli, proc, log = watching
    wait_until(lambda: [m for m in modes(log) if m["mode"] == AGENT], 60, "the agent's mode line")
    wait_until(lambda: all(status_lines(log, a) for a in ("gt", "gt-dev", "els")), 30,
               "the first status lines")  # fmt: skip
    assert [m["mode"] for m in modes(log)] == [AGENT]

    pid = int(sandbox.pm2_process("gt")["pid"])
    killed = time.monotonic()
    sandbox.run_as_user(["kill", "-9", str(pid)], login=False, check=True)
    crash = wait_until(lambda: alerts(log, "crash", "gt"), 30, "gt's crash line")
    took = time.monotonic() - killed
    assert took < 15, took  # pushed: the next refresh is two minutes away
    assert "gt on sandbox crashed" in crash[0]["message"]
    print(f"kill -9 to the crash line: {took:.2f} s")

    # one more event after the crash: its alert is held as long, so everything before is judged
    assert sandbox.pm2("stop", "els").returncode == 0
    wait_until(lambda: alerts(log, "stopped-by-someone-else", "els"), 30, "els stopped")
    assert len(alerts(log, "crash", "gt")) == 1
    # crashy's snapshots arrive every 1.5 s: gt-dev, untouched, is still its one first line
    assert len([d for d in lines(log) if d["type"] == "status"]) > 3
    assert [(d["before"], d["status"]) for d in status_lines(log, "gt-dev")] == [(None, "online")]
    for app in APPS:
        seen = status_lines(log, app)
        assert all(a["status"] != b["status"] for a, b in zip(seen, seen[1:], strict=False))

    # the agent killed on the server: a mode line says polling, with the reason
    agent = wait_until(lambda: agent_pids(sandbox), 10, "the agent's process")
    sandbox.run_as_user(f"kill -9 {agent[0]}", check=True)
    fell = wait_until(lambda: [m for m in modes(log) if m["mode"] == POLLING], 30, "polling")
    assert "polling pm2 jlist every 120 s" in str(fell[0]["message"]) and fell[0]["reason"]

    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=30) == 0, log.read_text(errors="replace")[-2000:]
    assert len(alerts(log, "crash", "gt")) == 1
    assert [m["mode"] for m in modes(log)] == [AGENT, POLLING]
    text = log.read_text(errors="replace")
    for secret in sandbox.secrets:
        assert secret not in text


def test_status_json_keeps_the_environment_off_the_wire(sandbox: Sandbox, tmp_path: Path) -> None:
    sandbox.wait_all_online()
    cli = make_cli(sandbox, tmp_path, APPS)
    wire = tmp_path / "wire.bin"
    argv = [sys.executable, str(WIRE_TAP), str(wire), "--config-dir", str(cli.config_dir),
            "status", "--json"]  # fmt: skip
    res = subprocess.run(argv, env=cli.env, capture_output=True, text=True, timeout=120,
                         stdin=subprocess.DEVNULL, cwd=ROOT)  # fmt: skip
    assert res.returncode == 0, res.stderr
    rows = {r["app"]: r for r in json.loads(res.stdout)}
    truth = {p["name"]: p for p in sandbox.pm2_jlist()}
    assert set(rows) == set(truth)
    for name in ("gt", "gt-dev", "els", "proto"):
        assert rows[name]["status"] == "online" and rows[name]["pid"] == truth[name]["pid"]
    assert rows["gt"]["memory_bytes"] > 40 * 1024 * 1024
    received = wire.read_bytes()
    assert b'"t":"snapshot"' in received  # the agent's once mode answered, not jlist
    assert str(truth["els"]["pid"]).encode() in received
    planted = [s for app in truth for s in sandbox.app_secrets.get(app, {}).values()]
    assert len(planted) >= 12
    for secret in planted:
        assert secret.encode() not in received
        assert secret not in res.stdout and secret not in res.stderr
    assert b"FAKE_DB_PASSWORD" not in received  # not even the variables' names


def test_status_reader_falls_back_to_jlist_and_reads_pm2_down(
    sandbox: Sandbox, pool: ConnectionPool, monkeypatch: pytest.MonkeyPatch
) -> None:
    sandbox.wait_all_online()
    server = server_of(sandbox)
    reader = AgentSnapshots(Monitor(pool))
    first = reader.poll(server)
    assert first.state == CONNECTED and first.apps["els"].status == "online"
    assert reader.mode(server.id) == (AGENT, "") and reader.problem(server.id) is None

    no_node = remote_command(["env", "PATH=/usr/bin:/bin", *once_argv()])
    monkeypatch.setattr(pm2_agent_once, "ONCE_TEXT", no_node)
    polled = reader.poll(server)
    assert polled.state == CONNECTED and polled.apps["els"].pid == first.apps["els"].pid
    mode, why = reader.mode(server.id)
    assert mode == POLLING and "not on the login PATH" in why

    home = f"{sandbox.home}/.pm2-empty-once-test"
    sandbox.run_as_user(f"mkdir -p {home}", check=True)
    monkeypatch.setattr(pm2_agent_once, "ONCE_TEXT",
                        remote_command(["env", f"PM2_HOME={home}", *once_argv()]))  # fmt: skip
    down = reader.poll(server)
    assert down.state == CONNECTED and not down.pm2_running and not down.apps
    assert reader.mode(server.id) == (AGENT, "")
    assert sandbox.run_as_user(f"test -e {home}/rpc.sock", login=False).returncode != 0
