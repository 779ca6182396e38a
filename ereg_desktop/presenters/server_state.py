"""What the window knows of each server's live status, one object per server, and the status
bar's words for it. Plain Python: ``ui/live_status.py`` keeps only the Qt side (timers, actions,
dialogs, workers) and tests drive this with poll results and a clock.

An unreachable result keeps the last good figures, shown as stale with their age; a host-key
problem pauses the server's polls until the operator answers.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace

from ereg_desktop.remote.errors import (
    AuthFailed,
    ChangedHostKey,
    HostKeyMismatch,
    HostKeyProblem,
    NoAnswer,
    NoUsableKey,
    Unreachable,
)
from ereg_desktop.services.crashes import Crash, find_crashes
from ereg_desktop.services.durations import age_text
from ereg_desktop.services.status import CONNECTED, UNREACHABLE, ServerStatus

NO_KEY_TEXT = "no SSH key: Server > SSH key\u2026 to import or generate one"
CONNECTING_TEXT = "connecting\u2026"
NOT_CONNECTED_TEXT = "not connected yet"
NO_KEYRING_TEXT = "no OS keyring: see Server > SSH key\u2026"
NOT_STARTED_TEXT = "monitoring not started: Refresh (F5) to try again"
NOT_TRUSTED_TEXT = " \u2014 not trusted; Refresh (F5) to check again"
REASON_CHARS = 90  # the status bar shows this much of a reason; the tooltip has all of it

_WITH_REASON = (Unreachable, NoAnswer, AuthFailed, NoUsableKey, HostKeyProblem, HostKeyMismatch)


def problem_reason(problem: Exception | None, fallback: str) -> str:
    """Why the last poll failed, in the status bar's words."""
    if problem is not None:
        from ereg_desktop.services.keys import NoKeyStored  # loaded by the poll that failed

        cause = problem.cause if isinstance(problem, NoUsableKey) else problem
        if isinstance(cause, NoKeyStored):
            return NO_KEY_TEXT
    if isinstance(problem, ChangedHostKey):
        return "HOST KEY CHANGED: connection refused (see the dialog)"
    if isinstance(problem, HostKeyProblem):
        return "unknown host key: check its fingerprint (see the dialog)"
    if isinstance(problem, _WITH_REASON):
        return problem.reason or str(problem) or fallback
    if problem is not None:
        return str(problem) or fallback
    return fallback or "no answer"


def _cut(text: str) -> str:
    return text if len(text) <= REASON_CHARS else text[: REASON_CHARS - 1] + "\u2026"


@dataclass
class ServerState:
    server_id: str
    shown: ServerStatus | None = None  # what the window shows (stale figures when unreachable)
    last_good: ServerStatus | None = None
    reason: str | None = None  # why the last poll failed, as shown
    in_flight: bool = False  # a poll runs on a worker
    paused: bool = False  # waits for the operator's answer about a host key
    declined: bool = False  # the operator closed that dialog without trusting

    @property
    def shown_connected(self) -> bool:
        return self.shown is not None and self.shown.state == CONNECTED

    def stale(self, status: ServerStatus, reason: str) -> ServerStatus:
        """An unreachable result that keeps the last good figures (and their time) if any."""
        good = self.last_good
        if good is None:
            return replace(status, reason=reason, taken_at=None, apps={})
        return replace(
            status,
            reason=reason,
            taken_at=good.taken_at,
            pm2_running=good.pm2_running,
            apps=good.apps,
        )


class ServerStates:
    """Every server's :class:`ServerState`, and whether monitoring could start at all."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._servers: dict[str, ServerState] = {}
        self.monitor_ready = False
        self.start_error: str | None = None  # the monitor could not be built: why

    def __getitem__(self, server_id: str) -> ServerState:
        state = self._servers.get(server_id)
        if state is None:
            state = self._servers[server_id] = ServerState(server_id)
        return state

    def keep_only(self, server_ids: Iterable[str]) -> None:
        """The inventory changed: forget the servers no longer in it."""
        known = set(server_ids)
        for server_id in [k for k in self._servers if k not in known]:
            del self._servers[server_id]

    def may_poll(self, server_id: str) -> bool:
        state = self[server_id]
        return not state.in_flight and not state.paused

    # --- poll results ------------------------------------------------------------------------

    def polled(
        self, status: ServerStatus, problem: Exception | None
    ) -> tuple[ServerStatus, list[Crash]]:
        """A poll's result: (what the window shows, the crashes since the last good poll)."""
        state = self[status.server_id]
        state.in_flight = False
        if status.state == CONNECTED:
            crashes = find_crashes(state.last_good, status)
            state.reason, state.last_good, state.shown = None, status, status
            return status, crashes
        state.reason = problem_reason(problem, status.reason)
        state.shown = state.stale(status, state.reason)
        return state.shown, []

    def poll_failed(self, server_id: str, error: BaseException) -> ServerStatus:
        """The poll raised (Monitor.poll never does for connection problems: a bug or an odd
        failure); shown like an unreachable server."""
        state = self[server_id]
        state.in_flight = False
        state.reason = f"poll failed ({type(error).__name__}: {error})"
        status = ServerStatus(server_id, UNREACHABLE, reason=state.reason, taken_at=self._clock())
        state.shown = state.stale(status, state.reason)
        return state.shown

    def host_key_asked(self, server_id: str) -> None:
        self[server_id].paused = True

    def host_key_trusted(self, server_id: str) -> None:
        state = self[server_id]
        state.paused = state.declined = False
        state.reason = None

    def host_key_declined(self, server_id: str) -> None:
        state = self[server_id]
        if state.paused:
            state.declined = True

    def ask_again(self, server_id: str) -> None:
        """A manual refresh asks again about a host key the operator put off."""
        state = self[server_id]
        if state.declined:
            state.declined = state.paused = False

    # --- the status bar ----------------------------------------------------------------------

    def state_text(self, server_id: str, connected_now: bool | None = None) -> tuple[str, str]:
        """(short text, full text for the tooltip) for a server's status-bar entry.
        ``connected_now``: whether the pool holds a live connection (None: not known)."""
        if self.start_error is not None and not self.monitor_ready:
            keyring = "keyring" in self.start_error.lower()
            return (NO_KEYRING_TEXT if keyring else NOT_STARTED_TEXT), self.start_error
        state = self[server_id]
        connected = state.shown_connected if connected_now is None else connected_now
        if state.in_flight and not connected:
            return CONNECTING_TEXT, ""
        status = state.shown
        if status is None:
            return (CONNECTING_TEXT if self.monitor_ready else NOT_CONNECTED_TEXT), ""
        now = self._clock()
        if status.state == CONNECTED:
            age = age_text(now - status.taken_at) if status.taken_at else "?"
            pm2 = "" if status.pm2_running else " \u00b7 pm2 not running"
            return f"connected{pm2} \u00b7 {age} ago", ""
        reason = state.reason or status.reason or "no answer"
        if state.declined and state.paused:
            reason += NOT_TRUSTED_TEXT
        stale = ""
        if status.taken_at is not None and status.apps:
            stale = f" \u00b7 figures {age_text(now - status.taken_at)} old"
        return f"unreachable: {_cut(reason)}{stale}", reason
