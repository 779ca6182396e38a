"""The reason prompt: a preflight concern cannot be passed with an empty reason."""

from __future__ import annotations

import pytest
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


@pytest.mark.hostile(
    area="operator text",
    tried="a reason typed in the reason prompt holding an escape character, or over 1,000 "
    "characters",
    outcome="the prompt says what is wrong beside the field and OK stays disabled (Enter too); "
    "lines typed in the box become one line",
)
def test_a_reason_that_cannot_be_sent_is_said_before_ok(qtbot) -> None:
    p = ReasonPrompt(NOTE, "gt")
    qtbot.addWidget(p)
    p.open()
    p.reason_edit.setPlainText("hotfix \x1b[31m")  # typed keys would send Escape to the dialog
    assert not p.ok_button.isEnabled()
    assert p.problem.isVisibleTo(p) and "escape" in p.problem.text()
    p.accept()
    assert p.isVisible() and p.result() == 0
    p.reason_edit.setPlainText("x" * 1001)
    assert not p.ok_button.isEnabled() and "1000" in p.problem.text().replace(",", "")
    p.reason_edit.setPlainText("hotfix agreed\nwith Ann")
    assert p.ok_button.isEnabled() and not p.problem.isVisibleTo(p)
    assert p.reason() == "hotfix agreed with Ann"
