"""Re-attach: a run that follows a job a previous run started (this desktop before a restart, or
another one), from what that job's ``job.json`` says.

job.json is shared by the team's desktops, some of them older or newer than this one: what this
version does not know is kept as text, never a reason to stop. The job's kind says which phase
the run goes on with once the job ended (:data:`.phases.RESUME`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from ereg_desktop.errors import EregError
from ereg_desktop.services.deploy.jobs import JobKind, JobListing, job_dir
from ereg_desktop.services.deploy.preflight import Concern
from ereg_desktop.services.deploy.run_state import RunState
from ereg_desktop.services.deploy.steps import CommandKind, RemoteCommand, script


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
    if run.job_kind == JobKind.UPDATE_TRANSLATIONS:
        # the pull request is checked against the review its starter kept in job.json
        run.translations_pending = True
        run.reviewed_blobs = dict(ctx.reviewed)
    if ctx.lock is not None:
        run.lock.adopt(ctx.lock)


def job_times_command(job_id: str) -> RemoteCommand:
    """The server's clock now, when the job started (its pid file, written as it started) and,
    if a desktop noted it, when the app went down (down_at)."""
    return script(
        f"times of job {job_id}",
        [
            "cd",
            'd="$1"',
            "echo now $(date +%s.%N)",
            'echo start $(stat -c %Y "$d/pid" 2>/dev/null)',
            "echo down $(head -c 40 \"$d/down_at\" 2>/dev/null | tr -dc '0-9.')",
        ],
        job_dir(job_id),
        kind=CommandKind.READ,
        timeout=15,
    )


def _number(value: str) -> float | None:
    try:
        n = float(value)
    except ValueError:
        return None
    return n if 0 < n < 1e11 else None  # an epoch, not garbage (inf, nan, a 400-digit number)


def server_downtime(run: RunState) -> float | None:
    """The downtime of the job this run re-attached to, from the server's own times: from when
    the app went down (down_at, else the job's start: pm2-deploy stops the app within its first
    seconds) to pm2's start of the app (now minus its uptime). None when the server cannot say.
    For a run that never saw the app down itself (the job ended while nobody followed it)."""
    job = run.job
    if job is None:
        return None
    try:
        t0 = time.monotonic()
        res = job_times_command(job.id).run(run.shell)
        t1 = time.monotonic()
        status = run.probe.app_status(run.ref.app)
        t2 = time.monotonic()
    except (EregError, ValueError):
        return None
    if res.exit_code != 0 or status is None or status.uptime_s is None:
        return None
    times: dict[str, float | None] = {}
    for line in res.stdout.splitlines():
        key, _, value = line.partition(" ")
        times[key] = _number(value.strip())
    now, start, down = times.get("now"), times.get("start"), times.get("down")
    went_down = down if down is not None else start
    if now is None or went_down is None:
        return None
    # pm2's uptime is from a later read than "now" (its own clock line ends that read): move
    # "now" on by the time between the two, so the app's start is not seen early
    seconds = now + (t2 - (t0 + t1) / 2) - status.uptime_s - went_down
    return seconds if 0 <= seconds < now - went_down + 1 else None
