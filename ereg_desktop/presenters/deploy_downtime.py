"""The downtime as the update dialog counts it: from the app leaving ``online`` to its return,
still counting while it is down, the result's own figure once the run ends."""

from __future__ import annotations

from dataclasses import dataclass

from ereg_desktop.services.deploy.result import AppState, DeployResult, Outcome
from ereg_desktop.services.durations import seconds_text


@dataclass
class Downtime:
    """From the app leaving ``online`` to its return, as the dialog counts it."""

    since: float | None = None  # time.time() it went down; None: never down in this run
    seconds: float | None = None  # the total once it is back; None while it is down
    ended: bool = False  # the run is over: "so far" no longer applies

    @property
    def down_now(self) -> bool:
        return self.since is not None and self.seconds is None

    def text(self, now: float) -> str:
        if self.since is None:
            if self.ended:
                return "No downtime: the app stayed online"
            return "No downtime so far: the app is online"
        if self.seconds is None:
            return f"App DOWN for {seconds_text(now - self.since)}"
        return f"Downtime: {seconds_text(self.seconds)} (back online)"

    def settle(self, result: DeployResult, now: float) -> None:
        """The run ended: its result's figure wins, unless the app is still down (then the
        counter keeps running and the result's figure is "so far")."""
        self.ended = True
        detached_down = result.outcome == Outcome.DETACHED and self.since is not None
        if result.app_state == AppState.DOWN or (detached_down and self.seconds is None):
            self.seconds = None
            if self.since is None and result.downtime_s is not None:
                self.since = now - result.downtime_s
        elif result.downtime_s is not None:
            self.seconds = result.downtime_s
        elif result.app_state == AppState.UP:
            self.since = None

    def back_up(self, now: float) -> None:
        if self.since is not None and self.seconds is None:
            self.seconds = now - self.since
