"""Crashes between two polls: restarts that went up, apps that became errored."""

from __future__ import annotations

from ereg_desktop.services.crashes import Crash, find_crashes
from ereg_desktop.services.status import CONNECTED, UNREACHABLE, AppStatus, ServerStatus


def app(name: str, restarts: int = 0, status: str = "online") -> AppStatus:
    return AppStatus(name, status, 100, restarts)


def connected(*apps: AppStatus) -> ServerStatus:
    return ServerStatus("unctad", CONNECTED, taken_at=1.0, apps={a.app: a for a in apps})


def test_restarts_and_errored_are_crashes() -> None:
    before = connected(app("gt", restarts=1), app("els"), app("bpa", status="errored"))
    after = connected(
        app("gt", restarts=3), app("els", status="errored"), app("bpa", status="errored")
    )
    assert find_crashes(before, after) == [
        Crash("unctad", "gt", "gt on unctad crashed: restarted (restarts 1 \u2192 3)"),
        Crash("unctad", "els", "els on unctad crashed: errored"),
    ]  # bpa was errored already: not a new crash


def test_find_crashes_ignores_new_apps_and_unreachable() -> None:
    before = connected(app("gt", restarts=1))
    assert find_crashes(None, before) == []
    assert find_crashes(before, connected(app("gt", restarts=1), app("new", restarts=9))) == []
    unreachable = ServerStatus("unctad", UNREACHABLE, reason="timeout", taken_at=2.0)
    assert find_crashes(before, unreachable) == []
    assert find_crashes(unreachable, connected(app("gt", restarts=5))) == []
