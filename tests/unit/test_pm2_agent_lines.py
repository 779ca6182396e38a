"""The agent's lines, read strictly: each record as its typed event, anything else an error."""

from __future__ import annotations

import json
from typing import Any

import pytest

from ereg_desktop.services.pm2_agent_lines import (
    MAX_AGENT_LINE,
    AgentFailed,
    AgentLineError,
    Hello,
    log_paths,
    parse_agent_line,
)
from ereg_desktop.services.pm2_agent_script import AGENT_JS, agent_argv, agent_command, once_argv
from ereg_desktop.services.pm2_events import (
    LogLine,
    ProcessEvent,
    ProcessException,
    RestartOverlimit,
    Snapshot,
)
from ereg_desktop.services.status import CONNECTED

SID = "srv"
NOW_MS = 1_796_000_000_000


def proc(name: str = "els", **env: Any) -> dict[str, Any]:
    return {
        "name": name,
        "pm_id": 0,
        "pid": 4242,
        "monit": {"memory": 50 << 20, "cpu": 1.5},
        "pm2_env": {
            "status": "online",
            "restart_time": 3,
            "unstable_restarts": 0,
            "pm_uptime": NOW_MS - 60_000,
            "exec_mode": "fork_mode",
            "instances": 1,
            "pm_out_log_path": f"/home/u/.pm2/logs/{name}-out.log",
            "pm_err_log_path": f"/home/u/.pm2/logs/{name}-error.log",
            **env,
        },
    }


def line(**doc: Any) -> str:
    return json.dumps(doc)


def test_a_snapshot_is_the_same_typed_status_as_jlist() -> None:
    text = line(t="snapshot", now=NOW_MS, procs=[proc(), proc("gt", status="stopped")])
    got = parse_agent_line(text, SID, 123.0)
    assert isinstance(got, Snapshot)
    st = got.status
    assert st.server_id == SID and st.state == CONNECTED and st.taken_at == 123.0
    els = st.apps["els"]
    assert (els.status, els.pid, els.restarts, els.memory_bytes) == ("online", 4242, 3, 50 << 20)
    assert els.uptime_s == pytest.approx(60.0)  # against the server's clock, not the desktop's
    assert els.exec_mode == "fork"
    assert st.apps["gt"].status == "stopped" and st.apps["gt"].uptime_s is None
    assert log_paths(text)["els"] == (
        "/home/u/.pm2/logs/els-out.log",
        "/home/u/.pm2/logs/els-error.log",
    )


def test_an_empty_snapshot_is_no_app() -> None:
    got = parse_agent_line(line(t="snapshot", now=NOW_MS, procs=[]), SID, 1.0)
    assert isinstance(got, Snapshot) and dict(got.status.apps) == {}


def test_events_keep_pm2s_word_and_manually_flag() -> None:
    got = parse_agent_line(
        line(t="event", app="els", event="restart", manually=True, at=NOW_MS), SID, 0
    )
    assert got == ProcessEvent(SID, "els", "restart", True, NOW_MS / 1000)
    got = parse_agent_line(
        line(t="event", app="c", event="exit", manually=False, at=NOW_MS), SID, 0
    )
    assert isinstance(got, ProcessEvent) and not got.manually


def test_restart_overlimit_is_a_crash_loop() -> None:
    text = line(t="event", app="c", event="restart overlimit", manually=False, at=NOW_MS)
    assert parse_agent_line(text, SID, 0) == RestartOverlimit(SID, "c", NOW_MS / 1000)


def test_exception_log_hello_and_error() -> None:
    got = parse_agent_line(line(t="exception", app="c", message="boom", at=NOW_MS), SID, 0)
    assert got == ProcessException(SID, "c", "boom", NOW_MS / 1000)
    got = parse_agent_line(line(t="log", app="c", stream="err", line="x y", at=NOW_MS), SID, 0)
    assert got == LogLine(SID, "c", "err", "x y", NOW_MS / 1000)
    assert parse_agent_line(line(t="hello", pm2="7.0.4", node="v20"), SID, 0) == Hello(
        "7.0.4", "v20"
    )
    assert parse_agent_line(line(t="error", why="no daemon"), SID, 0) == AgentFailed("no daemon")


HOSTILE: list[tuple[str, str | bytes]] = [
    ("not JSON", "[PM2] Spawning PM2 daemon"),
    ("a JSON list, not a record", "[1, 2]"),
    ("a record without a kind", line(app="els")),
    ("an unknown kind", line(t="eval", code="x")),
    ("bytes that are not UTF-8", b'{"t":"hello","pm2":"\xff","node":"v"}'),
    (
        "an event whose manually is a string",
        line(t="event", app="a", event="exit", manually="yes", at=1),
    ),
    ("an event without an app", line(t="event", event="exit", manually=False, at=1)),
    (
        "an event time of 1e999",
        '{"t":"event","app":"a","event":"exit","manually":false,"at":1e999}',
    ),
    (
        "an event time that is a 400-digit number",
        '{"t":"event","app":"a","event":"x","manually":false,"at":' + "9" * 400 + "}",
    ),
    ("a negative time", line(t="event", app="a", event="exit", manually=False, at=-5)),
    (
        "a 1000-character event word",
        line(t="event", app="a", event="x" * 1000, manually=False, at=1),
    ),
    (
        "an exception message over 500 characters",
        line(t="exception", app="a", message="m" * 501, at=1),
    ),
    ("a log line of another stream", line(t="log", app="a", stream="in", line="x", at=1)),
    ("a snapshot whose procs is not a list", line(t="snapshot", now=NOW_MS, procs={"a": 1})),
    ("a snapshot entry without a name", line(t="snapshot", now=NOW_MS, procs=[{"pid": 1}])),
    ("a snapshot without the server's clock", line(t="snapshot", procs=[])),
    ("JSON nested 100000 deep", "[" * 100_000 + "]" * 100_000),
    ("a line over the size limit", line(t="error", why="x" * (MAX_AGENT_LINE + 1))),
]


@pytest.mark.parametrize(
    ("tried", "text"),
    [pytest.param(t, x, id=t, marks=pytest.mark.hostile(area="monitoring agent", tried=t,
        outcome="the line is refused with an error that holds no part of it; the app polls"))
     for t, x in HOSTILE],
)  # fmt: skip
def test_a_line_the_agent_does_not_write_is_an_error(tried: str, text: str | bytes) -> None:
    with pytest.raises(AgentLineError) as caught:
        parse_agent_line(text, SID, 0)
    assert len(str(caught.value)) < 400  # says its size, never the line
    assert "polls pm2" in str(caught.value)


@pytest.mark.hostile(area="monitoring agent",
                     tried="an app name with terminal escapes and newlines in an event",
                     outcome="the name is made printable; the event is read")  # fmt: skip
def test_control_characters_in_names_are_made_printable() -> None:
    text = line(t="event", app="ev\x1b[31mil\nx", event="exit", manually=False, at=1)
    got = parse_agent_line(text, SID, 0)
    assert isinstance(got, ProcessEvent)
    assert "\x1b" not in got.app and "\n" not in got.app


def test_the_script_whitelists_and_never_sends_the_environment() -> None:
    # the process record is built field by field: no spread of pm2_env or of the process
    assert "...e" not in AGENT_JS and "...p" not in AGENT_JS and "JSON.stringify(p" not in AGENT_JS
    for field in ("restart_time", "unstable_restarts", "pm_uptime", "exit_code", "pm_out_log_path"):
        assert field in AGENT_JS
    assert "env:" not in AGENT_JS.replace("pm2_env:", "")


def test_the_command_passes_the_script_as_one_word() -> None:
    argv = agent_argv(0.2)
    assert argv[3] == "ereg-agent" and argv[4] == AGENT_JS and argv[5] == "1"  # at least 1 s
    assert agent_command(5).startswith("bash -lc ")


def test_the_once_mode_is_the_same_script_with_one_more_word() -> None:
    argv = once_argv()
    assert argv[:5] == agent_argv(5)[:5] and argv[5:] == ["5", "once"]
    assert '"$3"' in argv[2]  # the launcher passes it on to node
    # the once mode writes one snapshot through the same whitelist, and never reads stdin
    once_part = AGENT_JS[AGENT_JS.index("const listOnce") : AGENT_JS.index("if (once)")]
    assert "procs: (list || []).map(procOf)" in once_part and "stdin" not in once_part
    assert AGENT_JS.index("if (once)") < AGENT_JS.index("process.stdin.on")
