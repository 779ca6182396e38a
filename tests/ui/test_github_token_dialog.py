"""Inventory > GitHub token…: a pasted token is checked against the GitHub stand-in before it is
stored (a refused one is not), whose it is is shown, and it can be removed. Suite's keyring."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QLineEdit

from ereg_desktop.context import AppContext
from ereg_desktop.demo.github_standin import GitHubStandIn
from ereg_desktop.store.secrets import SecretStore, get_github_token, set_github_token
from ereg_desktop.ui.github_token_dialog import GitHubTokenDialog

TOKEN = "ghp_dialogTestToken0123456789abcdefABC"


@pytest.fixture
def standin():
    with GitHubStandIn({}, {TOKEN: "maria-gh"}) as s:
        yield s


@pytest.fixture
def github_ctx(ctx, standin) -> AppContext:
    return AppContext(ctx.paths, ctx.inventory_file, ctx.loaded, github_api_url=standin.url)


def open_dialog(qtbot, ctx) -> GitHubTokenDialog:
    dialog = GitHubTokenDialog(ctx)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: "stored" in dialog.state.text(), timeout=10_000)
    qtbot.waitUntil(dialog.store_button.isEnabled, timeout=10_000)
    return dialog


def stored() -> str | None:
    return get_github_token(SecretStore.from_environment())


def test_a_refused_token_is_not_stored_and_a_good_one_is(qtbot, github_ctx, screenshot) -> None:
    dialog = open_dialog(qtbot, github_ctx)
    assert dialog.state.text() == "No GitHub token is stored."
    assert dialog.token_edit.echoMode() == QLineEdit.EchoMode.Password
    assert not dialog.remove_button.isEnabled()

    dialog.token_edit.setText("ghp_notTheRightOne0123456789")
    dialog.store_button.click()
    qtbot.waitUntil(lambda: "refused" in dialog.message.text(), timeout=10_000)
    assert "Bad credentials" in dialog.message.text() and stored() is None
    assert "ghp_notTheRightOne" not in dialog.message.text()

    dialog.token_edit.setText(f"  {TOKEN}\n")
    with qtbot.waitSignal(dialog.token_changed, timeout=10_000) as changed:
        dialog.store_button.click()
    assert changed.args == ["maria-gh"] and stored() == TOKEN
    assert dialog.token_edit.text() == ""
    assert "maria-gh" in dialog.state.text() and dialog.remove_button.isEnabled()
    screenshot(dialog, "github-token")


def test_the_stored_token_is_shown_by_login_and_can_be_removed(qtbot, github_ctx) -> None:
    set_github_token(SecretStore.from_environment(), TOKEN)
    dialog = open_dialog(qtbot, github_ctx)
    assert "belongs to <b>maria-gh</b>" in dialog.state.text()
    qtbot.waitUntil(dialog.remove_button.isEnabled, timeout=10_000)
    with qtbot.waitSignal(dialog.token_changed, timeout=10_000) as changed:
        dialog.remove_button.click()
    assert changed.args == [""] and stored() is None
    assert dialog.state.text() == "No GitHub token is stored."


def test_a_stored_token_github_refuses_is_said(qtbot, github_ctx) -> None:
    set_github_token(SecretStore.from_environment(), "ghp_revokedRevoked0123456789")
    dialog = open_dialog(qtbot, github_ctx)
    assert (
        "A token is stored, but" in dialog.state.text() and "Bad credentials" in dialog.state.text()
    )
    assert dialog.remove_button.isEnabled()


def test_the_menu_entry_opens_the_dialog_once(qtbot, window) -> None:
    assert window.github_token_action in window.menuBar().actions()[1].menu().actions()
    window.github_token_action.trigger()
    dialog = window._github_dialog
    assert isinstance(dialog, GitHubTokenDialog)
    qtbot.waitUntil(lambda: dialog.state.text() == "No GitHub token is stored.", timeout=10_000)
    assert window.edit_github_token() is dialog  # raised, not a second one
    dialog.reject()
    qtbot.waitUntil(lambda: window._github_dialog is None, timeout=5_000)
