"""Start the desktop window. Only Qt and the inventory load here: start-up stays close to bare Qt."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication

from ereg_desktop.context import AppContext
from ereg_desktop.store import app_log
from ereg_desktop.store.paths import AppPaths
from ereg_desktop.ui.colour_scheme import SchemeFollower
from ereg_desktop.ui.main_window import MainWindow
from ereg_desktop.ui.tasks import wait_for_workers
from ereg_desktop.ui.window_layout import PendingLayout, WindowLayout

if TYPE_CHECKING:
    from ereg_desktop.ui.live_status import LiveStatus

# Set by tests/bench/bench_startup.py: print the time of the first paint, then quit.
EXIT_AFTER_FIRST_PAINT = "EREG_DESKTOP_EXIT_AFTER_FIRST_PAINT"
FIRST_PAINT_PREFIX = "first-paint-ns"
# Background tasks get this long to finish when the window closes (remote calls have timeouts).
TASKS_GRACE_MS = 15_000


class FirstPaintReporter(QObject):
    """Prints ``first-paint-ns <time.time_ns()>`` at the window's first paint and quits."""

    def __init__(self, app: QApplication) -> None:
        super().__init__(app)
        self._app = app
        self._seen = False

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if not self._seen and event.type() == QEvent.Type.Paint:
            self._seen = True
            print(f"{FIRST_PAINT_PREFIX} {time.time_ns()}", flush=True)
            QTimer.singleShot(0, self._app.quit)
        return False


class AfterFirstPaint(QObject):
    """Runs ``then`` once, on the event-loop turn after the watched widget's first paint."""

    def __init__(self, then: Callable[[], object]) -> None:
        super().__init__()
        self._then = then

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            watched.removeEventFilter(self)
            QTimer.singleShot(0, self._then)
        return False


def _no_display() -> bool:
    """Without a display Qt's xcb plugin aborts the whole process; say so in words instead."""
    if not sys.platform.startswith("linux") or os.environ.get("QT_QPA_PLATFORM"):
        return False
    return not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def run_gui(
    paths: AppPaths, argv: list[str], on_live: Callable[[LiveStatus], object] | None = None
) -> int:
    """``argv`` is the whole command line, program name first (Qt reads its own options there).

    ``on_live`` is given the live status once it is built (``--self-test`` waits on its signals)."""
    if _no_display() and not QApplication.instance():
        print(
            "ereg-desktop: no display to open the window on (DISPLAY and WAYLAND_DISPLAY are unset)."
            " Start it from a desktop session, or use a command: ereg-desktop --help",
            file=sys.stderr,
        )
        return 2
    app = QApplication.instance() or QApplication(argv or [sys.argv[0]])
    assert isinstance(app, QApplication)
    app.setApplicationName("ereg-desktop")
    app.setOrganizationName("eRegistrations")
    from ereg_desktop.ui.resources import APP_ID, app_icon  # resources/: the icon, the .desktop

    app.setDesktopFileName(APP_ID)  # Wayland finds the icon through the installed desktop entry
    app.setWindowIcon(app_icon())
    ctx = AppContext.for_gui(paths)
    layout = PendingLayout(paths.window_layout_file)  # read on a worker while the window is built
    SchemeFollower(app)  # light or dark, as the desktop is
    window = MainWindow(ctx)
    WindowLayout(window, layout)  # before the first paint when read by then, else on arrival
    # Live status is built after the first paint and polls on workers: its module, paramiko and
    # keyring all load off the start-up path.
    live: list[LiveStatus] = []

    def start_live_status() -> None:
        app_log.start_writing()  # the app's log file (store/app_log.py), queued until now
        window.deployment  # noqa: B018  (its actions work from now on)
        from ereg_desktop.ui.live_status import LiveStatus
        from ereg_desktop.ui.notify import DesktopNotifier
        from ereg_desktop.ui.tray import Tray

        live.append(LiveStatus(window, ctx))
        tray = Tray(window, live[0].refresh_action)
        live[0].live_alerts.notifier = DesktopNotifier(window, tray)
        if on_live is not None:
            on_live(live[0])
        live[0].start()
        live[0].follow_updates(window.deployment)
        # logs are followed through the live status's agents; their events arrive queued
        window.add_details_pane(lambda: live[0].monitor, live[0].agent_event)
        window.add_today_view()
        pane = window.add_alerts_pane(live[0].live_alerts.log)
        live[0].live_alerts.show_in(pane)
        pane.count_changed.connect(tray.set_alert_count)  # the badge on the tray icon
        window.add_preferences_action(live[0].preferences_action)
        from ereg_desktop.ui.setup_assistant import offer_setup

        offer_setup(window)  # no operator or no key yet: a bar offers the set-up assistant

    after_paint = AfterFirstPaint(start_live_status)
    if os.environ.get(EXIT_AFTER_FIRST_PAINT):
        window.installEventFilter(FirstPaintReporter(app))
    else:
        window.installEventFilter(after_paint)
    window.show()
    try:
        return app.exec()
    finally:
        for controller in live:
            controller.shutdown()
        wait_for_workers(TASKS_GRACE_MS)  # what is still running then is abandoned
        pool = ctx.pool_if_built  # live status's and the actions' connections: one pool
        if pool is not None:
            pool.close()
