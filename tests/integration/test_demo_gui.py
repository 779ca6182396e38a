"""The window against the embedded demo (``ereg-desktop --demo``), in-process and offscreen: live
status with memory, a crash alert, the translation review of ``gt`` with its planted problems,
an update of ``gt-dev`` that completes, and the seeded metrics history in the details pane.
One demo (and one window, built as ui/app.run_gui builds it) is shared by the module's tests."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QApplication

from ereg_desktop.cli import _demo_paths
from ereg_desktop.context import AppContext
from ereg_desktop.demo.demo_sandbox import server_env
from ereg_desktop.demo.session import DemoSession, start_demo
from ereg_desktop.services.deploy.workflow import Outcome
from ereg_desktop.services.i18n.findings import Severity
from ereg_desktop.ui.live_status import LiveStatus
from ereg_desktop.ui.main_window import MainWindow
from ereg_desktop.ui.systems_model import DEVELOPMENT, MEMORY, OTHER, PRODUCTION, STATUS
from ereg_desktop.ui.tasks import wait_for_workers

sys.path.insert(0, str(Path(__file__).parents[1]))
sys.path.insert(0, str(Path(__file__).parents[1] / "ui"))
from deploy_fixtures import FakeNotifier
from window_helpers import select

pytestmark = [
    pytest.mark.gui,
    pytest.mark.qt_log_ignore(r"This plugin does not support propagateSizeHints\(\)", extend=True),
]

DEMO_APPS = {"gt", "gt-dev", "els", "els-dev", "ldz", "ldz-dev", "tz", "tz-dev"}


class DemoGui:
    def __init__(self, session: DemoSession, window: MainWindow, live: LiveStatus) -> None:
        self.session, self.window, self.live = session, window, live
        self.ctx: AppContext = window.ctx

    def rows(self) -> dict[str, Any]:
        model = self.window.model
        return {r.app: r for c in (PRODUCTION, DEVELOPMENT, OTHER) for r in model.rows(c)}

    def all_online_with_memory(self) -> bool:
        rows = self.rows()
        if set(rows) != DEMO_APPS:
            return False
        cells = [row.status_cells() for row in rows.values()]
        return all(c[0] == "online" and c[MEMORY - STATUS] not in ("", "\u2014") for c in cells)

    def pm2_jlist(self) -> list[dict[str, Any]]:
        """The demo sandbox's own `pm2 jlist`, as its server's shell runs it."""
        box = self.session.sandbox
        res = subprocess.run(["bash", "-lc", "pm2 jlist"], cwd=box.home, env=server_env(box),
                             capture_output=True, text=True, timeout=60)  # fmt: skip
        assert res.returncode == 0, res.stderr
        return list(json.loads(res.stdout))


@pytest.fixture(scope="module")
def demo(qapp: QApplication, tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoGui]:
    session = start_demo(tmp_path_factory.mktemp("demo-data"), reset=False)
    try:
        paths = _demo_paths(session)  # the demo profile, as `ereg-desktop --demo` builds it
        ctx = AppContext.for_gui(paths)
        window = MainWindow(ctx)
        window.deployment.notifier = FakeNotifier()
        window.show()
        # what run_gui does after the first paint
        window.deployment  # noqa: B018
        live = LiveStatus(window, ctx)
        live.start()
        live.follow_updates(window.deployment)
        window.add_details_pane()
        pane = window.add_alerts_pane(live.live_alerts.log)
        live.live_alerts.show_in(pane)
        gui = DemoGui(session, window, live)
        yield gui
        for d in list(window.deployment.dialogs):
            d.deploy_run.detach()
        live.shutdown()
        wait_for_workers(30_000)
        live.close_connections()
        window.close()
        window.deleteLater()
    finally:
        session.stop()


def test_status_shows_every_demo_app_online_with_memory(qtbot, demo: DemoGui) -> None:
    qtbot.waitUntil(demo.all_online_with_memory, timeout=30_000)
    truth = {p["name"]: p for p in demo.pm2_jlist()}
    assert set(truth) == DEMO_APPS
    for app, row in demo.rows().items():
        cells = row.status_cells()
        assert cells[1] == str(truth[app]["pid"]), app
        assert re.fullmatch(r"[0-9.]+ MiB", cells[MEMORY - STATUS]), cells


def test_a_killed_app_gives_one_crash_alert_in_the_window(qtbot, demo: DemoGui) -> None:
    qtbot.waitUntil(demo.all_online_with_memory, timeout=30_000)
    pid = next(p["pid"] for p in demo.pm2_jlist() if p["name"] == "ldz-dev")
    log = demo.live.live_alerts.log
    before = [e for e in log.entries if "ldz-dev" in e.line()]
    interval = demo.live.timer.interval()
    demo.live.timer.setInterval(500)
    try:
        with qtbot.waitSignal(demo.live.crash_detected, timeout=30_000,
                              check_params_cb=lambda c: c.app == "ldz-dev") as crashed:  # fmt: skip
            os.kill(pid, signal.SIGKILL)
    finally:
        demo.live.timer.setInterval(interval)
    crash = crashed.args[0]
    assert crash.server_id == demo.session.server_id and "ldz-dev" in crash.message

    def logged() -> list[object]:
        return [e for e in log.entries if "ldz-dev" in e.line()]

    qtbot.waitUntil(lambda: len(logged()) > len(before))
    # one alert for the one kill (its planned crashes come 30 s or more after the demo's start)
    assert len(logged()) == len(before) + 1
    assert [c.app for c in demo.live.alerts].count("ldz-dev") == 1
    assert "ldz-dev" in demo.window.statusBar().currentMessage()

    # pm2 started it again: a new process, online
    def restarted() -> bool:
        now = next(p for p in demo.pm2_jlist() if p["name"] == "ldz-dev")
        return bool(now["pid"]) and now["pid"] != pid and now["pm2_env"]["status"] == "online"

    qtbot.waitUntil(restarted, timeout=20_000)


def update_via_dialog(qtbot, window: MainWindow, app: str) -> Any:
    select(window, app)
    actions = window.deployment
    qtbot.waitUntil(actions.update_action.isEnabled, timeout=10_000)
    actions.update_action.trigger()
    confirm = actions.pending
    assert confirm is not None and confirm.isVisible()
    count = len(actions.dialogs)
    confirm.go_button.click()
    qtbot.waitUntil(lambda: len(actions.dialogs) == count + 1, timeout=5000)
    return actions.dialogs[-1]


def asking(panel: Any, label: str) -> bool:
    try:
        return panel.isVisible() and panel.button(label) is not None
    except StopIteration:
        return False


def test_the_update_of_gt_reaches_a_review_with_findings(qtbot, demo: DemoGui) -> None:
    qtbot.waitUntil(demo.all_online_with_memory, timeout=30_000)
    dialog = update_via_dialog(qtbot, demo.window, "gt")
    panel = dialog.question
    qtbot.waitUntil(lambda: asking(panel, "Review\u2026"), timeout=60_000)
    panel.button("Review\u2026").click()
    review = panel.review_dialog
    assert review is not None
    qtbot.waitUntil(lambda: getattr(review, "state", None) is not None, timeout=30_000)
    findings = review.state.review.findings
    severities = {f.severity for f in findings}
    assert severities == set(Severity), severities  # errors, warnings and info were planted
    assert any(f.blocks for f in findings)
    assert not review.approve_button.isEnabled()  # not with errors unacknowledged
    assert "Welcome to ${ systemName }" in {f.key for f in findings}
    review.stop_button.click()
    qtbot.waitUntil(lambda: dialog.deploy_result is not None, timeout=60_000)
    assert dialog.deploy_result.outcome != Outcome.DEPLOYED
    assert demo.rows()["gt"].status_cells()[0] == "online"
    dialog.close_button.click()
    qtbot.waitUntil(lambda: dialog not in demo.window.deployment.dialogs)


def test_the_update_of_gt_dev_completes(qtbot, demo: DemoGui) -> None:
    qtbot.waitUntil(demo.all_online_with_memory, timeout=30_000)
    dialog = update_via_dialog(qtbot, demo.window, "gt-dev")
    qtbot.waitUntil(lambda: dialog.deploy_result is not None, timeout=90_000)
    result = dialog.deploy_result
    assert result.outcome == Outcome.DEPLOYED, result.message
    assert "Updated" in dialog.summary.text()
    dialog.close_button.click()


def test_the_seeded_history_shows_in_the_details_chart(qtbot, demo: DemoGui) -> None:
    qtbot.waitUntil(demo.all_online_with_memory, timeout=30_000)
    assert demo.window.details is not None
    details = demo.window.details.chart_tab
    select(demo.window, "els")
    qtbot.waitUntil(lambda: details.app == "els", timeout=5000)
    next(b for b in details.spans.buttons() if b.text() == "Week").click()
    chart = details.chart

    def week_drawn() -> bool:
        data = chart.data
        return data is not None and data.has_samples and data.t1 - data.t0 > 6 * 86_400

    qtbot.waitUntil(week_drawn, timeout=15_000)
    assert not details.problem
    oldest = min(min(s.ats) for s in chart.data.series if len(s))
    assert oldest < time.time() - 2 * 86_400  # the 3 seeded days, not only this run's samples
