"""The update dialog's state: events folded into steps, the downtime, the questions, the close
policy, the Cancel button and the summary. Plain Python: tests drive it with event sequences, and
``ui/deploy_dialog.py`` renders it.

Events arrive in order on one thread (the GUI's); :meth:`DeployProgress.apply` says what each one
changed, so the dialog redraws only that.
"""

from __future__ import annotations

import html
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from ereg_desktop.presenters import deploy_summary
from ereg_desktop.presenters.deploy_downtime import Downtime
from ereg_desktop.services.deploy.actions import ActionResult
from ereg_desktop.services.deploy.decisions import Question, QuestionAsked, QuestionSettled
from ereg_desktop.services.deploy.events import (
    AppStateChanged,
    CancelAvailability,
    ConnectionLost,
    DeployEvent,
    DowntimeEnded,
    DowntimeStarted,
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
from ereg_desktop.services.deploy.result import Block, DeployResult
from ereg_desktop.services.durations import seconds_text
from ereg_desktop.store.inventory import DeploymentRef

ProgressEvent = DeployEvent | QuestionAsked | QuestionSettled
Clock = Callable[[], float]

LOG_MAX_LINES = 5000  # per step kept in memory and in the view
# What Cancel means now (CancelAvailability.mode): free before the point of no return, detach
# while a server job runs after it, stop waiting while the pull request waits for a merge on
# GitHub, nothing while stopping or verifying.
CANCEL, DETACH, STOP_WAITING, NO_CANCEL = "cancel", "detach", "stop-waiting", "none"
CANCEL_TIP = "Stop before any downtime; nothing is changed"
DETACH_TIP = (
    "The server job (pm2-deploy or update-translations) runs detached and cannot be cut safely. "
    "Detach stops following it here; the job goes on, and the app follows it again (and records "
    "its outcome) when it reconnects or starts."
)
STOP_WAITING_TIP = (
    "Stop waiting for the pull request's merge: the translations stay on server-translations, "
    "the app stays stopped, and Start it again is offered."
)
VERIFYING_TIP = "Verifying: nothing left to cancel"
# what a re-attached run replays
FOLLOWED_AGAIN = (Step.SUBMIT, Step.PULL_REQUEST, Step.DEPLOY, Step.VERIFY, Step.FINISH)


@dataclass
class StepRecord:
    """One step as the dialog shows it."""

    state: StepState = StepState.PENDING
    seconds: float | None = None  # the final time, once it ended
    started: float | None = None  # monotonic start while running (the time ticks from it)
    log: list[str] = field(default_factory=list)
    progress: str = ""  # the line being written now (npm's bar), shown after the log

    def clear(self) -> None:
        self.state, self.seconds, self.started, self.progress = StepState.PENDING, None, None, ""
        self.log.clear()


@dataclass(frozen=True)
class ButtonView:
    text: str
    tip: str
    enabled: bool = True
    visible: bool = True


@dataclass(frozen=True)
class CloseQuestion:
    """Closing while the run goes on asks first: ``then`` is what a yes does to the run."""

    title: str
    text: str
    verb: str
    then: str  # CANCEL, DETACH or NO_CANCEL (just close; the run finishes on its own)


@dataclass(frozen=True)
class Change:
    """What one event changed."""

    state: Step | None = None  # this step's state or time
    line: Step | None = None  # a line was added to this step's log (the last one)
    progress: Step | None = None  # this step's progress line
    started: Step | None = None  # this step began: its log is shown if the operator follows
    status: bool = False  # the labels: app status, connection, downtime, Cancel
    questions: bool = False


NOTHING = Change()


class DeployProgress:
    def __init__(
        self,
        ref: DeploymentRef,
        *,
        reattached: bool = False,
        clock: Clock = time.time,
        monotonic: Clock = time.monotonic,
    ) -> None:
        self.ref = ref
        self.reattached = reattached
        self._clock = clock
        self._monotonic = monotonic
        self.steps: dict[Step, StepRecord] = {s: StepRecord() for s in Step}
        self.current: Step | None = None
        self.job_id: str | None = None
        self.cancel_mode = CANCEL
        self.cancel_pressed: str | None = None  # what the click did (cancel or detach)
        self.running = False
        self.starting_again = False
        self.result: DeployResult | None = None
        self.downtime = Downtime()
        self.app_status = "pm2: \u2014"
        self.connection_note = ""
        self.questions: dict[str, Question] = {}  # open, in the order asked
        self.back_up = False  # "Start it again" brought the app back
        self._summary = ""

    # --- titles ----------------------------------------------------------------------------

    @property
    def title(self) -> str:
        d = self.ref.deployment
        return f"Update {self.ref.app} \u2014 {self.ref.system.name} {d.environment_label}"

    @property
    def header_html(self) -> str:
        ref = self.ref
        text = f"<b>{html.escape(ref.app)}</b> on {html.escape(ref.server.label)}"
        text += f" \u2014 origin/{html.escape(ref.deployment.track)}"
        if ref.deployment.production:
            label = ref.deployment.environment_label
            text = f'<span style="color:{deploy_summary.RED}"><b>{label}</b></span> {text}'
        if self.reattached:
            text += " \u2014 <i>re-attached to a job already running on the server</i>"
        return text

    # --- the run's events ------------------------------------------------------------------

    def begin(self) -> None:
        self.running = True
        self.cancel_pressed = None

    def apply(self, event: ProgressEvent) -> Change:
        if isinstance(event, StepLog):
            return self.add_line(event.step, event.line)
        if isinstance(event, StepProgress):
            self.steps[event.step].progress = event.text
            return Change(progress=event.step)
        if isinstance(event, StepStarted):
            self.current = event.step
            self._set_state(event.step, StepState.RUNNING)
            return Change(state=event.step, started=event.step)
        if isinstance(event, StepFinished):
            return self._step_finished(event)
        if isinstance(event, QuestionAsked):
            self.questions[event.question.id] = event.question
            return Change(questions=True)
        if isinstance(event, QuestionSettled):
            found = self.questions.pop(event.answer.question_id, None)
            return Change(questions=found is not None)
        if isinstance(event, JobStarted):
            self.job_id = event.job_id
            return NOTHING
        if isinstance(event, Finished):
            return NOTHING  # the result arrives through finished() with the same object
        self._status_event(event)
        return Change(status=True)

    def _status_event(
        self,
        event: AppStateChanged
        | DowntimeStarted
        | DowntimeEnded
        | CancelAvailability
        | ConnectionLost
        | Reconnected,
    ) -> None:
        if isinstance(event, AppStateChanged):
            self.app_status = f"pm2: {event.status} (restarts {event.restarts})"
        elif isinstance(event, DowntimeStarted):
            self.downtime.since, self.downtime.seconds = event.at, None
        elif isinstance(event, DowntimeEnded):
            self.downtime.seconds = event.seconds
        elif isinstance(event, CancelAvailability):
            self.cancel_mode = event.mode
        elif isinstance(event, ConnectionLost):
            self.connection_note = f"Connection lost, retrying: {event.message}"
        else:
            self.connection_note = f"Reconnected after {seconds_text(event.after_s)}"

    def _step_finished(self, event: StepFinished) -> Change:
        record = self.steps[event.step]
        self._set_state(event.step, event.state)
        record.seconds = event.seconds
        record.progress = ""  # a progress bar of a step that ended is stale
        if event.message and event.state != StepState.OK:
            self.add_line(event.step, f"{event.state}: {event.message}")
            return Change(state=event.step, line=event.step, progress=event.step)
        return Change(state=event.step, progress=event.step)

    def _set_state(self, step: Step, state: StepState) -> None:
        record = self.steps[step]
        record.state = state
        record.started = self._monotonic() if state == StepState.RUNNING else None

    def add_line(self, step: Step, line: str) -> Change:
        log = self.steps[step].log
        log.append(line)
        if len(log) > LOG_MAX_LINES:
            del log[: len(log) - LOG_MAX_LINES]
        return Change(line=step)

    def elapsed(self, step: Step) -> float | None:
        """Seconds shown for ``step``: ticking while it runs, its final time once it ended."""
        record = self.steps[step]
        if record.started is not None:
            return self._monotonic() - record.started
        return record.seconds

    # --- the run's end ---------------------------------------------------------------------

    def follow_again(self) -> None:
        """A re-attaching run replays the job's log from the deploy step on."""
        self.result = None
        self.back_up = False
        self._summary = ""
        for step in FOLLOWED_AGAIN:
            self.steps[step].clear()
        self.connection_note = "Reconnected: following the server job again"

    def finished(self, result: DeployResult) -> list[Step]:
        """The run returned. The steps it never reached did not happen: they are returned, now
        skipped."""
        self.running = False
        self.result = result
        self.connection_note = ""
        self.questions.clear()  # the run no longer waits for any answer
        self.downtime.settle(result, self._clock())
        self._summary = deploy_summary.result_html(self.ref.app, result)
        skipped = [s for s, r in self.steps.items() if r.state == StepState.PENDING]
        for step in skipped:
            self._set_state(step, StepState.SKIPPED)
        return skipped

    def failed(self, error: BaseException) -> None:
        self.running = False
        self.questions.clear()
        self._summary = deploy_summary.unexpected_error_html(str(error))

    def begin_start_again(self) -> None:
        self.starting_again = True
        self.add_line(Step.VERIFY, f"Start it again: pm2 start {self.ref.app}")

    def started_again(self, result: ActionResult) -> None:
        """ "Start it again" ended (``result.ok``: the app is back)."""
        self.starting_again = False
        self.add_line(Step.VERIFY, result.message)
        if not result.ok:
            self.start_again_failed(result.message)
            return
        self.back_up = True
        self.downtime.back_up(self._clock())
        self.app_status = f"pm2: {result.status}"
        head = deploy_summary.running_again_html(self.ref.app, result.message)
        self._summary = f"{head}<br>{self._summary}"

    def start_again_failed(self, message: str) -> None:
        self.starting_again = False
        self._summary = deploy_summary.start_again_failed_html(self.ref.app, message)

    # --- what the dialog shows -------------------------------------------------------------

    @property
    def summary_html(self) -> str:
        """The outcome (empty while the run goes on)."""
        return self._summary

    @property
    def busy(self) -> bool:
        return self.running or self.starting_again

    @property
    def down_now(self) -> bool:
        return self.downtime.down_now

    def downtime_text(self) -> str:
        return self.downtime.text(self._clock())

    @property
    def ticking(self) -> bool:
        """Something on screen changes with time: a running step or the downtime counter."""
        return self.running or self.downtime.down_now

    @property
    def offers_start_again(self) -> bool:
        return self.result is not None and self.result.can_start_again and not self.back_up

    @property
    def offers_restart(self) -> bool:
        return self.result is not None and self.result.offers_restart

    @property
    def offers_lock_break(self) -> bool:
        r = self.result
        return r is not None and r.block == Block.LOCK_HELD and r.lock_stale

    @property
    def lock_break_tip(self) -> str:
        holder = self.result.lock_holder if self.result is not None else None
        return f"{holder.describe()}: its job is gone. Breaking asks first." if holder else ""

    def cancel_button(self) -> ButtonView:
        if not self.running:
            return ButtonView("Cancel", CANCEL_TIP, enabled=False, visible=False)
        if self.cancel_pressed is not None:
            doing = "Detaching\u2026" if self.cancel_pressed == DETACH else "Cancelling\u2026"
            if self.cancel_mode == STOP_WAITING:
                doing = "Stopping the wait\u2026"
            return ButtonView(doing, "", enabled=False)
        if self.cancel_mode == DETACH:
            return ButtonView("Detach", DETACH_TIP)
        if self.cancel_mode == STOP_WAITING:
            return ButtonView("Stop waiting", STOP_WAITING_TIP)
        if self.cancel_mode == CANCEL:
            return ButtonView("Cancel", CANCEL_TIP)
        return ButtonView("Cancel", VERIFYING_TIP, enabled=False)

    def close_question(self) -> CloseQuestion | None:
        """None: the dialog may close now. Else ask this first."""
        if not self.running:
            return None
        app = self.ref.app
        if self.cancel_mode == DETACH:
            text = (
                f"A server job of the update of {app} is running. Closing detaches: the job goes "
                "on, and its outcome is followed again and recorded when the app reconnects or "
                "starts. Detach and close?"
            )
            return CloseQuestion("Detach from the update?", text, "Detach and close", DETACH)
        if self.cancel_mode == STOP_WAITING:
            text = (
                f"The update of {app} waits for its pull request to be merged on GitHub, with "
                f"{app} stopped. Closing stops waiting: the translations stay on "
                "server-translations and the app stays down until someone starts it. Stop "
                "waiting and close?"
            )
            return CloseQuestion("Stop waiting for the merge?", text, "Stop waiting and close",
                                 STOP_WAITING)  # fmt: skip
        if self.cancel_mode == CANCEL:
            text = f"Cancel the update of {app}? Nothing has been stopped yet."
            if self.questions:
                text += " Its open question is withdrawn."
            return CloseQuestion("Cancel the update?", text, "Cancel the update", CANCEL)
        text = (
            f"The update of {app} is verifying the result. Close this window? It finishes and is "
            "recorded anyway."
        )
        return CloseQuestion("Close while verifying?", text, "Close", NO_CANCEL)

    def notification(self) -> tuple[str, str] | None:
        """(title, text) to tell an operator who is not looking: the app was left down."""
        if not self.offers_start_again:
            return None
        app = self.ref.app
        return (
            f"{app} is DOWN",
            f"The update of {app} ({self.ref.system.name}) failed and left it stopped. Open "
            "ereg-desktop and choose \u201cStart it again\u201d.",
        )

    @property
    def open_question(self) -> Question | None:
        """The question shown (the oldest open one)."""
        return next(iter(self.questions.values()), None)
