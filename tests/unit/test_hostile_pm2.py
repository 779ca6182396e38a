"""A hostile server's pm2 listing, through the real parser, the status poll and Verify's probe:
whatever it prints, the poll returns a state, Verify says "unknown", and no part of the raw
listing (it holds the apps' environments) reaches a message or an exception's context."""

from __future__ import annotations

import json
import traceback
from typing import Any

import pytest
from hostile_answers import LISTINGS, SECRET, Garbage
from hypothesis import given, settings
from hypothesis import strategies as st

from ereg_desktop.errors import EregError
from ereg_desktop.remote.command import Result
from ereg_desktop.remote.errors import NoAnswer
from ereg_desktop.services.deploy.verify import Pm2Probe, Pm2Unavailable
from ereg_desktop.services.monitor import Monitor
from ereg_desktop.services.pm2_parse import Pm2OutputError, parse_jlist
from ereg_desktop.services.pm2_read import server_now
from ereg_desktop.services.status import CONNECTED, MISSING, UNREACHABLE
from ereg_desktop.store.inventory import Server

SERVER = Server(id="s1", host="h")


class OnePool:
    """A connection pool whose one server answers every command with ``answer``."""

    def __init__(self, answer: Garbage | Exception) -> None:
        self.answer = answer

    def run_raw(self, server: Server, command: str, timeout: float | None = None) -> Result:
        if isinstance(self.answer, Exception):
            raise self.answer
        return Result(self.answer.exit_code, self.answer.stdout, "", 0.01)


class OneShell:
    def __init__(self, answer: Garbage) -> None:
        self.answer = answer

    def run(self, argv: Any, *, timeout: float) -> Result:
        return Result(self.answer.exit_code, self.answer.stdout, "", 0.01)


def _chain_text(exc: BaseException) -> str:
    """Everything an exception keeps: its message, its args and those of its whole chain."""
    parts = []
    seen: BaseException | None = exc
    while seen is not None:
        parts.append(repr(seen.args) + repr(vars(seen)))
        seen = seen.__cause__ or seen.__context__
    return "".join(parts) + "".join(traceback.format_exception(exc))


def _row(g: Garbage, outcome: str) -> Any:
    return pytest.param(g, id=g.id, marks=pytest.mark.hostile(area="status poll", tried=g.tried,
                                                              outcome=outcome))  # fmt: skip


POLL_ROWS = [
    _row(
        g,
        "the app's figures are shown from the readable fields"
        if g.readable
        else "the server shows 'unknown' with the reason in words (not 'missing'); nothing of the "
        "output is shown",
    )  # fmt: skip
    for g in LISTINGS
]


@pytest.mark.parametrize("garbage", POLL_ROWS)
def test_a_poll_of_a_hostile_listing_returns_a_state(garbage: Garbage) -> None:
    mon = Monitor(OnePool(garbage))  # type: ignore[arg-type]
    status = mon.poll(SERVER)
    if garbage.readable:
        assert status.state == CONNECTED, status.reason
        app = status.apps["gt"]
        assert app.status == "online"
        for n in (app.pid, app.memory_bytes, app.restarts):
            assert n is None or 0 <= n < 2**63
        assert app.uptime_s is None or 0 <= app.uptime_s < 1e12
        assert 0 <= app.cpu_percent < 1e6
        assert mon.problem(SERVER.id) is None
    else:
        assert status.state == UNREACHABLE and status.status_of("gt") != MISSING
        assert status.reason and SECRET not in status.reason
        problem = mon.problem(SERVER.id)
        assert isinstance(problem, EregError)
        assert SECRET not in _chain_text(problem)


@pytest.mark.hostile(area="status poll", tried="pm2 jlist hangs past the poll's time limit",
                     outcome="the server shows 'unknown: gave no answer within 20 s'")  # fmt: skip
def test_a_poll_that_hangs_returns_a_state() -> None:
    mon = Monitor(OnePool(NoAnswer(SERVER, "the command", 20)))  # type: ignore[arg-type]
    status = mon.poll(SERVER)
    assert status.state == UNREACHABLE and "no answer within 20 s" in status.reason


@pytest.mark.parametrize(
    "garbage",
    [pytest.param(g, id=g.id, marks=pytest.mark.hostile(
        area="verify", tried=g.tried, outcome="Verify reads the app from the readable fields"
        if g.readable else "Verify says pm2's state is unknown (not 'not in pm2')"))
     for g in LISTINGS],
)  # fmt: skip
def test_verify_reads_a_hostile_listing_as_a_state_or_unknown(garbage: Garbage) -> None:
    probe = Pm2Probe(OneShell(garbage), "s1")  # type: ignore[arg-type]
    if garbage.readable and garbage.exit_code == 0:
        got = probe.app_status("gt")
        assert got is not None and got.status == "online"
        return
    with pytest.raises(Pm2Unavailable) as caught:
        probe.app_status("gt")
    assert SECRET not in _chain_text(caught.value)


def test_an_error_keeps_no_part_of_the_listing_in_its_context() -> None:
    listing = '[{"name":"gt","pm2_env":{"env":{"DB_PASSWORD":"' + SECRET + '"}}'  # cut: not JSON
    with pytest.raises(Pm2OutputError) as caught:
        parse_jlist(listing, "s1", 0.0)
    assert caught.value.__context__ is None and caught.value.__cause__ is None
    assert SECRET not in _chain_text(caught.value)


def test_the_server_clock_is_used_only_when_it_is_a_time() -> None:
    for text in ("nan", "inf", "-inf", "1e999", "9" * 400, "x"):
        assert server_now(f"[]\n@@ereg-desktop:now {text}\n", 42.0) == 42.0
    assert server_now("[]\n@@ereg-desktop:now 1000,5\n", 42.0) == 1000.5


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),  # fmt: skip
    max_leaves=30,
)
_FIELDS = st.fixed_dictionaries(
    {},
    optional={
        "name": st.text(max_size=6) | _JSON,
        "pid": _JSON | st.integers(min_value=-(10**400), max_value=10**400),
        "pm2_env": st.fixed_dictionaries(
            {},
            optional={
                k: _JSON | st.integers(min_value=-(10**400), max_value=10**400)
                for k in (
                    "status",
                    "restart_time",
                    "unstable_restarts",
                    "pm_uptime",
                    "exec_mode",
                    "exit_code",
                )
            },
        )
        | _JSON,  # fmt: skip
        "monit": st.fixed_dictionaries(
            {}, optional={"memory": _JSON | st.floats(), "cpu": _JSON | st.integers()}
        )
        | _JSON,  # fmt: skip
    },
)


@settings(max_examples=200, deadline=None)
@given(st.lists(_FIELDS | _JSON, max_size=5), st.floats() | st.integers(), st.text(max_size=20))
def test_any_json_listing_parses_or_says_why(procs: list[Any], now: float, noise: str) -> None:
    text = noise + "\n" + json.dumps(procs) + "\n"
    try:
        snap = parse_jlist(text, "s1", float(now) if abs(now) < 1e300 else 0.0)
    except Pm2OutputError:
        return
    for name, app in snap.apps.items():
        assert isinstance(name, str) and name == app.app
        assert app.pid is None or 0 < app.pid < 2**63
        assert 0 <= app.memory_bytes < 2**63 and 0 <= app.restarts < 2**63
        assert app.uptime_s is None or app.uptime_s >= 0


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_any_text_parses_or_says_why(text: str) -> None:
    try:
        parse_jlist(text, "s1", 0.0)
    except Pm2OutputError as exc:
        assert exc.__context__ is None
