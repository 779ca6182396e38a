"""StatusTracker: one line per change of a server's state or an app's status, never per sample."""

from __future__ import annotations

from ereg_desktop.services.status import CONNECTED, UNREACHABLE, AppStatus, ServerStatus
from ereg_desktop.services.status_changes import StatusTracker


def snap(**apps: str) -> ServerStatus:
    return ServerStatus("s1", CONNECTED, apps={n: AppStatus(n, st) for n, st in apps.items()})


def test_changes_only() -> None:
    t = StatusTracker()
    first = t.feed(snap(gt="online", els="online"), 1.0)
    assert [(c.app, c.before, c.after) for c in first] == [
        ("", None, "connected"),
        ("els", None, "online"),
        ("gt", None, "online"),
    ]
    assert t.feed(snap(gt="online", els="online"), 2.0) == []
    changed = t.feed(snap(gt="online", els="stopped"), 3.0)
    assert [c.to_dict() for c in changed] == [
        {"type": "status", "server": "s1", "app": "els", "before": "online",
         "status": "stopped", "at": 3.0}
    ]  # fmt: skip
    assert changed[0].text() == "els on s1: online \u2192 stopped"
    down = t.feed(ServerStatus("s1", UNREACHABLE, reason="timed out\x1b"), 4.0)
    assert [(c.app, c.after, c.reason) for c in down] == [("", "unreachable", "timed out ")]
    back = t.feed(snap(gt="online"), 5.0)
    assert [(c.app, c.before, c.after) for c in back] == [
        ("", "unreachable", "connected"),
        ("els", "stopped", "missing"),
    ]
