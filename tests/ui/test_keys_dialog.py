"""Server > SSH key…: import (with and without passphrase), generate, the admin message, and the
errors said in the dialog (wrong passphrase, no keyring). A test keyring backend; nothing prompts."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

UNIT_TESTS = Path(__file__).resolve().parents[1] / "unit"
if str(UNIT_TESTS) not in sys.path:
    sys.path.append(str(UNIT_TESTS))
from test_secrets_backends import LimitedKeyring  # noqa: E402

from ereg_desktop.store.secrets import PASSPHRASE, PRIVATE_KEY, SecretStore  # noqa: E402
from ereg_desktop.ui.keys_dialog import KeysDialog  # noqa: E402

PASSWORD = "correct horse"


@pytest.fixture
def keyring_backend(monkeypatch):
    LimitedKeyring.reset()
    monkeypatch.setenv("EREG_DESKTOP_KEYRING", "test_secrets_backends:LimitedKeyring")
    yield SecretStore(LimitedKeyring())
    LimitedKeyring.reset()


def key_file(tmp_path: Path, passphrase: str | None) -> Path:
    key = ed25519.Ed25519PrivateKey.generate()
    encryption = (
        serialization.BestAvailableEncryption(passphrase.encode())
        if passphrase
        else serialization.NoEncryption()
    )
    path = tmp_path / ("id_protected" if passphrase else "id_plain")
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH, encryption
        )
    )
    return path


def open_dialog(qtbot, ctx, chosen: Path | None = None, confirm=lambda parent, text: True):
    dialog = KeysDialog(ctx, "unctad", choose_file=lambda parent: str(chosen) if chosen else None,
                        confirm=confirm)  # fmt: skip
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(
        lambda: "No SSH key" in dialog.message.text() or "stored" in dialog.message.text(),
        timeout=5000,
    )
    return dialog


def wait_idle(qtbot, dialog):
    qtbot.waitUntil(lambda: dialog.import_button.isEnabled(), timeout=10_000)


def test_import_of_a_plain_key_shows_the_public_key_and_admin_message(
    qtbot, ctx, tmp_path, keyring_backend, screenshot
):
    dialog = open_dialog(qtbot, ctx, key_file(tmp_path, None))
    assert dialog.public_key.toPlainText() == ""
    with qtbot.waitSignal(dialog.key_changed, timeout=10_000) as changed:
        dialog.import_button.click()
    assert changed.args == ["unctad"]
    public = dialog.public_key.toPlainText()
    assert public.startswith("ssh-ed25519 AAAA") and dialog.public_key.isReadOnly()
    message = dialog.admin_text.toPlainText()
    assert (
        public in message
        and "authorized_keys" in message
        and "eregistrations@eregistrations.org" in message
    )
    assert keyring_backend.get(PRIVATE_KEY, "unctad") is not None
    dialog.copy_public.click()
    from PySide6.QtGui import QGuiApplication

    assert QGuiApplication.clipboard().text() == public
    screenshot(dialog, "keys-dialog")


def test_a_wrong_passphrase_is_said_and_nothing_stored(qtbot, ctx, tmp_path, keyring_backend):
    dialog = open_dialog(qtbot, ctx, key_file(tmp_path, PASSWORD))
    dialog.import_button.click()
    qtbot.waitUntil(lambda: dialog.passphrase_row.isVisible(), timeout=10_000)
    assert "passphrase" in dialog.message.text()
    dialog.passphrase.setText("wrong")
    dialog.import_with_passphrase_button.click()
    qtbot.waitUntil(lambda: "Wrong passphrase" in dialog.message.text(), timeout=10_000)
    assert keyring_backend.get(PRIVATE_KEY, "unctad") is None
    assert dialog.public_key.toPlainText() == ""

    dialog.passphrase.setText(PASSWORD)
    dialog.remember.setChecked(True)
    with qtbot.waitSignal(dialog.key_changed, timeout=10_000):
        dialog.import_with_passphrase_button.click()
    assert keyring_backend.get(PASSPHRASE, "unctad") == PASSWORD
    assert "passphrase kept" in dialog.message.text()
    assert dialog.passphrase.text() == "" and not dialog.passphrase_row.isVisible()


def test_the_passphrase_is_not_kept_unless_asked(qtbot, ctx, tmp_path, keyring_backend):
    dialog = open_dialog(qtbot, ctx, key_file(tmp_path, PASSWORD))
    dialog.import_button.click()
    qtbot.waitUntil(lambda: dialog.passphrase_row.isVisible(), timeout=10_000)
    dialog.passphrase.setText(PASSWORD)
    with qtbot.waitSignal(dialog.key_changed, timeout=10_000):
        dialog.import_with_passphrase_button.click()
    assert keyring_backend.get(PASSPHRASE, "unctad") is None
    assert keyring_backend.get(PRIVATE_KEY, "unctad") is not None


def test_not_a_key_file(qtbot, ctx, tmp_path, keyring_backend):
    junk = tmp_path / "notes.txt"
    junk.write_text("hello")
    dialog = open_dialog(qtbot, ctx, junk)
    dialog.import_button.click()
    qtbot.waitUntil(lambda: "not a private key" in dialog.message.text(), timeout=10_000)


def test_generate_then_replace_only_after_confirmation(qtbot, ctx, keyring_backend):
    asked: list[str] = []
    answers = [False, True]

    def confirm(parent, text):
        asked.append(text)
        return answers.pop(0)

    dialog = open_dialog(qtbot, ctx, confirm=confirm)
    with qtbot.waitSignal(dialog.key_changed, timeout=10_000):
        dialog.generate_button.click()
    first = dialog.public_key.toPlainText()
    assert first.startswith("ssh-ed25519 ") and asked == []
    dialog.generate_button.click()  # declined
    assert asked and dialog.public_key.toPlainText() == first
    with qtbot.waitSignal(dialog.key_changed, timeout=10_000):
        dialog.generate_button.click()
    assert dialog.public_key.toPlainText() not in ("", first)
    reopened = open_dialog(qtbot, ctx)
    qtbot.waitUntil(lambda: reopened.public_key.toPlainText() != "", timeout=5000)
    assert reopened.public_key.toPlainText() == dialog.public_key.toPlainText()


def test_no_keyring_is_said_in_the_dialog(qtbot, ctx, monkeypatch):
    monkeypatch.setenv("EREG_DESKTOP_KEYRING", "keyring.backends.fail:Keyring")
    dialog = KeysDialog(ctx, "unctad", choose_file=lambda parent: None)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: "No usable OS keyring" in dialog.message.text(), timeout=5000)
    assert "Secret Service" in dialog.message.text()


def test_import_over_a_stored_key_asks_first(qtbot, ctx, tmp_path, keyring_backend):
    asked: list[str] = []
    dialog = open_dialog(qtbot, ctx, key_file(tmp_path, None))
    with qtbot.waitSignal(dialog.key_changed, timeout=10_000):
        dialog.import_button.click()
    first = dialog.public_key.toPlainText()
    other = tmp_path / "other"
    other.mkdir()
    dialog = open_dialog(qtbot, ctx, key_file(other, None),
                         confirm=lambda parent, text: asked.append(text) or False)  # fmt: skip
    qtbot.waitUntil(lambda: dialog.public_key.toPlainText() == first, timeout=5000)
    dialog.import_button.click()  # declined
    assert asked and "replaces it" in asked[0]
    wait_idle(qtbot, dialog)
    assert dialog.public_key.toPlainText() == first
