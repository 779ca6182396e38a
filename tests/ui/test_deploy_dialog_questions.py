"""Questions asked mid-run, answered in the deploy dialog through a real DecisionChannel whose
``decide`` blocks a Python thread, as the update's worker does."""

from __future__ import annotations

import os
import queue
import threading
from pathlib import Path
from typing import Any

from deploy_fixtures import FakeNotifier, ScriptedRun, make_ref, result
from PySide6.QtCore import Qt
from review_fixtures import review_of, small_review

from ereg_desktop.services.deploy.decisions import (
    AcknowledgeWarnings,
    Answer,
    AnswerSource,
    DecisionChannel,
    MergeChoice,
    MergeOrWait,
    Question,
    QuestionAsked,
    QuestionSettled,
    ReasonNeeded,
    ReviewTranslations,
    ReviewVerdict,
)
from ereg_desktop.services.deploy.events import Step, StepStarted
from ereg_desktop.services.deploy.result import AppState, Outcome
from ereg_desktop.ui.deploy_dialog import DeployDialog

WAIT_S = 10.0


class Asker:
    """``channel.decide(question)`` on a thread, as a phase does; its events are collected for the
    test to hand to the dialog (what the task channel does in the app)."""

    def __init__(self, channel: DecisionChannel, question: Question) -> None:
        self.events: queue.Queue[object] = queue.Queue()
        channel.bind(self.events.put)
        self.answer: Answer | None = None
        self.thread = threading.Thread(target=lambda: self._decide(channel, question))
        self.thread.start()

    def _decide(self, channel: DecisionChannel, question: Question) -> None:
        self.answer = channel.decide(question)

    def next_event(self) -> Any:
        return self.events.get(timeout=WAIT_S)

    def answered(self) -> Answer:
        self.thread.join(WAIT_S)
        assert not self.thread.is_alive(), "decide() still waits"
        assert self.answer is not None
        return self.answer


def dialog(qtbot: Any, channel: DecisionChannel) -> DeployDialog:
    run = ScriptedRun([], result(Outcome.CANCELLED, AppState.UP, "Cancelled"))
    d = DeployDialog(make_ref("production"), run, notifier=FakeNotifier(), decisions=channel)
    qtbot.addWidget(d)
    d.show()
    d.handle_event(StepStarted(Step.PREFLIGHT, 0.0))
    return d


def screenshots(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("EREG_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def test_a_reason_typed_in_the_dialog_reaches_the_waiting_thread(qtbot, tmp_path) -> None:
    channel = DecisionChannel()
    question = ReasonNeeded(
        "preflight-reason",
        "A reason is needed",
        "Guatemala is outside its low-traffic window (22:00-06:00 America/Guatemala).",
        concerns=(("low-traffic", "Production outside its low-traffic window"),),
    )
    asker = Asker(channel, question)
    d = dialog(qtbot, channel)
    asked = asker.next_event()
    assert isinstance(asked, QuestionAsked)
    d.handle_event(asked)
    panel = d.question
    assert panel.isVisible() and "low-traffic window" in panel.items.text()
    ok = panel.button("OK")
    assert not ok.isEnabled()  # no reason typed yet
    panel.reason.setText("hotfix \x07")  # a bell: a control character
    assert not ok.isEnabled() and panel.problem.isVisibleTo(panel)
    assert "control character" in panel.problem.text()
    panel.reason.clear()
    qtbot.keyClicks(panel.reason, "hotfix for the payment form")
    assert ok.isEnabled() and not panel.problem.isVisibleTo(panel)
    assert d.grab().save(str(screenshots(tmp_path) / "deploy-dialog-question.png"))
    ok.click()
    answer = asker.answered()
    assert answer.source == AnswerSource.OPERATOR and answer.text == "hotfix for the payment form"
    settled = asker.next_event()
    assert isinstance(settled, QuestionSettled)
    d.handle_event(settled)
    assert not panel.isVisible()


def test_warnings_are_acknowledged_and_merge_is_chosen(qtbot) -> None:
    channel = DecisionChannel()
    ack = Asker(channel, AcknowledgeWarnings("w", "Warnings", "Go on?", warnings=("disk 91 %",)))
    d = dialog(qtbot, channel)
    d.handle_event(ack.next_event())
    assert "disk 91 %" in d.question.items.text() and not d.question.reason.isVisible()
    d.question.button("Acknowledge").click()
    assert ack.answered().yes
    d.handle_event(ack.next_event())
    merge = Asker(
        channel, MergeOrWait("m", "Pull request", "Merge it?", pull_url="https://x/pull/7")
    )
    d.handle_event(merge.next_event())
    assert "https://x/pull/7" in d.question.text.text()
    assert d.question.button("Merge now").isEnabled()
    d.question.button("Wait for a merge on GitHub").click()
    assert merge.answered().value == MergeChoice.WAIT


def test_a_withdrawn_question_removes_its_prompt(qtbot) -> None:
    channel = DecisionChannel()
    asker = Asker(channel, ReasonNeeded("r", "A reason is needed", "Why?"))
    d = dialog(qtbot, channel)
    d.handle_event(asker.next_event())
    assert d.question.isVisible()
    channel.withdraw()  # the run was cancelled elsewhere
    assert asker.answered().source == AnswerSource.WITHDRAWN
    d.handle_event(asker.next_event())
    assert not d.question.isVisible() and d.state.questions == {}


class AskingRun(ScriptedRun):
    """A run whose preflight asks for a reason through the channel, as the phase machine does,
    on the dialog's own worker; it ends deployed with a reason, cancelled without one."""

    def __init__(self, channel: DecisionChannel) -> None:
        super().__init__([], result(Outcome.CANCELLED, AppState.UP, "Cancelled"))
        self.channel = channel
        self.answers: list[Answer] = []

    def run(self, on_event: Any = None) -> Any:
        assert on_event is not None
        self.channel.bind(on_event)
        on_event(StepStarted(Step.PREFLIGHT, 0.0))
        answer = self.channel.decide(ReasonNeeded("why", "A reason is needed", "Not your system"))
        self.answers.append(answer)
        if answer.text:
            return result(Outcome.DEPLOYED, AppState.UP, f"Deployed: {answer.text}")
        return self.final


def test_the_dialogs_own_run_asks_and_goes_on_with_the_answer(qtbot, tmp_path) -> None:
    channel = DecisionChannel()
    run = AskingRun(channel)
    d = DeployDialog(make_ref("production"), run, notifier=FakeNotifier(), decisions=channel)
    qtbot.addWidget(d)
    d.show()
    d.start()
    qtbot.waitUntil(d.question.isVisible, timeout=5000)
    qtbot.keyClicks(d.question.reason, "payment form hotfix")
    assert d.cancel_button.isVisible() and d.cancel_button.text() == "Cancel"
    assert d.grab().save(str(screenshots(tmp_path) / "deploy-dialog-question-running.png"))
    qtbot.keyClick(d.question.reason, Qt.Key.Key_Return)  # Return answers like OK
    qtbot.waitUntil(lambda: d.deploy_result is not None, timeout=5000)
    assert run.answers[0].text == "payment form hotfix"
    assert "Deployed: payment form hotfix" in d.summary.text() and not d.question.isVisible()


def test_cancel_while_a_question_is_open_releases_the_run(qtbot) -> None:
    channel = DecisionChannel()
    run = AskingRun(channel)
    d = DeployDialog(make_ref("production"), run, notifier=FakeNotifier(), decisions=channel)
    qtbot.addWidget(d)
    d.show()
    d.start()
    qtbot.waitUntil(d.question.isVisible, timeout=5000)
    d.cancel_button.click()
    qtbot.waitUntil(lambda: d.deploy_result is not None, timeout=5000)
    assert run.cancelled == ["cancel"] and run.answers[0].source == AnswerSource.WITHDRAWN
    assert "nothing changed" in d.summary.text() and not d.question.isVisible()


def test_the_translation_review_is_asked_and_its_verdict_answers(qtbot, tmp_path) -> None:
    channel = DecisionChannel()
    question = ReviewTranslations(
        "review", "Review the translations", "Pending on the server:", review=small_review()
    )
    asker = Asker(channel, question)
    d = dialog(qtbot, channel)
    d.handle_event(asker.next_event())
    panel = d.question
    assert "5 translation changes, 2 data files: 1 error, 0 warnings" in panel.items.text()
    assert d.grab().save(str(screenshots(tmp_path) / "deploy-dialog-review.png"))
    panel.button("Review…").click()
    review = panel.review_dialog
    assert review is not None and review.isVisible()
    assert asker.thread.is_alive() and asker.answer is None  # the window is open: no answer yet
    editor = review.review_widget.details.editor
    qtbot.waitUntil(editor.isVisible)
    editor.fields[0].setPlainText("Registro de empresas")
    qtbot.waitUntil(review.approve_button.isEnabled)
    review.approve_button.click()
    answer = asker.answered()
    assert answer.value == ReviewVerdict(
        approved=True, edits={"Business registration": "Registro de empresas"}
    )
    assert panel.review_dialog is None
    d.handle_event(asker.next_event())
    assert not panel.isVisible()


def test_closing_the_review_window_or_stop_answers_not_approved(qtbot) -> None:
    channel = DecisionChannel()
    review = review_of({"A": "a"}, {"A": "b"})
    asker = Asker(channel, ReviewTranslations("r1", "Review", "", review=review, again=True))
    d = dialog(qtbot, channel)
    d.handle_event(asker.next_event())
    assert "changed on the server after your review" in d.question.text.text()
    d.question.button("Review…").click()
    window = d.question.review_dialog
    assert window is not None and window.again.isVisibleTo(window)
    window.close()
    assert asker.answered().value == ReviewVerdict(approved=False)
    d.handle_event(asker.next_event())
    second = Asker(channel, ReviewTranslations("r2", "Review", "", review=review))
    d.handle_event(second.next_event())
    d.question.button("Stop the update").click()
    assert second.answered().value == ReviewVerdict(approved=False)


def test_a_withdrawn_review_question_closes_its_window(qtbot) -> None:
    channel = DecisionChannel()
    asker = Asker(channel, ReviewTranslations("r", "Review", "", review=small_review()))
    d = dialog(qtbot, channel)
    d.handle_event(asker.next_event())
    window = d.question.open_review()
    assert window is not None and window.isVisible()
    channel.withdraw()
    assert asker.answered().source == AnswerSource.WITHDRAWN
    d.handle_event(asker.next_event())
    assert not window.isVisible() and d.question.review_dialog is None
