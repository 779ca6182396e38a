"""The update's progress dialog: steps, the live log of a step, the downtime, the outcome.

Non-modal and never blocking: the :class:`~ereg_desktop.services.deploy.workflow.DeployRun` runs on
a worker (``ui/tasks.py``) and its events arrive here on the GUI thread. Log lines are buffered and
written in batches by the same timer that ticks the elapsed times and the downtime counter.
"""

from __future__ import annotations

import html
import time
from collections.abc import Callable
from typing import Any, Protocol

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QFont
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from ereg_desktop.services.deploy.actions import ActionResult
from ereg_desktop.services.deploy.events import (
    AppStateChanged,
    CancelAvailability,
    ConnectionLost,
    DeployEvent,
    DowntimeEnded,
    DowntimeStarted,
    EventSink,
    Finished,
    JobStarted,
    Reconnected,
    Step,
    StepFinished,
    StepLog,
    StepProgress,
    StepStarted,
    StepState,
)
from ereg_desktop.services.deploy.workflow import AppState, Block, DeployResult, Outcome
from ereg_desktop.store.inventory import DeploymentRef
from ereg_desktop.ui.deploy_steps_view import LOG_MAX_LINES, StepLogView, StepsList, format_seconds
from ereg_desktop.ui.notify import Notifier
from ereg_desktop.ui.tasks import LONG, run_task

TICK_MS = 100
DETACH_TIP = (
    "pm2-deploy runs on the server as a detached job and cannot be cut safely. Detach stops "
    "following it here; the job goes on, and the app follows it again (and records its outcome) "
    "when it reconnects or starts."
)


class RunLike(Protocol):
    """What the dialog needs of a :class:`DeployRun` (tests script one)."""

    def run(self, on_event: EventSink | None = None) -> DeployResult: ...
    def cancel(self) -> str: ...
    def detach(self) -> None: ...
    def start_again(self, on_event: EventSink | None = None) -> ActionResult: ...


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
    ) -> None:
        super().__init__(parent)
        self.ref = ref
        self.deploy_run = run
        self.notifier = notifier
        self._is_in_front = is_in_front or self._window_in_front
        self.setModal(False)
        prod = ref.deployment.environment == "production"
        where = "PRODUCTION" if prod else ref.deployment.environment
        self.setWindowTitle(f"Update {ref.app} \u2014 {ref.system.name} {where}")
        self.resize(900, 620)

        self.running = False
        self.starting_again = False  # "Start it again" runs on a worker
        self.deploy_result: DeployResult | None = None
        self.job_id: str | None = None
        self.cancel_mode = "cancel"
        self.current_step: Step | None = None
        self.shown_step: Step = Step.PREFLIGHT
        self._follow_current = True
        self.logs: dict[Step, list[str]] = {s: [] for s in Step}
        self.progress: dict[Step, str] = {s: "" for s in Step}
        self._batch: list[str] = []
        self._batch_dirty = False
        self.down_since: float | None = None  # time.time()
        self.downtime_s: float | None = None
        self.close_question: QMessageBox | None = None

        self._build(prod, reattached)
        self._timer = QTimer(self)
        self._timer.setInterval(TICK_MS)
        self._timer.timeout.connect(self._tick)

    # --- layout -----------------------------------------------------------------------------

    def _build(self, prod: bool, reattached: bool) -> None:
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        text = f"<b>{html.escape(self.ref.app)}</b> on {html.escape(self.ref.server.label)}"
        text += f" \u2014 origin/{html.escape(self.ref.deployment.track)}"
        if prod:
            text = '<span style="color:#c62828"><b>PRODUCTION</b></span> ' + text
        if reattached:
            text += " \u2014 <i>re-attached to a job already running on the server</i>"
        self.header = QLabel(text)
        self.header.setWordWrap(True)
        top.addWidget(self.header, 1)
        self.app_status = QLabel("pm2: \u2014")
        top.addWidget(self.app_status)
        layout.addLayout(top)

        self.downtime_label = QLabel()
        big = QFont(self.font())
        big.setPointSizeF(big.pointSizeF() * 1.6)
        big.setBold(True)
        self.downtime_label.setFont(big)
        layout.addWidget(self.downtime_label)

        self.steps = StepsList()
        self.steps.setMaximumHeight(150)
        self.steps.currentItemChanged.connect(self._step_selected)
        self.log_title = QLabel()
        self.log_view = StepLogView()
        log_box = QWidget()
        log_layout = QVBoxLayout(log_box)
        log_layout.setContentsMargins(0, 0, 0, 0)
        log_layout.addWidget(self.log_title)
        log_layout.addWidget(self.log_view)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.steps)
        split.addWidget(log_box)
        split.setStretchFactor(1, 1)
        layout.addWidget(split, 1)

        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.summary.setObjectName("deploySummary")
        self.summary.hide()
        layout.addWidget(self.summary)

        buttons = QHBoxLayout()
        self.connection_note = QLabel()
        self.connection_note.setStyleSheet("color: #ef6c00;")
        buttons.addWidget(self.connection_note, 1)
        self.start_again_button = QPushButton("Start it again")
        self.start_again_button.setToolTip("pm2 start with the code now on disk, in one click")
        self.start_again_button.clicked.connect(self.start_again)
        self.restart_button = QPushButton("Restart instead")
        self.restart_button.setToolTip("Nothing is pending: a plain pm2 restart (asks first)")
        self.restart_button.clicked.connect(lambda: self.restart_requested.emit(self.ref))
        self.break_lock_button = QPushButton("Break the lock\u2026")
        self.break_lock_button.clicked.connect(
            lambda: self.break_lock_requested.emit(self.deploy_result)
        )
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Stop before any downtime; nothing is changed")
        self.cancel_button.clicked.connect(self.cancel_or_detach)
        self.close_button = QPushButton("Close")
        self.close_button.clicked.connect(self.reject)
        for b in (self.start_again_button, self.restart_button, self.break_lock_button):
            b.hide()
            buttons.addWidget(b)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.close_button)
        layout.addLayout(buttons)
        self._show_downtime()
        self._show_log(Step.PREFLIGHT)

    # --- running ----------------------------------------------------------------------------

    def start(self) -> None:
        """Run the update on a worker; events come back through :meth:`handle_event`."""
        self.running = True
        self._timer.start()
        self.cancel_button.setEnabled(True)
        run = self.deploy_run
        run_task(
            lambda progress: run.run(progress),
            kind=LONG,
            receiver=self,
            on_result=self._run_done,
            on_error=self._run_failed,
            on_progress=self.handle_event,
        )

    def follow_again(self, run: RunLike) -> None:
        """The run ended detached (the connection stayed away too long) and the server came
        back: follow the same job again here with ``run`` (a re-attaching DeployRun), which
        replays the job's whole log, verifies and records the outcome."""
        if self.running:
            return
        self.deploy_run = run
        self.deploy_result = None
        for step in (Step.DEPLOY, Step.VERIFY, Step.FINISH):
            self.logs[step] = []
            self.progress[step] = ""
            self.steps.set_state(step, StepState.PENDING)
        self.summary.hide()
        self.connection_note.setText("Reconnected: following the server job again")
        for b in (self.start_again_button, self.restart_button, self.break_lock_button):
            b.hide()
        self.cancel_button.show()
        self._follow_current = True
        self._show_log(Step.DEPLOY)
        self.start()

    def handle_event(self, event: DeployEvent) -> None:
        if isinstance(event, StepStarted):
            self.current_step = event.step
            self.steps.set_state(event.step, StepState.RUNNING)
            if self._follow_current:
                self._show_log(event.step)
        elif isinstance(event, StepFinished):
            self.steps.set_state(event.step, event.state, event.seconds)
            if self.progress[event.step]:  # a progress bar of a step that ended is stale
                self.progress[event.step] = ""
                self._batch_dirty = self._batch_dirty or event.step == self.shown_step
            if event.message and event.state != StepState.OK:
                self._add_line(event.step, f"{event.state}: {event.message}")
        elif isinstance(event, StepLog):
            self._add_line(event.step, event.line)
        elif isinstance(event, StepProgress):
            self.progress[event.step] = event.text
            if event.step == self.shown_step:
                self._batch_dirty = True
        elif isinstance(event, AppStateChanged):
            self.app_status.setText(f"pm2: {event.status} (restarts {event.restarts})")
        elif isinstance(event, DowntimeStarted):
            self.down_since, self.downtime_s = event.at, None
            self._show_downtime()
        elif isinstance(event, DowntimeEnded):
            self.downtime_s = event.seconds
            self._show_downtime()
        elif isinstance(event, JobStarted):
            self.job_id = event.job_id
        elif isinstance(event, CancelAvailability):
            self.set_cancel_mode(event.mode)
        elif isinstance(event, ConnectionLost):
            self.connection_note.setText(f"Connection lost, retrying: {event.message}")
        elif isinstance(event, Reconnected):
            self.connection_note.setText(f"Reconnected after {event.after_s:.1f} s")
        elif isinstance(event, Finished):
            pass  # the result arrives through _run_done with the same object

    def set_cancel_mode(self, mode: str) -> None:
        self.cancel_mode = mode
        if not self.running:
            return
        if mode == "detach":
            self.cancel_button.setText("Detach")
            self.cancel_button.setToolTip(DETACH_TIP)
            self.cancel_button.setEnabled(True)
        elif mode == "cancel":
            self.cancel_button.setText("Cancel")
            self.cancel_button.setEnabled(True)
        else:
            self.cancel_button.setText("Cancel")
            self.cancel_button.setToolTip("Verifying: nothing left to cancel")
            self.cancel_button.setEnabled(False)

    def cancel_or_detach(self) -> None:
        if not self.running:
            return
        did = self.deploy_run.cancel()
        self.cancel_button.setEnabled(False)
        self.cancel_button.setText("Detaching\u2026" if did == "detach" else "Cancelling\u2026")

    def _run_done(self, result: DeployResult) -> None:
        self.running = False
        self.deploy_result = result
        self.cancel_button.hide()
        self.connection_note.clear()
        detached_down = result.outcome == Outcome.DETACHED and self.down_since is not None
        if result.app_state == AppState.DOWN or (detached_down and self.downtime_s is None):
            # still down: the counter keeps running (the result's figure is "so far")
            self.downtime_s = None
            if self.down_since is None and result.downtime_s is not None:
                self.down_since = time.time() - result.downtime_s
        elif result.downtime_s is not None:
            self.downtime_s = result.downtime_s
        elif result.app_state == AppState.UP:
            self.down_since = None
        self._flush()
        self._show_summary(result)
        self._show_downtime()
        for step, state in self.steps.states.items():
            if state == StepState.PENDING:  # the run ended before it: it did not happen
                self.steps.set_state(step, StepState.SKIPPED)
        self.start_again_button.setVisible(result.can_start_again)
        self.start_again_button.setDefault(result.can_start_again)
        self.restart_button.setVisible(result.offers_restart)
        self.break_lock_button.setVisible(result.block == Block.LOCK_HELD and result.lock_stale)
        if result.block == Block.LOCK_HELD and result.lock_holder is not None:
            self.break_lock_button.setToolTip(
                f"{result.lock_holder.describe()}: its job is gone. Breaking asks first."
            )
        if not self._timer_needed():
            self._timer.stop()
        if result.can_start_again and not self._is_in_front():
            self.notifier.notify(
                f"{self.ref.app} is DOWN",
                f"The update of {self.ref.app} ({self.ref.system.name}) failed and left it "
                "stopped. Open ereg-desktop and choose \u201cStart it again\u201d.",
            )
        self.run_finished.emit(result)

    def _run_failed(self, error: BaseException) -> None:
        self.running = False
        self.cancel_button.hide()
        self._flush()
        self._timer.stop()
        self.summary.setText(
            '<span style="color:#c62828"><b>The update stopped on an unexpected error.</b></span>'
            f"<br>{html.escape(str(error))}<br>Check the app's state in the main window."
        )
        self.summary.show()

    @property
    def busy(self) -> bool:
        """A worker still reports to this dialog (the run, or "Start it again")."""
        return self.running or self.starting_again

    def start_again(self) -> None:
        if self.starting_again:
            return
        self.starting_again = True
        self.start_again_button.setEnabled(False)
        self.start_again_button.setText("Starting\u2026")
        self._add_line(Step.VERIFY, f"Start it again: pm2 start {self.ref.app}")
        self._follow_current = True
        run = self.deploy_run
        run_task(
            lambda progress: run.start_again(progress),
            kind=LONG,
            receiver=self,
            on_result=self._started_again_done,
            on_error=self._started_again_error,
            on_progress=self.handle_event,
        )

    def _started_again_done(self, result: ActionResult) -> None:
        self.starting_again = False
        self._started_again(result)
        self.task_finished.emit()

    def _started_again_error(self, error: BaseException) -> None:
        self.starting_again = False
        self._started_again_failed(str(error))
        self.task_finished.emit()

    def _started_again(self, result: ActionResult) -> None:
        self._add_line(Step.VERIFY, result.message)
        self._flush()
        if not result.ok:
            self._started_again_failed(result.message)
            return
        if self.down_since is not None and self.downtime_s is None:
            self.downtime_s = time.time() - self.down_since
        self.start_again_button.hide()
        self.app_status.setText(f"pm2: {result.status}")
        self.summary.setText(
            '<span style="color:#2e7d32"><b>'
            f"\u2713 {html.escape(self.ref.app)} is running again</b></span> (the code now on "
            f"disk). {html.escape(result.message)}<br>{self.summary.text()}"
        )
        self._show_downtime()
        self._timer.stop()

    def _started_again_failed(self, message: str) -> None:
        self.start_again_button.setEnabled(True)
        self.start_again_button.setText("Start it again")
        self.summary.setText(
            '<span style="color:#c62828"><b>Start it again failed: '
            f"{html.escape(self.ref.app)} is still DOWN.</b></span> {html.escape(message)}"
        )

    # --- closing ----------------------------------------------------------------------------

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self.running:
            self._timer.stop()
            super().closeEvent(event)
            return
        event.ignore()
        self._ask_before_closing()

    def reject(self) -> None:  # Escape
        if self.running:
            self._ask_before_closing()
        else:
            super().reject()

    def _ask_before_closing(self) -> None:
        if self.cancel_mode == "detach":
            text = (
                f"pm2-deploy of {self.ref.app} is running on the server. Closing detaches: the job "
                "goes on, and its outcome is followed again and recorded when the app reconnects "
                "or starts. Detach and close?"
            )
            title, verb = "Detach from the update?", "Detach and close"
        elif self.cancel_mode == "cancel":
            text = f"Cancel the update of {self.ref.app}? Nothing has been stopped yet."
            title, verb = "Cancel the update?", "Cancel the update"
        else:
            text = (
                f"The update of {self.ref.app} is verifying the result. Close this window? It "
                "finishes and is recorded anyway."
            )
            title, verb = "Close while verifying?", "Close"
        box = QMessageBox(QMessageBox.Icon.Question, title, text, parent=self)
        go = box.addButton(verb, QMessageBox.ButtonRole.AcceptRole)
        box.addButton("Keep following", QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(go)
        box.buttonClicked.connect(lambda b: self._close_answer(b is go))
        self.close_question = box
        box.open()

    def _close_answer(self, go: bool) -> None:
        self.close_question = None
        if not go:
            return
        if self.cancel_mode == "detach":
            self.deploy_run.detach()
        elif self.cancel_mode == "cancel":
            self.deploy_run.cancel()
        self.hide()  # the worker ends on its own; the result is still recorded

    # --- showing ----------------------------------------------------------------------------

    def _window_in_front(self) -> bool:
        parent = self.parentWidget()
        return self.isActiveWindow() or bool(parent is not None and parent.isActiveWindow())

    def _timer_needed(self) -> bool:
        return self.running or (self.down_since is not None and self.downtime_s is None)

    def _tick(self) -> None:
        self.steps.tick()
        self._show_downtime()
        self._flush()

    def _add_line(self, step: Step, line: str) -> None:
        log = self.logs[step]
        log.append(line)
        if len(log) > LOG_MAX_LINES:
            del log[: len(log) - LOG_MAX_LINES]
        if step == self.shown_step:
            self._batch.append(line)
            self._batch_dirty = True
        if not self._timer.isActive():
            self._flush()

    def _flush(self) -> None:
        if self._batch_dirty:
            lines, self._batch = self._batch, []
            self.log_view.append_lines(lines, self.progress[self.shown_step])
            self._batch_dirty = False

    def _show_log(self, step: Step) -> None:
        self.shown_step = step
        self._batch, self._batch_dirty = [], False
        self.log_title.setText(f"Log: {step.label}")
        self.log_view.show_lines(self.logs[step], self.progress[step])
        item = self.steps.items[step]
        if self.steps.currentItem() is not item:
            self.steps.blockSignals(True)
            self.steps.setCurrentItem(item)
            self.steps.blockSignals(False)

    def _step_selected(self, item: Any, _previous: Any = None) -> None:
        step = self.steps.step_at(item)
        if step is None:
            return
        self._follow_current = step == self.current_step
        self._show_log(step)

    def downtime_text(self) -> str:
        if self.down_since is None:
            return "No downtime so far: the app is online"
        if self.downtime_s is None:
            return f"App DOWN for {format_seconds(time.time() - self.down_since)}"
        return f"Downtime: {format_seconds(self.downtime_s)} (back online)"

    def _show_downtime(self) -> None:
        down = self.down_since is not None and self.downtime_s is None
        self.downtime_label.setText(self.downtime_text())
        colour = "#c62828" if down else ("#2e7d32" if self.down_since is None else "#444")
        self.downtime_label.setStyleSheet(f"color: {colour};")
        self.downtime_label.setProperty("down", down)

    def _show_summary(self, r: DeployResult) -> None:
        red, green, orange = "#c62828", "#2e7d32", "#ef6c00"
        app = html.escape(self.ref.app)
        if r.outcome == Outcome.DEPLOYED:
            head, colour = f"\u2713 Updated: {app} is online at the new code", green
        elif r.outcome == Outcome.NOTHING_PENDING:
            head, colour = f"Nothing to update: {app} is already up to date", green
        elif r.outcome == Outcome.BLOCKED:
            head = {
                Block.REVIEW_NEEDED: "Stopped before any downtime: a review is needed",
                Block.LOCAL_CHANGES: "Stopped before any downtime: unexpected local changes",
                Block.LOCK_HELD: "Not started: someone else holds the lock",
                Block.PINNED: "Not updatable: it runs a tag",
                Block.NEEDS_REASON: "Not started: a reason is needed",
            }.get(r.block or Block.PINNED, "Stopped before any downtime")
            colour = orange
        elif r.outcome == Outcome.CANCELLED:
            head, colour = "Cancelled before any downtime: nothing changed", orange
        elif r.outcome == Outcome.DETACHED:
            head, colour = "Detached: the server job goes on", "#6a1b9a"
        elif r.app_state == AppState.DOWN:
            head, colour = f"\u2715 The update failed and {app} is DOWN", red
        else:
            head, colour = f"\u2715 The update failed; {app} is {r.app_state.value}", red
        parts = [f'<span style="color:{colour}; font-size:large"><b>{head}</b></span>']
        parts.append(html.escape(r.message))
        facts = []
        rec = r.record
        if rec.commit_before:
            after = rec.commit_after[:8] if rec.commit_after else "\u2014"
            facts.append(f"commits: {rec.commit_before[:8]} \u2192 {after}")
        if rec.pending_commits:
            facts.append(f"{rec.pending_commits} pending commit(s)")
        if r.downtime_s is not None:
            so_far = (
                " so far" if r.app_state == AppState.DOWN or r.outcome == Outcome.DETACHED else ""
            )
            facts.append(f"downtime {format_seconds(r.downtime_s)}{so_far}")
        state_colour = {AppState.UP: green, AppState.DOWN: red}.get(r.app_state, "#444")
        facts.append(f'app <b style="color:{state_colour}">{r.app_state.value.upper()}</b>')
        if r.job_id:
            facts.append(f"server job {html.escape(r.job_id)}")
        parts.append(" \u00b7 ".join(facts))
        files: tuple[str, ...] = ()
        if r.inspection is not None and r.block == Block.REVIEW_NEEDED:
            ch = r.inspection.changes
            files = ch.translations + ch.global_data
            parts.append(
                "These files changed on the server (Meta Admin edits). They must go through "
                "update-translations and a reviewed pull request before the update; the app "
                "was not stopped:"
            )
        elif r.inspection is not None and r.block == Block.LOCAL_CHANGES:
            files = r.inspection.changes.other
            parts.append("Fix these on the server first (git pull would fail or take them):")
        if files:
            items = "".join(f"<li><code>{html.escape(f)}</code></li>" for f in files[:30])
            more = f"<li>\u2026 and {len(files) - 30} more</li>" if len(files) > 30 else ""
            parts.append(f"<ul>{items}{more}</ul>")
        if r.can_start_again:
            parts.append(
                "<b>Users cannot reach it.</b> \u201cStart it again\u201d runs "
                f"<code>pm2 start {app}</code> with the code now on disk; see the log of the "
                "failed step for what went wrong."
            )
        if r.outcome == Outcome.DETACHED:
            parts.append(
                "The app follows the job again, verifies and records its outcome when it "
                "reconnects to the server or starts next time."
            )
        self.summary.setText("<br>".join(parts))
        self.summary.show()
