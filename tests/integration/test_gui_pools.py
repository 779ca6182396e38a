"""Worker pools that cannot starve, against the real sandbox: three server entries on the same
sshd. While an update of A is followed (the LONG pool) and the poll of C waits for the operator
to type its key's passphrase (a POLL thread, the prompt left unanswered), a status refresh of B
still arrives. With one shared pool of as many threads as cores (2 here) B would wait for the
update to end."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from deploy_helpers import FAST
from sandbox import Sandbox
from test_status_support import SERVER_ID, sandbox_server, store_sandbox_key
from window_helpers import select

from ereg_desktop.context import AppContext
from ereg_desktop.remote.hostkeys import KnownHosts, fetch_host_key
from ereg_desktop.services import keys
from ereg_desktop.services.deploy.events import Step
from ereg_desktop.services.deploy.workflow import Outcome
from ereg_desktop.services.status import CONNECTED, ServerStatus
from ereg_desktop.store.inventory import Deployment, Inventory, Operator, System
from ereg_desktop.store.inventory_file import InventoryFile
from ereg_desktop.store.inventory_toml import dump_inventory
from ereg_desktop.store.paths import AppPaths
from ereg_desktop.store.secrets import SecretStore
from ereg_desktop.ui.deploy_dialog import DeployDialog
from ereg_desktop.ui.live_status import LiveStatus
from ereg_desktop.ui.main_window import MainWindow
from ereg_desktop.ui.tasks import wait_for_workers

sys.path.insert(0, str(Path(__file__).parents[1] / "ui"))
from deploy_fixtures import FakeNotifier

pytestmark = [
    pytest.mark.gui,
    pytest.mark.qt_log_ignore(
        r"This plugin does not support (propagateSizeHints|raise)\(\)", extend=True
    ),
]
APP_NAME = "proto"
A, B, C = SERVER_ID, "sandbox-b", "sandbox-c"
SETUP_S = 15  # the update of A is followed this long at least: longer than B's wait below


def write_config(box: Sandbox, config_dir: Path) -> AppPaths:
    paths = AppPaths.resolve(config_dir)
    paths.config_dir.mkdir(parents=True, exist_ok=True)
    dep = Deployment("development", A, APP_NAME, box.app_url(APP_NAME))
    servers = [sandbox_server(box), sandbox_server(box, B), sandbox_server(box, C)]
    inv = Inventory(Operator("Tester"), servers,
                    [System("Prototype", owner="Tester", deployments=[dep])])  # fmt: skip
    paths.inventory_file.write_text(dump_inventory(inv))
    KnownHosts(paths.known_hosts_file).trust(box.host, box.port, fetch_host_key(servers[0]))
    return paths


def store_keys(box: Sandbox, tmp_path: Path) -> None:
    store = SecretStore.from_environment()
    store_sandbox_key(store, box, A)
    store_sandbox_key(store, box, B)
    locked = tmp_path / "locked_key"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "a passphrase nobody types",
                    "-f", str(locked)], check=True)  # fmt: skip
    keys.import_key(store, C, locked, "a passphrase nobody types", "test", keep_passphrase=False)
    with pytest.raises(keys.WrongPassphrase):  # C's key cannot be used without the operator
        keys.load_pkey(store, C)


@pytest.fixture
def setup_seconds(sandbox: Sandbox) -> Iterator[None]:
    """A slow `npm run setup` of APP_NAME for this test only."""
    marker = sandbox.app_dir(APP_NAME) / ".setup-seconds"
    before = marker.read_text() if marker.exists() else None
    sandbox.set_setup(APP_NAME, seconds=SETUP_S, fail=False)
    yield
    if before is None:
        marker.unlink(missing_ok=True)
    else:
        sandbox.write_user_file(marker, before)


def connected(window: MainWindow, server_id: str) -> bool:
    return window._server_labels[server_id].text().startswith(f"{server_id}: connected")


def test_status_of_b_arrives_while_a_is_updated_and_c_waits_for_a_passphrase(
    qtbot: Any, sandbox: Sandbox, tmp_path: Path, setup_seconds: None
) -> None:
    store_keys(sandbox, tmp_path)
    paths = write_config(sandbox, tmp_path / "config")
    f = InventoryFile(paths.inventory_file)
    ctx = AppContext(paths, f, f.load_for_gui(), deploy_settings=FAST)
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    actions = window.deployment
    actions.notifier = FakeNotifier()
    live = LiveStatus(window, ctx)
    prompts: list[Any] = []
    live.passphrase_prompt.dialog_shown.connect(prompts.append)
    dialog: DeployDialog | None = None
    try:
        live.start()
        qtbot.waitUntil(lambda: len(prompts) == 1, timeout=20_000)  # C: nobody answers
        qtbot.waitUntil(lambda: connected(window, A) and connected(window, B), timeout=20_000)
        new = sandbox.push_commit(APP_NAME, {f"pools-{time.time_ns()}.txt": "z\n"}, "Pools")
        select(window, APP_NAME)
        actions.update_action.trigger()
        confirm = actions.pending
        assert confirm is not None
        confirm.go_button.click()
        qtbot.waitUntil(lambda: len(actions.dialogs) == 1, timeout=5000)
        dialog = actions.dialogs[0]
        follow = dialog
        qtbot.waitUntil(lambda: "building" in follow.progress[Step.DEPLOY], timeout=30_000)

        # now: A's job is followed on a worker, C's poll waits on the prompt
        assert follow.running and live.in_flight(C) and prompts[0].isVisible()
        server_b = ctx.inventory.server(B)
        assert server_b is not None and not live.in_flight(B)

        def fresh_b(status: ServerStatus) -> bool:
            return status.server_id == B and status.state == CONNECTED

        asked = time.time()
        with qtbot.waitSignal(live.status_applied, check_params_cb=fresh_b, timeout=10_000) as got:
            assert live.poll(server_b)
        assert got.args[0].taken_at >= asked
        assert follow.running and live.in_flight(C) and prompts[0].isVisible()

        qtbot.waitUntil(lambda: follow.deploy_result is not None, timeout=90_000)
        assert follow.deploy_result is not None
        assert follow.deploy_result.outcome == Outcome.DEPLOYED, follow.deploy_result.message
        assert sandbox.head(APP_NAME) == new
    finally:
        live.shutdown()  # answers the prompt with None: C's poll ends
        if dialog is not None and dialog.running:
            dialog.deploy_run.detach()
        assert wait_for_workers(30_000)
        live.close_connections()
