"""Deployments and scripted runs for the deploy dialog tests (no server)."""

from __future__ import annotations

import threading
from typing import Any

from ereg_desktop.services.deploy.actions import ActionResult
from ereg_desktop.services.deploy.audit import AuditRecord
from ereg_desktop.services.deploy.events import EventSink
from ereg_desktop.services.deploy.workflow import AppState, DeployResult, Outcome
from ereg_desktop.store.inventory import Deployment, DeploymentRef, Server, System


def make_ref(environment: str = "production", *, track_type: str = "branch",
             app: str = "gt") -> DeploymentRef:  # fmt: skip
    server = Server("main", "eregistrations.org")
    url = "https://guatemala.eregistrations.org" if environment == "production" else ""
    dep = Deployment(environment, "main", app, url, "master" if track_type == "branch" else "2015",
                     track_type)  # fmt: skip
    return DeploymentRef(System("Guatemala", owner="Ann", deployments=[dep]), dep, server)


def result(outcome: Outcome, app_state: AppState, message: str = "", **kw: Any) -> DeployResult:
    record = AuditRecord("deploy", "gt", "main", "production", "Ann", "pc", "2026-01-01T00:00:00")
    record.commit_before = kw.pop("before", "")
    record.commit_after = kw.pop("after", "")
    return DeployResult(outcome, app_state, message or str(outcome), record, **kw)


class ScriptedRun:
    """Emits ``events`` then returns ``final``; waits on ``gate`` before the last part if set."""

    def __init__(self, events: list[Any], final: DeployResult, after_gate: list[Any] | None = None,
                 again: ActionResult | None = None) -> None:  # fmt: skip
        self.events = events
        self.after_gate = after_gate or []
        self.final = final
        self.gate = threading.Event()
        if not self.after_gate:
            self.gate.set()
        self.cancelled: list[str] = []
        self.again = again
        self.mode = "cancel"
        self.down_since: float | None = None

    def run(self, on_event: EventSink | None = None) -> DeployResult:
        assert on_event is not None
        for e in self.events:
            on_event(e)
        self.gate.wait(10)
        for e in self.after_gate:
            on_event(e)
        return self.final

    def cancel(self) -> str:
        self.cancelled.append(self.mode)
        self.gate.set()
        return self.mode

    def detach(self) -> None:
        self.cancelled.append("detach")
        self.gate.set()

    def start_again(self, on_event: EventSink | None = None) -> ActionResult:
        assert self.again is not None
        return self.again


class FakeNotifier:
    def __init__(self) -> None:
        self.shown: list[tuple[str, str]] = []

    def notify(self, title: str, text: str, *, urgent: bool = True) -> None:
        self.shown.append((title, text))
