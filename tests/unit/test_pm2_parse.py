"""``pm2 jlist`` parsing on recorded pm2 7 output (tests/unit/data/pm2), plus garbage input."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ereg_desktop.services.pm2_parse import Pm2OutputError, Pm2Snapshot, parse_jlist

DATA = Path(__file__).parent / "data" / "pm2"
NOW = 1795661500.0  # a little after the recordings were taken
SPAWN = (
    "\x1b[32m[PM2] \x1b[39mSpawning PM2 daemon with pm2_home=/home/eregistrations/.pm2\n"
    "\x1b[32m[PM2] \x1b[39mPM2 Successfully daemonized\n"
)
OUTDATED = (
    "\x1b[31m>>>> In-memory PM2 is out-of-date, do:\n>>>> $ pm2 update\n"
    "In memory PM2 version: 6.0.0\nLocal PM2 version: 7.0.4\x1b[39m\n"
)
SECRET_MARKS = ("FAKE", "tok_", "s3cret", "fakeuser", "PATH", "/usr/bin")


def recorded(name: str) -> str:
    return (DATA / name).read_text()


def parse(name: str) -> Pm2Snapshot:
    return parse_jlist(recorded(name), "unctad", NOW)


def test_all_online() -> None:
    snap = parse("jlist-all-online-crashloop.json")
    assert not snap.daemon_spawned
    assert set(snap.apps) == {"els", "gt", "gt-dev", "notify-on-crash"}
    gt = snap.apps["gt"]
    assert gt.status == "online" and gt.pid == 5346 and gt.memory_bytes == 209625088
    assert gt.exec_mode == "fork" and gt.instances == 1
    crash = snap.apps["notify-on-crash"]
    assert crash.restarts == 5 and crash.unstable_restarts == 0
    raw = json.loads(recorded("jlist-all-online-crashloop.json"))
    for p in raw:
        app = snap.apps[p["name"]]
        assert app.pid == p["pid"]
        assert app.cpu_percent == p["monit"]["cpu"]
        assert app.uptime_s == pytest.approx(NOW - p["pm2_env"]["pm_uptime"] / 1000)


def test_stopped_has_no_pid_and_no_uptime() -> None:
    els = parse("jlist-after-stop-els.json").apps["els"]
    assert els.status == "stopped" and els.pid is None and els.uptime_s is None
    assert els.memory_bytes == 0


def test_errored() -> None:
    crash = parse("jlist-errored.json").apps["notify-on-crash"]
    assert crash.status == "errored" and crash.restarts == 15 and crash.exit_code == 1
    assert crash.uptime_s is None and crash.pid is None


def test_restarts_go_up_between_recordings() -> None:
    before = parse("jlist-all-online-crashloop.json").apps["notify-on-crash"].restarts
    after = parse("jlist-crashloop-later.json").apps["notify-on-crash"].restarts
    assert after > before


@pytest.mark.parametrize("name", sorted(p.name for p in DATA.glob("jlist-*.json")))
def test_no_secret_survives_parsing(name: str) -> None:
    text = recorded(name)
    assert "FAKE" in text  # the recordings do carry planted secrets
    snap = parse_jlist(text, "unctad", NOW)
    dumped = repr(snap) + repr(dict(snap.apps)) + repr(vars(snap))
    for mark in SECRET_MARKS:
        assert mark not in dumped, mark


def test_lines_before_and_after_the_json() -> None:
    body = recorded("jlist-errored.json")
    plain = parse_jlist(body, "s", NOW)
    noisy = parse_jlist(SPAWN + OUTDATED + body.rstrip("\n") + "\n" + OUTDATED, "s", NOW)
    assert noisy.apps == plain.apps
    assert noisy.daemon_spawned and not plain.daemon_spawned


def test_spawned_daemon_with_empty_list() -> None:
    snap = parse_jlist(SPAWN + "[]\n", "s", NOW)
    assert snap.daemon_spawned and snap.apps == {}
    # "[PM2]" lines start with "[" too: they must not be taken for the JSON
    assert parse_jlist("[PM2] something\n[]", "s", NOW).apps == {}


def proc(name: str, status: str, pid: int, mem: int, cpu: float, restarts: int, up: float) -> Any:
    return {
        "name": name,
        "pid": pid,
        "pm_id": pid % 7,
        "monit": {"memory": mem, "cpu": cpu},
        "pm2_env": {
            "status": status,
            "exec_mode": "cluster_mode",
            "restart_time": restarts,
            "pm_uptime": up * 1000,
            "env": {"SECRET": "FAKE_x"},
            "SECRET": "FAKE_x",
        },
    }


def test_cluster_instances_fold_into_one_row() -> None:
    line = json.dumps(
        [
            proc("api", "stopped", 0, 0, 0, 7, NOW - 10),
            proc("api", "online", 101, 1000, 1.5, 2, NOW - 100),
            proc("api", "online", 102, 3000, 2.0, 4, NOW - 50),
        ]
    )
    api = parse_jlist(line, "s", NOW).apps["api"]
    assert api.status == "online" and api.instances == 3 and api.exec_mode == "cluster"
    assert api.memory_bytes == 4000 and api.cpu_percent == 3.5 and api.restarts == 7
    assert api.pid == 101
    assert api.uptime_s == pytest.approx(50)


def test_errored_wins_over_stopped_when_none_online() -> None:
    line = json.dumps([proc("a", "stopped", 0, 0, 0, 0, 0), proc("a", "errored", 0, 0, 0, 15, 0)])
    assert parse_jlist(line, "s", NOW).apps["a"].status == "errored"


@pytest.mark.parametrize(
    "stdout",
    [
        "",
        "bash: pm2: command not found\n",
        "[{",
        '[{"name": 1}',
        '{"a": 1}',
        "[1, 2]x",
        "[" * 100000 + "]" * 100000,
        "[{" + "[" * 100000,
    ],  # fmt: skip
)
def test_garbage_is_a_typed_error_without_the_output(stdout: str) -> None:
    with pytest.raises(Pm2OutputError) as info:
        parse_jlist(stdout + "FAKE_SECRET", "unctad", NOW)
    msg = str(info.value)
    assert "unctad" in msg and f"{len(stdout) + 11} bytes" in msg
    assert "FAKE" not in msg and info.value.__cause__ is None


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
        st.sampled_from(["name", "pid", "monit", "pm2_env", "status", "memory", "cpu",
                         "restart_time", "pm_uptime", "exec_mode", "exit_code", "x"]),
        inner, max_size=6),
    max_leaves=30,
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(json_values)
def test_any_json_never_crashes(value: object) -> None:
    try:
        line = json.dumps(value)
    except ValueError:
        return
    try:
        snap = parse_jlist("[{" + line[1:] if line.startswith("[") else line, "s", NOW)
    except Pm2OutputError:
        return
    for app in snap.apps.values():
        assert isinstance(app.status, str) and app.memory_bytes >= 0


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_any_text_never_crashes(text: str) -> None:
    try:
        parse_jlist(text, "s", NOW)
    except Pm2OutputError:
        pass
