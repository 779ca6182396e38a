"""The server-side agent against the real sshd and pm2: snapshots, bus events, no secret on the
wire, killed agent -> polling, reconnect -> agent again, a clean stop ends the remote node."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from deploy_helpers import Recorder, wait_until
from sandbox import Sandbox

from ereg_desktop.remote.connection import ConnectionPool
from ereg_desktop.services import pm2_agent
from ereg_desktop.services.agent_monitor import AgentMonitor
from ereg_desktop.services.monitor import Monitor
from ereg_desktop.services.pm2_agent import AGENT, POLLING, Pm2Agent
from ereg_desktop.services.pm2_agent_script import agent_argv
from ereg_desktop.services.pm2_events import (
    LogLine,
    ModeChanged,
    ProcessEvent,
    ProcessException,
    Snapshot,
)
from ereg_desktop.services.status import CONNECTED
from ereg_desktop.store.inventory import Server

AGENT_MARK = "ereg-agent"  # the agent's process title on the server


class Wire:
    """Every byte the agent's channel received."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []
        self._lock = threading.Lock()

    def __call__(self, data: bytes) -> None:
        with self._lock:
            self.parts.append(data)

    def bytes(self) -> bytes:
        with self._lock:
            return b"".join(self.parts)


def server_of(box: Sandbox) -> Server:
    return Server("sandbox", box.host, box.port, box.user)


def agent_pids(box: Sandbox) -> list[int]:
    """The agent's node processes on the server (node -e with the agent's text)."""
    res = box.run_as_user(f"pgrep -u {box.user} -x {AGENT_MARK} || true", login=False)
    return [int(p) for p in res.stdout.split()]


def events(rec: Recorder, kind: type) -> list[Any]:
    return [e for e in rec.snapshot() if isinstance(e, kind)]


@pytest.fixture
def running(sandbox: Sandbox, pool: ConnectionPool) -> Iterator[tuple[Pm2Agent, Recorder, Wire]]:
    sandbox.wait_all_online()
    rec, wire = Recorder(), Wire()
    agent = Pm2Agent(pool, server_of(sandbox), rec, interval_s=1.0, tap=wire)
    agent.start()
    wait_until(lambda: events(rec, Snapshot), 30, "the agent's first snapshot")
    yield agent, rec, wire
    agent.stop()


def test_agent_streams_snapshots_and_events_without_secrets(
    sandbox: Sandbox, running: tuple[Pm2Agent, Recorder, Wire]
) -> None:
    agent, rec, wire = running
    assert agent.mode == AGENT
    assert [e.mode for e in events(rec, ModeChanged)] == [AGENT]
    first = events(rec, Snapshot)[0].status
    truth = {p["name"]: p for p in sandbox.pm2_jlist()}
    assert first.state == CONNECTED and set(first.apps) == set(truth)
    for name in ("gt", "els", "proto"):
        assert first.apps[name].status == "online"
        assert first.apps[name].pid == truth[name]["pid"]
        assert first.apps[name].uptime_s is not None and first.apps[name].uptime_s >= 0
    assert first.apps["gt"].memory_bytes > 40 * 1024 * 1024  # HOLD_MB=50
    assert agent.logs["els"][0].endswith("els-out.log")
    # snapshots keep coming every interval
    wait_until(lambda: len(events(rec, Snapshot)) >= 3, 15, "three snapshots")

    # a restart by a person: manually=True
    sandbox.pm2("restart", "els", check=True)
    wait_until(
        lambda: [e for e in events(rec, ProcessEvent) if e.app == "els" and e.manually],
        15,
        "els restarted by hand",
    )
    # crashy dies by itself every ~1.5 s: manually=False exit, and its exception message
    wait_until(
        lambda: [
            e
            for e in events(rec, ProcessEvent)
            if e.app == "crashy" and e.event == "exit" and not e.manually
        ],
        15,
        "crashy exiting by itself",
    )
    wait_until(
        lambda: [
            e
            for e in events(rec, ProcessException)
            if e.app == "crashy" and "planned crash" in e.message
        ],
        15,
        "crashy's exception",
    )
    # logs only once followed
    assert not events(rec, LogLine)
    agent.follow("crashy")
    lines = wait_until(
        lambda: [e for e in events(rec, LogLine) if e.app == "crashy" and "listening" in e.line],
        15,
        "crashy's log line",
    )
    assert lines[0].stream == "out"
    assert {e.app for e in events(rec, LogLine)} == {"crashy"}

    received = wire.bytes()
    assert len(received) > 1000
    for secret in sandbox.secrets:
        assert secret.encode() not in received


def test_stop_ends_the_remote_node(
    sandbox: Sandbox, running: tuple[Pm2Agent, Recorder, Wire]
) -> None:
    agent, rec, _ = running
    assert agent_pids(sandbox)
    agent.stop()
    wait_until(lambda: not agent_pids(sandbox), 15, "the agent's node to exit")
    assert agent.mode == AGENT  # a stop is no fallback
    assert [e.mode for e in events(rec, ModeChanged)] == [AGENT]


def test_killed_agent_falls_back_to_polling_and_a_reconnect_brings_it_back(
    sandbox: Sandbox, pool: ConnectionPool
) -> None:
    sandbox.wait_all_online()
    server = server_of(sandbox)
    rec, recorded = Recorder(), Recorder()
    mon = AgentMonitor(Monitor(pool, record=lambda _sid, st: recorded(st)), rec, interval_s=1.0)
    try:
        first = mon.poll(server)  # a jlist poll, and the agent starts
        assert first.state == CONNECTED and "els" in first.apps
        wait_until(lambda: mon.mode(server.id) == AGENT, 30, "the agent running")
        assert mon.mode_text(server.id) == "agent"
        wait_until(lambda: mon.agent(server.id).latest is not None, 15, "a snapshot")  # type: ignore[union-attr]
        asked = time.time()
        fresh = mon.poll(server)  # a snapshot the agent takes on request, never an older one
        assert fresh is mon.agent(server.id).latest  # type: ignore[union-attr]
        assert fresh.taken_at is not None and fresh.taken_at >= asked
        assert recorded.snapshot()[-1] is fresh  # the agent's statuses go to the history too

        pids = wait_until(lambda: agent_pids(sandbox), 10, "the agent's process")
        sandbox.run_as_user(f"kill -9 {pids[0]}", check=True)
        wait_until(
            lambda: [e for e in events(rec, ModeChanged) if e.mode == POLLING],
            15,
            "the fall back to polling",
        )
        assert mon.mode(server.id) == POLLING
        assert mon.mode_text(server.id).startswith("polling (")
        polled = mon.poll(server)  # the same connection: still polling, the status still read
        assert polled.state == CONNECTED and polled.apps["els"].status == "online"
        assert polled is not mon.agent(server.id).latest  # type: ignore[union-attr]
        assert mon.mode(server.id) == POLLING

        pool.drop(server.id)  # a reconnect
        assert mon.poll(server).state == CONNECTED
        wait_until(lambda: mon.mode(server.id) == AGENT, 30, "the agent back after a reconnect")
        assert [e.mode for e in events(rec, ModeChanged)] == [AGENT, POLLING, AGENT]
    finally:
        mon.stop()
    wait_until(lambda: not agent_pids(sandbox), 15, "no agent left on the server")


def test_no_daemon_reports_polling(
    sandbox: Sandbox, pool: ConnectionPool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another PM2_HOME without a daemon: the agent says so (and starts none); mode polling."""
    rec = Recorder()
    home = f"{sandbox.home}/.pm2-empty-agent-test"
    sandbox.run_as_user(f"mkdir -p {home}", check=True)
    argv = ["env", f"PM2_HOME={home}", *agent_argv(1.0)]
    monkeypatch.setattr(pm2_agent, "agent_argv", lambda _s: argv)
    agent = Pm2Agent(pool, server_of(sandbox), rec, interval_s=1.0)
    agent.start()
    try:
        changed = wait_until(lambda: events(rec, ModeChanged), 30, "the mode")
    finally:
        agent.stop()
    assert changed[0].mode == POLLING
    assert "no pm2 daemon" in changed[0].reason
    assert not events(rec, Snapshot)
    assert sandbox.run_as_user(f"test -e {home}/rpc.sock", login=False).returncode != 0


@pytest.mark.parametrize(
    ("tried", "argv", "said"),
    [
        pytest.param(t, a, w, id=t, marks=pytest.mark.hostile(area="monitoring agent", tried=t,
            outcome="ModeChanged(polling) with the reason; no crash, nothing of the output shown"))
        for t, a, w in [
            ("the agent's command prints garbage", ["printf", "[PM2] FAKE_SECRET=x\\n"],
             "unexpected line"),
            ("no pm2 and no node on the PATH", None, "not on the login PATH"),
            ("the agent's command dies at once without a word", ["false"], "exit code 1"),
        ]
    ],
)  # fmt: skip
def test_an_agent_that_cannot_start_says_polling(
    sandbox: Sandbox,
    pool: ConnectionPool,
    monkeypatch: pytest.MonkeyPatch,
    tried: str,
    argv: list[str] | None,
    said: str,
) -> None:
    command = argv or ["env", "PATH=/usr/bin:/bin", *agent_argv(1.0)]
    monkeypatch.setattr(pm2_agent, "agent_argv", lambda _s: command)
    rec = Recorder()
    agent = Pm2Agent(pool, server_of(sandbox), rec, interval_s=1.0)
    agent.start()
    try:
        changed = wait_until(lambda: events(rec, ModeChanged), 30, "the mode")
    finally:
        agent.stop()
    assert [e.mode for e in changed] == [POLLING]
    assert said in changed[0].reason and "FAKE_SECRET" not in changed[0].reason
    assert agent.mode == POLLING and agent.latest is None
