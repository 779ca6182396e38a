"""What the update dialog says an operator must read without guessing: which side of the point
of no return the run is on, the step that decided the outcome, a question's text said once."""

from __future__ import annotations

from deploy_fixtures import FakeNotifier, ScriptedRun, make_ref, result
from PySide6.QtCore import Qt
from PySide6.QtGui import QTextDocument
from test_deploy_dialog import BEFORE_DOWNTIME, DOWN, failed_down, started

from ereg_desktop.presenters.deploy_questions import Prompt, prompt_for
from ereg_desktop.services.deploy.decisions import ReasonNeeded
from ereg_desktop.services.deploy.events import Step, StepFinished, StepLog, StepStarted, StepState
from ereg_desktop.services.deploy.workflow import AppState, Block, Outcome
from ereg_desktop.ui.deploy_buttons import BEFORE_NO_RETURN, PAST_NO_RETURN
from ereg_desktop.ui.deploy_dialog import DeployDialog
from ereg_desktop.ui.deploy_question import QuestionPanel


def dialog(qtbot, run) -> DeployDialog:
    d = DeployDialog(make_ref("production"), run, notifier=FakeNotifier(), is_in_front=lambda: True)
    qtbot.addWidget(d)
    d.show()
    return d


def test_the_point_of_no_return_is_said_beside_cancel(qtbot) -> None:
    cut = next(i for i, e in enumerate(BEFORE_DOWNTIME)
               if isinstance(e, StepStarted) and e.step == Step.DEPLOY)  # fmt: skip
    run = ScriptedRun(BEFORE_DOWNTIME[:cut], failed_down(), after_gate=BEFORE_DOWNTIME[cut:] + DOWN)
    d = dialog(qtbot, run)
    note = d.buttons.stage_note
    d.start()
    qtbot.waitUntil(lambda: d.state.steps[Step.INSPECT].state == StepState.OK)
    assert d.cancel_button.text() == "Cancel" and note.text() == BEFORE_NO_RETURN
    run.gate.set()  # past it: the app goes down
    qtbot.waitUntil(lambda: d.deploy_result is not None)
    assert note.text() == ""  # ended: nothing left to cancel or detach


def test_detach_says_the_update_continues(qtbot) -> None:
    run = ScriptedRun(BEFORE_DOWNTIME, failed_down(), after_gate=DOWN)
    run.mode = "detach"
    d = dialog(qtbot, run)
    d.start()
    qtbot.waitUntil(lambda: d.cancel_button.text() == "Detach")
    assert d.buttons.stage_note.text() == PAST_NO_RETURN
    assert "point of no return" in PAST_NO_RETURN and "continues on the server" in PAST_NO_RETURN
    d.cancel_or_detach()
    assert d.buttons.stage_note.text() == ""  # "Detaching…" says it now
    qtbot.waitUntil(lambda: d.deploy_result is not None)


def test_at_the_end_the_step_that_stopped_the_run_is_shown(qtbot) -> None:
    events = [
        started(Step.PREFLIGHT),
        StepLog(Step.PREFLIGHT, "owner-mismatch: assigned to Olga"),
        StepFinished(Step.PREFLIGHT, StepState.BLOCKED, "A reason is needed", 2.0),
        started(Step.FINISH),
        StepFinished(Step.FINISH, StepState.OK, "recorded", 0.1),
    ]
    blocked = result(Outcome.BLOCKED, AppState.UP, "A reason is needed", block=Block.NEEDS_REASON)
    d = dialog(qtbot, ScriptedRun(events, blocked))
    d.start()
    qtbot.waitUntil(lambda: d.deploy_result is not None)
    assert d.steps.currentItem() is d.steps.items[Step.PREFLIGHT]
    assert "owner-mismatch" in d.log_view.toPlainText()


def test_a_step_the_operator_picked_stays_shown_at_the_end(qtbot) -> None:
    run = ScriptedRun(BEFORE_DOWNTIME, failed_down(), after_gate=DOWN)
    d = dialog(qtbot, run)
    d.start()
    qtbot.waitUntil(lambda: d.state.steps[Step.DEPLOY].state == StepState.RUNNING)
    d.steps.setCurrentItem(d.steps.items[Step.INSPECT])
    run.gate.set()
    qtbot.waitUntil(lambda: d.deploy_result is not None)
    assert d.steps.currentItem() is d.steps.items[Step.INSPECT]
    assert "Fix the form" in d.log_view.toPlainText()


def test_one_concern_is_said_once_and_unescaped(qtbot) -> None:
    message = "Olga's system is assigned to Olga; you are Tester. Say why you deploy it."
    question = ReasonNeeded("q1", "Why update gt now?", message,
                            concerns=(("owner-mismatch", message),))  # fmt: skip
    panel = QuestionPanel()
    qtbot.addWidget(panel)
    panel.show_prompt(prompt_for(question))
    panel.show()
    assert not panel.items.isVisible()
    shown = QTextDocument()  # what the label renders (rich text: the escaped ' is decoded)
    shown.setHtml(panel.text.text())
    assert panel.text.textFormat() == Qt.TextFormat.RichText and shown.toPlainText() == message
    two = Prompt("q2", "Why now?", "Two things.", ("one", "two"), "", "", (), "")
    panel.show_prompt(two)
    assert panel.items.isVisible() and "<li>one</li>" in panel.items.text()
