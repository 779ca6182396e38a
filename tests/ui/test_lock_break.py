"""The offer to break a stale lock: who holds it is said, Cancel is the default, and only the
destructive button breaks it."""

from __future__ import annotations

from deploy_fixtures import make_ref
from PySide6.QtWidgets import QMessageBox, QWidget

from ereg_desktop.services.deploy.lock import LockOwner
from ereg_desktop.ui.lock_break import break_lock_box

HOLDER = LockOwner("Marek <b>T</b>", "pc-7", 4242, "2026-01-01T10:00:00Z", "tok", job="J-1")


def box_and_calls(qtbot, parent: QWidget) -> tuple[QMessageBox, list[str]]:
    calls: list[str] = []
    box = break_lock_box(parent, make_ref("production"), HOLDER, "gt is locked",
                         lambda: calls.append("break"))  # fmt: skip
    return box, calls


def test_the_question_names_the_holder_escaped_and_defaults_to_cancel(qtbot) -> None:
    parent = QWidget()
    qtbot.addWidget(parent)
    box, calls = box_and_calls(qtbot, parent)
    text = box.text()
    assert "Marek &lt;b&gt;T&lt;/b&gt;" in text and "pc-7" in text and "J-1" in text
    assert box.defaultButton() is box.button(QMessageBox.StandardButton.Cancel)
    box.open()
    box.button(QMessageBox.StandardButton.Cancel).click()
    assert calls == []


def test_only_the_destructive_button_breaks_the_lock(qtbot) -> None:
    parent = QWidget()
    qtbot.addWidget(parent)
    box, calls = box_and_calls(qtbot, parent)
    box.open()
    (go,) = [
        b for b in box.buttons() if box.buttonRole(b) == QMessageBox.ButtonRole.DestructiveRole
    ]
    go.click()
    assert calls == ["break"]
