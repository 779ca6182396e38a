"""What an update run ends with: its outcome, why it stopped, whether the app is up."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from ereg_desktop.services.deploy.audit import AuditRecord
from ereg_desktop.services.deploy.decisions import DEFAULT_TIMEOUT_S
from ereg_desktop.services.deploy.inspect import Inspection
from ereg_desktop.services.deploy.lock import HEARTBEAT_EVERY_S, LockOwner


class Outcome(enum.StrEnum):
    DEPLOYED = "deployed"
    NOTHING_PENDING = "nothing-pending"  # up to date: a plain restart is offered instead
    BLOCKED = "blocked"  # stopped before any downtime; ``block`` says why
    CANCELLED = "cancelled"
    DETACHED = "detached"  # the server job goes on; re-attach to learn its outcome
    FAILED = "failed"


class Block(enum.StrEnum):
    PINNED = "pinned"  # the deployment tracks a tag
    NEEDS_REASON = "needs-reason"  # owner mismatch / outside low traffic without a reason
    LOCK_HELD = "lock-held"
    REVIEW_NEEDED = "review-needed"  # translations or global data pending, nobody reviewed them
    REVIEW_REJECTED = "review-rejected"  # the operator did not approve the pending changes
    CHECKS_FAILED = "checks-failed"  # a check found an error (or a warning nobody acknowledged)
    GITHUB = "github"  # GitHub cannot take the submission (token, repository, not reachable)
    LOCAL_CHANGES = "local-changes"  # anything else changed in the working tree


class AppState(enum.StrEnum):
    UP = "up"
    DOWN = "down"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class DeploySettings:
    settle_s: float = 3.0  # online with the same restart count this long counts as stable
    verify_deadline_s: float = 60.0
    poll_interval_s: float = 0.15  # following the job: one pm2 read and one log poll each
    reconnect_for_s: float = 600.0  # keep retrying a lost connection this long, then detach
    url_tries_s: float = 15.0
    check_url: bool = True
    keep_jobs: int = 10  # job folders kept per app on the server; older finished ones are pruned
    question_timeout_s: float = DEFAULT_TIMEOUT_S  # a question to the operator mid-run
    heartbeat_s: float = HEARTBEAT_EVERY_S  # the held lock is renewed until a server job holds it
    # the authoritative model-load check of the candidate translations, on the server while the
    # app runs: on by default for production, a setting for development
    model_check_production: bool = True
    model_check_development: bool = False
    model_check_timeout_s: float = 60.0
    review_timeout_s: float = 24 * 3600.0  # the review takes as long as it takes (lock kept alive)
    mergeable_deadline_s: float = 60.0  # GitHub computing whether the pull request merges
    merge_wait_s: float = 4 * 3600.0  # waiting for someone to merge it on GitHub
    merge_poll_s: float = 5.0

    def model_check_for(self, production: bool) -> bool:
        return self.model_check_production if production else self.model_check_development


@dataclass
class DeployResult:
    outcome: Outcome
    app_state: AppState
    message: str
    record: AuditRecord
    block: Block | None = None
    inspection: Inspection | None = None
    job_id: str | None = None
    downtime_s: float | None = None
    log_tail: list[str] = field(default_factory=list)
    lock_holder: LockOwner | None = None
    lock_stale: bool = False  # the holder's job is gone: the lock may be broken after confirming

    @property
    def ok(self) -> bool:
        """Deployed, or nothing was pending; never while the app is left down."""
        done = self.outcome in (Outcome.DEPLOYED, Outcome.NOTHING_PENDING)
        return done and self.app_state != AppState.DOWN

    @property
    def can_start_again(self) -> bool:
        return self.app_state == AppState.DOWN and self.outcome == Outcome.FAILED

    @property
    def offers_restart(self) -> bool:
        return self.outcome == Outcome.NOTHING_PENDING

    def __str__(self) -> str:
        return self.message
