"""The update's progress dialog: steps, the live log of a step, the downtime, questions, the outcome.

Non-modal and never blocking: the :class:`~ereg_desktop.services.deploy.workflow.DeployRun` runs on
a worker (``ui/tasks.py``) and its events arrive here on the GUI thread. The state lives in a
:class:`~ereg_desktop.presenters.deploy_progress.DeployProgress`; this widget renders it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QFont
from PySide6.QtWidgets import (
    QAbstractButton,
    QDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QVBoxLayout,
    QWidget,
)

from ereg_desktop.presenters.deploy_progress import (
    CANCEL,
    DETACH,
    STOP_WAITING,
    Change,
    CloseQuestion,
    DeployProgress,
    ProgressEvent,
)
from ereg_desktop.presenters.deploy_questions import prompt_for
from ereg_desktop.services.deploy.actions import ActionResult
from ereg_desktop.services.deploy.decisions import AnswerValue, DecisionChannel
from ereg_desktop.services.deploy.events import EventSink, Step
from ereg_desktop.services.deploy.result import DeployResult
from ereg_desktop.store.inventory import DeploymentRef
from ereg_desktop.ui.deploy_buttons import DeployButtons
from ereg_desktop.ui.deploy_question import QuestionPanel
from ereg_desktop.ui.deploy_steps_pane import StepsPane
from ereg_desktop.ui.notify import Notifier
from ereg_desktop.ui.tasks import LONG, Progress, run_task

TICK_MS = 100
_DOWN, _UP, _ENDED = "#c62828", "#2e7d32", "#444"


class RunLike(Protocol):
    """What the dialog needs of a :class:`DeployRun` (tests script one)."""

    def run(self, on_event: EventSink | None = None) -> DeployResult: ...
    def cancel(self) -> str: ...
    def detach(self) -> None: ...
    def start_again(self, on_event: EventSink | None = None) -> ActionResult: ...
    @property
    def down_since(self) -> float | None: ...  # when the app went down, for a re-attached run


class DeployDialog(QDialog):
    restart_requested = Signal(object)  # the DeploymentRef: "Restart instead"
    break_lock_requested = Signal(object)  # the DeployResult whose lock holder is stale
    run_finished = Signal(object)  # the DeployResult
    task_finished = Signal()  # "Start it again" ended (the dialog may be deleted once hidden)

    def __init__(
        self,
        ref: DeploymentRef,
        run: RunLike,
        *,
        notifier: Notifier,
        parent: QWidget | None = None,
        is_in_front: Callable[[], bool] | None = None,
        reattached: bool = False,
        decisions: DecisionChannel | None = None,
    ) -> None:
        super().__init__(parent)
        self.ref = ref
        self.deploy_run = run
        self.notifier = notifier
        self.decisions = decisions
        self.state = DeployProgress(ref, reattached=reattached)
        self._is_in_front = is_in_front or self._window_in_front
        self.setModal(False)
        self.setWindowTitle(self.state.title)
        self.resize(900, 620)

        self.close_question: QMessageBox | None = None
        # told True when a run or "Start it again" starts, False (on its worker) when it ends,
        # even if this dialog is gone by then: the alerts expect the app's restarts meanwhile
        self.tell_running: Callable[[bool], None] | None = None

        self._build()
        self._timer = QTimer(self)
        self._timer.setInterval(TICK_MS)
        self._timer.timeout.connect(self._tick)

    # --- what deploy_actions and the tests read --------------------------------------------

    @property
    def running(self) -> bool:
        return self.state.running

    @property
    def deploy_result(self) -> DeployResult | None:
        return self.state.result

    @property
    def job_id(self) -> str | None:
        return self.state.job_id

    @job_id.setter
    def job_id(self, job_id: str | None) -> None:
        self.state.job_id = job_id

    @property
    def cancel_mode(self) -> str:
        return self.state.cancel_mode

    @property
    def logs(self) -> dict[Step, list[str]]:
        return {step: r.log for step, r in self.state.steps.items()}

    @property
    def progress(self) -> dict[Step, str]:
        return {step: r.progress for step, r in self.state.steps.items()}

    @property
    def busy(self) -> bool:
        """A worker still reports to this dialog (the run, or "Start it again")."""
        return self.state.busy

    # --- layout -----------------------------------------------------------------------------

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        self.header = QLabel(self.state.header_html)
        self.header.setWordWrap(True)
        top.addWidget(self.header, 1)
        self.app_status = QLabel(self.state.app_status)
        top.addWidget(self.app_status)
        layout.addLayout(top)

        self.downtime_label = QLabel()
        big = QFont(self.font())
        big.setPointSizeF(big.pointSizeF() * 1.6)
        big.setBold(True)
        self.downtime_label.setFont(big)
        layout.addWidget(self.downtime_label)

        self.question = QuestionPanel()
        self.question.answered.connect(self._answer)
        layout.addWidget(self.question)

        self.pane = StepsPane(self.state)
        self.steps, self.log_view = self.pane.steps, self.pane.log_view
        layout.addWidget(self.pane, 1)

        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.summary.setObjectName("deploySummary")
        self.summary.hide()
        layout.addWidget(self.summary)
        layout.addWidget(self._build_buttons())
        self._show_status()

    def _build_buttons(self) -> DeployButtons:
        row = DeployButtons()
        # the names the actions and the tests know the buttons by
        self.connection_note = row.connection_note
        self.start_again_button, self.restart_button = row.start_again_button, row.restart_button
        self.break_lock_button, self.cancel_button = row.break_lock_button, row.cancel_button
        self.close_button = row.close_button
        self.start_again_button.clicked.connect(self.start_again)
        self.restart_button.clicked.connect(lambda: self.restart_requested.emit(self.ref))
        self.break_lock_button.clicked.connect(
            lambda: self.break_lock_requested.emit(self.state.result)
        )
        self.cancel_button.clicked.connect(self.cancel_or_detach)
        self.close_button.clicked.connect(self.reject)
        self.buttons = row
        return row

    # --- running ----------------------------------------------------------------------------

    def start(self) -> None:
        """Run the update on a worker; events come back through :meth:`handle_event`."""
        self.state.begin()
        self._timer.start()
        self._show_status()
        run = self.deploy_run
        run_task(
            self._told(lambda progress: run.run(progress)),
            kind=LONG,
            receiver=self,
            on_result=self._run_done,
            on_error=self._run_failed,
            on_progress=self.handle_event,
        )

    def follow_again(self, run: RunLike, decisions: DecisionChannel | None = None) -> None:
        """The run ended detached (the connection stayed away too long) and the server came
        back: follow the same job again here with ``run`` (a re-attaching DeployRun, asking
        through ``decisions``), which replays the job's whole log, verifies and records the
        outcome."""
        if self.state.running:
            return
        self.deploy_run = run
        self.decisions = decisions
        self.state.follow_again()
        self.pane.show_all()
        self.summary.hide()
        self.pane.follow(Step.DEPLOY)
        self.start()

    def handle_event(self, event: ProgressEvent) -> None:
        self._render(self.state.apply(event))

    def _render(self, change: Change) -> None:
        self.pane.show_change(change, batching=self._timer.isActive())
        if change.status:
            self._show_status()
        if change.questions:
            self._show_question()

    def cancel_or_detach(self) -> None:
        if not self.state.running:
            return
        did = self.deploy_run.cancel()
        if did == CANCEL and self.decisions is not None:
            self.decisions.withdraw()  # a question still open must not hold the run
        self.state.cancel_pressed = did
        self._show_status()

    def _run_done(self, result: DeployResult) -> None:
        self.state.finished(result)
        self._flush()
        self.pane.show_all()  # the steps it never reached are skipped now
        self.pane.show_outcome()
        self._show_question()
        self._show_summary()
        self._show_status()
        self.buttons.show_outcome(self.state)
        if not self.state.ticking:
            self._timer.stop()
        told = self.state.notification()
        if told is not None and not self._is_in_front():
            self.notifier.notify(*told)
        self.run_finished.emit(result)

    def _run_failed(self, error: BaseException) -> None:
        self.state.failed(error)
        self._flush()
        self.pane.show_outcome()
        self._timer.stop()
        self._show_question()
        self._show_status()
        self._show_summary()

    def start_again(self) -> None:
        if self.state.starting_again:
            return
        self.state.begin_start_again()
        self._render(Change(line=Step.VERIFY))
        self.buttons.starting_again()
        self.pane.following = True
        run = self.deploy_run
        run_task(
            self._told(lambda progress: run.start_again(progress)),
            kind=LONG,
            receiver=self,
            on_result=self._started_again_done,
            on_error=self._started_again_error,
            on_progress=self.handle_event,
        )

    def _started_again_done(self, result: ActionResult) -> None:
        self.state.started_again(result)
        self._render(Change(line=Step.VERIFY))
        self._flush()
        self._after_start_again()

    def _started_again_error(self, error: BaseException) -> None:
        self.state.start_again_failed(str(error))
        self._after_start_again()

    def _after_start_again(self) -> None:
        self.buttons.started_again(self.state)
        if not self.state.offers_start_again:
            self._timer.stop()
        self._show_status()
        self._show_summary()
        self.task_finished.emit()

    def _told(self, work: Callable[[Progress], object]) -> Callable[[Progress], object]:
        tell = self.tell_running
        if tell is None:
            return work
        tell(True)

        def told(progress: Progress) -> object:
            try:
                return work(progress)
            finally:
                tell(False)

        return told

    # --- questions --------------------------------------------------------------------------

    def _show_question(self) -> None:
        question = self.state.open_question
        self.question.show_prompt(prompt_for(question) if question is not None else None)

    def _answer(self, question_id: str, value: AnswerValue) -> None:
        if self.decisions is None or not self.decisions.answer(question_id, value):
            # nobody waits for this answer any more (settled meanwhile): the prompt goes
            self.state.questions.pop(question_id, None)
            self._show_question()

    # --- closing ----------------------------------------------------------------------------

    def closeEvent(self, event: QCloseEvent) -> None:
        question = self.state.close_question()
        if question is None:
            self._timer.stop()
            super().closeEvent(event)
            return
        event.ignore()
        self._ask_before_closing(question)

    def reject(self) -> None:  # Escape
        question = self.state.close_question()
        if question is None:
            super().reject()
        else:
            self._ask_before_closing(question)

    def _ask_before_closing(self, question: CloseQuestion) -> None:
        box = QMessageBox(QMessageBox.Icon.Question, question.title, question.text, parent=self)
        go = box.addButton(question.verb, QMessageBox.ButtonRole.AcceptRole)
        box.addButton("Keep following", QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(go)

        def clicked(button: QAbstractButton) -> None:
            self._close_answer(question if button is go else None)

        box.buttonClicked.connect(clicked)
        self.close_question = box
        box.open()

    def _close_answer(self, question: CloseQuestion | None) -> None:
        self.close_question = None
        if question is None:
            return
        if question.then in (DETACH, STOP_WAITING):
            self.deploy_run.detach()  # waiting for the merge: detaching stops waiting
        elif question.then == CANCEL:
            self.deploy_run.cancel()
            if self.decisions is not None:
                self.decisions.withdraw()
        self.hide()  # the worker ends on its own; the result is still recorded

    # --- showing ----------------------------------------------------------------------------

    def _window_in_front(self) -> bool:
        parent = self.parentWidget()
        return self.isActiveWindow() or bool(parent is not None and parent.isActiveWindow())

    def _tick(self) -> None:
        self.pane.tick()
        self._show_downtime()

    def _flush(self) -> None:
        self.pane.flush()

    def downtime_text(self) -> str:
        return self.state.downtime_text()

    def _show_status(self) -> None:
        self.app_status.setText(self.state.app_status)
        self.buttons.show_running(self.state)
        self._show_downtime()

    def _show_downtime(self) -> None:
        downtime = self.state.downtime
        self.downtime_label.setText(self.state.downtime_text())
        colour = _DOWN if downtime.down_now else (_UP if downtime.since is None else _ENDED)
        self.downtime_label.setStyleSheet(f"color: {colour};")
        self.downtime_label.setProperty("down", downtime.down_now)

    def _show_summary(self) -> None:
        text = self.state.summary_html
        self.summary.setText(text)
        self.summary.setVisible(bool(text))
