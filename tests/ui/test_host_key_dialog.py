"""The host-key dialogs: an unknown key is shown and trusted on request; a changed key is refused
with both fingerprints and re-trusted only with a typed fingerprint that the pin accepts."""

from __future__ import annotations

import threading

import pytest
from PySide6.QtWidgets import QLabel, QLineEdit, QPushButton

from ereg_desktop.remote.errors import ChangedHostKey, HostKeyMismatch, UnknownHostKey
from ereg_desktop.store.inventory import Server
from ereg_desktop.ui.host_key_dialog import HostKeyDialog

SERVER = Server(id="unctad", host="eregistrations.org", admin="Marek Tuchowski")
OLD = "SHA256:ykCFWmfRkywB0S3mPb2jG/L+Kd4wHsZvIQBFnbRbbcU"
NEW = "SHA256:AL/y35OEKkhgu9laIZNMWb87d+8CHmP4/8wXy/aH4I4"


class FakePin:
    """Accepts only ``offered``; records the calls and the thread they ran on."""

    def __init__(self, offered: str) -> None:
        self.offered = offered
        self.calls: list[str] = []
        self.threads: list[threading.Thread] = []

    def __call__(self, expected: str) -> str:
        self.calls.append(expected)
        self.threads.append(threading.current_thread())
        if expected != self.offered:
            raise HostKeyMismatch(SERVER, self.offered, expected)
        return expected


def fingerprints(dialog):
    return [f.text() for f in dialog.findChildren(QLineEdit, "fingerprint")]


def button_texts(dialog):
    return [b.text() for b in dialog.findChildren(QPushButton)]


def test_unknown_key_shows_the_fingerprint_and_trusts_on_a_worker(qtbot):
    pin = FakePin(NEW)
    dialog = HostKeyDialog(SERVER, UnknownHostKey(SERVER, "ssh-ed25519", NEW), pin)
    qtbot.addWidget(dialog)
    dialog.show()
    assert fingerprints(dialog) == [NEW]
    assert "Marek Tuchowski" in " ".join(label.text() for label in dialog.findChildren(QLabel))
    assert not dialog.isModal()
    with qtbot.waitSignal(dialog.trusted, timeout=5000) as trusted:
        dialog.trust_button.click()
    assert trusted.args == [NEW]
    assert pin.calls == [NEW] and pin.threads[0] is not threading.main_thread()
    assert dialog.result() == HostKeyDialog.DialogCode.Accepted


def test_unknown_key_that_changed_meanwhile_is_not_trusted(qtbot):
    pin = FakePin("SHA256:somethingElse")
    dialog = HostKeyDialog(SERVER, UnknownHostKey(SERVER, "ssh-ed25519", NEW), pin)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.trust_button.click()
    qtbot.waitUntil(lambda: "nothing was trusted" in dialog.message.text(), timeout=5000)
    assert dialog.isVisible() and dialog.trust_button.isEnabled()


def test_changed_key_is_refused_without_a_trust_button(qtbot, screenshot):
    pin = FakePin(NEW)
    dialog = HostKeyDialog(SERVER, ChangedHostKey(SERVER, OLD, NEW), pin)
    qtbot.addWidget(dialog)
    dialog.show()
    assert "CHANGED" in dialog.windowTitle()
    assert fingerprints(dialog) == [OLD, NEW]
    assert dialog.trust_button is None
    assert "Trust this key" not in button_texts(dialog)
    assert not dialog.retrust_button.isEnabled()
    screenshot(dialog, "hostkey-changed")


@pytest.mark.parametrize("typed", [OLD, "SHA256:typo"])
def test_changed_key_with_a_wrong_typed_fingerprint_trusts_nothing(qtbot, typed):
    pin = FakePin(NEW)
    dialog = HostKeyDialog(SERVER, ChangedHostKey(SERVER, OLD, NEW), pin)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.fingerprint_entry.setText(typed)
    dialog.retrust_button.click()
    qtbot.waitUntil(lambda: "nothing was trusted" in dialog.message.text(), timeout=5000)
    assert pin.calls == [typed] and dialog.isVisible()


def test_changed_key_is_retrusted_with_the_typed_fingerprint(qtbot):
    pin = FakePin(NEW)
    dialog = HostKeyDialog(SERVER, ChangedHostKey(SERVER, OLD, NEW), pin)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.fingerprint_entry.setText(f"  {NEW}\n")
    with qtbot.waitSignal(dialog.trusted, timeout=5000) as trusted:
        dialog.retrust_button.click()
    assert trusted.args == [NEW] and pin.calls == [NEW]
