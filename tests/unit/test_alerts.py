"""AlertEngine driven with sequences of snapshots and pm2 events on a fake clock."""

from __future__ import annotations

from ereg_desktop.services.alerts import (
    CRASH,
    CRASH_LOOP,
    MB,
    MEMORY_HIGH,
    MEMORY_NORMAL,
    PM2_DOWN,
    RESTARTED_ELSEWHERE,
    SERVER_BACK,
    SERVER_UNREACHABLE,
    STOPPED_ELSEWHERE,
    AlertEngine,
    AlertSettings,
)
from ereg_desktop.services.pm2_events import (
    ModeChanged,
    ProcessEvent,
    ProcessException,
    RestartOverlimit,
    Snapshot,
)
from ereg_desktop.services.status import CONNECTED, UNREACHABLE, AppStatus, ServerStatus


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def snap(*apps: AppStatus, server: str = "s1") -> ServerStatus:
    return ServerStatus(server, CONNECTED, apps={a.app: a for a in apps})


def app(name: str = "gt", status: str = "online", restarts: int = 0, mem: int = 100) -> AppStatus:
    return AppStatus(name, status, pid=10, restarts=restarts, memory_bytes=mem * MB)


def engine(**kw: object) -> tuple[AlertEngine, Clock]:
    clock = Clock()
    return AlertEngine(AlertSettings(**kw), clock), clock  # type: ignore[arg-type]


def kinds(alerts: list) -> list[str]:
    return [a.kind for a in alerts]


def test_restart_count_up_is_one_crash_not_one_per_sample() -> None:
    eng, clock = engine()
    assert eng.feed(snap(app(restarts=2))) == []
    clock.now += 10
    alerts = eng.feed(snap(app(restarts=3)))
    assert kinds(alerts) == [CRASH]
    a = alerts[0]
    assert (a.server, a.app, a.at) == ("s1", "gt", clock.now)
    assert "gt on s1 crashed" in a.message and "2 \u2192 3" in a.message
    for _ in range(5):
        clock.now += 10
        assert eng.feed(snap(app(restarts=3))) == []


def test_exit_event_not_manual_is_a_crash_and_the_snapshot_does_not_repeat_it() -> None:
    eng, clock = engine()
    eng.feed(Snapshot(snap(app(restarts=0))))
    clock.now += 1
    eng.feed(ProcessException("s1", "gt", "TypeError: x is undefined", clock.now))
    alerts = eng.feed(ProcessEvent("s1", "gt", "exit", False, clock.now))
    assert kinds(alerts) == [CRASH]
    assert "TypeError: x is undefined" in alerts[0].message
    assert eng.feed(ProcessEvent("s1", "gt", "restart", False, clock.now)) == []
    clock.now += 5
    assert eng.feed(Snapshot(snap(app(restarts=1)))) == []


def test_own_restart_and_stop_are_not_alerted() -> None:
    eng, clock = engine()
    eng.feed(snap(app(restarts=0)))
    eng.expect("s1", "gt", "restart", until=clock.now + 30)
    clock.now += 2
    assert eng.feed(ProcessEvent("s1", "gt", "exit", True, clock.now)) == []
    assert eng.feed(ProcessEvent("s1", "gt", "restart", True, clock.now)) == []
    assert eng.feed(snap(app(restarts=1))) == []
    eng.expect("s1", "gt", "stop", until=clock.now + 30)
    clock.now += 5
    assert eng.feed(ProcessEvent("s1", "gt", "stop", True, clock.now)) == []
    assert eng.feed(snap(app(status="stopped", restarts=1))) == []


def test_own_action_from_history_records_is_not_alerted() -> None:
    eng, clock = engine()
    clock.now = 1_700_000_000.0  # 2023-11-14T22:13:20Z
    eng.feed(snap(app()))
    eng.expect_from_records(
        [
            {"kind": "stop", "app": "gt", "server": "s1", "started_at": "2023-11-14T22:13:18+00:00",
             "ended_at": "2023-11-14T22:13:19+00:00"},
            {"kind": "other", "app": "els", "server": "s1"},
        ]
    )  # fmt: skip
    clock.now += 10
    assert eng.feed(snap(app(status="stopped"))) == []


def test_expectation_runs_out() -> None:
    eng, clock = engine()
    eng.feed(snap(app()))
    eng.expect("s1", "gt", "stop", until=clock.now + 5)
    clock.now += 60
    assert kinds(eng.feed(snap(app(status="stopped")))) == [STOPPED_ELSEWHERE]


def test_stop_by_someone_else_polled_is_alerted_once() -> None:
    eng, clock = engine()
    eng.feed(snap(app(), app("els")))
    clock.now += 10
    alerts = eng.feed(snap(app(), app("els", status="stopped")))
    assert kinds(alerts) == [STOPPED_ELSEWHERE]
    assert alerts[0].app == "els" and "stopped by someone else" in alerts[0].message
    clock.now += 10
    assert eng.feed(snap(app(), app("els", status="stopped"))) == []
    # started again and stopped again: a new event
    eng.feed(snap(app(), app("els")))
    assert kinds(eng.feed(snap(app(), app("els", status="stopped")))) == [STOPPED_ELSEWHERE]


def test_stop_event_manually_without_own_action_then_snapshot_once() -> None:
    eng, clock = engine()
    eng.feed(snap(app()))
    assert eng.feed(ProcessEvent("s1", "gt", "exit", True, clock.now)) == []
    assert kinds(eng.feed(ProcessEvent("s1", "gt", "stop", True, clock.now))) == [STOPPED_ELSEWHERE]
    assert eng.feed(snap(app(status="stopped"))) == []


def test_restart_by_someone_else_event() -> None:
    eng, clock = engine()
    eng.feed(snap(app()))
    alerts = eng.feed(ProcessEvent("s1", "gt", "restart", True, clock.now))
    assert kinds(alerts) == [RESTARTED_ELSEWHERE]
    assert eng.feed(snap(app(restarts=1))) == []


def test_many_restarts_in_one_poll_are_one_crash_loop() -> None:
    eng, clock = engine()
    eng.feed(snap(app("crashy", restarts=4)))
    clock.now += 10
    alerts = eng.feed(snap(app("crashy", restarts=10)))
    assert kinds(alerts) == [CRASH_LOOP]
    assert "crash loop" in alerts[0].message
    for n in range(11, 30):
        clock.now += 10
        assert eng.feed(snap(app("crashy", restarts=n))) == []


def test_crash_events_within_a_minute_become_one_loop() -> None:
    eng, clock = engine(loop_crashes=3, loop_window_s=60)
    eng.feed(snap(app()))
    got: list[str] = []
    for _ in range(10):
        clock.now += 5
        got += kinds(eng.feed(ProcessEvent("s1", "gt", "exit", False, clock.now)))
    assert got == [CRASH, CRASH, CRASH_LOOP]
    # calm for more than the window: a new crash is a crash again
    clock.now += 120
    assert kinds(eng.feed(ProcessEvent("s1", "gt", "exit", False, clock.now))) == [CRASH]


def test_restart_overlimit_and_errored_are_one_crash_loop() -> None:
    eng, clock = engine()
    eng.feed(snap(app()))
    assert kinds(eng.feed(RestartOverlimit("s1", "gt", clock.now))) == [CRASH_LOOP]
    assert eng.feed(snap(app(status="errored"))) == []
    eng2, _ = engine()
    eng2.feed(snap(app()))
    alerts = eng2.feed(snap(app(status="errored")))
    assert kinds(alerts) == [CRASH_LOOP] and "errored" in alerts[0].message


def test_silence_per_app_until_a_time() -> None:
    eng, clock = engine()
    eng.feed(snap(app(), app("els")))
    eng.silence("s1", "gt", until=clock.now + 100)
    assert eng.silenced_until("s1", "gt") == clock.now + 100
    clock.now += 10
    alerts = eng.feed(snap(app(restarts=1), app("els", restarts=1)))
    assert [(a.app, a.kind) for a in alerts] == [("els", CRASH)]
    clock.now += 200
    assert eng.silenced_until("s1", "gt") is None
    assert [(a.app, a.kind) for a in eng.feed(snap(app(restarts=2), app("els", restarts=1)))] == [
        ("gt", CRASH)
    ]


def test_memory_default_threshold_relative_with_hysteresis() -> None:
    eng, clock = engine(memory_min_samples=6)
    for _ in range(10):
        clock.now += 10
        assert eng.feed(snap(app(mem=100))) == []
    clock.now += 10
    assert eng.feed(snap(app(mem=250))) == []  # above 2x median but not +200 MB
    clock.now += 10
    alerts = eng.feed(snap(app(mem=320)))
    assert kinds(alerts) == [MEMORY_HIGH] and "320 MB" in alerts[0].message
    for mem in (330, 310, 260, 290):  # still above 0.8 x 300: no new alert, no "normal"
        clock.now += 10
        assert eng.feed(snap(app(mem=mem))) == []
    clock.now += 10
    assert kinds(eng.feed(snap(app(mem=200)))) == [MEMORY_NORMAL]
    clock.now += 10
    assert eng.feed(snap(app(mem=200))) == []


def test_memory_no_default_threshold_without_history_and_fixed_threshold() -> None:
    eng, clock = engine(memory_min_samples=6)
    eng.feed(snap(app(mem=100)))
    clock.now += 10
    assert eng.feed(snap(app(mem=5000))) == []  # two samples: no history to compare with
    eng.set_memory_threshold("s1", "gt", 400 * MB)
    clock.now += 10
    assert kinds(eng.feed(snap(app(mem=5000)))) == [MEMORY_HIGH]
    clock.now += 10
    assert kinds(eng.feed(snap(app(mem=100)))) == [MEMORY_NORMAL]


def test_unreachable_after_grace_once_and_back() -> None:
    eng, clock = engine(grace_s=60)
    eng.feed(snap(app()))
    down = ServerStatus("s1", UNREACHABLE, reason="connection refused")
    for _ in range(5):
        clock.now += 10
        assert eng.feed(down) == []
    clock.now += 25  # 65 s since the first failed poll
    alerts = eng.feed(down)
    assert kinds(alerts) == [SERVER_UNREACHABLE]
    assert alerts[0].app == "" and "connection refused" in alerts[0].message
    clock.now += 10
    assert eng.feed(down) == [] and eng.tick() == []
    clock.now += 10
    back = eng.feed(snap(app()))
    assert kinds(back) == [SERVER_BACK] and "back" in back[0].message


def test_short_blip_and_pm2_down() -> None:
    eng, clock = engine(grace_s=60)
    eng.feed(snap(app()))
    clock.now += 10
    assert eng.feed(ServerStatus("s1", UNREACHABLE, reason="timeout")) == []
    clock.now += 10
    assert eng.feed(snap(app())) == []  # back before the grace: nothing to say
    clock.now += 10
    assert eng.feed(ServerStatus("s1", CONNECTED, pm2_running=False)) == []
    clock.now += 61
    assert kinds(eng.tick()) == [PM2_DOWN]
    clock.now += 10
    assert kinds(eng.feed(snap(app()))) == [SERVER_BACK]


def test_mode_changed_is_kept() -> None:
    eng, _ = engine()
    assert eng.mode("s1") == "polling"
    assert eng.feed(ModeChanged("s1", "agent")) == []
    assert eng.mode("s1") == "agent"


def test_alert_as_json_and_control_characters_shown_as_spaces() -> None:
    eng, clock = engine()
    eng.feed(snap(app("a\x1b[2Jb")))
    alerts = eng.feed(snap(app("a\x1b[2Jb", restarts=1)))
    d = alerts[0].to_dict()
    assert d["type"] == "alert" and d["kind"] == CRASH and d["at"] == clock.now
    assert "\x1b" not in d["message"]
    assert alerts[0].urgent


def test_held_stop_dropped_when_this_apps_record_arrives_late() -> None:
    eng, clock = engine(confirm_s=1.0)
    eng.feed(snap(app(), app("els")))
    clock.now += 2
    seen_at = clock.now
    assert eng.feed(snap(app(status="stopped"), app("els", status="stopped"))) == []
    # the history record of this app's stop of gt is written only after the poll saw it
    eng.expect("s1", "gt", "stop", until=seen_at + 30)
    clock.now += 2
    alerts = eng.tick()
    assert [(a.app, a.kind) for a in alerts] == [("els", STOPPED_ELSEWHERE)]
    assert eng.tick() == []
