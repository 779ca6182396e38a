"""The always-phase: the app's state at the end, the record (server audit, local history) and the
lock's release. The lock goes only with the run that took it (before the point of no return), or
with the job that holds it once that job is over and its outcome recorded."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from ereg_desktop.errors import EregError
from ereg_desktop.services.deploy import audit
from ereg_desktop.services.deploy.events import Finished, Step, StepFinished, StepStarted, StepState
from ereg_desktop.services.deploy.jobs import prune_command
from ereg_desktop.services.deploy.result import AppState, DeployResult, Outcome
from ereg_desktop.services.deploy.run_state import RunEnd, RunState
from ereg_desktop.services.deploy.verify import ONLINE
from ereg_desktop.services.status import AppStatus

_STATE_OF = {
    Outcome.CANCELLED: StepState.CANCELLED,
    Outcome.DETACHED: StepState.DETACHED,
    Outcome.BLOCKED: StepState.BLOCKED,
    Outcome.NOTHING_PENDING: StepState.OK,
    Outcome.DEPLOYED: StepState.OK,
}


def step_state(outcome: Outcome) -> StepState:
    """The state of the step a run ended in, for its outcome."""
    return _STATE_OF.get(outcome, StepState.FAILED)


def end_step(run: RunState, step: Step, state: StepState, message: str, t0: float) -> None:
    seconds = time.monotonic() - t0
    run.steps.append(audit.StepRecord(str(step), str(state), seconds, message))
    run.emit(StepFinished(step, state, message, seconds))


def _app_state(run: RunState) -> AppState:
    try:
        status = run.probe.app_status(run.ref.app)
    except EregError:
        return AppState.UNKNOWN
    if status is None:
        return AppState.DOWN
    return AppState.UP if status.status == ONLINE else AppState.DOWN


def finish(run: RunState, end: RunEnd, record: bool = True) -> DeployResult:
    run.stop_heartbeat()
    outcome, message = end.outcome, end.message
    t0 = time.monotonic()
    run.emit(StepStarted(Step.FINISH, time.time()))
    notes: list[str] = []
    detached = outcome == Outcome.DETACHED
    if detached:
        app_state = AppState.UNKNOWN
    elif outcome == Outcome.DEPLOYED:
        app_state = AppState.UP  # Verify has just seen it online and stable
    else:
        app_state = _app_state(run)
    dt = run.downtime
    if detached and run.detach_requested.is_set() and run.job and dt.down_now:
        # the operator let go while the app is down: whoever re-attaches counts the
        # downtime from when it really began (best effort; a lost connection skips it)
        assert dt.down_at is not None
        try:
            run.jobs.mark_down(run.job.id, dt.down_at)
        except EregError:
            pass
    downtime = dt.seconds
    if dt.down_now and app_state == AppState.UP:
        dt.sample(AppStatus(run.ref.app, ONLINE), time.time())
        downtime = dt.seconds
    if outcome == Outcome.NOTHING_PENDING and app_state == AppState.DOWN:
        app = run.ref.app
        message = (
            f"{message} But {app} is DOWN, and an update with nothing pending starts nothing: "
            f"start it with `ereg-desktop start {app}` (or Start in the window)."
        )
    elif outcome == Outcome.FAILED and app_state == AppState.DOWN:
        message = f"{message} {run.ref.app} is DOWN: start it again (code now on disk)."
    elif outcome == Outcome.FAILED:
        message = f"{message} {run.ref.app} is {app_state.value}."
    r = run.record
    r.ended_at = datetime.now(UTC).isoformat(timespec="seconds")
    r.result = str(outcome)
    r.app_state = str(app_state)
    r.downtime_s = downtime
    r.message = f"{message} ({'; '.join(run.notes)})" if run.notes else message
    r.steps = list(run.steps)
    first_record = True
    recorded = False  # the team's record of this run is on the server
    if record and not detached:
        job_done = run.job.id if run.job is not None else None
        prune = prune_command(run.ref.app, run.settings.keep_jobs) if job_done else None
        try:
            also = tuple(run.earlier_jobs) if job_done else ()
            first_record = audit.append(run.shell, r, job_done, then=prune, also_done=also)
            recorded = True
        except EregError as exc:
            notes.append(f"the server audit record could not be written: {exc}")
        if not first_record:  # another desktop followed the same job and recorded it
            message = f"{message} (already recorded by another desktop)"
    if record and not detached:
        notes.extend(release_lock(run, recorded, first_record))
    if record and run.history is not None and not detached and first_record:
        if notes:
            r.message = f"{r.message} ({'; '.join(notes)})"
        try:
            run.history.add(r.to_dict())
        except EregError as exc:
            notes.append(str(exc))
    notes = [*run.notes, *notes]
    if notes:
        message = f"{message} ({'; '.join(notes)})"
    end_step(
        run,
        Step.FINISH,
        StepState.FAILED if notes else StepState.OK,
        "; ".join(notes) or ("detached: nothing recorded yet" if detached else "recorded"),
        t0,
    )
    result = DeployResult(
        outcome=outcome,
        app_state=app_state,
        message=message,
        record=r,
        block=end.block,
        inspection=run.inspection,
        job_id=run.job.id if run.job else None,
        downtime_s=downtime,
        log_tail=list(run.log_tail),
        lock_holder=run.lock_holder,
        lock_stale=run.lock_stale,
    )
    run.emit(Finished(result))
    return result


def release_lock(run: RunState, recorded: bool, first_record: bool) -> list[str]:
    """Before the point of no return: release the lock only if this run took it (and nobody
    broke it meanwhile). Past it: only once the job is over and its outcome recorded, and only
    by the run that recorded it; a job still running keeps it (its re-attach releases it).
    Returns notes for the record."""
    if run.lock.owner is None:
        return []
    job = run.job
    if not run.past_no_return:
        broken = run.heartbeat is not None and run.heartbeat.broken is not None
        if not run.lock_acquired or broken:  # a broken lock is someone else's now
            return []
    elif job is None:  # past it with no job planned: nothing holds the lock but this run
        if not run.lock_acquired:
            return []
    elif not run.job_over:
        return []
    elif not recorded:
        return [
            f"the lock stays with server job {job.id} until its outcome is recorded "
            "(re-attaching records it and releases the lock)"
        ]
    elif not first_record:
        # another desktop followed the same job and recorded it: the lock is its to release
        # (two releases of one lock would have one of them find it gone)
        return []
    try:
        verdict = run.lock.release()
    except EregError as exc:
        return [f"the lock could not be released: {exc}"]
    if verdict == "released" or (verdict == "gone" and job is not None):
        # gone after this run recorded the job: a run that saw the job recorded released the
        # lock it left (what the lock was for is done either way)
        return []
    if verdict == "gone":
        return ["the lock had already been removed (broken?) before this run released it"]
    return [f"the lock was not released: someone else holds it now ({verdict})"]
