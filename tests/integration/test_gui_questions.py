"""The update's question asked inline in its dialog, against the sandbox: the reason nobody gave
in advance is typed into the dialog and reaches the audit record; a question left unanswered
stops the update before anything was stopped (app online, no lock left)."""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from deploy_helpers import FAST, make_pool, server_audit
from window_helpers import select

from ereg_desktop.context import AppContext
from ereg_desktop.services.deploy.events import Step, StepState
from ereg_desktop.services.deploy.workflow import AppState, DeploySettings, Outcome
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
APP = "gt-dev"
SHOTS = Path(os.environ.get("EREG_SCREENSHOTS") or tempfile.mkdtemp(prefix="ereg-shots-"))
SHOTS.mkdir(parents=True, exist_ok=True)


@pytest.fixture
def open_window(qtbot, sandbox: Any, tmp_path: Path) -> Iterator[Callable[[DeploySettings], Any]]:
    """A MainWindow on the sandbox where Tester updates Olga's system: a reason is needed."""
    pools: list[Any] = []
    windows: list[MainWindow] = []

    def open_it(settings: DeploySettings) -> MainWindow:
        paths = AppPaths.resolve(config_dir=tmp_path / "config")
        server = Server("sandbox", sandbox.host, sandbox.port, sandbox.user)
        system = System("Olga's system", owner="Olga",
                        deployments=[Deployment("development", "sandbox", APP, sandbox.app_url(APP))])  # fmt: skip
        loaded = LoadedInventory(Inventory(Operator("Tester"), [server], [system]))
        pool = make_pool(sandbox, tmp_path)
        pools.append(pool)
        ctx = AppContext(paths, InventoryFile(paths.inventory_file), loaded, pool=pool,
                         deploy_settings=settings)  # fmt: skip
        window = MainWindow(ctx)
        window.deployment.notifier = FakeNotifier()
        qtbot.addWidget(window)
        window.show()
        qtbot.waitExposed(window)
        windows.append(window)
        return window

    yield open_it
    for window in windows:
        for d in list(window.deployment.dialogs):
            d.deploy_run.detach()
    wait_for_workers(30_000)
    for pool in pools:
        pool.close()


def start_without_reasons(qtbot, window: MainWindow) -> Any:
    """The update started with no reason given in advance: the run asks in its dialog."""
    select(window, APP)
    ref = window.deployment.selected_ref()
    assert ref is not None
    dialog = window.deployment.start_update(ref, {})
    qtbot.waitUntil(lambda: dialog.question.isVisible(), timeout=20_000)
    return dialog


def test_a_reason_typed_in_the_dialog_is_recorded(qtbot, sandbox: Any, open_window) -> None:
    window = open_window(FAST)
    sandbox.set_setup(APP, seconds=1, fail=False)
    new = sandbox.push_commit(APP, {"asked.txt": "x\n"}, "A change Olga should know about")
    dialog = start_without_reasons(qtbot, window)
    panel = dialog.question
    assert "Olga" in panel.text.text() and panel.reason.isVisible()
    ok = panel.button("OK")
    assert not ok.isEnabled()  # no reason typed yet
    assert dialog.cancel_button.text() == "Cancel" and dialog.cancel_button.isEnabled()
    assert sandbox.pm2_status(APP) == "online"  # nothing stopped while it waits
    assert dialog.grab().save(str(SHOTS / "deploy-dialog-question-open.png"))
    qtbot.keyClicks(panel.reason, "Olga is on leave; the fix is urgent")
    assert ok.isEnabled()
    ok.click()
    qtbot.waitUntil(lambda: not panel.isVisible(), timeout=10_000)
    qtbot.waitUntil(lambda: dialog.deploy_result is not None, timeout=90_000)
    result = dialog.deploy_result
    assert result.outcome == Outcome.DEPLOYED, result.message
    assert sandbox.head(APP) == new and sandbox.pm2_status(APP) == "online"
    # no translations pending: their phases are skipped, said so; every other step ran well
    review = {Step.REVIEW, Step.STOP, Step.SUBMIT, Step.PULL_REQUEST}
    assert all(dialog.steps.states[s] == StepState.OK for s in Step if s not in review)
    assert all(dialog.steps.states[s] == StepState.SKIPPED for s in review)
    record = server_audit(sandbox, APP)[-1]
    assert record["result"] == "deployed" and record["commit_after"] == new
    assert record["reasons"] == {"owner-mismatch": "Olga is on leave; the fix is urgent"}
    assert "reason given: Olga is on leave" in "\n".join(dialog.logs[Step.PREFLIGHT])


def test_an_unanswered_question_stops_with_the_app_running(
    qtbot, sandbox: Any, open_window
) -> None:
    window = open_window(replace(FAST, question_timeout_s=2.0))
    before = sandbox.head(APP)
    sandbox.push_commit(APP, {"never.txt": "x\n"}, "Never deployed: nobody says why")
    dialog = start_without_reasons(qtbot, window)
    deadline = dialog.question.deadline.text()
    assert "2" in deadline and "counts as no" in deadline
    qtbot.waitUntil(lambda: dialog.deploy_result is not None, timeout=30_000)
    result = dialog.deploy_result
    assert result.outcome in (Outcome.BLOCKED, Outcome.CANCELLED), result.message
    assert result.app_state != AppState.DOWN
    assert "no answer within 2 s" in result.message
    assert not dialog.question.isVisible()
    assert "reason is needed" in dialog.summary.text()
    assert dialog.grab().save(str(SHOTS / "deploy-dialog-question-timed-out.png"))
    assert sandbox.pm2_status(APP) == "online"
    assert sandbox.head(APP) == before  # nothing was deployed
    assert not (Path(sandbox.home) / ".ereg-desktop/locks" / APP).exists()
    assert dialog.steps.states[Step.DEPLOY] != StepState.OK
