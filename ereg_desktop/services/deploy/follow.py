"""The phase that runs a detached server job: start it (or take the one a previous run started)
and follow it to its end, sampling pm2 beside every poll of its log."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

from ereg_desktop.errors import ConnectionProblem, EregError, OperationFailed
from ereg_desktop.services.deploy.events import (
    ConnectionLost,
    JobStarted,
    Reconnected,
    Step,
    StepProgress,
)
from ereg_desktop.services.deploy.jobs import MISSING, JobKind, JobPoll, JobRecord
from ereg_desktop.services.deploy.log_text import LogLines
from ereg_desktop.services.deploy.phases import JOB_ARGV, RESUME, resume_for
from ereg_desktop.services.deploy.result import Outcome
from ereg_desktop.services.deploy.run_state import RunEnd, RunState
from ereg_desktop.services.deploy.verify import Pm2Unavailable


def run_deploy(run: RunState) -> str | RunEnd:
    return run_job(run, Step.DEPLOY, JobKind.PM2_DEPLOY)


def run_submit(run: RunState) -> str | RunEnd:
    return run_job(run, Step.SUBMIT, JobKind.UPDATE_TRANSLATIONS)


def run_job(run: RunState, step: Step, kind: JobKind) -> str | RunEnd:
    # No pm2 read before the job: the first poll of the job samples the app (still online
    # while pm2-deploy pulls), and a read here would add a node start-up to the update.
    resumed = run.resume is not None and not run.resume_followed
    if run.resume is not None and resumed:
        job = run.resume.record
        run.resume_followed = True  # a later job phase of this run starts its own job
        run.job = job
        run.emit(JobStarted(job.id, reattached=True))
        known = run.job_kind in (JobKind.PM2_DEPLOY, JobKind.UPDATE_TRANSLATIONS)
        named = "" if known else f" (kind {_kind(job)})"
        run.log(step, f"re-attached to server job {job.id}{named}")
        if run.job_kind not in RESUME:
            run.log(step, "a kind this version does not know: following it to its end "
                          "to record it, nothing more")  # fmt: skip
    else:
        if run.job is not None:  # the run's earlier job (update-translations) is over
            run.earlier_jobs.append(run.job.id)
        run.job, run.job_over = None, False
        job = _start(run, step, kind)
    run.record.job = job.id
    ended = _follow(run, job, step)
    if not resumed or resume_for(run.job_kind).then is not None:
        return ended
    # a job after which this version has no phase to go on with: its outcome is recorded, and
    # the run says what is left undone
    if isinstance(ended, RunEnd):
        if ended.outcome != Outcome.FAILED:
            return ended
        return RunEnd(Outcome.FAILED, f"{ended.message} {_left_undone(run, job)}")
    return RunEnd(Outcome.FAILED, f"{ended}. {_left_undone(run, job)}")


def _kind(job: JobRecord) -> str:
    return repr(job.kind) if job.kind else f"none (it runs {' '.join(job.argv)!r})"


def _left_undone(run: RunState, job: JobRecord) -> str:
    if run.job_kind in RESUME:  # known, but its later phases are not in this version
        return (
            f"The rest of that update after {run.job_kind} (the pull request, pm2-deploy) is "
            "not done: this version cannot go on with it; run the update again."
        )
    return (
        f"Server job {job.id} is of kind {_kind(job)}, which this version does not know: it "
        "was followed to its end and recorded; nothing more was done."
    )


def _start(run: RunState, step: Step, kind: JobKind) -> JobRecord:
    # the id is chosen first: if the answer to the start is lost, the job is still followed
    # (and found again by any desktop) by this id
    planned = run.jobs.plan(run.ref.app, kind, JOB_ARGV[kind](run.ref), run.job_context())
    run.job = planned
    run.record.job = planned.id
    try:
        run.jobs.launch(planned)
    except UnicodeError as exc:  # the command could not even be encoded: it never left
        run.job_over = True
        raise OperationFailed(
            f"server job {planned.id} was not started: its command could not be sent ({exc})"
        ) from None
    except EregError as exc:
        # the server may have started it before the answer was lost: follow it by id
        run.start_unclear, run.start_problem = True, str(exc)
        run.log(step, f"no clear answer to starting server job {planned.id} ({exc}); "
                      "following it by its id")  # fmt: skip
    run.emit(JobStarted(planned.id, reattached=False))
    if not run.start_unclear:
        _bind(run, planned)
    return planned


def _bind(run: RunState, job: JobRecord) -> None:
    """The job holds the lock from now on: the run's heartbeat stops first (nothing rewrites
    the lock after the bind)."""
    run.stop_heartbeat()
    run.lock.bind_job(job.id)


def _follow(run: RunState, job: JobRecord, step: Step) -> str | RunEnd:
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="deploy-pm2")
    try:
        return _follow_loop(run, job, pool, step)
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


def _follow_loop(
    run: RunState, job: JobRecord, pool: ThreadPoolExecutor, step: Step
) -> str | RunEnd:
    lines = LogLines()
    offset = 0
    lost_since: float | None = None
    progress = ""
    settings = run.settings
    while True:
        if run.detach_requested.is_set() or run.cancel_requested.is_set():  # late cancel: detach
            return RunEnd(Outcome.DETACHED,
                          f"Detached: server job {job.id} goes on; re-attach to see its outcome.")  # fmt: skip
        try:
            # pm2's state is read beside the job poll (two channels of one connection); the
            # poll waits on the server up to poll_interval_s for output or the job's end,
            # so the end is seen within ~50 ms rather than after a client-side sleep.
            reading = pool.submit(run.probe.app_status, run.ref.app)
            poll = run.jobs.poll(job.id, offset, wait_s=settings.poll_interval_s)
            # Once the job has ended, Verify reads pm2 at once: no need to wait for this read.
            sampled = not poll.state.over or reading.done()
            try:
                status = reading.result() if sampled else None
            except Pm2Unavailable:  # pm2 could not be read: neither up nor down
                sampled, status = False, None
        except ConnectionProblem as exc:
            now = time.monotonic()
            if lost_since is None:
                lost_since = now
                run.emit(ConnectionLost(str(exc), retrying=True))
            if now - lost_since > settings.reconnect_for_s:
                return RunEnd(
                    Outcome.DETACHED,
                    f"Lost the connection for {now - lost_since:.0f} s; server job {job.id} "
                    "goes on and will be re-attached on reconnect.",
                )
            run.detach_requested.wait(min(2.0, 0.2 + (now - lost_since) / 5))
            continue
        if lost_since is not None:
            run.emit(Reconnected(time.monotonic() - lost_since))
            lost_since = None
        if run.start_unclear:
            if poll.state.state == MISSING:
                run.job_over = True  # it never started: no job holds the lock or is recorded
                run.job = None
                return RunEnd(
                    Outcome.FAILED,
                    f"Server job {job.id} did not start ({run.start_problem}; its folder does "
                    "not exist).",
                )
            run.start_unclear = False  # it exists: the job is the lock's holder now
            _bind(run, job)
        offset = poll.offset
        for line in lines.feed(poll.text):
            run.log(step, line)
        if sampled:
            run.downtime.sample(status, time.time())
        if lines.partial != progress:
            progress = lines.partial
            run.emit(StepProgress(step, progress))
        if poll.state.over:
            run.job_over = True
            for line in lines.flush():
                run.log(step, line)
            return _verdict(run, job, poll)


def _verdict(run: RunState, job: JobRecord, poll: JobPoll) -> str | RunEnd:
    st = poll.state
    what = " ".join(job.argv) or run.job_kind
    if st.state == "finished" and st.exit_code == 0:
        return f"{what} finished (exit 0)"
    why = {
        "finished": f"exited with code {st.exit_code}",
        "lost": "ended without an exit code (killed?)",
        "missing": "its job directory is gone",
    }[st.state]
    return RunEnd(Outcome.FAILED, f"{what} {why}.")
