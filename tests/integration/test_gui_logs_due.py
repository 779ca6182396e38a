"""The details pane against the real sshd and pm2: a sandbox app's logs shown, a line the app
writes appears while following (from the agent, or tail -F), and a commit pushed to the bare
repository shows as one more pending commit in the Updates tab."""

from __future__ import annotations

from typing import Any

import pytest
from test_gui_status import gui_factory, keyring_env  # noqa: F401  (fixtures)

from ereg_desktop.ui.log_view import LogView
from ereg_desktop.ui.updates_tab import UpdatesTab

pytestmark = [
    pytest.mark.gui,
    pytest.mark.qt_log_ignore(r"This plugin does not support propagateSizeHints\(\)", extend=True),
]


def select(window: Any, app: str) -> None:
    assert window.select_app("sandbox", app)


def pid_of(sandbox: Any, app: str) -> int:
    proc = sandbox.pm2_process(app)
    assert proc is not None
    return int(proc["pid"])


def test_logs_followed_and_pending_commits_in_the_pane(qtbot, sandbox: Any, gui_factory) -> None:  # noqa: F811
    gui = gui_factory(trust=True)
    gui.live.start()
    qtbot.waitUntil(gui.all_online, timeout=30_000)
    window = gui.window
    pane = window.add_details_pane(lambda: gui.live.monitor, gui.live.agent_event)
    window.resize(1180, 800)
    select(window, "gt-dev")
    logs = pane.show_tab("Logs")
    assert isinstance(logs, LogView)
    qtbot.waitUntil(lambda: any("gt-dev listening on" in ln.text for ln in logs.model.rows),
                    timeout=30_000)  # fmt: skip
    out_path = sandbox.pm2_process("gt-dev")["pm2_env"]["pm_out_log_path"]
    assert out_path in logs.source_label.text()

    logs.follow_button.click()
    qtbot.waitUntil(lambda: logs.mode in ("agent", "tail"), timeout=20_000)
    if logs.mode == "tail":  # the tail must run on the server before the app writes
        qtbot.waitUntil(lambda: sandbox.run_as_user(
            ["pgrep", "-u", sandbox.user, "-f", f"tail -n 0 -F -- {out_path}"],
            login=False).returncode == 0, timeout=20_000)  # fmt: skip
    old = pid_of(sandbox, "gt-dev")
    sandbox.pm2("restart", "gt-dev", check=True)
    qtbot.waitUntil(lambda: pid_of(sandbox, "gt-dev") != old, timeout=20_000)
    new = pid_of(sandbox, "gt-dev")
    qtbot.waitUntil(lambda: any(f"pid {new}," in ln.text for ln in logs.model.rows),
                    timeout=30_000)  # fmt: skip
    logs.follow_button.click()
    assert logs.mode == ""

    updates = pane.show_tab("Updates")
    assert isinstance(updates, UpdatesTab)
    qtbot.waitUntil(lambda: updates.pending is not None, timeout=60_000)
    assert updates.pending is not None and updates.pending.error == "", updates.pending
    before = updates.pending.count
    sandbox.push_commit("gt-dev", {"gui-due.txt": "due\n"}, "Pending for the details pane")
    updates.check_button.click()
    qtbot.waitUntil(lambda: updates.pending is not None and updates.pending.count == before + 1,
                    timeout=60_000)  # fmt: skip
    assert updates.pending is not None
    assert updates.pending.newest_subject == "Pending for the details pane"
    assert "Pending for the details pane" in updates.fields["Newest"].text()
    assert updates.shown is not None and updates.shown.due
    assert "pending" in updates.fields["Restart"].text()
