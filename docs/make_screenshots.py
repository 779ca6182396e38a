"""The screenshots of docs/screenshots/, taken of the window against the embedded demo.

Usage (from the repository's root):

    QT_QPA_PLATFORM=offscreen .venv/bin/python docs/make_screenshots.py

It starts the demo (``ereg-desktop --demo``'s server, pm2 and GitHub stand-in) in a temporary
data folder, opens the window as the app does, waits for the first status and saves
main-window.png, details-pane.png, update-dialog.png (gt-dev's update, completed),
translation-review.png (the review of gt's translations and their planted problems) and
first-run.png (the set-up assistant: its key page and its connection test); then stops the demo. Nothing of the operator's own profile
is read or written.

With pm2 (and node) on PATH the demo runs the real pm2, whose agent the status bar names ("agent");
without, its pm2 stand-in, which the app polls. The committed images were taken with the real
pm2 (the tests' cached copy: PATH=~/.cache/ereg-desktop-tests/pm2/node_modules/.bin:$PATH).
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QEventLoop, QItemSelectionModel, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication, QWidget  # noqa: E402

from ereg_desktop.cli import _demo_paths  # noqa: E402
from ereg_desktop.context import AppContext  # noqa: E402
from ereg_desktop.demo.session import start_demo  # noqa: E402
from ereg_desktop.ui.main_window import MainWindow  # noqa: E402
from ereg_desktop.ui.systems_model import APP, DEVELOPMENT, OTHER, PRODUCTION  # noqa: E402
from ereg_desktop.ui.tasks import wait_for_workers  # noqa: E402

OUT = ROOT / "docs" / "screenshots"


def wait_until(what: str, done: Callable[[], bool], timeout_s: float = 60) -> None:
    """Run the event loop until ``done()`` (checked every 50 ms); fail after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    loop = QEventLoop()
    timer = QTimer()
    timer.setInterval(50)

    def check() -> None:
        if done() or time.monotonic() > deadline:
            loop.quit()

    timer.timeout.connect(check)
    timer.start()
    if not done():
        loop.exec()
    timer.stop()
    if not done():
        raise SystemExit(f"make_screenshots: no {what} within {timeout_s:g} s")


def settle() -> None:
    """A few turns of the event loop: layouts and paints done."""
    wait_until("paint", lambda: True)
    for _ in range(5):
        QApplication.processEvents()


def save(widget: QWidget, name: str) -> None:
    settle()
    path = OUT / name
    if not widget.grab().save(str(path)):
        raise SystemExit(f"make_screenshots: could not save {path}")
    print(f"saved {path.relative_to(ROOT)} ({widget.width()}x{widget.height()})")


def select(window: MainWindow, app: str) -> None:
    model = window.tree.model()
    for c in range(model.rowCount()):
        parent = model.index(c, 0)
        for r in range(model.rowCount(parent)):
            if model.index(r, APP, parent).data().split(" [")[0] == app:
                flags = QItemSelectionModel.SelectionFlag.ClearAndSelect
                flags |= QItemSelectionModel.SelectionFlag.Rows
                window.tree.selectionModel().select(model.index(r, 0, parent), flags)
                return
    raise SystemExit(f"make_screenshots: {app} is not in the window")


def all_online(window: MainWindow) -> bool:
    model = window.model
    rows = [r for c in (PRODUCTION, DEVELOPMENT, OTHER) for r in model.rows(c)]
    return bool(rows) and all(
        r.status_cells()[0] == "online" and "MiB" in r.status_cells()[4] for r in rows
    )


def start_update(window: MainWindow, app: str) -> Any:
    select(window, app)
    actions = window.deployment
    wait_until(f"update action for {app}", actions.update_action.isEnabled, 10)
    actions.update_action.trigger()
    confirm = actions.pending
    assert confirm is not None
    count = len(actions.dialogs)
    confirm.go_button.click()  # type: ignore[attr-defined]
    wait_until(f"update dialog for {app}", lambda: len(actions.dialogs) > count, 10)
    return actions.dialogs[-1]


def first_run(wizard: Any) -> None:
    """first-run.png: the assistant's key page and its connection test (passed), side by side."""
    from PySide6.QtGui import QGuiApplication, QPainter, QPixmap
    from PySide6.QtWidgets import QWizard

    def go_next(page: int) -> None:
        wizard.button(QWizard.WizardButton.NextButton).click()
        wait_until(f"the assistant's page {page}", lambda: wizard.currentId() == page, 15)
        current = wizard.currentPage()
        wait_until(f"page {page} to be idle", lambda: not getattr(current, "busy", False), 30)

    passed: list[bool] = []
    wizard.connection_tested.connect(passed.append)
    go_next(1)  # the key page
    settle()
    key_picture = wizard.grab()
    for page in (2, 3, 4):  # the message to the admin, the host key, GitHub
        go_next(page)
    go_next(5)  # the connection test
    wait_until("the connection test", lambda: bool(passed), 60)
    if not passed[-1]:
        raise SystemExit("make_screenshots: the demo's connection test failed")
    settle()
    test_picture = wizard.grab()
    gap = 16
    canvas = QPixmap(key_picture.width() + gap + test_picture.width(),
                     max(key_picture.height(), test_picture.height()))  # fmt: skip
    canvas.fill(QGuiApplication.palette().window().color())
    painter = QPainter(canvas)
    painter.drawPixmap(0, 0, key_picture)
    painter.drawPixmap(key_picture.width() + gap, 0, test_picture)
    painter.end()
    if not canvas.save(str(OUT / "first-run.png")):
        raise SystemExit("make_screenshots: could not save first-run.png")
    print(f"saved docs/screenshots/first-run.png ({canvas.width()}x{canvas.height()})")
    wizard.close()


def shots(window: MainWindow) -> None:
    from ereg_desktop.ui.live_status import LiveStatus
    from ereg_desktop.ui.setup_assistant import open_assistant

    ctx = window.ctx
    live = LiveStatus(window, ctx)  # what ui/app.run_gui does after the first paint
    live.start()
    live.follow_updates(window.deployment)
    details = window.add_details_pane().chart_tab  # the Chart tab (ui/details_chart_tab.py)
    pane = window.add_alerts_pane(live.live_alerts.log)
    live.live_alerts.show_in(pane)
    try:
        wait_until("status with every app online", lambda: all_online(window))
        window.tree.expandAll()
        for column in range(window.model.columnCount()):
            window.tree.resizeColumnToContents(column)
        window.tree.clearSelection()
        save(window, "main-window.png")

        select(window, "gt")  # restarted 20 h ago for its memory (the demo's history)
        wait_until("gt's chart", lambda: details.app == "gt" and details.chart.data is not None)
        compare = details.compare_box
        position = compare.findText("els")
        compare.setCurrentIndex(position)
        compare.activated.emit(position)  # as a click on "els" in the list does

        def compared() -> bool:
            data = details.chart.data
            return data is not None and sum(1 for s in data.series if len(s)) == 2

        wait_until("gt's chart compared with els", compared)
        save(window, "details-pane.png")

        dialog = start_update(window, "gt-dev")
        wait_until("gt-dev's update to end", lambda: dialog.deploy_result is not None, 120)
        save(dialog, "update-dialog.png")
        dialog.close_button.click()

        dialog = start_update(window, "gt")
        panel = dialog.question

        def asks_review() -> bool:
            try:
                return panel.isVisible() and panel.button("Review\u2026") is not None
            except StopIteration:
                return False

        wait_until("gt's review question", asks_review, 60)
        panel.button("Review\u2026").click()
        review = panel.review_dialog
        wait_until("gt's review", lambda: getattr(review, "state", None) is not None, 60)
        review.resize(1200, 760)
        save(review, "translation-review.png")
        review.stop_button.click()
        wait_until("gt's update to stop", lambda: dialog.deploy_result is not None, 60)
        dialog.close_button.click()

        first_run(open_assistant(window))
    finally:
        for d in list(window.deployment.dialogs):
            d.deploy_run.detach()
        live.shutdown()
        wait_for_workers(30_000)
        live.close_connections()


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    app = QApplication.instance() or QApplication([sys.argv[0]])
    app.setApplicationName("ereg-desktop")
    with tempfile.TemporaryDirectory(prefix="ereg-demo-shots-") as data_dir:
        session = start_demo(Path(data_dir), reset=False)
        try:
            window = MainWindow(AppContext.for_gui(_demo_paths(session)))
            window.resize(1400, 860)
            window.show()
            settle()
            shots(window)
            window.close()
        finally:
            session.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
