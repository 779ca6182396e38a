"""The steps of the update above, the log of one step below.

While the operator follows the run (has not picked another step) the running step's log is
shown. Lines are buffered and written in batches (:meth:`StepsPane.flush`, from the dialog's
timer): a chatty ``npm run setup`` must not repaint the log for every line.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QSplitter, QTreeWidgetItem, QVBoxLayout, QWidget

from ereg_desktop.presenters.deploy_progress import Change, DeployProgress
from ereg_desktop.services.deploy.events import Step, StepState
from ereg_desktop.ui.deploy_steps_view import StepLogView, StepsList

_STOPPED = (StepState.FAILED, StepState.BLOCKED, StepState.CANCELLED, StepState.DETACHED)


class StepsPane(QSplitter):
    def __init__(self, state: DeployProgress, parent: QWidget | None = None) -> None:
        super().__init__(Qt.Orientation.Vertical, parent)
        self.state = state
        self.steps = StepsList(state.steps)
        self.steps.setMaximumHeight(self.steps.fit_height())  # no empty band under the steps
        self.steps.currentItemChanged.connect(self._step_selected)
        self.log_title = QLabel()
        self.log_view = StepLogView()
        log_box = QWidget()
        log_layout = QVBoxLayout(log_box)
        log_layout.setContentsMargins(0, 0, 0, 0)
        log_layout.addWidget(self.log_title)
        log_layout.addWidget(self.log_view)
        self.addWidget(self.steps)
        self.addWidget(log_box)
        self.setStretchFactor(1, 1)
        self.shown_step = Step.PREFLIGHT
        self.following = True
        self._batch: list[str] = []
        self._dirty = False
        self.show_log(Step.PREFLIGHT)

    def show_change(self, change: Change, *, batching: bool) -> None:
        """Show what one event changed; ``batching``: the dialog's timer flushes the lines."""
        if change.state is not None:
            self.steps.show_step(change.state, self.state.elapsed(change.state))
        if change.started is not None and self.following:
            self.show_log(change.started)
        if change.line is not None and change.line == self.shown_step:
            self._batch.append(self.state.steps[change.line].log[-1])
            self._dirty = True
        if change.progress is not None and change.progress == self.shown_step:
            self._dirty = True
        if change.line is not None and not batching:
            self.flush()

    def show_all(self) -> None:
        for step in Step:
            self.steps.show_step(step, self.state.elapsed(step))

    def show_outcome(self) -> None:
        """The run ended: unless the operator picked a step, show the one that decided the
        outcome (the failed or blocked step), else the last one that logged anything: the
        closing step's log is usually empty and says nothing of what happened."""
        if not self.following:
            return
        records = self.state.steps
        stopped = [s for s in Step if records[s].state in _STOPPED]
        logged = [s for s in Step if records[s].log]
        if stopped or logged:
            self.show_log(stopped[0] if stopped else logged[-1])

    def follow(self, step: Step) -> None:
        self.following = True
        self.show_log(step)

    def tick(self) -> None:
        running = [s for s, r in self.state.steps.items() if r.started is not None]
        self.steps.tick({s: self.state.elapsed(s) or 0.0 for s in running})
        self.flush()

    def flush(self) -> None:
        if self._dirty:
            lines, self._batch = self._batch, []
            self.log_view.append_lines(lines, self.state.steps[self.shown_step].progress)
            self._dirty = False

    def show_log(self, step: Step) -> None:
        self.shown_step = step
        self._batch, self._dirty = [], False
        self.log_title.setText(f"Log: {step.label}")
        record = self.state.steps[step]
        self.log_view.show_lines(record.log, record.progress)
        item = self.steps.items[step]
        if self.steps.currentItem() is not item:
            self.steps.blockSignals(True)
            self.steps.setCurrentItem(item)
            self.steps.blockSignals(False)

    def _step_selected(self, item: QTreeWidgetItem | None, _previous: object = None) -> None:
        step = self.steps.step_at(item)
        if step is None:
            return
        self.following = step == self.state.current
        self.show_log(step)
