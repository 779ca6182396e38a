"""The real window against the real sandbox server: host-key prompt, live rows matching
`pm2 jlist`, crash alerts, no secret anywhere, unreachable without freezing, changed host key
refused. The last test restarts the shared sshd with a new host key (as test_hostkeys_changed
does); every other test pins the key it fetches itself, so the order does not matter."""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QModelIndex, Qt, QTimer
from PySide6.QtWidgets import QLabel, QLineEdit
from sandbox import Sandbox
from test_status_support import (
    SERVER_ID,
    LimitedKeyring,
    sandbox_server,
    store_sandbox_key,
    write_config,
)

from ereg_desktop.context import AppContext
from ereg_desktop.presenters.server_state import NO_KEY_TEXT
from ereg_desktop.remote.hostkeys import KnownHosts, fetch_host_key
from ereg_desktop.services.status import CONNECTED, UNREACHABLE
from ereg_desktop.store.secrets import SecretStore
from ereg_desktop.ui.live_status import LiveStatus
from ereg_desktop.ui.main_window import MainWindow
from ereg_desktop.ui.systems_model import DEVELOPMENT, OTHER, PRODUCTION
from ereg_desktop.ui.tasks import wait_for_workers

pytestmark = [
    pytest.mark.gui,
    # the offscreen platform cannot pass size hints to a window manager (harmless)
    pytest.mark.qt_log_ignore(r"This plugin does not support propagateSizeHints\(\)", extend=True),
]

SCREENSHOTS = Path(os.environ.get("EREG_SCREENSHOTS") or tempfile.mkdtemp(prefix="ereg-shots-"))
SCREENSHOTS.mkdir(parents=True, exist_ok=True)


class Heartbeat:
    """A 10 ms timer on the GUI thread; the longest gap between its ticks is the worst stall."""

    def __init__(self) -> None:
        self.timer = QTimer()
        self.timer.setInterval(10)
        self.timer.timeout.connect(self._tick)
        self.gaps: list[float] = []
        self._last = 0.0

    def _tick(self) -> None:
        now = time.monotonic()
        self.gaps.append(now - self._last)
        self._last = now

    def start(self) -> None:
        self.gaps = []
        self._last = time.monotonic()
        self.timer.start()

    def stop(self) -> float:
        self.timer.stop()
        return max(self.gaps, default=0.0)


class Gui:
    def __init__(self, window: MainWindow, live: LiveStatus, ctx: AppContext) -> None:
        self.window, self.live, self.ctx = window, live, ctx

    def rows(self) -> dict[str, object]:
        model = self.window.model
        return {r.app: r for c in (PRODUCTION, DEVELOPMENT, OTHER) for r in model.rows(c)}

    def cells(self, app: str) -> tuple[str, ...]:
        return self.rows()[app].status_cells()  # type: ignore[attr-defined]

    def label(self) -> str:
        return self.window._server_labels[SERVER_ID].text()

    def all_online(self) -> bool:
        rows = self.rows()
        return all(
            a in rows and rows[a].status_cells()[0] == "online"  # type: ignore[attr-defined]
            for a in ("gt", "gt-dev", "els", "proto")
        )


@pytest.fixture
def keyring_env(monkeypatch: pytest.MonkeyPatch, sandbox: Sandbox) -> Iterator[None]:
    LimitedKeyring.reset()
    monkeypatch.setenv("EREG_DESKTOP_KEYRING", "test_secrets_backends:LimitedKeyring")
    store_sandbox_key(SecretStore(LimitedKeyring()), sandbox)
    yield
    LimitedKeyring.reset()


def open_gui(qtbot, sandbox: Sandbox, config_dir: Path, trust: bool) -> Gui:
    paths = write_config(sandbox, config_dir)
    if trust:
        server = sandbox_server(sandbox)
        KnownHosts(paths.known_hosts_file).trust(server.host, server.port, fetch_host_key(server))
    ctx = AppContext.for_gui(paths)
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    live = LiveStatus(window, ctx)
    window.show()
    qtbot.waitExposed(window)
    return Gui(window, live, ctx)


@pytest.fixture
def gui_factory(qtbot, sandbox: Sandbox, keyring_env: None, tmp_path: Path) -> Iterator[object]:
    made: list[Gui] = []

    def make(trust: bool = False) -> Gui:
        gui = open_gui(qtbot, sandbox, tmp_path / "config", trust)
        made.append(gui)
        return gui

    yield make
    for gui in made:
        gui.live.shutdown()
    wait_for_workers(30_000)
    for gui in made:
        gui.live.close_connections()


def every_text(gui: Gui) -> list[str]:
    """Every text the window shows or would show in a tooltip."""
    model = gui.window.model
    texts: list[str] = []
    roles = (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole)

    def walk(parent: QModelIndex) -> None:
        for row in range(model.rowCount(parent)):
            for column in range(model.columnCount(parent)):
                index = model.index(row, column, parent)
                texts.extend(str(index.data(role) or "") for role in roles)
            walk(model.index(row, 0, parent))

    walk(QModelIndex())
    for label in gui.window.findChildren(QLabel):
        texts += [label.text(), label.toolTip()]
    texts.append(gui.window.statusBar().currentMessage())
    return texts


def test_first_connection_asks_then_shows_live_rows_crashes_and_no_secret(
    qtbot, sandbox: Sandbox, gui_factory
) -> None:
    gui = gui_factory(trust=False)
    with qtbot.waitSignal(gui.live.host_key_asked, timeout=20_000) as asked:
        gui.live.start()
    dialog = asked.args[0]
    shown = dialog.findChild(QLineEdit, "fingerprint").text()
    assert shown == sandbox.host_key_fingerprint()
    assert "Test Admin" in " ".join(label.text() for label in dialog.findChildren(QLabel))
    assert gui.live.paused(SERVER_ID)
    assert not gui.ctx.paths.known_hosts_file.exists()
    qtbot.waitUntil(lambda: dialog.isVisible(), timeout=2000)
    assert dialog.grab().save(str(SCREENSHOTS / "ereg-hostkey.png"))

    dialog.trust_button.click()
    qtbot.waitUntil(gui.all_online, timeout=20_000)
    assert KnownHosts(gui.ctx.paths.known_hosts_file).pinned(sandbox.host, sandbox.port)
    truth = {p["name"]: p for p in sandbox.pm2_jlist()}
    for app in ("gt", "gt-dev", "els", "proto"):
        assert gui.cells(app)[1] == str(truth[app]["pid"]), app
    assert [r.app for r in gui.window.model.rows(OTHER)] == ["proto"]
    assert gui.label().startswith(f"{SERVER_ID}: connected \u00b7 ")

    gui.live.timer.setInterval(300)  # crashy restarts every ~1.5 s
    qtbot.waitUntil(lambda: any(c.app == "crashy" for c in gui.live.alerts), timeout=30_000)
    assert "crashy on sandbox crashed" in gui.window.statusBar().currentMessage()
    # the server-side agent took over from `pm2 jlist` polls: the status bar says so
    qtbot.waitUntil(lambda: gui.label().endswith(" \u00b7 agent"), timeout=30_000)
    gui.window.tree.resizeColumnToContents(0)
    assert gui.window.grab().save(str(SCREENSHOTS / "ereg-live.png"))

    texts = "\n".join(every_text(gui))
    files = [p for p in gui.ctx.paths.config_dir.rglob("*") if p.is_file()]
    assert files
    for secret in sandbox.secrets:
        assert secret not in texts
        for path in files:
            assert secret.encode() not in path.read_bytes(), path
    private_body = sandbox.client_key_text.splitlines()[1]
    for path in files:
        assert private_body.encode() not in path.read_bytes(), path


def test_stopped_sshd_is_unreachable_quickly_and_the_gui_never_freezes(
    qtbot, sandbox: Sandbox, gui_factory
) -> None:
    gui = gui_factory(trust=True)
    gui.live.start()
    qtbot.waitUntil(gui.all_online, timeout=20_000)
    gt_pid = gui.cells("gt")[1]
    heartbeat = Heartbeat()
    try:
        sandbox.stop_sshd(kill_sessions=True)
        heartbeat.start()
        started = time.monotonic()
        gui.live.refresh_action.trigger()
        qtbot.waitUntil(lambda: "unreachable" in gui.label(), timeout=12_000)
        elapsed = time.monotonic() - started
        # a second round, now against a closed port (the first one found the session gone)
        gui.live.refresh(manual=True)
        qtbot.waitUntil(lambda: not gui.live.in_flight(SERVER_ID), timeout=12_000)
        worst = heartbeat.stop()
        assert elapsed < 10, elapsed
        assert worst < 0.2, f"GUI thread stalled {worst * 1000:.0f} ms"
        assert "unreachable" in gui.label()
        row = gui.rows()["gt"]
        assert row.stale and gui.cells("gt")[:2] == ("unreachable", gt_pid)  # type: ignore[attr-defined]
        assert " old" in gui.label()
        assert gui.window.grab().save(str(SCREENSHOTS / "ereg-stale.png"))
    finally:
        heartbeat.stop()
        sandbox.start_sshd()
    gui.live.refresh_action.trigger()
    qtbot.waitUntil(lambda: gui.label().startswith(f"{SERVER_ID}: connected"), timeout=20_000)
    assert not gui.rows()["gt"].stale  # type: ignore[attr-defined]


def test_changed_host_key_is_refused_and_only_a_typed_fingerprint_retrusts(
    qtbot, sandbox: Sandbox, gui_factory
) -> None:
    gui = gui_factory(trust=True)
    gui.live.start()
    qtbot.waitUntil(gui.all_online, timeout=20_000)
    old_fp = sandbox.host_key_fingerprint()
    gt_pid = gui.cells("gt")[1]
    applied: list[object] = []
    gui.live.status_applied.connect(applied.append)

    sandbox.restart_sshd(new_host_key=True, kill_sessions=True)
    new_fp = sandbox.host_key_fingerprint()
    assert new_fp != old_fp
    dialog = None
    # the first poll may only find the old session gone; the next one meets the new key
    deadline = time.monotonic() + 20
    while dialog is None and time.monotonic() < deadline:
        gui.live.refresh(manual=True)
        qtbot.waitUntil(lambda: not gui.live.in_flight(SERVER_ID), timeout=15_000)
        dialog = gui.live.host_key_dialog(SERVER_ID)
    assert dialog is not None and dialog.changed
    assert dialog.trust_button is None
    fingerprints = [f.text() for f in dialog.findChildren(QLineEdit, "fingerprint")]
    assert fingerprints == [old_fp, new_fp]
    qtbot.waitUntil(lambda: dialog.isVisible(), timeout=2000)
    assert dialog.grab().save(str(SCREENSHOTS / "ereg-hostkey-changed.png"))
    assert all(s.state == UNREACHABLE for s in applied)  # type: ignore[attr-defined]
    assert gui.cells("gt")[:2] == ("unreachable", gt_pid)
    assert "HOST KEY CHANGED" in gui.label()
    pinned = KnownHosts(gui.ctx.paths.known_hosts_file).pinned(sandbox.host, sandbox.port)
    assert [k.get_base64() for k in pinned.values()] != [sandbox.host_key_public().split()[1]]

    dialog.fingerprint_entry.setText(old_fp)  # not what the server offers now
    dialog.retrust_button.click()
    qtbot.waitUntil(lambda: "nothing was trusted" in dialog.message.text(), timeout=15_000)
    assert gui.live.paused(SERVER_ID)

    dialog.fingerprint_entry.setText(new_fp)
    dialog.retrust_button.click()
    qtbot.waitUntil(gui.all_online, timeout=20_000)
    assert any(s.state == CONNECTED for s in applied)  # type: ignore[attr-defined]
    pinned = KnownHosts(gui.ctx.paths.known_hosts_file).pinned(sandbox.host, sandbox.port)
    assert [k.get_base64() for k in pinned.values()] == [sandbox.host_key_public().split()[1]]


def test_a_server_without_a_stored_key_says_where_to_get_one(
    qtbot, sandbox: Sandbox, gui_factory
) -> None:
    LimitedKeyring.reset()  # the fixture stored one: take it away
    gui = gui_factory(trust=True)
    gui.live.start()
    qtbot.waitUntil(lambda: "no SSH key" in gui.label(), timeout=20_000)
    assert gui.label() == f"{SERVER_ID}: unreachable: {NO_KEY_TEXT}"
    assert gui.rows()["gt"].status_cells()[0] == "unreachable"  # type: ignore[attr-defined]
