"""The engine's parts the window's preferences and updates use: an update's restarts expected from
its start to a margin after its end, an absolute default memory threshold, per-app thresholds
replaced as a whole, a silence lifted."""

from __future__ import annotations

from ereg_desktop.services.alerts import (
    CRASH,
    MB,
    MEMORY_HIGH,
    STOPPED_ELSEWHERE,
    AlertEngine,
    AlertSettings,
)
from ereg_desktop.services.status import CONNECTED, AppStatus, ServerStatus


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


def snap(clock: Clock, restarts: int = 0, status: str = "online", mb: int = 150,
         advance: float = 10.0) -> ServerStatus:  # fmt: skip
    clock.now += advance
    app = AppStatus("gt", status, 100, restarts, 0, 60.0, mb * MB, 1.0)
    return ServerStatus("unctad", CONNECTED, taken_at=clock.now, apps={"gt": app})


def test_an_update_is_expected_however_long_it_runs_then_for_the_margin() -> None:
    clock = Clock()
    engine = AlertEngine(clock=clock)
    assert engine.feed(snap(clock)) == []
    engine.begin("unctad", "gt", "deploy")
    assert engine.feed(snap(clock, status="stopped")) == []
    assert engine.feed(snap(clock, restarts=1, advance=3600)) == []  # an hour of npm run setup
    engine.end("unctad", "gt", clock.now + 90)
    assert engine.feed(snap(clock, restarts=2, advance=80)) == []  # pm2's late restart
    got = engine.feed(snap(clock, restarts=3, advance=20))
    assert [a.kind for a in got] == [CRASH]


def test_two_overlapping_runs_end_when_both_ended() -> None:
    clock = Clock()
    engine = AlertEngine(clock=clock)
    engine.feed(snap(clock))
    engine.begin("unctad", "gt", "deploy")
    engine.begin("unctad", "gt", "start-again")
    engine.end("unctad", "gt", clock.now)  # one ended, the margin already over
    assert engine.feed(snap(clock, status="stopped")) == []
    engine.end("unctad", "gt", clock.now)
    engine.end("unctad", "gt", clock.now)  # one end too many: harmless
    assert [a.kind for a in engine.feed(snap(clock, restarts=1))] == [CRASH]


def test_without_begin_a_stop_is_someone_elses() -> None:
    clock = Clock()
    engine = AlertEngine(clock=clock)
    engine.feed(snap(clock))
    assert [a.kind for a in engine.feed(snap(clock, status="stopped"))] == [STOPPED_ELSEWHERE]


def test_an_absolute_default_threshold_and_per_app_ones_replaced() -> None:
    clock = Clock()
    engine = AlertEngine(AlertSettings(memory_limit_bytes=500 * MB), clock=clock)
    assert engine.feed(snap(clock, mb=400)) == []  # no history needed for an absolute one
    assert [a.kind for a in engine.feed(snap(clock, mb=600))] == [MEMORY_HIGH]
    engine.feed(snap(clock, mb=100))  # back to normal
    engine.replace_memory_thresholds({("unctad", "gt"): 50 * MB})
    assert [a.kind for a in engine.feed(snap(clock, mb=100))] == [MEMORY_HIGH]
    engine.feed(snap(clock, mb=10))
    engine.replace_memory_thresholds({})  # gone: the default again
    assert engine.feed(snap(clock, mb=100)) == []


def test_unsilence() -> None:
    clock = Clock()
    engine = AlertEngine(clock=clock)
    engine.feed(snap(clock))
    engine.silence("unctad", "gt", clock.now + 3600)
    assert engine.feed(snap(clock, restarts=1)) == []
    engine.unsilence("unctad", "gt")
    assert engine.silenced_until("unctad", "gt") is None
    assert [a.kind for a in engine.feed(snap(clock, restarts=2, advance=120))] == [CRASH]
