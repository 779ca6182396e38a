"""The update procedure: Preflight → Inspect → Deploy → Verify → Finish, as a phase machine.

The names front ends use live here: :class:`DeployRun` (:mod:`.machine`), the results
(:mod:`.result`), the events and steps (:mod:`.events`), the phases and their point of no return
(:mod:`.phases`), and :func:`describe_event` for a terminal.
"""

from __future__ import annotations

from ereg_desktop.services.deploy.events import (
    STEPS,
    ConnectionLost,
    DeployEvent,
    DowntimeEnded,
    DowntimeStarted,
    EventSink,
    JobStarted,
    Reconnected,
    Step,
    StepFinished,
    StepLog,
    StepStarted,
    StepState,
)
from ereg_desktop.services.deploy.machine import DeployRun
from ereg_desktop.services.deploy.phases import POINT_OF_NO_RETURN, UPDATE, Phase
from ereg_desktop.services.deploy.result import (
    AppState,
    Block,
    DeployResult,
    DeploySettings,
    Outcome,
)
from ereg_desktop.services.durations import seconds_text

__all__ = [
    "POINT_OF_NO_RETURN",
    "STEPS",
    "UPDATE",
    "AppState",
    "Block",
    "DeployEvent",
    "DeployResult",
    "DeployRun",
    "DeploySettings",
    "EventSink",
    "Outcome",
    "Phase",
    "Step",
    "StepState",
    "describe_event",
]


def describe_event(event: DeployEvent) -> str | None:
    """One line of text for a terminal; None for events a terminal need not show."""
    if isinstance(event, StepStarted):
        return f"== {event.step.label}"
    if isinstance(event, StepLog):
        return f"   {event.line}"
    if isinstance(event, StepFinished):
        msg = f": {event.message}" if event.message else ""
        return f"-- {event.step} {event.state} ({seconds_text(event.seconds)}){msg}"
    if isinstance(event, DowntimeStarted):
        return "   !! the app is down"
    if isinstance(event, DowntimeEnded):
        return f"   !! the app is back online after {seconds_text(event.seconds)}"
    if isinstance(event, ConnectionLost):
        return f"   !! connection lost ({event.message}); retrying"
    if isinstance(event, Reconnected):
        return f"   reconnected after {seconds_text(event.after_s)}"
    if isinstance(event, JobStarted):
        how = "re-attached to" if event.reattached else "started"
        return f"   {how} server job {event.job_id}"
    return None
