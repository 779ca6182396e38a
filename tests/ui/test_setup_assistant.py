"""Help > Set up this computer…: the assistant driven offscreen, page by page, against the suite's
in-memory keyring and a server address where nothing listens (the real sshd:
tests/integration/test_setup_connection.py). Also the offer bar on a new computer, and Cancel."""

from __future__ import annotations

import os
import socket
import tempfile
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519
from memory_keyring import MemoryKeyring
from PySide6.QtGui import QGuiApplication, QPainter, QPixmap
from PySide6.QtWidgets import QWizard

from ereg_desktop.context import AppContext
from ereg_desktop.store.paths import AppPaths
from ereg_desktop.store.secrets import PASSPHRASE, PRIVATE_KEY, SecretStore
from ereg_desktop.ui.setup_assistant import (
    GITHUB,
    HOST,
    KEY,
    MESSAGE,
    OPERATOR,
    TEST,
    SetupAssistant,
    SetupOffer,
    offer_setup,
)
from ereg_desktop.ui.setup_check_pages import steps_text

# written to docs/screenshots only when asked (EREG_SCREENSHOTS=docs/screenshots): a test run
# must not leave the checkout modified
SCREENSHOT = (
    Path(os.environ.get("EREG_SCREENSHOTS") or tempfile.mkdtemp(prefix="ereg-shots-"))
    / "first-run.png"
)


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def port() -> int:
    return closed_port()


@pytest.fixture
def setup_ctx(tmp_path: Path, port: int) -> AppContext:
    config = tmp_path / "config"
    config.mkdir()
    (config / "inventory.toml").write_text(
        "format = 1\n[operator]\nname = \"\"\ngithub = \"\"\n\n[[servers]]\nid = \"unctad\"\n"
        f"host = \"127.0.0.1\"\nport = {port}\nuser = \"eregistrations\"\n"
        "admin = \"Mariusz Nowak\"\n"
    )  # fmt: skip
    return AppContext.for_gui(AppPaths.resolve(config_dir=config))


def store() -> SecretStore:
    return SecretStore(MemoryKeyring())


def open_assistant(qtbot, ctx, **kw) -> SetupAssistant:  # type: ignore[no-untyped-def]
    wizard = SetupAssistant(ctx, connect_timeout=2, **kw)
    qtbot.addWidget(wizard)
    wizard.show()
    qtbot.waitExposed(wizard)
    return wizard


def go_next(qtbot, wizard: SetupAssistant, expected: int) -> None:  # type: ignore[no-untyped-def]
    wizard.button(QWizard.WizardButton.NextButton).click()
    qtbot.waitUntil(lambda: wizard.currentId() == expected, timeout=10_000)


def idle(qtbot, page) -> None:  # type: ignore[no-untyped-def]
    qtbot.waitUntil(lambda: not page.busy, timeout=10_000)


def test_from_nothing_to_the_connection_test(qtbot, setup_ctx: AppContext, port: int) -> None:
    wizard = open_assistant(qtbot, setup_ctx)
    assert wizard.currentId() == OPERATOR
    page = wizard.operator_page
    page.name_edit.setText("Ana Operator")
    page.github_edit.setText("@ana-op")
    with qtbot.waitSignal(wizard.inventory_saved, timeout=10_000):
        wizard.button(QWizard.WizardButton.NextButton).click()
    qtbot.waitUntil(lambda: wizard.currentId() == KEY, timeout=10_000)
    saved = setup_ctx.inventory_file.load()
    assert (saved.operator.name, saved.operator.github) == ("Ana Operator", "ana-op")
    assert [s.id for s in saved.servers] == ["unctad"]

    key = wizard.key_page
    idle(qtbot, key)
    assert "No SSH key is stored for unctad" in key.state.text()
    assert not wizard.button(QWizard.WizardButton.NextButton).isEnabled()  # a key first
    with qtbot.waitSignal(wizard.key_changed, timeout=10_000) as changed:
        key.generate_button.click()
    assert changed.args == ["unctad"]
    idle(qtbot, key)
    public = key.public_view.toPlainText()
    assert public.startswith("ssh-ed25519 AAAA") and public.endswith("ereg-desktop Ana Operator")
    assert store().get(PRIVATE_KEY, "unctad") is not None  # in the keyring, nowhere else
    assert wizard.button(QWizard.WizardButton.NextButton).isEnabled()
    key_picture = wizard.grab()

    go_next(qtbot, wizard, MESSAGE)
    text = wizard.message_page.text.toPlainText()
    assert text.startswith("To Mariusz Nowak:") and public in text
    assert "authorized_keys of eregistrations@127.0.0.1" in text
    wizard.message_page.copy_message.click()
    assert QGuiApplication.clipboard().text() == text

    go_next(qtbot, wizard, HOST)
    host = wizard.host_page
    idle(qtbot, host)
    assert host.state.text() == "The host key could not be read."
    assert f"connection refused on port {port}" in host.message.text()
    assert host.retry_button.isVisibleTo(host) and not host.trust_button.isVisibleTo(host)

    go_next(qtbot, wizard, GITHUB)
    idle(qtbot, wizard.github_page)
    assert wizard.github_page.state.text() == "No GitHub token is stored."

    with qtbot.waitSignal(wizard.connection_tested, timeout=15_000) as tested:
        go_next(qtbot, wizard, TEST)
    assert tested.args == [False]
    test = wizard.test_page
    assert [s.state for s in test.steps] == ["ok", "failed", "not tried", "not tried", "not tried"]
    assert test.summary.text() == (
        f"Still missing \u2014 Reach the server: cannot reach 127.0.0.1:{port} "
        f"(connection refused on port {port})"
    )
    assert steps_text(test.steps).splitlines()[1].startswith("\u2717 Reach the server: cannot")
    labels = [test.results.itemAtPosition(1, c).widget() for c in range(3)]
    qtbot.waitUntil(lambda: all(label.isVisible() for label in labels), timeout=5000)
    shown = [label.text() for label in labels]
    assert shown[:2] == ["\u2717", "Reach the server"] and "connection refused" in shown[2]
    save_side_by_side(key_picture, wizard.grab())


def save_side_by_side(left: QPixmap, right: QPixmap) -> None:
    """docs/screenshots/first-run.png: the key page and the connection test, one image."""
    gap = 16
    canvas = QPixmap(left.width() + gap + right.width(), max(left.height(), right.height()))
    canvas.fill(QGuiApplication.palette().window().color())
    painter = QPainter(canvas)
    painter.drawPixmap(0, 0, left)
    painter.drawPixmap(left.width() + gap, 0, right)
    painter.end()
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    assert canvas.save(str(SCREENSHOT)) and SCREENSHOT.stat().st_size > 0


def key_file(tmp_path: Path, passphrase: str) -> Path:
    key = ed25519.Ed25519PrivateKey.generate()
    path = tmp_path / "id_protected"
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.OpenSSH,
            serialization.BestAvailableEncryption(passphrase.encode()),
        )
    )
    return path


def test_import_asks_the_passphrase_and_says_a_wrong_one(
    qtbot, setup_ctx: AppContext, tmp_path: Path
) -> None:
    path = key_file(tmp_path, "correct horse")
    wizard = open_assistant(qtbot, setup_ctx, choose_file=lambda parent: str(path))
    wizard.operator_page.name_edit.setText("Ana")
    go_next(qtbot, wizard, KEY)
    key = wizard.key_page
    idle(qtbot, key)
    key.import_button.click()
    qtbot.waitUntil(lambda: key.passphrase_row.isVisibleTo(key), timeout=10_000)
    key.passphrase.setText("wrong")
    key.passphrase_button.click()
    qtbot.waitUntil(lambda: "Wrong passphrase" in key.message.text(), timeout=10_000)
    assert store().get(PRIVATE_KEY, "unctad") is None and key.public is None
    key.passphrase.setText("correct horse")
    key.remember.setChecked(True)
    with qtbot.waitSignal(wizard.key_changed, timeout=10_000):
        key.passphrase_button.click()
    assert "passphrase kept in the keyring" in key.message.text()
    assert store().get(PASSPHRASE, "unctad") == "correct horse"
    assert key.passphrase.text() == "" and not key.passphrase_row.isVisibleTo(key)


def test_bad_input_and_cancel_leave_nothing_written(qtbot, setup_ctx: AppContext) -> None:
    before = setup_ctx.inventory_file.path.read_bytes()
    wizard = open_assistant(qtbot, setup_ctx)
    wizard.operator_page.name_edit.setText("Ana")
    wizard.operator_page.github_edit.setText("not a login")
    wizard.button(QWizard.WizardButton.NextButton).click()
    assert "is not a GitHub login" in wizard.operator_page.message.text()
    assert wizard.currentId() == OPERATOR
    wizard.button(QWizard.WizardButton.CancelButton).click()
    assert not wizard.isVisible()
    assert setup_ctx.inventory_file.path.read_bytes() == before
    assert MemoryKeyring.entries == {}


def test_a_stored_key_is_kept_or_replaced_only_when_confirmed(qtbot, setup_ctx: AppContext) -> None:
    from ereg_desktop.services.keys import generate_key

    first = generate_key(store(), "unctad", "old").public_line
    asked: list[str] = []
    wizard = open_assistant(
        qtbot, setup_ctx, confirm=lambda parent, text: asked.append(text) or False
    )
    wizard.operator_page.name_edit.setText("Ana")
    go_next(qtbot, wizard, KEY)
    key = wizard.key_page
    idle(qtbot, key)
    assert key.public == first and "A key is stored for unctad" in key.state.text()
    key.generate_button.click()  # declined: nothing changes
    assert asked and "replaces it" in asked[0]
    assert store().get("ssh-public-key", "unctad") == first


def test_a_new_computer_gets_the_offer_and_help_opens_it(qtbot, window) -> None:
    task = offer_setup(window)
    qtbot.waitUntil(lambda: task.finished, timeout=10_000)
    offer = window.findChild(SetupOffer)
    assert offer.isVisible()
    assert "who you are" in offer.message.text() and "an SSH key for unctad" in offer.message.text()
    offer.open_button.click()
    wizard = window.findChild(SetupAssistant)
    assert wizard is not None and wizard.isVisible() and not wizard.isModal()
    assert not offer.isVisible()
    assert window.setup_action.text() == "Set up this computer\u2026"
    assert window.setup_action in window.menuBar().actions()[-1].menu().actions()
    assert window.open_setup_assistant() is wizard  # one assistant, raised
    wizard.operator_page.name_edit.setText("Ana Operator")
    wizard.button(QWizard.WizardButton.NextButton).click()
    # saved, then re-read by the window (its tree marks the operator's systems)
    qtbot.waitUntil(lambda: window.ctx.inventory.operator.name == "Ana Operator", timeout=10_000)
    assert wizard.currentId() == KEY
    wizard.reject()


def test_a_computer_that_is_set_up_gets_no_offer(qtbot, window, ctx: AppContext) -> None:
    from ereg_desktop.services.keys import generate_key

    ctx.inventory.operator.name = "Ana"
    generate_key(store(), "unctad", "Ana")
    task = offer_setup(window)
    qtbot.waitUntil(lambda: task.finished, timeout=10_000)  # the keyring was read, the answer in
    assert window.findChild(SetupOffer) is None
