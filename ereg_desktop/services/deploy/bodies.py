"""The bodies of the phases that run no server job: preflight, inspect, verify.

A body returns its step's message (the run goes on) or a :class:`~.run_state.RunEnd` (the run
ends there, on purpose); an exception is a failure.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import TypeVar

from ereg_desktop.errors import ConnectionProblem
from ereg_desktop.services.deploy.decisions import Answer, AnswerSource, ReasonNeeded
from ereg_desktop.services.deploy.events import Step
from ereg_desktop.services.deploy.inspect import current_head, inspect
from ereg_desktop.services.deploy.lock import LockHeld, LockOwner
from ereg_desktop.services.deploy.preflight import (
    ConcernNote,
    concerns,
    missing_reasons,
    update_refusal,
)
from ereg_desktop.services.deploy.reattach import server_downtime
from ereg_desktop.services.deploy.result import Block, Outcome
from ereg_desktop.services.deploy.run_state import CANCELLED_MESSAGE, RunEnd, RunState
from ereg_desktop.services.deploy.verify import URL_TIMEOUT_S, UrlCheckInBackground, wait_stable
from ereg_desktop.services.health import check_url
from ereg_desktop.services.text_input import MAX_NAME_CHARS, reason_problem, text_problem

T = TypeVar("T")


def preflight(run: RunState) -> str | RunEnd:
    refusal = update_refusal(run.ref)
    if refusal:
        return RunEnd(Outcome.BLOCKED, refusal.message, Block.PINNED)
    notes = concerns(run.ref, run.operator)
    for note in notes:
        run.log(Step.PREFLIGHT, f"{note.concern}: {note.message}")
    # asked before the lock: nothing on the server waits while the operator types
    unanswered = ask_reasons(run, missing_reasons(notes, run.reasons))
    if unanswered is not None:
        return unanswered
    unusable = unusable_text(run)
    if unusable is not None:
        return unusable
    owner = LockOwner.new(run.operator, run.machine, os.getpid())
    try:
        try:
            run.lock.acquire(owner)
        except LockHeld as held:
            if not _left_behind_by_a_recorded_job(run, run.lock.explain(held)):
                raise
            run.lock.acquire(owner)
        run.lock_acquired = True
    except LockHeld as held:
        held = run.lock.explain(held)
        run.lock_holder, run.lock_stale = held.holder, held.stale
        return RunEnd(Outcome.BLOCKED, str(held), Block.LOCK_HELD)
    run.start_heartbeat(run.lock.renew)
    run.log(Step.PREFLIGHT, f"locked {run.ref.app} on {run.ref.server.label}")
    return "locked" + (f"; reasons: {len(notes)} recorded" if notes else "")


def _left_behind_by_a_recorded_job(run: RunState, held: LockHeld) -> bool:
    """A lock bound to a job that is over and recorded is one its recorder could not release
    (its desktop stopped, or the connection dropped, between the record and the release):
    nobody needs it any more, so it is released here (compare-and-move on its token). True when
    it was."""
    holder = held.holder
    if not held.stale or holder is None or holder.job is None:
        return False
    jobs = {j.record.id: j for j in run.jobs.listing(run.ref.app)}
    job = jobs.get(holder.job)
    if job is None or not job.audited or not job.state.over:
        return False
    if not run.lock.break_stale(holder):
        return False
    run.log(Step.PREFLIGHT, f"released the lock left behind by server job {holder.job} "
                            "(over and recorded; its desktop stopped before releasing it)")  # fmt: skip
    return True


def unusable_text(run: RunState) -> RunEnd | None:
    """Text of the run that cannot be sent to the server (it goes into job.json, owner.json and
    the audit line): the run stops before the lock, with the problem."""
    problems = [reason_problem(text) for text in run.reasons.values()]
    problems += [text_problem(what, text, MAX_NAME_CHARS)
                 for what, text in (("The operator's name", run.operator),
                                    ("The machine's name", run.machine))]  # fmt: skip
    problem = next((p for p in problems if p is not None), None)
    if problem is None:
        return None
    return RunEnd(Outcome.BLOCKED, f"{problem} Nothing was stopped.", Block.NEEDS_REASON)


def ask_reasons(run: RunState, missing: list[ConcernNote]) -> RunEnd | None:
    """One :class:`ReasonNeeded` for the concerns without a reason given in advance; None when
    every concern has its reason (then, or once answered)."""
    if not missing:
        return None
    question = ReasonNeeded(
        id=run.next_question_id(Step.PREFLIGHT),
        title=f"Why update {run.ref.app} now?",
        text=" ".join(n.message for n in missing),
        timeout_s=run.settings.question_timeout_s,
        concerns=tuple((str(n.concern), n.message) for n in missing),
    )
    if run.decider is not None:
        answer = run.decider.decide(question)
    else:
        answer = Answer(question.id, None, AnswerSource.UNASKED)
    problem = reason_problem(answer.text) if answer.text else None
    if problem is not None:  # typed on a terminal or in a dialog: refused before the lock
        return RunEnd(Outcome.BLOCKED, f"{problem} Nothing was stopped.", Block.NEEDS_REASON)
    if answer.text:
        for n in missing:
            run.reasons[n.concern] = answer.text
            run.record.reasons[str(n.concern)] = answer.text
        how = "given in advance" if answer.source == AnswerSource.PRESET else "given"
        run.log(Step.PREFLIGHT, f"reason {how}: {answer.text}")
        return None
    if answer.source == AnswerSource.WITHDRAWN:
        return RunEnd(Outcome.CANCELLED, CANCELLED_MESSAGE)
    why = {
        AnswerSource.TIMED_OUT: f" (no answer within {question.timeout_s:g} s)",
        AnswerSource.UNASKED: "",
    }.get(answer.source, " (the answer was empty)")
    return RunEnd(
        Outcome.BLOCKED,
        f"A reason is needed{why}: {question.text} Nothing was stopped.",
        Block.NEEDS_REASON,
    )


def inspect_phase(run: RunState) -> str | RunEnd:
    d = run.ref.deployment
    found = _despite_a_cut(run, Step.INSPECT, lambda: inspect(run.shell, run.ref.app, d.track))
    run.inspection = found
    run.record.commit_before = found.head
    run.record.pending_commits = len(found.pending)
    run.log(Step.INSPECT,
            f"HEAD {found.head[:8]} on {found.branch}; origin/{d.track} {found.target[:8]}")  # fmt: skip
    for c in found.pending:
        run.log(Step.INSPECT, f"pending {c.short} {c.subject} ({c.author})")
    ch = found.changes
    for label, paths in (
        ("translations", ch.translations),
        ("global data", ch.global_data),
        ("other", ch.other),
    ):
        for p in paths:
            run.log(Step.INSPECT, f"changed ({label}): {p}")
    if ch.other:
        return RunEnd(
            Outcome.BLOCKED,
            "Unexpected local changes on the server block the update (git pull would fail): "
            + ", ".join(ch.other)
            + ". Nothing was stopped.",
            Block.LOCAL_CHANGES,
        )
    if ch.needs_review:
        # reviewed while the app runs, then submitted: the translation phases take over
        run.translations_pending = True
        paths = ch.translations + ch.global_data
        run.log(Step.INSPECT, f"to review before the update: {', '.join(paths)}")
        return f"{len(found.pending)} commit(s) pending; {len(paths)} file(s) to review"
    if found.up_to_date:
        return RunEnd(
            Outcome.NOTHING_PENDING,
            f"Nothing pending: {run.ref.app} is at origin/{d.track} ({found.head[:8]}). "
            "A plain restart is offered instead.",
        )
    return ""


def _despite_a_cut(run: RunState, step: Step, read: Callable[[], T]) -> T:
    """``read`` (it changes nothing on the server, so it may run twice); a lost connection is
    tried again (the next call connects anew) for a while, so a network blip does not turn a good
    update into a failure."""
    end = time.monotonic() + max(5.0, run.settings.verify_deadline_s / 2)
    while True:
        try:
            return read()
        except ConnectionProblem as exc:
            if time.monotonic() > end:
                raise
            run.log(step, f"connection lost ({exc.short}); trying again")
            run.detach_requested.wait(0.5)


def verify(run: RunState) -> str | RunEnd:
    dt = run.downtime
    ref, settings = run.ref, run.settings
    url = ref.deployment.url
    url_check: UrlCheckInBackground | None = None
    if url and settings.check_url:
        # Beside the settle wait: both only wait, so the URL costs no time of its own.
        checker = run.url_checker or (
            lambda u: check_url(u, URL_TIMEOUT_S, retry_for_s=settings.url_tries_s)
        )
        url_check = UrlCheckInBackground(lambda: checker(url))
    check = wait_stable(
        run.probe,
        ref.app,
        settle_s=settings.settle_s,
        deadline_s=settings.verify_deadline_s,
        on_sample=lambda s: dt.sample(s, time.time()),
        online_since=dt.online_since,
    )
    run.log(Step.VERIFY, f"pm2: {check.message}")
    if not check.ok:
        return RunEnd(Outcome.FAILED, f"{ref.app} is not running properly: {check.message}")
    if run.resume is not None and (dt.down_at is None or run.went_down_at is not None):
        # re-attached after the job ended unseen: what this run saw is not the downtime (it
        # never saw the app down, or would count until now); the server's own times are
        known = server_downtime(run)
        if known is not None:
            dt.known(known)
    head, target = _despite_a_cut(
        run, Step.VERIFY, lambda: current_head(run.shell, ref.app, ref.deployment.track)
    )
    run.record.commit_after = head
    run.log(Step.VERIFY, f"HEAD {head[:8]}, origin/{ref.deployment.track} {target[:8]}")
    if head != target:
        return RunEnd(
            Outcome.FAILED,
            f"{ref.app} runs but HEAD {head[:8]} is not origin/{ref.deployment.track} "
            f"({target[:8]}).",
        )
    url_note = ""
    if url_check is not None:
        answer = url_check.result()
        run.log(Step.VERIFY, f"URL: {answer.message}")
        if not answer.answered:
            return RunEnd(Outcome.FAILED, f"{ref.app} is online in pm2 but {answer.message}")
        url_note = f"; {answer.message}"
    return f"online and stable at {head[:8]}{url_note}"
