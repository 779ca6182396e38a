"""An update with translations pending through the real MainWindow, update dialog and review
window, against the sandbox and the GitHub stand-in: the review while the app runs, approve,
Merge now, deployed."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from deploy_helpers import make_pool
from test_gui_deploy import SHOTS, update_via_dialog
from translations_flow_helpers import (
    FLOW,
    OWNER,
    TOKEN,
    change_messages,
    github_standin,
    master_file,
    restore_app,
)

from ereg_desktop.context import AppContext
from ereg_desktop.services.deploy.events import Step, StepState
from ereg_desktop.services.deploy.workflow import Outcome
from ereg_desktop.services.i18n.messages_file import parse_messages
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


@pytest.fixture
def window(qtbot, sandbox: Any, tmp_path: Path) -> Iterator[MainWindow]:
    restore_app(sandbox, APP)
    with github_standin(sandbox) as standin:
        paths = AppPaths.resolve(config_dir=tmp_path / "config")
        server = Server("sandbox", sandbox.host, sandbox.port, sandbox.user)
        dep = Deployment("development", "sandbox", APP, sandbox.app_url(APP))
        system = System(f"System {APP}", owner="Tester", repository=f"{OWNER}/{APP}",
                        deployments=[dep])  # fmt: skip
        loaded = LoadedInventory(Inventory(Operator("Tester"), [server], [system]))
        pool = make_pool(sandbox, tmp_path)
        ctx = AppContext(paths, InventoryFile(paths.inventory_file), loaded, pool=pool,
                         deploy_settings=FLOW, github_token=TOKEN,
                         github_api_url=standin.url)  # fmt: skip
        win = MainWindow(ctx)
        win.deployment.notifier = FakeNotifier()
        qtbot.addWidget(win)
        win.show()
        qtbot.waitExposed(win)
        yield win
        for d in list(win.deployment.dialogs):
            d.deploy_run.detach()
        wait_for_workers(30_000)
        pool.close()
    restore_app(sandbox, APP)


def asking(panel: Any, label: str) -> bool:
    """The question panel shows a button for the answer ``label``."""
    try:
        return panel.isVisible() and panel.button(label) is not None
    except StopIteration:
        return False


def test_review_approve_and_merge_through_the_window(qtbot, sandbox: Any, window: Any) -> None:
    wanted = change_messages(sandbox, APP, {"Submit": "Enviar desde la ventana"})
    dialog = update_via_dialog(qtbot, window, APP)
    panel = dialog.question
    qtbot.waitUntil(lambda: asking(panel, "Review…"), timeout=30_000)
    assert sandbox.pm2_status(APP) == "online"  # reviewed while the app runs
    assert dialog.grab().save(str(SHOTS / "deploy-dialog-review-asked.png"))
    panel.button("Review…").click()
    review = panel.review_dialog
    assert review is not None
    qtbot.waitUntil(review.approve_button.isEnabled, timeout=30_000)
    assert review.grab().save(str(SHOTS / "translation-review-live.png"))
    review.approve_button.click()
    qtbot.waitUntil(lambda: asking(panel, "Merge now"), timeout=60_000)
    assert "/pull/" in panel.text.text()  # the pull request's link is shown
    assert dialog.grab().save(str(SHOTS / "deploy-dialog-merge-asked.png"))
    panel.button("Merge now").click()
    qtbot.waitUntil(lambda: dialog.deploy_result is not None, timeout=90_000)
    result = dialog.deploy_result
    assert result.outcome == Outcome.DEPLOYED, result.message
    for step in (Step.REVIEW, Step.STOP, Step.SUBMIT, Step.PULL_REQUEST, Step.DEPLOY):
        assert dialog.steps.states[step] == StepState.OK, step
    assert parse_messages(master_file(sandbox, APP)) == wanted
    assert "translations merged" in dialog.summary.text() and "/pull/" in dialog.summary.text()
    assert dialog.grab().save(str(SHOTS / "deploy-dialog-translations-done.png"))
