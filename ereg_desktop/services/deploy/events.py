"""What a running deployment reports, as typed events. A dialog renders them; the CLI prints them.

Events arrive on the worker thread that runs the workflow; a GUI adapter queues them to its own
thread (``ui/tasks.py``). The decision channel's :class:`~.decisions.QuestionAsked` and
:class:`~.decisions.QuestionSettled` travel on the same sink.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass

from ereg_desktop.services.deploy.decisions import QuestionAsked, QuestionSettled
from ereg_desktop.services.deploy.result import DeployResult


class Step(enum.StrEnum):
    PREFLIGHT = "preflight"
    INSPECT = "inspect"
    REVIEW = "review"  # translations and global data: checked and reviewed, the app running
    STOP = "stop"  # pm2 stop; the files still as reviewed; the operator's fixes written
    SUBMIT = "submit"  # update-translations (detached on the server)
    PULL_REQUEST = "pull-request"  # the pull request checked against the review, merged
    DEPLOY = "deploy"
    VERIFY = "verify"
    FINISH = "finish"  # always: release the lock, write the audit record

    @property
    def label(self) -> str:
        return _TITLES[self]


_TITLES = {
    Step.PREFLIGHT: "Preflight: owner, traffic window, lock",
    Step.INSPECT: "Inspect: fetch, pending commits, local changes",
    Step.REVIEW: "Review: translations and global data, checked (app running)",
    Step.STOP: "Stop: pm2 stop, the files as reviewed, fixes written",
    Step.SUBMIT: "Submit: update-translations (detached on the server)",
    Step.PULL_REQUEST: "Pull request: the files as reviewed, checks, merge",
    Step.DEPLOY: "Deploy: pm2-deploy (detached on the server)",
    Step.VERIFY: "Verify: pm2 online and stable, URL answers, at the tracked commit",
    Step.FINISH: "Finish: release the lock, record the audit",
}

STEPS: tuple[Step, ...] = tuple(Step)


class StepState(enum.StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    OK = "ok"
    FAILED = "failed"
    BLOCKED = "blocked"  # stopped on purpose before any downtime, with the reason
    SKIPPED = "skipped"
    CANCELLED = "cancelled"
    DETACHED = "detached"  # the server job goes on; nobody follows it from here


@dataclass(frozen=True)
class StepStarted:
    step: Step
    at: float  # time.time()


@dataclass(frozen=True)
class StepLog:
    """A complete line of the step's log (ANSI stripped, text after the last ``\\r``)."""

    step: Step
    line: str


@dataclass(frozen=True)
class StepProgress:
    """The line being written now (npm's progress bar); replaces the previous progress text."""

    step: Step
    text: str


@dataclass(frozen=True)
class StepFinished:
    step: Step
    state: StepState
    message: str
    seconds: float


@dataclass(frozen=True)
class AppStateChanged:
    """pm2's status of the app as last seen (online, stopped, launching, missing, ...)."""

    status: str
    restarts: int


@dataclass(frozen=True)
class DowntimeStarted:
    at: float  # time.time() of the estimated moment the app left ``online``


@dataclass(frozen=True)
class DowntimeEnded:
    at: float
    seconds: float


@dataclass(frozen=True)
class JobStarted:
    job_id: str
    reattached: bool


@dataclass(frozen=True)
class ConnectionLost:
    message: str
    retrying: bool


@dataclass(frozen=True)
class Reconnected:
    after_s: float


@dataclass(frozen=True)
class CancelAvailability:
    """What Cancel means now: ``cancel`` (free, nothing down yet), ``detach`` or ``none``."""

    mode: str


@dataclass(frozen=True)
class Finished:
    result: DeployResult


DeployEvent = (
    StepStarted
    | StepLog
    | StepProgress
    | StepFinished
    | AppStateChanged
    | DowntimeStarted
    | DowntimeEnded
    | JobStarted
    | ConnectionLost
    | Reconnected
    | CancelAvailability
    | QuestionAsked
    | QuestionSettled
    | Finished
)
EventSink = Callable[[DeployEvent], None]
