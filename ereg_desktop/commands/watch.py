"""``ereg-desktop watch [--json]``: status changes and alerts, one line per event, until Ctrl-C.

Every refresh interval each server is polled (``pm2 jlist`` over its pooled connection, as
``status`` does); the snapshots go through a :class:`StatusTracker` (what changed) and an
:class:`AlertEngine` (what deserves an alert). This app's own writes (the local history, so a
``restart``/``stop``/``deploy`` run in another terminal too) are not alerted as someone else's.
The server-side agent (``services/pm2_agent``) is used only when its module is present; this
build polls. ``EREG_DESKTOP_ALERT_WEBHOOK`` (a URL, a secret: never an argument) gets each alert.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import sys
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor, wait
from datetime import datetime
from typing import Any

from ereg_desktop.commands.keys import ask_passphrase
from ereg_desktop.context import AppContext
from ereg_desktop.errors import EregError
from ereg_desktop.services.alert_webhook import post_webhook
from ereg_desktop.services.alerts import Alert, AlertEngine
from ereg_desktop.services.monitor import Monitor, attach
from ereg_desktop.services.status import ServerStatus
from ereg_desktop.services.status_changes import StatusChange, StatusTracker
from ereg_desktop.store.history import History, HistoryError
from ereg_desktop.store.inventory import Server
from ereg_desktop.store.paths import AppPaths
from ereg_desktop.store.settings import MIN_REFRESH_S, load_settings

WEBHOOK_ENV = "EREG_DESKTOP_ALERT_WEBHOOK"
AGENT_MODULE = "ereg_desktop.services.pm2_agent"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="one JSON object a line")
    parser.add_argument(
        "--interval",
        type=float,
        metavar="SECONDS",
        help=f"seconds between polls (default: the window's refresh interval; at least "
        f"{MIN_REFRESH_S})",
    )


def agent_available() -> bool:
    """Whether this build has the server-side agent (imported only if so, never required)."""
    try:
        return importlib.util.find_spec(AGENT_MODULE) is not None
    except (ImportError, ValueError):
        return False


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


def _clock(at: float) -> str:
    return datetime.fromtimestamp(at).strftime("%H:%M:%S")


class Watch:
    def __init__(
        self,
        monitor: Monitor,
        servers: list[Server],
        history: History | None,
        printer: Printer,
        webhook: str | None = None,
    ) -> None:
        self.monitor = monitor
        self.servers = servers
        self.history = history
        self.printer = printer
        self.webhook = webhook
        self.engine = AlertEngine()
        self.tracker = StatusTracker()
        self.workers = ThreadPoolExecutor(max_workers=max(1, min(8, len(servers))))
        self.posts = ThreadPoolExecutor(max_workers=1)
        self._history_warned = False

    def once(self) -> None:
        futures: list[Future[ServerStatus]] = [
            self.workers.submit(self.monitor.poll, s) for s in self.servers
        ]
        wait(futures)
        self._own_actions()
        for f in futures:
            self.feed(f.result())

    def feed(self, st: ServerStatus) -> None:
        for change in self.tracker.feed(st, time.time()):
            self.printer.line(change)
        for alert in self.engine.feed(st):
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


def run(args: argparse.Namespace, paths: AppPaths) -> int:
    ctx = AppContext.for_cli(paths)
    servers = list(ctx.inventory.servers)
    interval = args.interval or load_settings(paths.settings_file).refresh_interval_s
    interval = max(float(MIN_REFRESH_S), float(interval))
    printer = Printer(args.json)
    monitor = attach(ctx, ask_passphrase)
    mode = "polling"
    reason = ("the server-side agent is not used by watch yet" if agent_available()
              else "this build has no server-side agent")  # fmt: skip
    for server in servers:
        printer.line({"type": "mode", "server": server.id, "mode": mode, "reason": reason,
                      "message": f"{server.id}: {mode} every {interval:g} s ({reason})"})  # fmt: skip
    watch = Watch(monitor, servers, ctx.history, printer, os.environ.get(WEBHOOK_ENV) or None)
    stop = threading.Event()
    try:
        while not stop.is_set():
            started = time.monotonic()
            watch.once()
            stop.wait(max(0.0, interval - (time.monotonic() - started)))
    except KeyboardInterrupt:
        pass
    finally:
        watch.close()
        monitor.pool.close()
    return 0
