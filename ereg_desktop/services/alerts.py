"""Alerts from status snapshots and pm2 events: a crash, a crash loop, a stop or restart by
someone else, memory above a threshold, a server unreachable or pm2 down (and back).

Pure logic with an injected clock: :class:`AlertEngine` is fed snapshots (polls or the agent)
and events (:mod:`ereg_desktop.services.pm2_events`) and returns typed :class:`Alert` s, each
once per event (state per app, never once per sample). This app's own actions are announced
first with :meth:`AlertEngine.expect` (or read from the local history with
:meth:`AlertEngine.expect_from_records`), so what they cause is not alerted as someone else's.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any

from ereg_desktop.services.alert_kinds import (
    _CONFIRMED,
    _EXCEPTION_KEEP_S,
    _EXIT_THEN_RESTART_S,
    CRASH,
    CRASH_LOOP,
    MB,
    MEMORY_HIGH,
    MEMORY_NORMAL,
    OWN_GRACE_S,
    OWN_KINDS,
    PM2_DOWN,
    RESTARTED_ELSEWHERE,
    SERVER_BACK,
    SERVER_UNREACHABLE,
    STOPPED,
    STOPPED_ELSEWHERE,
    Alert,
    AlertSettings,
    AppWatch,
    ServerWatch,
)
from ereg_desktop.services.crashes import ERRORED
from ereg_desktop.services.pm2_events import (
    ModeChanged,
    ProcessEvent,
    ProcessException,
    RestartOverlimit,
    Snapshot,
)
from ereg_desktop.services.shown_text import printable
from ereg_desktop.services.status import CONNECTED, UNREACHABLE, AppStatus, ServerStatus

# the kinds and types callers import from here (defined in services/alert_kinds.py)
__all__ = [
    "AlertEngine",
    "CRASH",
    "CRASH_LOOP",
    "MB",
    "MEMORY_HIGH",
    "MEMORY_NORMAL",
    "PM2_DOWN",
    "RESTARTED_ELSEWHERE",
    "SERVER_BACK",
    "SERVER_UNREACHABLE",
    "STOPPED_ELSEWHERE",
    "Alert",
    "AlertSettings",
]


class AlertEngine:
    """Not thread-safe: feed it from one thread (the window's GUI thread, the watch loop)."""

    def __init__(
        self, settings: AlertSettings | None = None, clock: Callable[[], float] = time.time
    ) -> None:
        self.settings = settings or AlertSettings()
        self.clock = clock
        self._apps: dict[tuple[str, str], AppWatch] = {}
        self._servers: dict[str, ServerWatch] = {}
        self._expected: dict[tuple[str, str], tuple[str, float]] = {}
        self._running: dict[tuple[str, str], tuple[str, int]] = {}  # begin() without end() yet
        self._silenced: dict[tuple[str, str], float] = {}
        self._thresholds: dict[tuple[str, str], int | None] = {}
        self._pending: list[Alert] = []

    # --- what the caller tells ---------------------------------------------------------------

    def expect(self, server: str, app: str, action: str, until: float) -> None:
        """This app runs ``action`` (restart, stop, deploy, ...) on ``app``: what it causes
        until ``until`` (the clock's time) is not alerted."""
        key = (server, app)
        old = self._expected.get(key)
        if old is None or old[1] < until:
            self._expected[key] = (action, until)

    def begin(self, server: str, app: str, action: str) -> None:
        """This app's ``action`` on ``app`` (an update: its stop, deploy and start) runs from
        now until :meth:`end`: nothing it causes meanwhile is alerted."""
        count = self._running.get((server, app), (action, 0))[1]
        self._running[(server, app)] = (action, count + 1)

    def end(self, server: str, app: str, until: float) -> None:
        """The action of :meth:`begin` ended; what it causes until ``until`` is still its own."""
        action, count = self._running.pop((server, app), ("", 0))
        if count > 1:
            self._running[(server, app)] = (action, count - 1)
        if action:
            self.expect(server, app, action, until)

    def expect_from_records(self, records: Iterable[Mapping[str, Any]]) -> None:
        """Expectations from the local history's records (``store.history.History.list()``):
        each write of this app counts until ``OWN_GRACE_S`` after it ended."""
        for r in records:
            if r.get("kind") not in OWN_KINDS:
                continue
            ended = _epoch(r.get("ended_at")) or _epoch(r.get("started_at"))
            if ended is not None:
                self.expect(str(r.get("server", "")), str(r.get("app", "")), str(r["kind"]),
                            ended + OWN_GRACE_S)  # fmt: skip

    def silence(self, server: str, app: str, until: float) -> None:
        """No alert about ``app`` (or, with app "", about the server itself) until ``until``."""
        self._silenced[(server, app)] = until

    def unsilence(self, server: str, app: str) -> None:
        self._silenced.pop((server, app), None)

    def silenced_until(self, server: str, app: str) -> float | None:
        until = self._silenced.get((server, app))
        return until if until is not None and until > self.clock() else None

    def set_memory_threshold(self, server: str, app: str, limit_bytes: int | None) -> None:
        """A fixed threshold for ``app``; None goes back to the default (relative to its
        own median of the last hour)."""
        self._thresholds[(server, app)] = limit_bytes

    def replace_memory_thresholds(self, limits: Mapping[tuple[str, str], int]) -> None:
        """Exactly these fixed thresholds (bytes per (server, app)); every other app: the
        default."""
        self._thresholds = dict(limits)

    def mode(self, server: str) -> str:
        return self._server(server).mode

    # --- feeding -----------------------------------------------------------------------------

    def feed(self, item: object) -> list[Alert]:
        """A ServerStatus / Snapshot, or one of the events; anything else says nothing."""
        if isinstance(item, Snapshot):
            item = item.status
        if isinstance(item, ServerStatus):
            return self._kept(self._snapshot(item))
        if isinstance(item, ProcessEvent):
            return self._kept(self._event(item))
        if isinstance(item, RestartOverlimit):
            return self._kept(self._loop(item.server_id, item.app, "pm2 gave up restarting it"))
        if isinstance(item, ProcessException):
            self._app(item.server_id, item.app).exception = (self.clock(), item.message)
            return []
        if isinstance(item, ModeChanged):
            self._server(item.server_id).mode = item.mode
        return []

    def tick(self) -> list[Alert]:
        """The grace times without a new snapshot (the agent's stream fell silent), and the
        held alerts whose confirmation time has come."""
        return self._kept([a for sid in list(self._servers) for a in self._grace(sid)])

    # --- snapshots ---------------------------------------------------------------------------

    def _snapshot(self, st: ServerStatus) -> list[Alert]:
        sid = st.server_id
        srv = self._server(sid)
        if st.state != CONNECTED:
            if st.state == UNREACHABLE:
                self._down(srv, SERVER_UNREACHABLE, st.reason)
            return self._grace(sid)
        if not st.pm2_running:
            self._down(srv, PM2_DOWN, "the pm2 daemon is not running")
            return self._grace(sid)
        out: list[Alert] = []
        if srv.down_since is not None:
            if srv.alerted:
                gone = "could not be reached" if srv.down_kind == SERVER_UNREACHABLE else (
                    "had no pm2 running")  # fmt: skip
                out.append(self._alert(sid, "", SERVER_BACK,
                                       f"{sid} is back (it {gone} for "
                                       f"{_took(self.clock() - srv.down_since)})"))  # fmt: skip
            srv.down_since, srv.alerted = None, False
        for name, now in st.apps.items():
            out += self._app_snapshot(sid, name, now)
        return out

    def _app_snapshot(self, sid: str, name: str, now: AppStatus) -> list[Alert]:
        state = self._app(sid, name)
        old, state.last = state.last, now
        by_events, state.restarts_by_events = state.restarts_by_events, 0
        out = self._memory(sid, name, state, now)
        if now.status != STOPPED:
            state.stop_reported = False
        if old is None:
            return out
        own = self._own(sid, name)
        new_restarts = now.restarts - old.restarts - by_events
        if new_restarts > 0 and own is None:
            out += self._crashes(sid, name, new_restarts,
                                 f"restarted (restarts {old.restarts} \u2192 {now.restarts})")  # fmt: skip
        if now.status == ERRORED and old.status != ERRORED and own is None:
            out += self._loop(sid, name, ERRORED)
        if now.status == STOPPED and old.status != STOPPED and not state.stop_reported:
            state.stop_reported = True
            if own is None:
                out.append(self._alert(sid, name, STOPPED_ELSEWHERE,
                                       f"{name} on {sid} was stopped by someone else"))  # fmt: skip
        return out

    # --- events ------------------------------------------------------------------------------

    def _event(self, ev: ProcessEvent) -> list[Alert]:
        sid, name = ev.server_id, ev.app
        state = self._app(sid, name)
        now = self.clock()
        own = self._own(sid, name)
        kind = ev.event
        if kind in ("online", "start"):
            state.stop_reported = False
            return []
        if kind in ("exit", "restart") and not ev.manually:
            if kind == "restart" and state.last_exit_at is not None and (
                    now - state.last_exit_at <= _EXIT_THEN_RESTART_S):  # fmt: skip
                state.last_exit_at = None
                return []  # pm2 restarting after the exit already counted
            if kind == "exit":
                state.last_exit_at = now
            state.restarts_by_events += 1
            return [] if own else self._crashes(sid, name, 1, f"pm2 reported {kind}")
        if kind == "restart":  # manually
            state.restarts_by_events += 1
            if own:
                return []
            return [self._alert(sid, name, RESTARTED_ELSEWHERE,
                                f"{name} on {sid} was restarted by someone else")]  # fmt: skip
        if kind in ("stop", "delete") and not state.stop_reported:
            state.stop_reported = True
            if own:
                return []
            what = "stopped" if kind == "stop" else "deleted from pm2"
            return [self._alert(sid, name, STOPPED_ELSEWHERE,
                                f"{name} on {sid} was {what} by someone else")]  # fmt: skip
        return []  # exit manually: the stop or restart event beside it says which

    # --- crashes -----------------------------------------------------------------------------

    def _crashes(self, sid: str, name: str, count: int, what: str) -> list[Alert]:
        state = self._app(sid, name)
        now = self.clock()
        s = self.settings
        for _ in range(min(count, s.loop_crashes)):
            state.crashes.append(now)
        while state.crashes and now - state.crashes[0] > s.loop_window_s:
            state.crashes.popleft()
        if len(state.crashes) >= s.loop_crashes:
            return self._loop(sid, name, f"{len(state.crashes)} times within "
                                         f"{_took(s.loop_window_s)}, the last: {what}")  # fmt: skip
        if state.in_loop:
            state.in_loop = False  # the loop had calmed down: this is a new crash
        why = ""
        if state.exception is not None and now - state.exception[0] <= _EXCEPTION_KEEP_S:
            why = f": {state.exception[1]}"
            state.exception = None
        return [self._alert(sid, name, CRASH, f"{name} on {sid} crashed: {what}{why}")]

    def _loop(self, sid: str, name: str, why: str) -> list[Alert]:
        state = self._app(sid, name)
        if state.in_loop:
            return []
        state.in_loop = True
        text = f"{name} on {sid} crashed: {why}; it is in a crash loop"
        return [self._alert(sid, name, CRASH_LOOP, text)]

    # --- memory ------------------------------------------------------------------------------

    def _memory(self, sid: str, name: str, state: AppWatch, now_app: AppStatus) -> list[Alert]:
        if now_app.status != "online" or now_app.memory_bytes <= 0:
            return []
        now, used, s = self.clock(), now_app.memory_bytes, self.settings
        limit = self._threshold(sid, name, state)
        state.memory.append((now, used))
        while state.memory and now - state.memory[0][0] > s.memory_window_s:
            state.memory.popleft()
        if state.memory_high_at is None:
            if limit is not None and used > limit:
                state.memory_high_at = limit
                return [self._alert(sid, name, MEMORY_HIGH,
                                    f"{name} on {sid} uses {used / MB:.0f} MB, above its "
                                    f"threshold of {limit / MB:.0f} MB")]  # fmt: skip
            return []
        if used < state.memory_high_at * s.memory_clear_ratio:
            state.memory_high_at = None
            return [self._alert(sid, name, MEMORY_NORMAL,
                                f"{name} on {sid} is back to {used / MB:.0f} MB")]  # fmt: skip
        return []

    def _threshold(self, sid: str, name: str, state: AppWatch) -> int | None:
        if (sid, name) in self._thresholds and self._thresholds[(sid, name)] is not None:
            return self._thresholds[(sid, name)]
        if state.memory_high_at is not None:
            return state.memory_high_at
        s = self.settings
        if s.memory_limit_bytes is not None:
            return s.memory_limit_bytes
        if len(state.memory) < s.memory_min_samples:
            return None
        median = statistics.median(m for _, m in state.memory)
        return int(max(median * s.memory_factor, median + s.memory_margin_bytes))

    # --- servers -----------------------------------------------------------------------------

    def _down(self, srv: ServerWatch, kind: str, reason: str) -> None:
        if srv.down_since is None:
            srv.down_since, srv.alerted = self.clock(), False
        srv.down_kind, srv.down_reason = kind, reason

    def _grace(self, sid: str) -> list[Alert]:
        srv = self._server(sid)
        if srv.down_since is None or srv.alerted:
            return []
        took = self.clock() - srv.down_since
        if took < self.settings.grace_s:
            return []
        srv.alerted = True
        if srv.down_kind == SERVER_UNREACHABLE:
            text = f"{sid} cannot be reached for {_took(took)}"
        else:
            text = f"pm2 is not running on {sid} for {_took(took)}"
        reason = printable(srv.down_reason)
        return [self._alert(sid, "", srv.down_kind, f"{text}: {reason}" if reason else text)]

    # --- helpers -----------------------------------------------------------------------------

    def _own(self, sid: str, name: str, at: float | None = None) -> str | None:
        """The action of this app that explains a change of ``name`` seen at ``at``."""
        running = self._running.get((sid, name))
        if running is not None:
            return running[0]
        found = self._expected.get((sid, name))
        if found is None or found[1] < (self.clock() if at is None else at):
            return None
        return found[0]

    def _alert(self, sid: str, app: str, kind: str, message: str) -> Alert:
        return Alert(sid, app, kind, printable(message), self.clock())

    def _kept(self, alerts: list[Alert]) -> list[Alert]:
        now = self.clock()
        hold = self.settings.confirm_s
        ready = [a for a in self._pending if now - a.at >= hold]
        self._pending = [a for a in self._pending if now - a.at < hold]
        out = [a for a in ready if self._own(a.server, a.app, a.at) is None]
        for a in alerts:
            if hold > 0 and a.kind in _CONFIRMED:
                self._pending.append(a)
            else:
                out.append(a)
        return [a for a in out if self.silenced_until(a.server, a.app) is None]

    def _app(self, sid: str, name: str) -> AppWatch:
        return self._apps.setdefault((sid, name), AppWatch())

    def _server(self, sid: str) -> ServerWatch:
        return self._servers.setdefault(sid, ServerWatch())


def _epoch(text: object) -> float | None:
    if not isinstance(text, str) or not text:
        return None
    try:
        return datetime.fromisoformat(text).timestamp()
    except ValueError:
        return None


def _took(seconds: float) -> str:
    s = int(seconds)
    return f"{s} s" if s < 120 else f"{s // 60} min"
