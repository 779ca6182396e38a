"""``ereg-desktop watch`` on the agent's stream, fed by hand: a snapshot seen twice (pushed and
asked for) or an older one is no line; a pushed crash is one alert once its hold is over; the
mode lines go to stdout for the agent and to stderr for the fall back (a JSON line with --json).
"""

from __future__ import annotations

import json

import pytest

from ereg_desktop.commands.watch import CONFIRM_S, Printer, Watch
from ereg_desktop.services.alerts import CRASH, AlertEngine, AlertSettings
from ereg_desktop.services.monitor import Monitor
from ereg_desktop.services.pm2_events import ModeChanged, ProcessEvent, Snapshot
from ereg_desktop.services.status import CONNECTED, AppStatus, ServerStatus
from ereg_desktop.store.inventory import Server

SERVER = Server("s1", "127.0.0.1", 22, "u")


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def status(taken: float, *apps: tuple[str, str, int]) -> ServerStatus:
    rows = {n: AppStatus(n, s, pid=10, restarts=r) for n, s, r in apps}
    return ServerStatus("s1", CONNECTED, taken_at=taken, apps=rows)


def watch(as_json: bool = True) -> tuple[Watch, Clock]:
    w = Watch(Monitor(None), [SERVER], None, Printer(as_json), interval=30.0)  # type: ignore[arg-type]
    clock = Clock()
    w.engine = AlertEngine(AlertSettings(confirm_s=CONFIRM_S), clock)
    return w, clock


def out_lines(capsys: pytest.CaptureFixture[str]) -> list[dict[str, object]]:
    return [json.loads(x) for x in capsys.readouterr().out.splitlines()]


def test_a_snapshot_pushed_and_asked_for_is_one_line_and_an_older_one_none(
    capsys: pytest.CaptureFixture[str],
) -> None:
    w, _ = watch()
    first = status(10.0, ("gt", "online", 0))
    w.handle(Snapshot(first))
    w.handle(first)  # the same status: the refresh's answer
    w.handle(status(9.0, ("gt", "stopped", 0)))  # older than what was fed: dropped
    w.handle(status(11.0, ("gt", "online", 0)))  # a new sample, nothing changed: no line
    got = [(d["app"], d["status"]) for d in out_lines(capsys)]
    assert got == [("", "connected"), ("gt", "online")]
    w.handle(status(12.0, ("gt", "stopped", 0)))
    assert [(d["type"], d.get("before"), d.get("status")) for d in out_lines(capsys)] == [
        ("status", "online", "stopped")
    ]
    w.close()


def test_a_pushed_crash_is_one_alert_after_its_hold(capsys: pytest.CaptureFixture[str]) -> None:
    w, clock = watch()
    w.handle(status(10.0, ("gt", "online", 0)))
    capsys.readouterr()
    w.handle(ProcessEvent("s1", "gt", "exit", False, clock.now))
    w.handle(ProcessEvent("s1", "gt", "restart", False, clock.now))
    assert out_lines(capsys) == []  # held: this app's own action would be in its history
    clock.now += CONFIRM_S
    w._alerts(w.engine.tick())
    alerts = [d for d in out_lines(capsys) if d["type"] == "alert"]
    assert [(a["app"], a["kind"]) for a in alerts] == [("gt", CRASH)]
    w.handle(status(20.0, ("gt", "online", 1)))  # the restart counted by the events already
    clock.now += CONFIRM_S
    w._alerts(w.engine.tick())
    assert [d for d in out_lines(capsys) if d["type"] == "alert"] == []
    w.close()


def test_mode_lines(capsys: pytest.CaptureFixture[str]) -> None:
    w, _ = watch(as_json=False)
    w.handle(ModeChanged("s1", "agent"))
    w.handle(ModeChanged("s1", "agent"))  # the same mode again: no line
    w.handle(ModeChanged("s1", "polling", "the agent ended (exit code 5)"))
    got = capsys.readouterr()
    assert got.out.count("\n") == 1 and "s1: agent (pm2 events pushed" in got.out
    assert got.err == (
        "ereg-desktop: s1: polling pm2 jlist every 30 s (the agent ended (exit code 5))\n"
    )
    w.close()
    w, _ = watch(as_json=True)
    w.handle(ModeChanged("s1", "polling", "no node\x1b[2J"))
    (line,) = out_lines(capsys)
    assert (line["type"], line["server"], line["mode"]) == ("mode", "s1", "polling")
    assert "\x1b" not in str(line["reason"]) and "polling pm2 jlist every 30 s" in str(
        line["message"]
    )
    w.close()
