"""``ereg-desktop watch [--json]``: status changes and alerts, one line per event, until Ctrl-C.

Each server's status comes from the server-side agent (``services/agent_monitor``), which pushes
pm2's events as they happen: a crash is a line within :data:`CONFIRM_S`, not at the next refresh.
Where the agent cannot run, ``pm2 jlist`` is polled every refresh interval, and a line says so
(on stderr; a ``"type": "mode"`` JSON line with ``--json``), as it says when the agent is back.
Everything goes through one thread: a :class:`StatusTracker` (what changed: a line per change,
never per sample) and an :class:`AlertEngine` (what deserves an alert). This app's own writes
(the local history, so a ``restart``/``stop``/``deploy`` run in another terminal too) are not
alerted as someone else's: an alert that could be one is held :data:`CONFIRM_S` and checked
against the history, written just after the action ran. ``EREG_DESKTOP_ALERT_WEBHOOK`` (a URL,
a secret: never an argument) gets each alert.
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any

from ereg_desktop.commands.keys import ask_passphrase
from ereg_desktop.context import AppContext
from ereg_desktop.errors import EregError
from ereg_desktop.services.agent_monitor import AgentMonitor
from ereg_desktop.services.alert_webhook import post_webhook
from ereg_desktop.services.alerts import Alert, AlertEngine, AlertSettings
from ereg_desktop.services.monitor import Monitor, attach
from ereg_desktop.services.pm2_agent import AGENT
from ereg_desktop.services.pm2_events import LogLine, ModeChanged, Snapshot
from ereg_desktop.services.shown_text import printable
from ereg_desktop.services.status import ServerStatus
from ereg_desktop.services.status_changes import StatusChange, StatusTracker
from ereg_desktop.store.history import History, HistoryError
from ereg_desktop.store.inventory import Server
from ereg_desktop.store.paths import AppPaths
from ereg_desktop.store.settings import MIN_REFRESH_S, load_settings

WEBHOOK_ENV = "EREG_DESKTOP_ALERT_WEBHOOK"
CONFIRM_S = 3.0  # an alert this app's own action may explain waits for its history record
TICK_S = 0.25  # the held alerts, the grace times and this app's history looked at this often


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="one JSON object a line")
    parser.add_argument(
        "--interval",
        type=float,
        metavar="SECONDS",
        help=f"seconds between refreshes (default: the window's refresh interval; at least "
        f"{MIN_REFRESH_S}); the agent pushes events in between",
    )


class Printer:
    def __init__(self, as_json: bool) -> None:
        self.as_json = as_json
        self.lock = threading.Lock()

    def line(self, item: Alert | StatusChange | dict[str, Any]) -> None:
        if self.as_json:
            d = item if isinstance(item, dict) else item.to_dict()
            text = json.dumps(d, ensure_ascii=False, sort_keys=True)
        elif isinstance(item, Alert):
            text = f"{_clock(item.at)}  ALERT {item.kind}: {item.message}"
        elif isinstance(item, StatusChange):
            text = f"{_clock(item.at)}  {item.text()}"
        else:
            text = f"{_clock(time.time())}  {item.get('message', '')}"
        with self.lock:
            print(text, flush=True)

    def mode(self, change: ModeChanged, interval: float) -> None:
        """How a server's status arrives now: a JSON line, else stdout for the agent and
        stderr for the fall back to polling."""
        reason = printable(change.reason)
        if change.mode == AGENT:
            message = f"{change.server_id}: agent (pm2 events pushed as they happen)"
        else:
            message = f"{change.server_id}: polling pm2 jlist every {interval:g} s ({reason})"
        if self.as_json or change.mode == AGENT:
            self.line({"type": "mode", "server": change.server_id, "mode": change.mode,
                       "reason": reason, "message": message, "at": time.time()})  # fmt: skip
            return
        with self.lock:
            print(f"ereg-desktop: {message}", file=sys.stderr, flush=True)


def _clock(at: float) -> str:
    return datetime.fromtimestamp(at).strftime("%H:%M:%S")


class Watch:
    """The agents' threads and the refresh workers put what they get on one queue; :meth:`run`
    (one thread) feeds it to the tracker and the alert engine in order of arrival."""

    def __init__(
        self,
        polls: Monitor,
        servers: list[Server],
        history: History | None,
        printer: Printer,
        webhook: str | None = None,
        interval: float = float(MIN_REFRESH_S),
    ) -> None:
        self.servers = servers
        self.history = history
        self.printer = printer
        self.webhook = webhook
        self.interval = interval
        self.inbox: queue.Queue[object] = queue.Queue()
        self.monitor = AgentMonitor(polls, self.inbox.put, interval_s=interval)
        self.engine = AlertEngine(AlertSettings(confirm_s=CONFIRM_S))
        self.tracker = StatusTracker()
        self.workers = ThreadPoolExecutor(max_workers=max(1, min(8, len(servers))))
        self.posts = ThreadPoolExecutor(max_workers=1)
        self._history_warned = False
        self._taken: dict[str, float] = {}  # the newest status fed per server
        self._modes: dict[str, str] = {}
        self._polling: set[str] = set()

    def run(self, stop: threading.Event) -> None:
        next_refresh = 0.0
        next_tick = 0.0
        while not stop.is_set():
            now = time.monotonic()
            if now >= next_refresh:
                next_refresh = now + self.interval
                self.refresh()
            try:
                item = self.inbox.get(timeout=max(0.0, min(next_refresh, next_tick) - now))
            except queue.Empty:
                item = None
            if item is not None:
                self.handle(item)
            if time.monotonic() >= next_tick:
                next_tick = time.monotonic() + TICK_S
                self._own_actions()
                self._alerts(self.engine.tick())

    def refresh(self) -> None:
        """A status of each server not being read already (the agent's, else a jlist poll), on
        the workers: its answer comes through the queue."""
        for server in self.servers:
            if server.id not in self._polling:
                self._polling.add(server.id)
                self.workers.submit(self._poll, server)

    def _poll(self, server: Server) -> None:
        try:
            self.inbox.put(self.monitor.poll(server))
        finally:
            self.inbox.put(_Polled(server.id))

    def handle(self, item: object) -> None:
        if isinstance(item, _Polled):
            self._polling.discard(item.server_id)
            return
        if isinstance(item, LogLine):
            return
        if isinstance(item, ModeChanged):
            self.engine.feed(item)
            if self._modes.get(item.server_id) != item.mode:
                self._modes[item.server_id] = item.mode
                self.printer.mode(item, self.interval)
            return
        if isinstance(item, Snapshot):
            item = item.status
        if isinstance(item, ServerStatus):
            taken = item.taken_at or time.time()
            if taken <= self._taken.get(item.server_id, 0.0):
                return  # the same snapshot again (pushed and asked for), or an older one
            self._taken[item.server_id] = taken
            for change in self.tracker.feed(item, time.time()):
                self.printer.line(change)
        self._own_actions()
        self._alerts(self.engine.feed(item))

    def _alerts(self, alerts: list[Alert]) -> None:
        for alert in alerts:
            self.printer.line(alert)
            if self.webhook:
                self.posts.submit(self._post, alert)

    def _own_actions(self) -> None:
        if self.history is None:
            return
        try:
            self.engine.expect_from_records(self.history.list(limit=100))
        except HistoryError as exc:
            if not self._history_warned:
                self._history_warned = True
                print(f"ereg-desktop: {exc.short}", file=sys.stderr, flush=True)

    def _post(self, alert: Alert) -> None:
        assert self.webhook is not None
        try:
            post_webhook(self.webhook, alert)
        except EregError as exc:
            print(f"ereg-desktop: {exc.short}", file=sys.stderr, flush=True)

    def close(self) -> None:
        self.workers.shutdown(wait=False, cancel_futures=True)
        self.posts.shutdown(wait=False, cancel_futures=True)
        self.monitor.stop()  # the agents' channels: the remote node exits


class _Polled:
    """A refresh of the server ended (its status, if any, is before this on the queue)."""

    def __init__(self, server_id: str) -> None:
        self.server_id = server_id


def run(args: argparse.Namespace, paths: AppPaths) -> int:
    ctx = AppContext.for_cli(paths)
    servers = list(ctx.inventory.servers)
    interval = args.interval or load_settings(paths.settings_file).refresh_interval_s
    interval = max(float(MIN_REFRESH_S), float(interval))
    printer = Printer(args.json)
    monitor = attach(ctx, ask_passphrase)
    webhook = os.environ.get(WEBHOOK_ENV) or None
    watch = Watch(monitor, servers, ctx.history, printer, webhook, interval)
    stop = threading.Event()
    try:
        watch.run(stop)
    except KeyboardInterrupt:
        pass
    finally:
        watch.close()
        monitor.pool.close()
    return 0
