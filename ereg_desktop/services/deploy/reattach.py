"""Re-attach: a run that follows a job a previous run started (this desktop before a restart, or
another one), from what that job's ``job.json`` says.

job.json is shared by the team's desktops, some of them older or newer than this one: what this
version does not know is kept as text, never a reason to stop. The job's kind says which phase
the run goes on with once the job ended (:data:`.phases.RESUME`).
"""

from __future__ import annotations

from dataclasses import dataclass

from ereg_desktop.services.deploy.jobs import JobListing
from ereg_desktop.services.deploy.preflight import Concern
from ereg_desktop.services.deploy.run_state import RunState


@dataclass(frozen=True)
class JobOrigin:
    """Who started the job and why, as this version can read it from job.json."""

    operator: str
    machine: str
    reasons: dict[Concern, str]
    unknown_reasons: dict[str, str]  # concerns of another version, kept for the record


def origin(job: JobListing) -> JobOrigin:
    ctx = job.record.context
    known: dict[Concern, str] = {}
    unknown: dict[str, str] = {}
    for k, v in ctx.reasons.items():
        try:
            known[Concern(k)] = v
        except ValueError:
            unknown[k] = v
    return JobOrigin(ctx.operator, ctx.machine, known, unknown)


def take_over(run: RunState, job: JobListing, who: JobOrigin, down_at: float | None) -> None:
    """Make ``run`` the follower of ``job``: the record it finishes, the lock it releases."""
    ctx = job.record.context
    run.resume = job
    run.job_kind = job.record.kind
    # the job exists: the app may be down already, a Cancel can only detach
    run.past_no_return = True
    run.went_down_at = down_at if down_at is not None else job.down_at
    run.record.reasons.update(who.unknown_reasons)
    run.record.started_at = ctx.started_at or job.record.started_at
    run.record.commit_before = ctx.commit_before
    run.record.pending_commits = ctx.pending_commits
    run.notes.extend(job.record.notes)
    if ctx.lock is not None:
        run.lock.adopt(ctx.lock)
