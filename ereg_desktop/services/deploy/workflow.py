"""The update procedure as a state machine: Preflight → Inspect → Deploy → Verify → Finish.

Run :meth:`DeployRun.run` on a worker thread; it emits :mod:`.events` to a callback and returns a
:class:`DeployResult`. :meth:`DeployRun.cancel` is free before any downtime and detaches while the
server job runs (the job cannot be cut safely). After a failure with the app down the result says
so and :meth:`DeployRun.start_again` starts it with the code now on disk.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

from ereg_desktop.errors import ConnectionProblem, EregError
from ereg_desktop.services.deploy import audit
from ereg_desktop.services.deploy.actions import ActionResult, WriteGuard, run_action
from ereg_desktop.services.deploy.audit import AuditRecord, StepRecord
from ereg_desktop.services.deploy.downtime import Downtime
from ereg_desktop.services.deploy.events import (
    CancelAvailability,
    ConnectionLost,
    DeployEvent,
    DowntimeEnded,
    DowntimeStarted,
    EventSink,
    Finished,
    JobStarted,
    Reconnected,
    Step,
    StepFinished,
    StepLog,
    StepProgress,
    StepStarted,
    StepState,
)
from ereg_desktop.services.deploy.inspect import Inspection, current_head, inspect
from ereg_desktop.services.deploy.jobs import (
    MISSING,
    JobContext,
    JobKind,
    JobListing,
    JobRecord,
    ServerJobs,
    prune_command,
)
from ereg_desktop.services.deploy.lock import LockHeld, LockOwner, ServerLock
from ereg_desktop.services.deploy.log_text import LogLines
from ereg_desktop.services.deploy.preflight import (
    Concern,
    concerns,
    missing_reasons,
    update_refusal,
)
from ereg_desktop.services.deploy.result import (  # re-exported: callers import them from here
    AppState,
    Block,
    DeployResult,
    DeploySettings,
    Outcome,
)
from ereg_desktop.services.deploy.steps import Shell, pm2_deploy
from ereg_desktop.services.deploy.verify import (
    ONLINE,
    AppProbe,
    Pm2Probe,
    Pm2Unavailable,
    UrlCheckInBackground,
    check_url,
    wait_stable,
)
from ereg_desktop.services.status import AppStatus
from ereg_desktop.store.history import History
from ereg_desktop.store.inventory import DeploymentRef

log = logging.getLogger(__name__)

__all__ = [
    "AppState",
    "Block",
    "DeployResult",
    "DeployRun",
    "DeploySettings",
    "Outcome",
    "describe_event",
]


class _Stop(Exception):
    """Internal: leave the step sequence with this result state."""

    def __init__(self, outcome: Outcome, message: str, block: Block | None = None) -> None:
        super().__init__(message)
        self.outcome = outcome
        self.message = message
        self.block = block


class DeployRun:
    """One update of one deployment. Not reusable: make a new one per attempt."""

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
        self.lock = ServerLock(shell, ref.app)
        self.jobs = ServerJobs(shell)
        self._cancel = threading.Event()
        self._detach = threading.Event()
        # cancel() against the job's start: a cancel either stops the run before the job or,
        # once the job is (being) started, becomes a detach; never a "nothing changed" after it
        self._control = threading.Lock()
        self._lock_acquired = False  # this run took the server lock (not adopted)
        self._job_over = False  # the job's end was seen (finished, lost or missing)
        self._start_unclear = False  # the answer to the job's start was lost
        self._start_problem = ""
        self._notes: list[str] = []  # problems that do not change the outcome, for the record
        self._emit: EventSink = lambda e: None
        self._reattach: JobListing | None = None
        self._job: JobRecord | None = None
        self._steps: list[StepRecord] = []
        self._log_tail: list[str] = []
        self._downtime: Downtime | None = None
        self._down_at: float | None = None  # re-attaching: when the app went down, if known
        self.result: DeployResult | None = None
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

    # ---- re-attach ----------------------------------------------------------------------

    @classmethod
    def reattach(
        cls, ref: DeploymentRef, shell: Shell, job: JobListing, **kwargs: Any
    ) -> DeployRun:
        """Follow a job a previous run started (this desktop before a restart, or another one):
        ``run()`` then skips to following it, verifies, and writes the audit record."""
        ctx = job.record.context
        down_at = kwargs.pop("down_at", None)
        kwargs.setdefault("operator", ctx.operator)
        kwargs.setdefault("machine", ctx.machine or None)
        # job.json is shared by the team's desktops, some of them older or newer than this one:
        # what this version does not know is kept as text, never a reason to stop
        known: dict[Concern, str] = {}
        unknown: dict[str, str] = {}
        for k, v in ctx.reasons.items():
            try:
                known[Concern(k)] = v
            except ValueError:
                unknown[k] = v
        kwargs.setdefault("reasons", known)
        run = cls(ref, shell, **kwargs)
        run._reattach = job
        run._down_at = down_at if down_at is not None else job.down_at
        run.record.reasons.update(unknown)
        run.record.started_at = ctx.started_at or job.record.started_at
        run.record.commit_before = ctx.commit_before
        run.record.pending_commits = ctx.pending_commits
        run._notes.extend(job.record.notes)
        if ctx.lock is not None:
            run.lock.adopt(ctx.lock)
        return run

    @staticmethod
    def find_jobs(shell: Shell, app: str) -> list[JobListing]:
        """Jobs of ``app`` nobody has recorded yet (running, or ended while nobody followed)."""
        return ServerJobs(shell).unfinished_business(app)

    # ---- control (any thread) -----------------------------------------------------------

    def cancel(self) -> str:
        """Before any downtime: stop at the next safe point. Once the job is (being) started, or
        when following a job of an earlier run: detach."""
        with self._control:
            if self._job is not None or self._reattach is not None:
                self._detach.set()
                return "detach"
            self._cancel.set()
            return "cancel"

    def detach(self) -> None:
        self._detach.set()

    @property
    def down_since(self) -> float | None:
        """When the app went down (epoch), while this run last saw it down: a run that
        re-attaches to the same job counts the downtime from there."""
        dt = self._downtime
        return dt.down_at if dt is not None and dt.down_now else None

    # ---- the run ------------------------------------------------------------------------

    def run(self, on_event: EventSink | None = None) -> DeployResult:
        self._emit = on_event or (lambda e: None)
        self._downtime = Downtime(self._emit)
        if self._reattach is not None and self._down_at is not None:
            self._downtime.went_down_at(self._down_at)
        outcome, message, block = Outcome.FAILED, "", None
        inspection: Inspection | None = None
        try:
            with self.guard.hold(self.ref.server.id, self.ref.app, "an update"):
                try:
                    if self._reattach is None:
                        self._emit(CancelAvailability("cancel"))
                        self._step(Step.PREFLIGHT, self._preflight)
                        inspection = self._step(Step.INSPECT, self._inspect)
                        self._checkpoint()
                    self._step(Step.DEPLOY, self._deploy)
                    self._emit(CancelAvailability("none"))
                    message = self._step(Step.VERIFY, self._verify)
                    outcome = Outcome.DEPLOYED
                except _Stop as stop:
                    outcome, message, block = stop.outcome, stop.message, stop.block
                except Exception as exc:
                    if not isinstance(exc, EregError):
                        log.error("update of %s: unexpected error", self.ref.app, exc_info=True)
                    text = str(exc) or type(exc).__name__
                    outcome, message = Outcome.FAILED, text
                    if self._job is not None and not self._job_over:
                        # the server job may run on and owns the rest (and the lock): whoever
                        # re-attaches verifies and records it
                        outcome = Outcome.DETACHED
                        message = (
                            f"{text}. Server job {self._job.id} is not lost: re-attach to it on "
                            "reconnect to verify and record its outcome."
                        )
                return self._finish(outcome, message, block, inspection)
        except EregError as exc:  # the write guard: another write on this app here
            return self._finish(Outcome.BLOCKED, str(exc), Block.LOCK_HELD, None, record=False)

    def _checkpoint(self) -> None:
        # only before the job: once it is started (or followed again) a cancel is a detach
        if self._cancel.is_set() and self._job is None and self._reattach is None:
            raise _Stop(Outcome.CANCELLED, "Cancelled before any downtime; nothing changed.")

    def _step(self, step: Step, body: Callable[[], Any]) -> Any:
        self._checkpoint()
        t0 = time.monotonic()
        self._emit(StepStarted(step, time.time()))
        try:
            value = body()
        except _Stop as stop:
            state = {
                Outcome.CANCELLED: StepState.CANCELLED,
                Outcome.DETACHED: StepState.DETACHED,
                Outcome.BLOCKED: StepState.BLOCKED,
                Outcome.NOTHING_PENDING: StepState.OK,
            }.get(stop.outcome, StepState.FAILED)
            self._end_step(step, state, stop.message, t0)
            raise
        except Exception as exc:
            self._end_step(step, StepState.FAILED, str(exc), t0)
            raise
        self._end_step(step, StepState.OK, value if isinstance(value, str) else "", t0)
        return value

    def _end_step(self, step: Step, state: StepState, message: str, t0: float) -> None:
        seconds = time.monotonic() - t0
        self._steps.append(StepRecord(str(step), str(state), seconds, message))
        self._emit(StepFinished(step, state, message, seconds))

    def _log(self, step: Step, line: str) -> None:
        self._log_tail = [*self._log_tail[-199:], line]
        self._emit(StepLog(step, line))

    # ---- steps --------------------------------------------------------------------------

    def _preflight(self) -> str:
        refusal = update_refusal(self.ref)
        if refusal:
            raise _Stop(Outcome.BLOCKED, refusal.message, Block.PINNED)
        notes = concerns(self.ref, self.operator)
        for note in notes:
            self._log(Step.PREFLIGHT, f"{note.concern}: {note.message}")
        missing = missing_reasons(notes, self.reasons)
        if missing:
            raise _Stop(
                Outcome.BLOCKED,
                "A reason is needed: " + " ".join(n.message for n in missing),
                Block.NEEDS_REASON,
            )
        owner = LockOwner.new(self.operator, self.machine, os.getpid())
        try:
            self.lock.acquire(owner)
            self._lock_acquired = True
        except LockHeld as held:
            held = self.lock.explain(held)
            self._lock_holder, self._lock_stale = held.holder, held.stale
            raise _Stop(Outcome.BLOCKED, str(held), Block.LOCK_HELD) from None
        self._log(Step.PREFLIGHT, f"locked {self.ref.app} on {self.ref.server.label}")
        return "locked" + (f"; reasons: {len(notes)} recorded" if notes else "")

    def _inspect(self) -> Inspection:
        d = self.ref.deployment
        found = inspect(self.shell, self.ref.app, d.track)
        self.record.commit_before = found.head
        self.record.pending_commits = len(found.pending)
        self._log(
            Step.INSPECT,
            f"HEAD {found.head[:8]} on {found.branch}; origin/{d.track} {found.target[:8]}",
        )
        for c in found.pending:
            self._log(Step.INSPECT, f"pending {c.short} {c.subject} ({c.author})")
        ch = found.changes
        for label, paths in (
            ("translations", ch.translations),
            ("global data", ch.global_data),
            ("other", ch.other),
        ):
            for p in paths:
                self._log(Step.INSPECT, f"changed ({label}): {p}")
        self._inspection = found
        if ch.other:
            raise _Stop(
                Outcome.BLOCKED,
                "Unexpected local changes on the server block the update (git pull would fail): "
                + ", ".join(ch.other),
                Block.LOCAL_CHANGES,
            )
        if ch.needs_review:
            what = " and ".join(
                x
                for x, y in (("translations", ch.translations), ("global data", ch.global_data))
                if y
            )
            raise _Stop(
                Outcome.BLOCKED,
                f"Pending {what} changes on the server need a review before the update "
                f"({', '.join(ch.translations + ch.global_data)}). Nothing was stopped.",
                Block.REVIEW_NEEDED,
            )
        if not found.pending and found.head == found.target:
            raise _Stop(
                Outcome.NOTHING_PENDING,
                f"Nothing pending: {self.ref.app} is at origin/{d.track} ({found.head[:8]}). "
                "A plain restart is offered instead.",
            )
        return found

    def _context(self) -> JobContext:
        return JobContext(
            operator=self.operator,
            machine=self.machine,
            started_at=self.record.started_at,
            reasons={str(k): v for k, v in self.reasons.items()},
            commit_before=self.record.commit_before,
            pending_commits=self.record.pending_commits,
            lock=self.lock.owner,
            server=self.ref.server.id,
        )

    def _deploy(self) -> str:
        # No pm2 read before the job: the first poll of the job samples the app (still online
        # while pm2-deploy pulls), and a read here would add a node start-up to the update.
        if self._reattach is not None:
            self._job = self._reattach.record
            self._emit(JobStarted(self._job.id, reattached=True))
            self._log(Step.DEPLOY, f"re-attached to server job {self._job.id}")
        else:
            # the id is chosen first: if the answer to the start is lost, the job is still
            # followed (and found again by any desktop) by this id
            planned = self.jobs.plan(
                self.ref.app, JobKind.PM2_DEPLOY, pm2_deploy(self.ref.app), self._context()
            )
            with self._control:
                if self._cancel.is_set():  # cancelled before the job: nothing started
                    raise _Stop(
                        Outcome.CANCELLED, "Cancelled before any downtime; nothing changed."
                    )
                self._job = planned
            self.record.job = planned.id
            try:
                self.jobs.launch(planned)
            except EregError as exc:
                # the server may have started it before the answer was lost: follow it by id
                self._start_unclear, self._start_problem = True, str(exc)
                self._log(
                    Step.DEPLOY,
                    f"no clear answer to starting server job {planned.id} ({exc}); "
                    "following it by its id",
                )
            self._emit(JobStarted(planned.id, reattached=False))
            if not self._start_unclear:
                self.lock.bind_job(planned.id)
        self.record.job = self._job.id
        self._emit(CancelAvailability("detach"))
        return self._follow(self._job)

    def _follow(self, job: JobRecord) -> str:
        assert self._downtime is not None
        lines = LogLines()
        offset = 0
        pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="deploy-pm2")
        try:
            return self._follow_loop(job, lines, offset, pool)
        finally:
            pool.shutdown(wait=False, cancel_futures=True)

    def _follow_loop(
        self, job: JobRecord, lines: LogLines, offset: int, pool: ThreadPoolExecutor
    ) -> str:
        assert self._downtime is not None
        lost_since: float | None = None
        progress = ""
        while True:
            if self._detach.is_set() or self._cancel.is_set():  # a late cancel: detach
                raise _Stop(
                    Outcome.DETACHED,
                    f"Detached: server job {job.id} goes on; re-attach to see its outcome.",
                )
            try:
                # pm2's state is read beside the job poll (two channels of one connection); the
                # poll waits on the server up to poll_interval_s for output or the job's end,
                # so the end is seen within ~50 ms rather than after a client-side sleep.
                reading = pool.submit(self.probe.app_status, self.ref.app)
                poll = self.jobs.poll(job.id, offset, wait_s=self.settings.poll_interval_s)
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
                    self._emit(ConnectionLost(str(exc), retrying=True))
                if now - lost_since > self.settings.reconnect_for_s:
                    raise _Stop(
                        Outcome.DETACHED,
                        f"Lost the connection for {now - lost_since:.0f} s; server job {job.id} "
                        "goes on and will be re-attached on reconnect.",
                    ) from None
                self._detach.wait(min(2.0, 0.2 + (now - lost_since) / 5))
                continue
            if lost_since is not None:
                self._emit(Reconnected(time.monotonic() - lost_since))
                lost_since = None
            if self._start_unclear:
                if poll.state.state == MISSING:
                    self._job_over = True  # it never started
                    raise _Stop(
                        Outcome.FAILED,
                        f"Server job {job.id} did not start ({self._start_problem}; its folder "
                        "does not exist).",
                    )
                self._start_unclear = False  # it exists: the job is the lock's holder now
                self.lock.bind_job(job.id)
            offset = poll.offset
            for line in lines.feed(poll.text):
                self._log(Step.DEPLOY, line)
            if sampled:
                self._downtime.sample(status, time.time())
            if lines.partial != progress:
                progress = lines.partial
                self._emit(StepProgress(Step.DEPLOY, progress))
            if poll.state.over:
                self._job_over = True
                for line in lines.flush():
                    self._log(Step.DEPLOY, line)
                break
        st = poll.state
        if st.state == "finished" and st.exit_code == 0:
            return f"pm2-deploy {self.ref.app} finished (exit 0)"
        why = {
            "finished": f"exited with code {st.exit_code}",
            "lost": "ended without an exit code (killed?)",
            "missing": "its job directory is gone",
        }[st.state]
        raise _Stop(Outcome.FAILED, f"pm2-deploy {self.ref.app} {why}.")

    def _verify(self) -> str:
        assert self._downtime is not None
        dt = self._downtime
        url = self.ref.deployment.url
        url_check: UrlCheckInBackground | None = None
        if url and self.settings.check_url:
            # Beside the settle wait: both only wait, so the URL costs no time of its own.
            checker = self.url_checker or (
                lambda u: check_url(u, tries_s=self.settings.url_tries_s)
            )
            url_check = UrlCheckInBackground(lambda: checker(url))
        check = wait_stable(
            self.probe,
            self.ref.app,
            settle_s=self.settings.settle_s,
            deadline_s=self.settings.verify_deadline_s,
            on_sample=lambda s: dt.sample(s, time.time()),
            online_since=dt.online_since,
        )
        self._log(Step.VERIFY, f"pm2: {check.message}")
        if not check.ok:
            raise _Stop(Outcome.FAILED, f"{self.ref.app} is not running properly: {check.message}")
        head, target = current_head(self.shell, self.ref.app, self.ref.deployment.track)
        self.record.commit_after = head
        self._log(Step.VERIFY, f"HEAD {head[:8]}, origin/{self.ref.deployment.track} {target[:8]}")
        if head != target:
            raise _Stop(
                Outcome.FAILED,
                f"{self.ref.app} runs but HEAD {head[:8]} is not origin/"
                f"{self.ref.deployment.track} ({target[:8]}).",
            )
        url_note = ""
        if url_check is not None:
            answer = url_check.result()
            self._log(Step.VERIFY, f"URL: {answer.message}")
            if not answer.ok:
                raise _Stop(Outcome.FAILED, f"{self.ref.app} is online in pm2 but {answer.message}")
            url_note = f"; {answer.message}"
        return f"online and stable at {head[:8]}{url_note}"

    # ---- always -------------------------------------------------------------------------

    def _app_state(self) -> AppState:
        try:
            status = self.probe.app_status(self.ref.app)
        except EregError:
            return AppState.UNKNOWN
        if status is None:
            return AppState.DOWN
        return AppState.UP if status.status == ONLINE else AppState.DOWN

    def _finish(
        self,
        outcome: Outcome,
        message: str,
        block: Block | None,
        inspection: Inspection | None,
        record: bool = True,
    ) -> DeployResult:
        inspection = inspection or getattr(self, "_inspection", None)
        t0 = time.monotonic()
        self._emit(StepStarted(Step.FINISH, time.time()))
        notes: list[str] = []
        detached = outcome == Outcome.DETACHED
        if detached:
            app_state = AppState.UNKNOWN
        elif outcome == Outcome.DEPLOYED:
            app_state = AppState.UP  # Verify has just seen it online and stable
        else:
            app_state = self._app_state()
        dt = self._downtime
        if detached and self._detach.is_set() and self._job and dt is not None and dt.down_now:
            # the operator let go while the app is down: whoever re-attaches counts the
            # downtime from when it really began (best effort; a lost connection skips it)
            assert dt.down_at is not None
            try:
                self.jobs.mark_down(self._job.id, dt.down_at)
            except EregError:
                pass
        downtime = dt.seconds if dt is not None else None
        if dt is not None and dt.down_now and app_state == AppState.UP:
            dt.sample(AppStatus(self.ref.app, ONLINE), time.time())
            downtime = dt.seconds
        if outcome == Outcome.FAILED and app_state == AppState.DOWN:
            message = f"{message} {self.ref.app} is DOWN: start it again (code now on disk)."
        elif outcome == Outcome.FAILED:
            message = f"{message} {self.ref.app} is {app_state.value}."
        r = self.record
        r.ended_at = datetime.now(UTC).isoformat(timespec="seconds")
        r.result = str(outcome)
        r.app_state = str(app_state)
        r.downtime_s = downtime
        r.message = f"{message} ({'; '.join(self._notes)})" if self._notes else message
        r.steps = list(self._steps)
        first_record = True
        recorded = False  # the team's record of this run is on the server
        if record and not detached:
            job_done = self._job.id if self._job is not None else None
            prune = prune_command(self.ref.app, self.settings.keep_jobs) if job_done else None
            try:
                first_record = audit.append(self.shell, r, job_done, then=prune)
                recorded = True
            except EregError as exc:
                notes.append(f"the server audit record could not be written: {exc}")
            if not first_record:  # another desktop followed the same job and recorded it
                message = f"{message} (already recorded by another desktop)"
        notes.extend(self._release_lock(record, detached, recorded, first_record))
        if record and self.history is not None and not detached and first_record:
            if notes:
                r.message = f"{r.message} ({'; '.join(notes)})"
            try:
                self.history.add(r.to_dict())
            except EregError as exc:
                notes.append(str(exc))
        notes = [*self._notes, *notes]
        if notes:
            message = f"{message} ({'; '.join(notes)})"
        self._end_step(
            Step.FINISH,
            StepState.FAILED if notes else StepState.OK,
            "; ".join(notes) or ("detached: nothing recorded yet" if detached else "recorded"),
            t0,
        )
        self.result = DeployResult(
            outcome=outcome,
            app_state=app_state,
            message=message,
            record=r,
            block=block,
            inspection=inspection,
            job_id=self._job.id if self._job else None,
            downtime_s=downtime,
            log_tail=list(self._log_tail),
            lock_holder=getattr(self, "_lock_holder", None),
            lock_stale=getattr(self, "_lock_stale", False),
        )
        self._emit(Finished(self.result))
        return self.result

    def _release_lock(
        self, record: bool, detached: bool, recorded: bool, first_record: bool
    ) -> list[str]:
        """Release only a lock this run took, before any job; or the lock of a job once that
        job is over and its outcome recorded. A run refused here, a detached run or a job still
        running keeps it (the job's re-attach releases it). Returns notes for the record."""
        if self.lock.owner is None or not record or detached:
            return []
        job = self._job
        if job is None:
            if not self._lock_acquired:
                return []
        elif not self._job_over:
            return []
        elif not recorded:
            return [
                f"the lock stays with server job {job.id} until its outcome is recorded "
                "(re-attaching records it and releases the lock)"
            ]
        try:
            verdict = self.lock.release()
        except EregError as exc:
            return [f"the lock could not be released: {exc}"]
        if verdict == "released" or not first_record:
            return []
        if verdict == "gone":
            return ["the lock had already been removed (broken?) before this run released it"]
        return [f"the lock was not released: someone else holds it now ({verdict})"]

    # ---- after a failure ----------------------------------------------------------------

    def start_again(self, on_event: EventSink | None = None) -> ActionResult:
        """``pm2 start APP`` with the code now on disk; recorded as ``start-again``."""
        emit: EventSink = on_event or (lambda e: None)
        t0 = time.monotonic()
        emit(StepStarted(Step.VERIFY, time.time()))
        result = run_action(
            self.ref,
            "start",
            self.shell,
            guard=self.guard,
            operator=self.operator,
            probe=self.probe,
            history=self.history,
            machine=self.machine,
            kind="start-again",
        )
        if result.ok:
            check = wait_stable(
                self.probe,
                self.ref.app,
                settle_s=self.settings.settle_s,
                deadline_s=self.settings.verify_deadline_s,
            )
            if not check.ok:
                result = ActionResult(
                    "start",
                    self.ref.app,
                    False,
                    check.status,
                    result.seconds,
                    f"{self.ref.app} started but {check.message}",
                    result.output,
                )
        emit(
            StepFinished(
                Step.VERIFY,
                StepState.OK if result.ok else StepState.FAILED,
                result.message,
                time.monotonic() - t0,
            )
        )
        return result


def describe_event(event: DeployEvent) -> str | None:
    """One line of text for a terminal; None for events a terminal need not show."""
    if isinstance(event, StepStarted):
        return f"== {event.step.label}"
    if isinstance(event, StepLog):
        return f"   {event.line}"
    if isinstance(event, StepFinished):
        msg = f": {event.message}" if event.message else ""
        return f"-- {event.step} {event.state} ({event.seconds:.1f} s){msg}"
    if isinstance(event, DowntimeStarted):
        return "   !! the app is down"
    if isinstance(event, DowntimeEnded):
        return f"   !! the app is back online after {event.seconds:.1f} s"
    if isinstance(event, ConnectionLost):
        return f"   !! connection lost ({event.message}); retrying"
    if isinstance(event, Reconnected):
        return f"   reconnected after {event.after_s:.1f} s"
    if isinstance(event, JobStarted):
        how = "re-attached to" if event.reattached else "started"
        return f"   {how} server job {event.job_id}"
    return None
