"""The runner of the update's phases (:mod:`.phases`): one :class:`DeployRun` per attempt.

Run :meth:`DeployRun.run` on a worker thread; it emits :mod:`.events` to a callback and returns a
:class:`~.result.DeployResult`. Each phase's body (:data:`BODIES`) returns its message or a
:class:`~.run_state.RunEnd`; the always-phase (:mod:`.finish`) then records and releases. Before
the point of no return :meth:`DeployRun.cancel` is free; from it on it detaches (the server job
cannot be cut safely). After a failure with the app down the result says so and
:meth:`DeployRun.start_again` starts it with the code now on disk.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from ereg_desktop.errors import EregError
from ereg_desktop.services.deploy import (
    bodies,
    follow,
    pull_request_phase,
    reattach,
    review_phase,
)
from ereg_desktop.services.deploy.actions import ActionResult, WriteGuard, run_action
from ereg_desktop.services.deploy.decisions import Decider, DecisionChannel
from ereg_desktop.services.deploy.events import (
    CancelAvailability,
    EventSink,
    Step,
    StepFinished,
    StepStarted,
    StepState,
)
from ereg_desktop.services.deploy.finish import end_step, finish, step_state
from ereg_desktop.services.deploy.jobs import JobListing, ServerJobs
from ereg_desktop.services.deploy.phases import (
    POINT_OF_NO_RETURN,
    Phase,
    resumed_phases,
    update_phases,
)
from ereg_desktop.services.deploy.preflight import Concern
from ereg_desktop.services.deploy.result import Block, DeployResult, DeploySettings, Outcome
from ereg_desktop.services.deploy.run_state import (
    CANCELLED_MESSAGE,
    GitHubAccess,
    RunEnd,
    RunState,
)
from ereg_desktop.services.deploy.steps import Shell
from ereg_desktop.services.deploy.verify import AppProbe, wait_stable
from ereg_desktop.store.history import History
from ereg_desktop.store.inventory import DeploymentRef

log = logging.getLogger(__name__)

Body = Callable[[RunState], str | RunEnd]

# What runs each phase; a new phase in phases.UPDATE gets its body here.
BODIES: dict[Step, Body] = {
    Step.PREFLIGHT: bodies.preflight,
    Step.INSPECT: bodies.inspect_phase,
    Step.REVIEW: review_phase.review,
    Step.STOP: review_phase.stop,
    Step.SUBMIT: follow.run_submit,
    Step.PULL_REQUEST: pull_request_phase.pull_request,
    Step.DEPLOY: follow.run_deploy,
    Step.VERIFY: bodies.verify,
}
NO_REVIEW = "no translations or global data pending"


def _ignore(event: object) -> None:
    pass


class DeployRun:
    """One update of one deployment. Not reusable: make a new one per attempt."""

    point_of_no_return: Step = POINT_OF_NO_RETURN

    def __init__(
        self,
        ref: DeploymentRef,
        shell: Shell,
        *,
        operator: str,
        guard: WriteGuard,
        reasons: dict[Concern, str] | None = None,
        probe: AppProbe | None = None,
        history: History | None = None,
        settings: DeploySettings | None = None,
        machine: str | None = None,
        url_checker: Callable[[str], Any] | None = None,
        decider: Decider | None = None,
        github: GitHubAccess | None = None,
    ) -> None:
        self.ref = ref
        self.state = RunState(
            ref, shell, operator=operator, guard=guard, reasons=reasons, probe=probe,
            history=history, settings=settings, machine=machine, url_checker=url_checker,
            decider=decider, github=github,
        )  # fmt: skip
        self.record = self.state.record
        self.phases: tuple[Phase, ...] = update_phases()
        self.result: DeployResult | None = None

    # ---- re-attach ----------------------------------------------------------------------

    @classmethod
    def reattach(
        cls,
        ref: DeploymentRef,
        shell: Shell,
        job: JobListing,
        *,
        down_at: float | None = None,
        **kwargs: Any,
    ) -> DeployRun:
        """Follow a job a previous run started (this desktop before a restart, or another one):
        ``run()`` then follows it, goes on with the phase its kind resumes at (Verify for a
        pm2-deploy), and writes the audit record."""
        who = reattach.origin(job)
        kwargs.setdefault("operator", who.operator)
        kwargs.setdefault("machine", who.machine or None)
        kwargs.setdefault("reasons", who.reasons)
        run = cls(ref, shell, **kwargs)
        reattach.take_over(run.state, job, who, down_at)
        run.phases = resumed_phases(run.state.job_kind)
        return run

    @staticmethod
    def find_jobs(shell: Shell, app: str) -> list[JobListing]:
        """Jobs of ``app`` nobody has recorded yet (running, or ended while nobody followed)."""
        return ServerJobs(shell).unfinished_business(app)

    # ---- control (any thread) -----------------------------------------------------------

    @property
    def past_point_of_no_return(self) -> bool:
        """The run entered the phase that takes the app down (or follows a job that did): a
        Cancel detaches, and the lock stays with the server job until it is recorded."""
        return self.state.past_no_return

    def cancel(self) -> str:
        """Before the point of no return: stop at the next safe point (an open question is
        withdrawn). From it on: detach."""
        st = self.state
        with st.control:
            mode = "detach" if st.past_no_return else "cancel"
            (st.detach_requested if st.past_no_return else st.cancel_requested).set()
        if isinstance(st.decider, DecisionChannel):
            st.decider.withdraw()
        return mode

    def detach(self) -> None:
        self.state.detach_requested.set()

    @property
    def down_since(self) -> float | None:
        """When the app went down (epoch), while this run last saw it down: a run that
        re-attaches to the same job counts the downtime from there."""
        dt = self.state.downtime
        return dt.down_at if dt.down_now else None

    # ---- the run ------------------------------------------------------------------------

    def run(self, on_event: EventSink | None = None) -> DeployResult:
        st = self.state
        st.emit = on_event or _ignore
        if isinstance(st.decider, DecisionChannel):
            st.decider.bind(st.emit)  # questions reach the front end on the run's events
        if st.went_down_at is not None:
            st.downtime.went_down_at(st.went_down_at)
        log.info("update of %s on %s started", self.ref.app, self.ref.server.id)
        try:
            with st.guard.hold(self.ref.server.id, self.ref.app, "an update"):
                self.result = finish(st, self._run_phases())
        except EregError as exc:  # the write guard: another write on this app here
            end = RunEnd(Outcome.BLOCKED, str(exc), Block.LOCK_HELD)
            self.result = finish(st, end, record=False)
        log.info("update of %s: %s: %s", self.ref.app, self.result.outcome, self.result.message)
        return self.result

    def _run_phases(self) -> RunEnd:
        st = self.state
        if not st.past_no_return:
            st.emit(CancelAvailability("cancel"))
        message = ""
        for phase in self.phases:
            if phase.needs_review and not st.translations_pending:
                st.emit(StepFinished(phase.step, StepState.SKIPPED, NO_REVIEW, 0.0))
                continue
            end = self._checkpoint(phase)
            if end is not None:
                return end
            if st.past_no_return:
                st.emit(CancelAvailability(phase.cancel_mode))
            outcome = self._run_phase(phase)
            if isinstance(outcome, RunEnd):
                return outcome
            message = outcome
        if st.pull_url:
            message = f"{message}; translations merged ({st.pull_url})"
        return RunEnd(Outcome.DEPLOYED, message)

    def _checkpoint(self, phase: Phase) -> RunEnd | None:
        """Between phases: a cancel or a broken lock stops the run, but only before the point
        of no return; entering the phase that takes the app down passes it (atomically against
        cancel(): a cancel from then on is a detach)."""
        st = self.state
        with st.control:
            if st.past_no_return:
                return None
            if st.cancel_requested.is_set():
                return RunEnd(Outcome.CANCELLED, CANCELLED_MESSAGE)
            broken = st.lock_broken()
            if broken is not None:
                return broken
            if phase.takes_app_down:
                st.past_no_return = True
        return None

    def _run_phase(self, phase: Phase) -> str | RunEnd:
        st = self.state
        t0 = time.monotonic()
        st.emit(StepStarted(phase.step, time.time()))
        try:
            outcome = BODIES[phase.step](st)
            log.info("update of %s: %s: %s", self.ref.app, phase.step,
                     outcome.message if isinstance(outcome, RunEnd) else outcome)  # fmt: skip
        except Exception as exc:
            end_step(st, phase.step, StepState.FAILED, str(exc), t0)
            return self._failure(exc)
        if isinstance(outcome, RunEnd):
            end_step(st, phase.step, step_state(outcome.outcome), outcome.message, t0)
        else:
            end_step(st, phase.step, StepState.OK, outcome, t0)
        return outcome

    def _failure(self, exc: Exception) -> RunEnd:
        st = self.state
        if not isinstance(exc, EregError):
            log.error("update of %s: unexpected error", self.ref.app, exc_info=True)
        text = str(exc) or type(exc).__name__
        if st.job is not None and not st.job_over:
            # the server job may run on and owns the rest (and the lock): whoever re-attaches
            # verifies and records it
            return RunEnd(
                Outcome.DETACHED,
                f"{text}. Server job {st.job.id} is not lost: re-attach to it on reconnect to "
                "verify and record its outcome.",
            )
        return RunEnd(Outcome.FAILED, text)

    # ---- after a failure ----------------------------------------------------------------

    def start_again(self, on_event: EventSink | None = None) -> ActionResult:
        """``pm2 start APP`` with the code now on disk; recorded as ``start-again``."""
        st = self.state
        emit: EventSink = on_event or _ignore
        t0 = time.monotonic()
        emit(StepStarted(Step.VERIFY, time.time()))
        result = run_action(
            self.ref, "start", st.shell, guard=st.guard, operator=st.operator, probe=st.probe,
            history=st.history, machine=st.machine, kind="start-again",
        )  # fmt: skip
        if result.ok:
            check = wait_stable(st.probe, self.ref.app, settle_s=st.settings.settle_s,
                                deadline_s=st.settings.verify_deadline_s)  # fmt: skip
            if not check.ok:
                result = ActionResult("start", self.ref.app, False, check.status, result.seconds,
                                      f"{self.ref.app} started but {check.message}",
                                      result.output)  # fmt: skip
        state = StepState.OK if result.ok else StepState.FAILED
        emit(StepFinished(Step.VERIFY, state, result.message, time.monotonic() - t0))
        return result
