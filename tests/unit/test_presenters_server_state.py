"""One object per server: last status, stale figures with their age, the status bar's words,
in-flight and host-key pauses. No Qt: poll results and a clock drive it."""

from __future__ import annotations

from ereg_desktop.presenters.server_state import (
    CONNECTING_TEXT,
    NO_KEY_TEXT,
    NOT_CONNECTED_TEXT,
    NOT_STARTED_TEXT,
    REASON_CHARS,
    ServerStates,
    problem_reason,
)
from ereg_desktop.remote.errors import ChangedHostKey, NoUsableKey, UnknownHostKey, Unreachable
from ereg_desktop.services.keys import NoKeyStored
from ereg_desktop.services.status import CONNECTED, UNREACHABLE, AppStatus, ServerStatus
from ereg_desktop.store.inventory import Server

NOW = 1_800_000_000.0
SERVER = Server("unctad", "unctad.example.org")


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> float:
        return self.now


def good(restarts: int = 0, taken_at: float = NOW) -> ServerStatus:
    gt = AppStatus("gt", "online", 100, restarts, 0, 60.0)
    return ServerStatus("unctad", CONNECTED, taken_at=taken_at, apps={"gt": gt})


def down(reason: str = "timed out") -> ServerStatus:
    return ServerStatus("unctad", UNREACHABLE, reason=reason, taken_at=NOW)


def ready() -> tuple[ServerStates, Clock]:
    clock = Clock()
    states = ServerStates(clock)
    states.monitor_ready = True
    return states, clock


def test_before_any_answer() -> None:
    states = ServerStates(Clock())
    assert states.state_text("unctad") == (NOT_CONNECTED_TEXT, "")
    states.monitor_ready = True
    assert states.state_text("unctad") == (CONNECTING_TEXT, "")
    states["unctad"].in_flight = True
    assert not states.may_poll("unctad")
    assert states.state_text("unctad", connected_now=False) == (CONNECTING_TEXT, "")


def test_a_good_poll_shows_its_age() -> None:
    states, clock = ready()
    states["unctad"].in_flight = True
    shown, crashes = states.polled(good(), None)
    assert shown == good() and crashes == [] and states.may_poll("unctad")
    clock.now += 0.4
    assert states.state_text("unctad") == ("connected \u00b7 0.4 s ago", "")
    clock.now += 120
    assert states.state_text("unctad") == ("connected \u00b7 2 min ago", "")


def test_unreachable_keeps_the_last_figures_as_stale() -> None:
    states, clock = ready()
    states.polled(good(taken_at=NOW - 40), None)
    problem = Unreachable(SERVER, "connection refused")
    shown, _ = states.polled(down(), problem)
    assert shown.state == UNREACHABLE and shown.apps == good().apps
    assert shown.taken_at == NOW - 40 and shown.reason == "connection refused"
    assert states.state_text("unctad") == (
        "unreachable: connection refused \u00b7 figures 40 s old",
        "connection refused",
    )
    # back: the reason is gone and the crash comparison uses the last good poll
    clock.now += 5
    _, crashes = states.polled(good(restarts=2), None)
    assert [c.app for c in crashes] == ["gt"] and states["unctad"].reason is None


def test_unreachable_without_earlier_figures_has_no_age_and_long_reasons_are_cut() -> None:
    states, _ = ready()
    reason = "x" * 200
    shown, _ = states.polled(down(reason), None)
    assert shown.taken_at is None and shown.apps == {}
    short, detail = states.state_text("unctad")
    assert detail == reason and short == "unreachable: " + "x" * (REASON_CHARS - 1) + "\u2026"


def test_a_poll_that_raised_reads_like_an_unreachable_server() -> None:
    states, _ = ready()
    shown = states.poll_failed("unctad", ValueError("bad json"))
    assert shown.state == UNREACHABLE and "poll failed (ValueError: bad json)" in shown.reason
    assert states.state_text("unctad")[0] == "unreachable: poll failed (ValueError: bad json)"


def test_host_key_pause_decline_and_ask_again() -> None:
    states, _ = ready()
    problem = UnknownHostKey(SERVER, "ssh-ed25519", "SHA256:abc")
    states.polled(down(problem.reason), problem)
    states.host_key_asked("unctad")
    assert not states.may_poll("unctad")
    states.host_key_declined("unctad")
    short, _ = states.state_text("unctad")
    assert "not trusted; Refresh (F5)" in short
    states.ask_again("unctad")
    assert states.may_poll("unctad") and not states["unctad"].declined
    states.host_key_asked("unctad")
    states.host_key_trusted("unctad")
    assert states.may_poll("unctad") and states["unctad"].reason is None


def test_monitor_that_did_not_start() -> None:
    states = ServerStates(Clock())
    states.start_error = "Python's keyring found no backend"
    assert states.state_text("unctad")[0].startswith("no OS keyring")
    states.start_error = "boom"
    assert states.state_text("unctad") == (NOT_STARTED_TEXT, "boom")


def test_reasons_in_the_status_bars_words() -> None:
    assert problem_reason(NoKeyStored("unctad"), "x") == NO_KEY_TEXT
    assert problem_reason(NoUsableKey(SERVER, NoKeyStored("unctad")), "x") == NO_KEY_TEXT
    changed = ChangedHostKey(SERVER, "SHA256:old", "SHA256:new")
    assert problem_reason(changed, "x").startswith("HOST KEY CHANGED")
    assert problem_reason(Unreachable(SERVER, "refused"), "x") == "refused"
    assert problem_reason(None, "") == "no answer"


def test_servers_gone_from_the_inventory_are_forgotten() -> None:
    states, _ = ready()
    states.polled(good(), None)
    states.keep_only(["other"])
    assert states["unctad"].shown is None
