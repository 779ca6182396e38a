"""Crashes seen between two status polls: an app's restart count went up, or it became errored.

The window announces them today; alerts (monitoring) build on the same comparison.
"""

from __future__ import annotations

from dataclasses import dataclass

from ereg_desktop.services.status import CONNECTED, ServerStatus

ERRORED = "errored"


@dataclass(frozen=True)
class Crash:
    server_id: str
    app: str
    message: str


def find_crashes(before: ServerStatus | None, after: ServerStatus) -> list[Crash]:
    """Apps of both good polls that restarted or became errored in between. An app that is new
    in ``after`` has nothing to compare with; an unreachable poll says nothing about the apps."""
    if before is None or before.state != CONNECTED or after.state != CONNECTED:
        return []
    found: list[Crash] = []
    for name, now in after.apps.items():
        old = before.apps.get(name)
        if old is None:
            continue
        if now.restarts > old.restarts:
            what = f"restarted (restarts {old.restarts} \u2192 {now.restarts})"
        elif now.status == ERRORED and old.status != ERRORED:
            what = ERRORED
        else:
            continue
        found.append(Crash(after.server_id, name, f"{name} on {after.server_id} crashed: {what}"))
    return found
