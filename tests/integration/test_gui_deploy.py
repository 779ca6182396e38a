"""The Deployment menu through the real MainWindow and progress dialog, against the sandbox:
a full update, a failing setup with "Start it again", a restart from the window."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest
from deploy_helpers import FAST, make_pool
from window_helpers import select

from ereg_desktop.context import AppContext
from ereg_desktop.services.deploy.actions import ActionResult
from ereg_desktop.services.deploy.events import Step, StepState
from ereg_desktop.services.deploy.workflow import AppState, Outcome
from ereg_desktop.store.history import History
from ereg_desktop.store.inventory import Deployment, Inventory, Operator, Server, System
from ereg_desktop.store.inventory_file import InventoryFile, LoadedInventory
from ereg_desktop.store.paths import AppPaths
from ereg_desktop.ui.main_window import MainWindow
from ereg_desktop.ui.tasks import wait_for_workers

sys.path.insert(0, str(Path(__file__).parents[1] / "ui"))
from deploy_fixtures import FakeNotifier

pytestmark = [
    pytest.mark.gui,
    pytest.mark.qt_log_ignore(r"This plugin does not support propagateSizeHints\(\)", extend=True),
]
SHOTS = Path(os.environ.get("EREG_SCREENSHOTS") or tempfile.mkdtemp(prefix="ereg-shots-"))
SHOTS.mkdir(parents=True, exist_ok=True)


@pytest.fixture
def gui(qtbot, sandbox: Any, tmp_path: Path) -> Any:
    paths = AppPaths.resolve(config_dir=tmp_path / "config")
    server = Server("sandbox", sandbox.host, sandbox.port, sandbox.user)
    systems = [
        System(
            f"System {app}",
            owner="Tester",
            deployments=[Deployment(env, "sandbox", app, sandbox.app_url(app))],
        )  # fmt: skip
        for app, env in (("gt-dev", "development"), ("els", "production"))
    ]
    loaded = LoadedInventory(Inventory(Operator("Tester"), [server], systems))
    pool = make_pool(sandbox, tmp_path)
    ctx = AppContext(paths, InventoryFile(paths.inventory_file), loaded, pool=pool,
                     deploy_settings=FAST)  # fmt: skip
    window = MainWindow(ctx)
    window.deployment.notifier = FakeNotifier()
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    yield window
    for d in list(window.deployment.dialogs):
        d.deploy_run.detach()
    wait_for_workers(30_000)
    pool.close()


def update_via_dialog(qtbot, window: MainWindow, app: str) -> Any:
    select(window, app)
    actions = window.deployment
    assert actions.update_action.isEnabled()
    actions.update_action.trigger()
    confirm = actions.pending
    assert confirm is not None and confirm.isVisible()
    confirm.go_button.click()
    qtbot.waitUntil(lambda: len(actions.dialogs) == 1, timeout=5000)
    return actions.dialogs[0]


def test_full_update_through_the_dialog(qtbot, sandbox: Any, gui: MainWindow, tmp_path) -> None:
    app = "gt-dev"
    sandbox.set_setup(app, seconds=2, fail=False)
    new = sandbox.push_commit(app, {"gui-feature.txt": "x\n"}, "A feature, via the GUI")
    dialog = update_via_dialog(qtbot, gui, app)
    qtbot.waitUntil(lambda: dialog.cancel_button.text() == "Detach", timeout=20_000)
    qtbot.waitUntil(lambda: dialog.downtime_label.property("down") is True, timeout=20_000)
    assert dialog.grab().save(str(SHOTS / "deploy-dialog-midrun.png"))
    qtbot.waitUntil(lambda: dialog.deploy_result is not None, timeout=60_000)
    r = dialog.deploy_result
    assert r.outcome == Outcome.DEPLOYED, r.message
    assert sandbox.head(app) == new and sandbox.pm2_status(app) == "online"
    # no translations pending: their phases are skipped, said so; every other step ran well
    review = {Step.REVIEW, Step.STOP, Step.SUBMIT, Step.PULL_REQUEST}
    assert all(dialog.steps.states[s] == StepState.OK for s in Step if s not in review)
    assert all(dialog.steps.states[s] == StepState.SKIPPED for s in review)
    assert "Updated" in dialog.summary.text() and new[:8] in dialog.summary.text()
    assert dialog.downtime_label.text().startswith("Downtime: ")
    assert dialog.downtime_label.property("down") is False
    assert "setup done" in "\n".join(dialog.logs[Step.DEPLOY])
    assert dialog.grab().save(str(SHOTS / "deploy-dialog-finished.png"))
    local = History(gui.ctx.paths.history_db).list(app)
    assert local[0]["result"] == "deployed" and local[0]["commit_after"] == new
    dialog.close_button.click()
    qtbot.waitUntil(lambda: not gui.deployment.dialogs)


def test_failing_setup_then_start_it_again(qtbot, sandbox: Any, gui: MainWindow) -> None:
    app = "gt-dev"
    sandbox.set_setup(app, seconds=1, fail=True)
    try:
        sandbox.push_commit(app, {"gui-broken.txt": "x\n"}, "This setup fails")
        dialog = update_via_dialog(qtbot, gui, app)
        qtbot.waitUntil(lambda: dialog.deploy_result is not None, timeout=60_000)
        r = dialog.deploy_result
        assert r.outcome == Outcome.FAILED and r.app_state == AppState.DOWN
        assert "is DOWN" in dialog.summary.text()
        assert dialog.downtime_label.property("down") is True  # still counting, in red
        assert dialog.start_again_button.isVisible()
        assert dialog.steps.states[Step.DEPLOY] == StepState.FAILED
        dialog.steps.setCurrentItem(dialog.steps.items[Step.DEPLOY])
        assert "setup failed" in dialog.log_view.toPlainText()
        assert dialog.grab().save(str(SHOTS / "deploy-dialog-failed.png"))
        assert sandbox.pm2_status(app) == "stopped"
        sandbox.set_setup(app, fail=False)
        dialog.start_again_button.click()
        qtbot.waitUntil(lambda: not dialog.start_again_button.isVisible(), timeout=30_000)
        assert "running again" in dialog.summary.text()
        assert sandbox.pm2_status(app) == "online"
    finally:
        sandbox.set_setup(app, fail=False)


def test_restart_from_the_window(qtbot, sandbox: Any, gui: MainWindow) -> None:
    app = "els"
    select(gui, app)
    actions = gui.deployment
    actions.restart_action.trigger()
    confirm = actions.pending
    assert confirm.banner is not None and "PRODUCTION" in confirm.banner.text()
    assert confirm.grab().save(str(SHOTS / "confirm-production.png"))
    confirm.go_button.click()
    qtbot.waitUntil(lambda: isinstance(actions.last_action, ActionResult), timeout=30_000)
    result = actions.last_action
    assert result.ok and result.status == "online", result.message
    assert "restart done" in gui.statusBar().currentMessage()
    assert sandbox.pm2_status(app) == "online"
    assert History(gui.ctx.paths.history_db).list(app)[0]["kind"] == "restart"
