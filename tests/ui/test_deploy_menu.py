"""The Deployment menu on the main window: enabled per selection; re-attach on (re)connect."""

from __future__ import annotations

from window_helpers import select

from ereg_desktop.services.status import CONNECTED, UNREACHABLE, ServerStatus


def test_menu_entries_follow_the_selection(window) -> None:
    d = window.deployment
    titles = [a.text() for a in window.deployment_menu.actions() if a.text()]
    assert titles == ["Restart", "Stop", "Start", "Update\u2026", "History\u2026"]
    assert not d.restart_action.isEnabled() and not d.update_action.isEnabled()
    assert d.history_action.isEnabled()
    select(window, "gt")
    assert all(a.isEnabled() for a in (d.restart_action, d.stop_action, d.start_action,
                                       d.update_action))  # fmt: skip
    select(window, "tz")  # Tanzania production runs the tag 2015
    assert d.restart_action.isEnabled() and not d.update_action.isEnabled()
    assert "2015" in d.update_action.toolTip() and "restarted" in d.update_action.toolTip()


def test_restart_asks_with_production_banner(window, qtbot) -> None:
    select(window, "gt")
    window.deployment.restart_action.trigger()
    confirm = window.deployment.pending
    assert confirm.isVisible() and "PRODUCTION" in confirm.banner.text()
    confirm.reject()


def test_update_of_a_system_not_mine_asks_a_reason_after_confirming(window, qtbot) -> None:
    select(window, "gt-dev")  # owned by Marek; the default inventory's operator is not
    started = []
    window.deployment.start_update = lambda ref, reasons: started.append((ref.app, reasons))
    window.deployment.update_action.trigger()
    window.deployment.pending.go_button.click()
    prompt = window.deployment.pending
    assert type(prompt).__name__ == "ReasonPrompt" and not prompt.ok_button.isEnabled()
    qtbot.keyClicks(prompt.reason_edit, "Marek is on holiday")
    prompt.ok_button.click()
    assert started and started[0][0] == "gt-dev"
    assert list(started[0][1].values()) == ["Marek is on holiday"]


def test_reconnect_looks_for_server_jobs(window) -> None:
    looked = []
    window.deployment.jobs.look_for_jobs = looked.append
    window.apply_status(ServerStatus("unctad", CONNECTED))
    window.apply_status(ServerStatus("unctad", CONNECTED))  # still connected: not again
    window.apply_status(ServerStatus("unctad", UNREACHABLE, reason="down"))
    window.apply_status(ServerStatus("unctad", CONNECTED))  # reconnected
    assert looked == ["unctad", "unctad"]
