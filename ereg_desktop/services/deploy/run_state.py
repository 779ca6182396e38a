"""What one update run knows while it runs: shared by the phase bodies, the follower and finish.

Every attribute is set here, typed; the phases change them, :mod:`.finish` reads them.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ereg_desktop.services.deploy.actions import WriteGuard
from ereg_desktop.services.deploy.audit import AuditRecord, StepRecord
from ereg_desktop.services.deploy.decisions import Decider
from ereg_desktop.services.deploy.downtime import Downtime
from ereg_desktop.services.deploy.events import DeployEvent, EventSink, Step, StepLog
from ereg_desktop.services.deploy.heartbeat import LockHeartbeat
from ereg_desktop.services.deploy.inspect import Inspection
from ereg_desktop.services.deploy.jobs import JobContext, JobKind, JobListing, JobRecord, ServerJobs
from ereg_desktop.services.deploy.lock import LockOwner, ServerLock
from ereg_desktop.services.deploy.preflight import Concern
from ereg_desktop.services.deploy.result import Block, DeploySettings, Outcome
from ereg_desktop.services.deploy.steps import Shell
from ereg_desktop.services.deploy.verify import AppProbe, Pm2Probe
from ereg_desktop.store.history import History
from ereg_desktop.store.inventory import DeploymentRef

CANCELLED_MESSAGE = "Cancelled before any downtime; nothing changed."

# repository ("owner/name") -> the pull requests of it on GitHub (services.github.pulls
# .TranslationPulls); raises services.github.errors.GitHubProblem (no token, ...)
GitHubAccess = Callable[[str], Any]


@dataclass(frozen=True)
class RunEnd:
    """A phase's way out of the sequence: the run ends with this outcome (no exception)."""

    outcome: Outcome
    message: str
    block: Block | None = None


def _ignore(event: DeployEvent) -> None:
    pass


class RunState:
    def __init__(
        self,
        ref: DeploymentRef,
        shell: Shell,
        *,
        operator: str,
        guard: WriteGuard,
        reasons: dict[Concern, str] | None,
        probe: AppProbe | None,
        history: History | None,
        settings: DeploySettings | None,
        machine: str | None,
        url_checker: Callable[[str], Any] | None,
        decider: Decider | None,
        github: GitHubAccess | None = None,
    ) -> None:
        self.ref = ref
        self.shell = shell
        self.operator = operator
        self.guard = guard
        self.reasons = {k: v.strip() for k, v in (reasons or {}).items() if v.strip()}
        self.probe = probe or Pm2Probe(shell, ref.server.id)
        self.history = history
        self.settings = settings or DeploySettings()
        self.machine = machine or socket.gethostname()
        self.url_checker = url_checker
        self.decider = decider
        self.github = github
        self.lock = ServerLock(shell, ref.app)
        self.jobs = ServerJobs(shell)
        self.cancel_requested = threading.Event()
        self.detach_requested = threading.Event()
        # cancel() against the point of no return: a cancel either stops the run before it or,
        # once the run passed it, becomes a detach; never a "nothing changed" after it
        self.control = threading.Lock()
        self.past_no_return = False  # the run entered the first phase that takes the app down
        self.lock_acquired = False  # this run took the server lock (not adopted)
        self.lock_holder: LockOwner | None = None  # who holds the lock that refused this run
        self.lock_stale = False
        self.heartbeat: LockHeartbeat | None = None
        self.resume: JobListing | None = None  # re-attaching: the job a previous run started
        self.resume_followed = False  # its phase ran: a later job phase starts its own job
        self.went_down_at: float | None = None  # re-attaching: when the app went down, if known
        self.job_kind: str = JobKind.PM2_DEPLOY  # job.json's text: maybe a newer desktop's kind
        self.job: JobRecord | None = None
        self.job_over = False  # the job's end was seen (finished, lost or missing)
        self.start_unclear = False  # the answer to the job's start was lost
        self.start_problem = ""
        self.notes: list[str] = []  # problems that do not change the outcome, for the record
        self.steps: list[StepRecord] = []
        self.log_tail: list[str] = []
        self.inspection: Inspection | None = None
        # the translation phases: whether they run, what was reviewed and approved
        self.translations_pending = False
        self.review: Any = None  # the approved services.i18n.review.TranslationReview
        self.edits: dict[str, str | list[str]] = {}  # the operator's fixes, key -> value
        self.candidate: bytes | None = None  # the file with the fixes, written after the stop
        # what the pull request must hold: path -> git blob sha (None: deleted)
        self.reviewed_blobs: dict[str, str | None] = {}
        self.pull_url = ""
        self.earlier_jobs: list[str] = []  # server jobs of this run before the current one
        self.emit: EventSink = _ignore
        self.downtime = Downtime(self._forward)
        self.question_count = 0
        now = datetime.now(UTC).isoformat(timespec="seconds")
        self.record = AuditRecord(
            kind="deploy",
            app=ref.app,
            server=ref.server.id,
            environment=ref.deployment.environment,
            operator=operator,
            machine=self.machine,
            started_at=now,
            reasons={str(k): v for k, v in self.reasons.items()},
        )

    def _forward(self, event: DeployEvent) -> None:
        self.emit(event)

    def log(self, step: Step, line: str) -> None:
        self.log_tail = [*self.log_tail[-199:], line]
        self.emit(StepLog(step, line))

    def next_question_id(self, step: Step) -> str:
        self.question_count += 1
        return f"{step}-{self.question_count}"

    # ---- the lock's heartbeat -----------------------------------------------------------

    def start_heartbeat(self, renew: Callable[[], object]) -> None:
        self.heartbeat = LockHeartbeat(renew, self.settings.heartbeat_s, self.ref.app)
        self.heartbeat.start()

    def stop_heartbeat(self) -> None:
        """At the bind of a job (the job holds the lock from then on), at finish and cancel."""
        beat = self.heartbeat
        if beat is None:
            return
        beat.stop()
        if beat.problem and beat.problem not in self.notes:
            self.notes.append(beat.problem)

    def lock_broken(self) -> RunEnd | None:
        """Someone broke the lock this run holds (the heartbeat's renewal was refused)."""
        held = self.heartbeat.broken if self.heartbeat is not None else None
        if held is None:
            return None
        self.lock_holder = held.holder
        return RunEnd(
            Outcome.BLOCKED,
            f"{held} Stopped before any downtime: nothing changed.",
            Block.LOCK_HELD,
        )

    def job_context(self) -> JobContext:
        return JobContext(
            operator=self.operator,
            machine=self.machine,
            started_at=self.record.started_at,
            reasons={str(k): v for k, v in self.reasons.items()},
            commit_before=self.record.commit_before,
            pending_commits=self.record.pending_commits,
            lock=self.lock.owner,
            server=self.ref.server.id,
            reviewed=dict(self.reviewed_blobs),
        )
