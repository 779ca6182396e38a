"""Re-attaching to a server job through the real window, live status and progress dialog, against
the sandbox: window A starts an update and is closed while ``pm2-deploy`` runs (the job goes on);
window B (a new context on the same config dir: its own pool and live status) finds the job,
follows it and records its true outcome once. And a connection cut during ``npm run setup``: the
window stays responsive and the dialog ends with the true result after the reconnect."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from deploy_helpers import FAST
from PySide6.QtWidgets import QMessageBox
from sandbox import Sandbox
from test_gui_status import Heartbeat
from test_status_support import SERVER_ID, sandbox_server, store_sandbox_key
from window_helpers import select

from ereg_desktop.context import AppContext
from ereg_desktop.remote.hostkeys import KnownHosts, fetch_host_key
from ereg_desktop.services.deploy.events import Step, StepState
from ereg_desktop.services.deploy.reattach_policy import Reconnects
from ereg_desktop.services.deploy.workflow import AppState, DeploySettings, Outcome
from ereg_desktop.store.history import History
from ereg_desktop.store.inventory import Deployment, Inventory, Operator, System
from ereg_desktop.store.inventory_file import InventoryFile
from ereg_desktop.store.inventory_toml import dump_inventory
from ereg_desktop.store.paths import AppPaths
from ereg_desktop.store.secrets import SecretStore
from ereg_desktop.ui.app import TASKS_GRACE_MS
from ereg_desktop.ui.deploy_dialog import DeployDialog
from ereg_desktop.ui.live_status import LiveStatus
from ereg_desktop.ui.main_window import MainWindow
from ereg_desktop.ui.tasks import wait_for_workers

sys.path.insert(0, str(Path(__file__).parents[1] / "ui"))
from deploy_fixtures import FakeNotifier

pytestmark = [
    pytest.mark.gui,
    # the offscreen platform has no window manager to pass size hints to or raise a window in
    pytest.mark.qt_log_ignore(
        r"This plugin does not support (propagateSizeHints|raise)\(\)", extend=True
    ),
]
APP_NAME = "proto"


def write_config(box: Sandbox, config_dir: Path) -> AppPaths:
    paths = AppPaths.resolve(config_dir)
    paths.config_dir.mkdir(parents=True, exist_ok=True)
    dep = Deployment("development", SERVER_ID, APP_NAME, box.app_url(APP_NAME))
    inv = Inventory(
        Operator("Tester"),
        [sandbox_server(box)],
        [System("Prototype", owner="Tester", deployments=[dep])],
    )
    paths.inventory_file.write_text(dump_inventory(inv))
    KnownHosts(paths.known_hosts_file).trust(
        box.host, box.port, fetch_host_key(sandbox_server(box))
    )
    return paths


@dataclass
class Win:
    """One run of the desktop app: its context, window and live status."""

    ctx: AppContext
    window: MainWindow
    live: LiveStatus
    closed: bool = False

    @property
    def actions(self) -> Any:
        return self.window.deployment

    def label(self) -> str:
        return self.window._server_labels[SERVER_ID].text()

    def exit(self) -> None:
        """What ui/app.py does when the window closes: stop polling, let the workers finish,
        close the SSH connections."""
        if self.closed:
            return
        self.closed = True
        self.window.close()
        self.live.shutdown()
        wait_for_workers(TASKS_GRACE_MS)
        self.live.close_connections()


@pytest.fixture
def open_window(qtbot, sandbox: Sandbox, tmp_path: Path) -> Iterator[Any]:
    store_sandbox_key(SecretStore.from_environment(), sandbox)
    config_dir = tmp_path / "config"
    write_config(sandbox, config_dir)
    made: list[Win] = []

    def make(settings: DeploySettings = FAST) -> Win:
        paths = AppPaths.resolve(config_dir)
        f = InventoryFile(paths.inventory_file)
        ctx = AppContext(paths, f, f.load_for_gui(), deploy_settings=settings)
        window = MainWindow(ctx)
        window.deployment.notifier = FakeNotifier()
        qtbot.addWidget(window)
        window.show()
        qtbot.waitExposed(window)
        window.deployment  # noqa: B018  (as ui/app.py does after the first paint)
        live = LiveStatus(window, ctx)
        live.start()
        win = Win(ctx, window, live)
        made.append(win)
        qtbot.waitUntil(lambda: win.label().startswith(f"{SERVER_ID}: connected"), timeout=20_000)
        return win

    yield make
    for win in made:
        for d in list(win.actions.dialogs):
            d.deploy_run.detach()
        win.exit()


def start_update(qtbot, win: Win) -> DeployDialog:
    select(win.window, APP_NAME)
    actions = win.actions
    assert actions.update_action.isEnabled()
    actions.update_action.trigger()
    confirm = actions.pending
    assert confirm is not None and confirm.isVisible()
    confirm.go_button.click()
    qtbot.waitUntil(lambda: len(actions.dialogs) == 1, timeout=5000)
    dialog: DeployDialog = actions.dialogs[0]
    return dialog


def wait_setup_running(qtbot, dialog: DeployDialog) -> None:
    qtbot.waitUntil(lambda: dialog.cancel_button.text() == "Detach", timeout=30_000)
    qtbot.waitUntil(lambda: "building" in dialog.progress[Step.DEPLOY], timeout=30_000)


def job_dir(box: Sandbox, job_id: str) -> Path:
    return Path(box.home) / ".ereg-desktop/jobs" / job_id


def audit_lines(box: Sandbox) -> list[dict[str, Any]]:
    path = Path(box.home) / ".ereg-desktop/audit.jsonl"
    if not path.exists():
        return []
    # "\n" only, as the app reads it: a record may hold U+2028, which splitlines() splits on
    return [json.loads(line) for line in path.read_text().split("\n") if line.strip()]


def records_of(box: Sandbox, paths: AppPaths, job_id: str) -> tuple[list[Any], list[Any]]:
    server = [r for r in audit_lines(box) if r.get("job") == job_id]
    local = [r for r in History(paths.history_db).list(APP_NAME) if r.get("job") == job_id]
    return server, local


def assert_true_result(box: Sandbox, dialog: DeployDialog, new: str) -> None:
    r = dialog.deploy_result
    assert r is not None
    assert r.outcome == Outcome.DEPLOYED, r.message
    assert r.app_state == AppState.UP
    assert box.head(APP_NAME) == new and box.pm2_status(APP_NAME) == "online"
    assert r.record.commit_after == new
    assert "Updated" in dialog.summary.text()
    assert all(dialog.steps.states[s] == StepState.OK for s in (Step.DEPLOY, Step.VERIFY))


def test_close_window_while_job_runs_then_a_new_window_reattaches(
    qtbot, sandbox: Sandbox, open_window: Any, screenshot: Any
) -> None:
    sandbox.set_setup(APP_NAME, seconds=6, fail=False)
    new = sandbox.push_commit(APP_NAME, {"reattach.txt": "x\n"}, "Deploy across a restart")

    a = open_window()
    dialog = start_update(qtbot, a)
    wait_setup_running(qtbot, dialog)
    job_id = dialog.job_id
    assert job_id
    # the user closes the progress dialog: it asks, and detaching is confirmed
    dialog.close()
    box = dialog.close_question
    assert isinstance(box, QMessageBox) and "Detach" in box.windowTitle()
    go = next(b for b in box.buttons() if b.text() == "Detach and close")
    with qtbot.waitSignal(dialog.run_finished, timeout=10_000) as detached:
        go.click()
    assert detached.args[0].outcome == Outcome.DETACHED
    qtbot.waitUntil(lambda: not a.actions.dialogs, timeout=5000)  # hidden, then let go
    a.exit()

    # the job goes on without any desktop
    jd = job_dir(sandbox, job_id)
    assert not (jd / "exit").exists(), "the setup ended before window A was closed"
    assert records_of(sandbox, a.ctx.paths, job_id) == ([], [])

    b = open_window()
    qtbot.waitUntil(lambda: len(b.actions.dialogs) == 1, timeout=20_000)
    follow = b.actions.dialogs[0]
    assert follow.job_id == job_id and follow.isVisible()
    assert "re-attached" in follow.header.text()
    qtbot.waitUntil(lambda: follow.deploy_result is not None, timeout=90_000)
    assert_true_result(sandbox, follow, new)
    # the downtime counts from when the app really went down (window A noted it), not from
    # when window B first looked: at least the whole 6 s setup
    assert follow.deploy_result.downtime_s >= 5.8, follow.deploy_result.downtime_s
    log = "\n".join(follow.logs[Step.DEPLOY])
    assert f"re-attached to server job {job_id}" in log and "setup done" in log
    screenshot(follow, "deploy-dialog-reattached")

    server, local = records_of(sandbox, b.ctx.paths, job_id)
    assert len(server) == 1 and len(local) == 1, (server, local)
    assert server[0]["result"] == "deployed" and server[0]["operator"] == "Tester"
    assert server[0]["commit_after"] == new
    assert (jd / "audited").exists()
    # Deployment > History: the run once, recorded here and on the server
    b.actions.show_history()
    view = b.actions.history_view
    qtbot.waitUntil(lambda: view.loaded >= 1, timeout=20_000)
    rows = [r for r in view.model.records if r.get("job") == job_id]
    assert len(rows) == 1 and rows[0]["source"] == "both", view.model.records
    assert "servers read: sandbox" in view.status.text()
    screenshot(view, "history-team")
    view.close()
    # another reconnect finds nothing more to follow
    follow.close_button.click()
    qtbot.waitUntil(lambda: not b.actions.dialogs, timeout=5000)
    b.actions.jobs.reconnects = Reconnects()
    b.live.refresh(manual=True)
    qtbot.waitUntil(lambda: not b.live.in_flight(SERVER_ID), timeout=15_000)
    wait_for_workers(15_000)
    qtbot.wait(50)  # let the queued results of the listing reach the GUI thread
    assert not b.actions.dialogs
    assert records_of(sandbox, b.ctx.paths, job_id) == (server, local)


def cut_during_setup(
    qtbot, sandbox: Sandbox, open_window: Any, settings: DeploySettings, wait_detached: bool
) -> tuple[Win, DeployDialog, str, float]:
    sandbox.set_setup(APP_NAME, seconds=5, fail=False)
    new = sandbox.push_commit(APP_NAME, {f"cut-{time.time_ns()}.txt": "y\n"}, "Deploy over a cut")
    win = open_window(settings)
    win.live.timer.setInterval(500)  # the status poll notices the reconnect quickly
    dialog = start_update(qtbot, win)
    wait_setup_running(qtbot, dialog)
    heartbeat = Heartbeat()
    heartbeat.start()
    try:
        sandbox.stop_sshd(kill_sessions=True)
        qtbot.waitUntil(lambda: "Connection lost" in dialog.connection_note.text(), timeout=15_000)
        if wait_detached:
            qtbot.waitUntil(lambda: dialog.deploy_result is not None, timeout=15_000)
            assert dialog.deploy_result.outcome == Outcome.DETACHED
        # the window answers meanwhile
        select(win.window, APP_NAME)
        win.window.filter_box.setText("pro")
        win.window.filter_box.clear()
    finally:
        sandbox.start_sshd()
    qtbot.waitUntil(lambda: win.label().startswith(f"{SERVER_ID}: connected"), timeout=30_000)
    qtbot.waitUntil(
        lambda: (
            dialog.deploy_result is not None and dialog.deploy_result.outcome != Outcome.DETACHED
        ),
        timeout=90_000,
    )
    worst = heartbeat.stop()
    return win, dialog, new, worst


def test_connection_cut_during_setup_the_dialog_ends_with_the_true_result(
    qtbot, sandbox: Sandbox, open_window: Any
) -> None:
    win, dialog, new, worst = cut_during_setup(qtbot, sandbox, open_window, FAST, False)
    assert worst < 0.5, f"GUI thread stalled {worst * 1000:.0f} ms"
    assert_true_result(sandbox, dialog, new)
    assert win.actions.dialogs == [dialog]
    server, local = records_of(sandbox, win.ctx.paths, dialog.job_id or "")
    assert len(server) == 1 and len(local) == 1


def test_cut_longer_than_the_retry_detaches_then_the_same_dialog_reattaches(
    qtbot, sandbox: Sandbox, open_window: Any
) -> None:
    settings = DeploySettings(settle_s=1.0, verify_deadline_s=30, poll_interval_s=0.2,
                              url_tries_s=10, reconnect_for_s=1.0)  # fmt: skip
    win, dialog, new, worst = cut_during_setup(qtbot, sandbox, open_window, settings, True)
    assert worst < 0.5, f"GUI thread stalled {worst * 1000:.0f} ms"
    assert_true_result(sandbox, dialog, new)
    assert dialog.isVisible() and win.actions.dialogs == [dialog]
    assert dialog.deploy_result.downtime_s >= 4.8, dialog.deploy_result.downtime_s  # 5 s setup
    server, local = records_of(sandbox, win.ctx.paths, dialog.job_id or "")
    assert len(server) == 1 and len(local) == 1
