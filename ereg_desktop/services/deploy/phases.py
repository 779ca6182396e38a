"""The update's phases as data: what each one runs, whether it takes the app down, what it may ask.

A phase's :attr:`Phase.prepare` is pure (like :func:`.actions.prepare`): given a :class:`Plan` it
returns the exact remote commands the phase sends, so a test reads them without a server. The
body that runs a phase lives in :mod:`.machine`'s table; adding a phase is a declaration here
plus a body there.

The translation phases (review, stop, submit, pull request) run only when Inspect found pending
translations or global data (``needs_review``); otherwise they are skipped and the point of no
return is the deploy itself.

The point of no return is declared once: the first phase that takes the app down. Before it a
Cancel is free (the app never stopped, the lock is released); from it on a Cancel detaches and
the lock stays with the server job until its outcome is recorded. Cancel, the checkpoint, the
lock release, the dialog and the CLI all read :data:`POINT_OF_NO_RETURN`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ereg_desktop.services.deploy.decisions import (
    AcknowledgeWarnings,
    MergeOrWait,
    ReasonNeeded,
    ReviewTranslations,
)
from ereg_desktop.services.deploy.events import Step
from ereg_desktop.services.deploy.inspect import TRANSLATIONS_FILE, head_command, inspect_command
from ereg_desktop.services.deploy.jobs import JobKind, JobRecord, poll_command, start_command
from ereg_desktop.services.deploy.lock import LockOwner, acquire_command, release_command
from ereg_desktop.services.deploy.steps import RemoteCommand, check_app, pm2_deploy
from ereg_desktop.services.deploy.translations_read import read_command, stop_then_blobs_command
from ereg_desktop.services.pm2_read import JLIST
from ereg_desktop.store.inventory import DeploymentRef


@dataclass(frozen=True)
class Plan:
    """What the phases' commands are made of: the deployment, the run's lock owner and, once
    chosen, the server job (its id and argv)."""

    ref: DeploymentRef
    owner: LockOwner
    job: JobRecord | None = None


@dataclass(frozen=True)
class Phase:
    step: Step
    takes_app_down: bool
    prepare: Callable[[Plan], tuple[RemoteCommand, ...]]
    asks: tuple[str, ...] = ()  # the kinds of question (decisions.Question.kind) it may ask
    job_kind: JobKind | None = None  # it runs a detached server job of this kind (Cancel detaches)
    always: bool = False  # runs however the phases before it ended (the record, the lock)
    needs_review: bool = False  # runs only when translations or global data are pending
    cancel: str = ""  # what Cancel means here past the point of no return, when not the default

    @property
    def label(self) -> str:
        return self.step.label

    @property
    def cancel_mode(self) -> str:
        """What Cancel means while this phase runs past the point of no return: detach from a
        server job, stop waiting (the pull request's merge), or nothing."""
        if self.cancel:
            return self.cancel
        return "detach" if self.job_kind is not None else "none"


def _preflight(plan: Plan) -> tuple[RemoteCommand, ...]:
    return (acquire_command(plan.ref.app, plan.owner),)


def _inspect(plan: Plan) -> tuple[RemoteCommand, ...]:
    return (inspect_command(plan.ref.app, plan.ref.deployment.track),)


def _review(plan: Plan) -> tuple[RemoteCommand, ...]:
    return (read_command(plan.ref.app),)


def _stop(plan: Plan) -> tuple[RemoteCommand, ...]:
    # the reviewed paths come from the review; the plan has the translations file at least
    return (stop_then_blobs_command(plan.ref.app, (TRANSLATIONS_FILE,)),)


def _job(plan: Plan) -> tuple[RemoteCommand, ...]:
    if plan.job is None:
        raise ValueError("this phase starts a planned server job: plan it first")
    return (start_command(plan.job), poll_command(plan.job.id, 0))


def _github_only(plan: Plan) -> tuple[RemoteCommand, ...]:
    return ()  # the pull request is found, checked and merged on GitHub; nothing on the server


def _verify(plan: Plan) -> tuple[RemoteCommand, ...]:
    return (JLIST, head_command(plan.ref.app, plan.ref.deployment.track))


def _finish(plan: Plan) -> tuple[RemoteCommand, ...]:
    return (release_command(plan.ref.app, plan.owner.token),)


def deploy_argv(ref: DeploymentRef) -> tuple[str, ...]:
    """The job the deploy phase runs: the documented update command."""
    return pm2_deploy(ref.app)


def submit_argv(ref: DeploymentRef) -> tuple[str, ...]:
    """The job the submit phase runs: ``update-translations`` in the app's folder (the job
    starts in the account's home; ``env -C`` enters the folder without a shell)."""
    return ("env", "-C", check_app(ref.app), "update-translations")


JOB_ARGV = {JobKind.PM2_DEPLOY: deploy_argv, JobKind.UPDATE_TRANSLATIONS: submit_argv}

UPDATE: tuple[Phase, ...] = (
    Phase(Step.PREFLIGHT, False, _preflight, asks=(ReasonNeeded.kind,)),
    Phase(Step.INSPECT, False, _inspect),
    # the human part while the app still runs: the review (and the model-load check) is not
    # downtime
    Phase(
        Step.REVIEW,
        False,
        _review,
        asks=(ReviewTranslations.kind, AcknowledgeWarnings.kind),
        needs_review=True,
    ),  # fmt: skip
    # with translations pending, the stop is the point of no return: nothing the panel writes
    # from here on can miss the submission
    Phase(Step.STOP, True, _stop, asks=(ReviewTranslations.kind,), needs_review=True),
    Phase(Step.SUBMIT, True, _job, job_kind=JobKind.UPDATE_TRANSLATIONS, needs_review=True),
    Phase(
        Step.PULL_REQUEST,
        True,
        _github_only,
        asks=(MergeOrWait.kind,),
        needs_review=True,
        cancel="stop-waiting",
    ),  # fmt: skip
    # pm2-deploy stops the app itself (before `npm run setup`): without translations pending,
    # it is the point of no return
    Phase(Step.DEPLOY, True, _job, job_kind=JobKind.PM2_DEPLOY),
    Phase(Step.VERIFY, False, _verify),
    Phase(Step.FINISH, False, _finish, always=True),
)


def point_of_no_return(phases: tuple[Phase, ...], review: bool = True) -> Step:
    """The first phase that takes the app down (of those that run when ``review`` is or is not
    pending)."""
    for phase in phases:
        if phase.takes_app_down and (review or not phase.needs_review):
            return phase.step
    raise ValueError("no phase takes the app down: nothing to update")


POINT_OF_NO_RETURN: Step = point_of_no_return(UPDATE)  # with translations pending: the stop
POINT_OF_NO_RETURN_PLAIN: Step = point_of_no_return(UPDATE, review=False)  # the deploy


def phase_of(step: Step) -> Phase:
    return next(p for p in UPDATE if p.step == step)


def after(step: Step) -> tuple[Phase, ...]:
    """The phases that come after ``step`` (the always-phase excluded)."""
    steps = [p.step for p in UPDATE]
    return tuple(p for p in UPDATE[steps.index(step) + 1 :] if not p.always)


@dataclass(frozen=True)
class Resume:
    """How a run that re-attaches to a job of one kind goes on: the phase that follows the job
    (its log shows there) and the phase to continue from once it ended well (None: no phase of
    this version goes on after it; the run records the job's outcome and says so)."""

    follow_in: Step
    then: Step | None


RESUME: dict[JobKind, Resume] = {
    JobKind.PM2_DEPLOY: Resume(Step.DEPLOY, Step.VERIFY),
    # the pull request (checked against the review kept in job.json), pm2-deploy, verify
    JobKind.UPDATE_TRANSLATIONS: Resume(Step.SUBMIT, Step.PULL_REQUEST),
}
# a kind this version does not know (a newer desktop's job): followed to its end and recorded,
# never a reason to block the app
UNKNOWN_KIND = Resume(Step.DEPLOY, None)


def resume_for(kind: str) -> Resume:
    """``kind`` is job.json's text: a newer desktop's kind is not a JobKind of this version."""
    known = {str(k): v for k, v in RESUME.items()}
    return known.get(kind, UNKNOWN_KIND)


def resumed_phases(kind: str) -> tuple[Phase, ...]:
    """The phases of a run that re-attaches to a job of ``kind`` (the always-phase excluded)."""
    how = resume_for(kind)
    rest = (phase_of(how.then), *after(how.then)) if how.then is not None else ()
    return (phase_of(how.follow_in), *rest)


def update_phases() -> tuple[Phase, ...]:
    """A new update: every phase but the always-phase, in order."""
    return tuple(p for p in UPDATE if not p.always)


FINISH: Phase = next(p for p in UPDATE if p.always)
