"""Preferences…: the refresh interval and the alerts saved to settings.toml and applied at once,
the webhook URL in the keyring and never in a file, bad input named and nothing saved."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QLineEdit
from test_live_status import Clock, FakePoller, connected, online

from ereg_desktop.services.alerts import MB
from ereg_desktop.store.alert_settings import ABSOLUTE, MemoryOverride
from ereg_desktop.store.secrets import get_alert_webhook, set_alert_webhook
from ereg_desktop.store.settings import load_settings
from ereg_desktop.ui.live_status import LiveStatus
from ereg_desktop.ui.tasks import wait_for_workers

URL = "https://hooks.slack.example/services/T000/B000/secret-token"


@pytest.fixture
def live(qtbot, window, ctx):
    poller = FakePoller()
    poller.answers = [(connected(online("gt")), None)]
    controller = LiveStatus(window, ctx, poller_factory=lambda: poller, clock=Clock())
    window.add_preferences_action(controller.preferences_action)
    with qtbot.waitSignal(controller.status_applied, timeout=5000):
        controller.start()
    yield controller
    controller.shutdown()
    wait_for_workers(5000)


def opened(qtbot, live):
    dialog = live.show_preferences()
    qtbot.waitUntil(lambda: dialog.webhook.isEnabled())  # the keyring was read (on a worker)
    return dialog


def test_in_the_edit_menu_with_its_shortcut_and_tabbed(qtbot, window, live):
    edit = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Edit")
    action = edit.actions()[0]
    assert action.text() == "&Preferences\u2026" and action.shortcut().toString() == "Ctrl+,"
    action.trigger()
    dialog = live.prefs.dialog
    assert dialog is not None and dialog.isVisible()
    assert [dialog.tabs.tabText(i) for i in range(dialog.tabs.count())] == ["General", "Monitoring"]
    assert live.show_preferences() is dialog  # one at a time


def test_saved_applied_at_once_and_the_webhook_only_in_the_keyring(qtbot, ctx, live):
    dialog = opened(qtbot, live)
    assert dialog.webhook.echoMode() == QLineEdit.EchoMode.Password
    dialog.interval.setValue(5)
    dialog.tabs.setCurrentIndex(1)
    dialog.grace.setValue(90)
    dialog.absolute.setChecked(True)
    dialog.limit.setValue(800)
    dialog.add_override("unctad", "gt", 2048)
    dialog.add_override()  # added and left empty: ignored
    dialog.webhook.setText(URL)
    with qtbot.waitSignal(dialog.saved, timeout=5000):
        dialog.save_button.click()
    saved = load_settings(ctx.paths.settings_file)
    assert saved.refresh_interval_s == 5 and saved.alerts.grace_s == 90
    assert saved.alerts.memory_rule == ABSOLUTE and saved.alerts.memory_limit_mb == 800
    assert saved.alerts.overrides == (MemoryOverride("unctad", "gt", 2048),)
    assert "secret-token" not in ctx.paths.settings_file.read_text()
    assert get_alert_webhook(ctx.secrets) == URL
    # applied to the live status and its engine without a restart
    engine = live.alert_engine
    assert live.timer.interval() == 5000 and engine.settings.grace_s == 90
    assert engine.settings.memory_limit_bytes == 800 * MB
    assert engine._thresholds == {("unctad", "gt"): 2048 * MB}
    assert live.live_alerts.webhook_url == URL
    qtbot.waitUntil(lambda: live.prefs.dialog is None)  # closed
    again = opened(qtbot, live)
    assert again.webhook.text() == URL and again.absolute.isChecked()
    assert again.overrides.rowCount() == 1


def test_clearing_the_webhook_forgets_it(qtbot, ctx, live):
    set_alert_webhook(ctx.secrets, URL)
    dialog = opened(qtbot, live)
    assert dialog.webhook.text() == URL
    dialog.webhook.clear()
    with qtbot.waitSignal(dialog.saved, timeout=5000):
        dialog.save_button.click()
    assert get_alert_webhook(ctx.secrets) is None and live.live_alerts.webhook_url is None


@pytest.mark.parametrize(
    ("row", "url", "words"),
    [
        (("unctad", "", "100"), "", "give the server id and the app name"),
        (("unctad", "gt", "lots"), "", "whole number of MB"),
        (("unctad", "gt", "3"), "", "whole number of MB from 16"),
        ((), "ftp://hooks.example/x", "must be an http(s) URL"),
        ((), "hooks.slack.com/services/x", "must be an http(s) URL"),
    ],
)
def test_bad_input_is_named_and_nothing_saved(qtbot, ctx, live, row, url, words):
    dialog = opened(qtbot, live)
    if row:
        dialog.add_override(row[0], row[1], 1024)
        dialog.overrides.item(0, 2).setText(row[2])
    dialog.webhook.setText(url)
    dialog.save_button.click()
    assert words in dialog.problem.text() and dialog.isVisible()
    assert not ctx.paths.settings_file.exists() and get_alert_webhook(ctx.secrets) is None


@pytest.fixture
def no_keyring(monkeypatch):
    monkeypatch.setenv("EREG_DESKTOP_KEYRING", "keyring.backends.fail:Keyring")


def test_without_a_keyring_the_dialog_says_so_and_saves_nothing(qtbot, no_keyring, ctx, live):
    dialog = opened(qtbot, live)
    assert "keyring" in dialog.webhook_note.text().lower()
    dialog.interval.setValue(7)
    with qtbot.waitSignal(dialog.saved, timeout=5000):  # no URL typed: the keyring is left alone
        dialog.save_button.click()
    assert load_settings(ctx.paths.settings_file).refresh_interval_s == 7
    again = opened(qtbot, live)
    again.webhook.setText(URL)
    again.interval.setValue(9)
    again.save_button.click()
    qtbot.waitUntil(lambda: "Not saved" in again.problem.text())
    assert load_settings(ctx.paths.settings_file).refresh_interval_s == 7  # nothing half-saved
