"""The review and the stop: the translation phases before and at the point of no return.

Review runs while the app still runs: the pending files are read in one round trip, checked
(offline, with the server's scan map, and the authoritative model-load check where the settings
want it), and the operator reviews them (the GUI's viewer; the CLI approves them itself when no
check objects). The lock says ``review`` meanwhile, kept alive by the heartbeat however long that
takes. GitHub is asked for the token and the repository here too, so a missing token stops the
update with the app running.

Stop is the point of no return: ``pm2 stop``, then the files must still be what was reviewed
(else what changed meanwhile is reviewed again), then the operator's fixes are written.
"""

from __future__ import annotations

import dataclasses
import time
from typing import Any, cast

from ereg_desktop.errors import EregError, OperationFailed
from ereg_desktop.services.deploy.decisions import (
    Answer,
    AnswerSource,
    ReviewTranslations,
    ReviewVerdict,
)
from ereg_desktop.services.deploy.events import Step
from ereg_desktop.services.deploy.inspect import TRANSLATIONS_FILE
from ereg_desktop.services.deploy.lock_owner import LockPurpose
from ereg_desktop.services.deploy.model_check import model_check
from ereg_desktop.services.deploy.result import Block, Outcome
from ereg_desktop.services.deploy.run_state import CANCELLED_MESSAGE, RunEnd, RunState
from ereg_desktop.services.deploy.steps import UploadShell
from ereg_desktop.services.deploy.translations_read import (
    PendingTranslations,
    read_pending,
    review_of,
    stop_then_blobs,
)
from ereg_desktop.services.deploy.translations_write import write_back
from ereg_desktop.services.i18n.findings import Severity
from ereg_desktop.services.i18n.messages_file import EMPTY_FILE, blob_sha
from ereg_desktop.services.i18n.review import TranslationReview, apply_edits, build_review
from ereg_desktop.services.shown_text import printable
from ereg_desktop.services.status import AppStatus


def upload_shell(run: RunState) -> UploadShell:
    """The run's shell, which must send files (the candidate translations) on stdin."""
    if not callable(getattr(run.shell, "run_input", None)):
        raise OperationFailed("this connection cannot send files to the server")
    return cast(UploadShell, run.shell)


def review(run: RunState) -> str | RunEnd:
    app = run.ref.app
    github = _github_ready(run)
    if isinstance(github, RunEnd):
        return github
    try:
        run.lock.set_purpose(LockPurpose.REVIEW.value)
    except EregError as exc:  # others see "deploy" instead: worth a note, not a stop
        run.notes.append(f"the lock's purpose could not be set to review: {exc}")
    pending = read_pending(run.shell, app)
    if not pending.paths:
        run.translations_pending = False
        return "nothing to review any more (the pending changes were committed meanwhile)"
    found = _checked(run, review_of(pending), pending.current)
    run.log(Step.REVIEW, _summary(found))
    for f in found.findings[:100]:
        key = f" {printable(f.key)[:80]!r}" if f.key else ""
        run.log(Step.REVIEW, f"{f.severity}: {f.check}{key}: {printable(f.message)[:300]}")
    verdict = _ask(run, found, again=False)
    if isinstance(verdict, RunEnd):
        return verdict
    approved = _approve(run, found, verdict, pending)
    if isinstance(approved, RunEnd):
        return approved
    try:
        run.lock.set_purpose(LockPurpose.DEPLOY.value)
    except EregError as exc:
        run.notes.append(f"the lock's purpose could not be set back to deploy: {exc}")
    fixes = f"; {len(run.edits)} value(s) fixed" if run.edits else ""
    return f"{_summary(approved)}: approved{fixes}"


def _github_ready(run: RunState) -> Any:
    """The pull requests of the system's repository, with a token GitHub accepts: asked before
    anything stops, so a missing token or repository is said with the app running."""
    repo = run.ref.system.repository
    if not repo:
        return RunEnd(
            Outcome.BLOCKED,
            f"{run.ref.system.name} has no GitHub repository in the inventory: the "
            'translations cannot be submitted. Add `repository = "owner/name"` to the system '
            "(Inventory editor). Nothing was stopped.",
            Block.GITHUB,
        )
    if run.github is None:
        return RunEnd(Outcome.BLOCKED, "No GitHub access was given to this update. Nothing was "
                      "stopped.", Block.GITHUB)  # fmt: skip
    try:
        pulls = run.github(repo)
        login = pulls.check_token()
    except EregError as exc:
        return RunEnd(Outcome.BLOCKED, f"{exc} Nothing was stopped.", Block.GITHUB)
    run.log(Step.REVIEW, f"GitHub: {repo} as {login}")
    return pulls


def _checked(run: RunState, found: TranslationReview, candidate: bytes | None) -> TranslationReview:
    """``found`` with the model-load check's finding, when the settings want the check."""
    settings = run.settings
    if candidate is None or not settings.model_check_for(run.ref.deployment.production):
        return found
    check = model_check(upload_shell(run), run.ref.app, candidate,
                        timeout_s=settings.model_check_timeout_s)  # fmt: skip
    run.log(Step.REVIEW, f"model-load check: {check.message}")
    finding = check.finding()
    if finding is None:
        return found
    return dataclasses.replace(found, findings=(*found.findings, finding))


def _summary(found: TranslationReview) -> str:
    data = f", {len(found.data_diffs)} data file(s)" if found.data_diffs else ""
    counts = ", ".join(
        f"{found.count(s)} {s.value}{'s' if found.count(s) != 1 else ''}"
        for s in (Severity.ERROR, Severity.WARNING, Severity.INFO)
    )
    return f"{len(found.changes)} translation change(s){data}; {counts}"


def _ask(run: RunState, found: TranslationReview, *, again: bool) -> ReviewVerdict | RunEnd:
    app = run.ref.app
    if again:
        title = f"The translations of {app} changed after your review"
        text = "What changed meanwhile is shown; review it before the update goes on."
    else:
        title = f"Review the pending translations of {app}"
        text = f"{_summary(found)}. {app} keeps running while you review."
    question = ReviewTranslations(
        id=run.next_question_id(Step.STOP if again else Step.REVIEW),
        title=title,
        text=text,
        timeout_s=run.settings.review_timeout_s,
        review=found,
        again=again,
    )
    if run.decider is not None:
        answer = run.decider.decide(question)
    else:
        answer = Answer(question.id, None, AnswerSource.UNASKED)
    verdict = answer.value if answer.given else None
    if isinstance(verdict, ReviewVerdict) and verdict.approved:
        return verdict
    down = " " if not again else f" {app} is stopped: start it again (without the update). "
    if answer.source == AnswerSource.WITHDRAWN and not again:
        return RunEnd(Outcome.CANCELLED, CANCELLED_MESSAGE)
    if answer.source == AnswerSource.TIMED_OUT:
        why = f"The review was not answered within {question.timeout_s:g} s."
    elif answer.source == AnswerSource.UNASKED:
        why = "The pending translations need a review and nobody could be asked."
    else:
        why = "The translation review was not approved."
    if again:
        return RunEnd(Outcome.FAILED, f"{why}{down}Nothing was submitted.")
    return RunEnd(Outcome.BLOCKED, f"{why} Nothing was stopped.", Block.REVIEW_REJECTED)


def _approve(
    run: RunState, found: TranslationReview, verdict: ReviewVerdict, pending: PendingTranslations
) -> TranslationReview | RunEnd:
    """The approved review with the operator's fixes applied and checked again; a check that
    still objects ends the run (before the stop: nothing stopped)."""
    edits = {**run.edits, **verdict.edits}
    final = found
    candidate: bytes | None = None
    if edits:
        candidate = apply_edits(found, edits)
        final = build_review(
            run.ref.app, found.old_bytes, candidate, data_diffs=found.data_diffs,
            scan_map_bytes=pending.scan_map, reviewed_blobs=found.reviewed_blobs,
        )  # fmt: skip
        final = _checked(run, final, candidate)
    errors = [f for f in final.findings if f.severity == Severity.ERROR]
    warnings = [f for f in final.findings if f.severity == Severity.WARNING]
    if errors:
        listed = "; ".join(f"{f.check}: {f.message}" for f in errors[:5])
        more = f" (and {len(errors) - 5} more)" if len(errors) > 5 else ""
        return RunEnd(
            Outcome.BLOCKED,
            f"{len(errors)} translation error(s) block the submission: {listed}{more}. Fix them "
            "in the review (or in the translations panel) and run the update again. Nothing was "
            "stopped.",
            Block.CHECKS_FAILED,
        )
    if warnings and not verdict.acknowledged_warnings:
        return RunEnd(
            Outcome.BLOCKED,
            f"{len(warnings)} translation warning(s) were not acknowledged (with the CLI: "
            "--accept-warnings). Nothing was stopped.",
            Block.CHECKS_FAILED,
        )
    run.edits = edits
    run.candidate = candidate
    run.review = final
    run.reviewed_blobs = dict(found.reviewed_blobs)
    if candidate is not None:
        run.reviewed_blobs[TRANSLATIONS_FILE] = blob_sha(candidate)
    for f in warnings:
        run.log(Step.REVIEW, f"acknowledged: {f.check} {f.key or ''}: {f.message}")
    return final


def stop(run: RunState) -> str | RunEnd:
    app = run.ref.app
    # the reviewed state on disk: before the fixes, the files as read in Review
    on_disk = dict(run.review.reviewed_blobs) if run.review is not None else {}
    # one round trip: every one from here on is downtime
    now = stop_then_blobs(run.shell, app, tuple(on_disk))
    run.downtime.sample(AppStatus(app, "stopped"), time.time())
    run.log(Step.STOP, f"{app} stopped")
    if now != on_disk:
        changed = sorted(p for p in set(now) | set(on_disk) if now.get(p) != on_disk.get(p))
        run.log(Step.STOP, f"changed after the review: {', '.join(changed)}")
        again = _review_again(run)
        if isinstance(again, RunEnd):
            return again
    if run.candidate is not None:
        expected = run.review.reviewed_blobs.get(TRANSLATIONS_FILE) if run.review else None
        if expected is None:
            raise OperationFailed(
                f"{TRANSLATIONS_FILE} was deleted after the review; nothing written"
            )
        written = write_back(upload_shell(run), app, run.candidate, expected)
        run.reviewed_blobs[TRANSLATIONS_FILE] = written
        run.log(Step.STOP, f"wrote the {len(run.edits)} fixed value(s) to {TRANSLATIONS_FILE}")
    return "stopped; the files are as reviewed"


def _review_again(run: RunState) -> RunEnd | None:
    """The files changed between the review and the stop (the panel wrote): the operator
    reviews what changed meanwhile (against what they approved), then the whole is checked."""
    app = run.ref.app
    pending = read_pending(run.shell, app)
    reviewed = run.review
    assert reviewed is not None
    base = reviewed.new_bytes
    delta = build_review(
        app, base, pending.current or EMPTY_FILE, data_diffs=pending.data_diffs,
        scan_map_bytes=pending.scan_map, reviewed_blobs=pending.blobs,
    )  # fmt: skip
    verdict = _ask(run, delta, again=True)
    if isinstance(verdict, RunEnd):
        return verdict
    whole = review_of(pending)
    approved = _approve(run, whole, verdict, pending)
    if isinstance(approved, RunEnd):  # after the stop: the app is down
        return RunEnd(Outcome.FAILED, f"{approved.message.removesuffix(' Nothing was stopped.')} "
                      f"{app} is stopped: nothing was submitted.")  # fmt: skip
    return None
