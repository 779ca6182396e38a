"""The reason prompt: a preflight concern cannot be passed with an empty reason."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from ereg_desktop.services.deploy.preflight import Concern, ConcernNote
from ereg_desktop.ui.reason_prompt import ReasonPrompt

NOTE = ConcernNote(Concern.OWNER_MISMATCH, "Guatemala is assigned to Ann; you are Bob. Say why.")


def test_reason_required(qtbot) -> None:
    p = ReasonPrompt(NOTE, "gt")
    qtbot.addWidget(p)
    p.open()
    assert not p.ok_button.isEnabled()
    qtbot.keyClicks(p.reason_edit, "   ")
    assert not p.ok_button.isEnabled()  # blanks are not a reason
    p.accept()  # Enter with nothing typed
    assert p.isVisible() and p.result() == 0
    qtbot.keyClicks(p.reason_edit, "hotfix agreed with Ann")
    assert p.ok_button.isEnabled()
    with qtbot.waitSignal(p.accepted, timeout=2000):
        qtbot.mouseClick(p.ok_button, Qt.MouseButton.LeftButton)
    assert p.reason() == "hotfix agreed with Ann"


def test_reason_explains_why_it_is_asked(qtbot) -> None:
    p = ReasonPrompt(NOTE, "gt")
    qtbot.addWidget(p)
    assert p.windowTitle() == "A reason is needed to update gt"
    labels = [w.text() for w in p.findChildren(QLabel)]
    assert any("assigned to someone else" in t for t in labels)
    assert any("recorded" in t for t in labels) and any("Ann; you are Bob" in t for t in labels)
