"""``ereg-desktop --self-test``: open the window offscreen, see it work once, close; exit 0.

Alone it waits for the window's first paint and starts no live status (no server is contacted: a
frozen build's smoke test runs it anywhere). With ``--demo`` it waits for the first status the
embedded demo server answers (a server connected, its apps listed). Either way a deadline ends it
with exit code 1 and the reason, as does every server of the inventory found unreachable, and
so does a window without the app's icon (the resources folder not shipped).
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from ereg_desktop.services.status import CONNECTED, UNREACHABLE, ServerStatus
from ereg_desktop.store.paths import AppPaths
from ereg_desktop.ui import app as ui_app

if TYPE_CHECKING:
    from ereg_desktop.ui.live_status import LiveStatus

PAINT_DEADLINE_MS = 60_000
STATUS_DEADLINE_MS = 90_000


def run_self_test(paths: AppPaths, argv: list[str], *, status: bool) -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    what = "a status refresh" if status else "the first paint"
    if not status:
        os.environ[ui_app.EXIT_AFTER_FIRST_PAINT] = "1"  # run_gui quits at the first paint
    app = QApplication.instance() or QApplication(argv or [sys.argv[0]])
    assert isinstance(app, QApplication)
    deadline_ms = STATUS_DEADLINE_MS if status else PAINT_DEADLINE_MS
    failed: list[str] = []
    problems: dict[str, str] = {}  # why each server that could not be asked could not
    servers: set[str] = set()

    def too_late() -> None:
        failed.append(f"no {what} within {deadline_ms // 1000} s")
        failed.extend(f"{server}: {reason}" for server, reason in problems.items())
        app.exit(1)

    deadline = QTimer(app)
    deadline.setSingleShot(True)
    deadline.timeout.connect(too_late)
    deadline.start(deadline_ms)

    def status_applied(status: ServerStatus) -> None:
        if status.state == CONNECTED and status.apps:
            QTimer.singleShot(0, app.quit)
        elif status.state == UNREACHABLE:
            problems[status.server_id] = status.reason or "unreachable"
            if servers <= problems.keys():  # none is left to wait for
                failed.extend(f"{server}: {reason}" for server, reason in problems.items())
                app.exit(1)

    def monitor_failed(message: str) -> None:
        failed.append(message)
        app.exit(1)

    def watch(live: LiveStatus) -> None:
        servers.update(server.id for server in live.ctx.inventory.servers)
        live.status_applied.connect(status_applied)
        live.monitor_failed.connect(monitor_failed)

    code = ui_app.run_gui(paths, argv, on_live=watch if status else None)
    deadline.stop()
    if app.windowIcon().isNull():  # resources/ is shipped with the app (a frozen one too)
        failed.append("the window has no icon: the resources folder was not found")
    if failed or code != 0:
        print(
            f"ereg-desktop: self-test failed: {'; '.join(failed) or f'exit {code}'}",
            file=sys.stderr,
        )
        return code or 1
    print(f"ereg-desktop: self-test ok ({what})")
    return 0
