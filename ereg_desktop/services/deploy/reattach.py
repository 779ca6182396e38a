"""Re-attach: a run that follows a job a previous run started (this desktop before a restart, or
another one), from what that job's ``job.json`` says.

job.json is shared by the team's desktops, some of them older or newer than this one: what this
version does not know is kept as text, never a reason to stop. The job's kind says which phase
the run goes on with once the job ended (:data:`.phases.RESUME`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from ereg_desktop.services.deploy.jobs import JobListing, JobRecord
from ereg_desktop.services.deploy.lock import LockOwner
from ereg_desktop.services.deploy.phases import PM2_DEPLOY
from ereg_desktop.services.deploy.preflight import Concern
from ereg_desktop.services.deploy.run_state import RunState


def text(value: Any) -> str:
    """A job.json field as text, whatever another desktop's version wrote there."""
    if value is None:
        return ""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)


def job_kind(record: JobRecord) -> str:
    """What the job runs: its declared kind; a job.json of an older version has none (those
    were all pm2-deploy jobs)."""
    return PM2_DEPLOY if not record.argv or record.argv[0] == PM2_DEPLOY else record.argv[0]


@dataclass(frozen=True)
class JobOrigin:
    """Who started the job and why, as this version can read it from job.json."""

    operator: str
    machine: str
    reasons: dict[Concern, str]
    unknown_reasons: dict[str, str]  # concerns of another version, kept for the record


def origin(job: JobListing) -> JobOrigin:
    ctx = job.record.context if isinstance(job.record.context, dict) else {}
    raw_reasons = ctx.get("reasons")
    known: dict[Concern, str] = {}
    unknown: dict[str, str] = {}
    if isinstance(raw_reasons, dict):
        for k, v in raw_reasons.items():
            try:
                known[Concern(str(k))] = text(v)
            except ValueError:
                unknown[str(k)] = text(v)
    return JobOrigin(text(ctx.get("operator")), text(ctx.get("machine")), known, unknown)


def take_over(run: RunState, job: JobListing, who: JobOrigin, down_at: float | None) -> None:
    """Make ``run`` the follower of ``job``: the record it finishes, the lock it releases."""
    ctx = job.record.context if isinstance(job.record.context, dict) else {}
    run.resume = job
    run.job_kind = job_kind(job.record)
    # the job exists: the app may be down already, a Cancel can only detach
    run.past_no_return = True
    run.went_down_at = down_at if down_at is not None else job.down_at
    run.record.reasons.update(who.unknown_reasons)
    run.record.started_at = text(ctx.get("started_at")) or job.record.started_at
    run.record.commit_before = text(ctx.get("commit_before"))
    pending = ctx.get("pending_commits", 0)
    try:
        run.record.pending_commits = int(pending)
    except (TypeError, ValueError):
        run.notes.append(f"job.json has pending_commits {text(pending)!r}")
    lock_text = ctx.get("lock", "")
    owner = LockOwner.from_json(lock_text) if isinstance(lock_text, str) else None
    if owner is not None:
        run.lock.adopt(owner)
