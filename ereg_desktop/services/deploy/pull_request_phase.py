"""The pull request of ``server-translations`` against master, after ``update-translations``.

Found (or opened, when the script pushed but opened none), checked against what was reviewed (the
same files with the same git blobs, nothing more) and against the checks on GitHub's own content,
then merged with a merge commit (the branch is kept: the server pushes to it again), or, if the
operator prefers, waited for until someone merges it on GitHub. The app is down throughout: every
way out says so, and Start it again is offered.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from ereg_desktop.errors import EregError
from ereg_desktop.services.deploy.decisions import (
    Answer,
    AnswerSource,
    MergeChoice,
    MergeOrWait,
)
from ereg_desktop.services.deploy.events import Step
from ereg_desktop.services.deploy.inspect import TRANSLATIONS_FILE
from ereg_desktop.services.deploy.result import Outcome
from ereg_desktop.services.deploy.run_state import RunEnd, RunState
from ereg_desktop.services.github.errors import MergeRefused
from ereg_desktop.services.i18n.findings import Severity
from ereg_desktop.services.i18n.messages_file import EMPTY_FILE
from ereg_desktop.services.i18n.review import build_review

BRANCH = "server-translations"
BASE = "master"


def pull_request(run: RunState) -> str | RunEnd:
    app = run.ref.app
    repo = run.ref.system.repository
    if run.github is None or not repo:
        return _down(run, "No GitHub access for this update.")
    try:
        pulls = run.github(repo)
        with ThreadPoolExecutor(max_workers=3, thread_name_prefix="pull-request") as pool:
            # the job held the lock until here: the run holds it again (kept alive while it
            # waits), beside the GitHub reads (every second here is downtime)
            taken_back = pool.submit(_take_back_the_lock, run)
            pr = pulls.find_or_open(
                head_branch=BRANCH, base=BASE,
                title=f"Translations and global data from {app}",
                body=f"Submitted by {run.operator} with ereg-desktop after a review "
                     f"({len(run.reviewed_blobs)} file(s)).",
            )  # fmt: skip
            if pr is None:
                return _down(run, f"update-translations pushed nothing: {BRANCH} is not ahead "
                                  f"of {BASE} on GitHub ({repo}).")  # fmt: skip
            run.pull_url = pr.url
            run.log(Step.PULL_REQUEST, f"pull request #{pr.number}: {pr.url}")
            files = pool.submit(pulls.files, pr)
            checks = pool.submit(_checks_on_github, run, pulls, pr.head_sha)
            mismatch = _differs(run, files.result())
            if mismatch:
                return _down(run, f"Pull request #{pr.number} does not hold exactly what was "
                                  f"reviewed ({mismatch}); nothing was merged: {pr.url}")  # fmt: skip
            problem = checks.result()
            if problem:
                return _down(run, f"{problem}; nothing was merged: {pr.url}")
            taken_back.result()
        run.log(Step.PULL_REQUEST, "the files on GitHub are the reviewed ones; checks pass")
        return _merge_or_wait(run, pulls, pr)
    except EregError as exc:  # MergeRefused says why and links the pull request
        return _down(run, str(exc))


def _take_back_the_lock(run: RunState) -> None:
    try:
        run.lock.unbind()
        run.start_heartbeat(run.lock.renew)
    except EregError as exc:
        run.notes.append(f"the lock could not be taken back from the finished job: {exc}")


def _down(run: RunState, message: str) -> RunEnd:
    return RunEnd(
        Outcome.FAILED,
        f"{message} The translations are committed on {BRANCH} (not lost); merge them on GitHub "
        "and update again, or start the app again without the update.",
    )


def _differs(run: RunState, files: Any) -> str:
    """What is not as reviewed, in words; empty when the pull request holds exactly the
    reviewed files."""
    on_github = {f.path: (None if f.status == "removed" else f.blob_sha) for f in files}
    want = run.reviewed_blobs
    if not want:
        return "no record of the review (this update cannot check it)"
    extra = sorted(set(on_github) - set(want))
    missing = sorted(set(want) - set(on_github))
    changed = sorted(p for p in set(want) & set(on_github) if want[p] != on_github[p])
    parts = []
    if extra:
        parts.append(f"not reviewed: {', '.join(extra[:5])}")
    if missing:
        parts.append(f"reviewed but absent: {', '.join(missing[:5])}")
    if changed:
        parts.append(f"different from the review: {', '.join(changed[:5])}")
    return "; ".join(parts)


def _checks_on_github(run: RunState, pulls: Any, head_sha: str) -> str:
    """The offline checks on the file as GitHub holds it (against master's): what GitHub merges
    is what is checked, whatever happened on the way."""
    if TRANSLATIONS_FILE not in run.reviewed_blobs:
        return ""
    new = pulls.content(TRANSLATIONS_FILE, head_sha)
    if new is None:
        return ""  # the reviewed change deleted it; the blob comparison covered that
    old = pulls.content(TRANSLATIONS_FILE, BASE) or EMPTY_FILE
    found = build_review(run.ref.app, old, new)
    errors = [f for f in found.findings if f.severity == Severity.ERROR]
    if errors:
        listed = "; ".join(f"{f.check}: {f.message}" for f in errors[:3])
        return f"the checks fail on GitHub's {TRANSLATIONS_FILE}: {listed}"
    return ""


def _merge_or_wait(run: RunState, pulls: Any, pr: Any) -> str | RunEnd:
    settings = run.settings
    stop_waiting = run.detach_requested.is_set
    pr = pulls.wait_mergeable(pr, deadline_s=settings.mergeable_deadline_s, cancelled=stop_waiting)
    if pr.merged:
        return f"#{pr.number} was merged already"
    if pr.mergeable is False or pr.mergeable_state == "dirty":
        why = "dirty" if pr.mergeable_state == "dirty" else "not-mergeable"
        raise MergeRefused(why, pr.url, pr.mergeable_state)
    question = MergeOrWait(
        id=run.next_question_id(Step.PULL_REQUEST),
        title=f"Merge pull request #{pr.number}?",
        text=f"The reviewed translations of {run.ref.app} are in pull request #{pr.number}. "
        f"Merge it now (a merge commit; {BRANCH} is kept), or wait until someone merges it on "
        f"GitHub. {run.ref.app} is stopped until then.",
        timeout_s=settings.question_timeout_s,
        pull_url=pr.url,
    )
    answer = run.decider.decide(question) if run.decider is not None else None
    answer = answer or Answer(question.id, None, AnswerSource.UNASKED)
    choice = answer.value if answer.given else None
    if choice == MergeChoice.MERGE or choice == str(MergeChoice.MERGE):
        sha = pulls.merge(pr, message=f"Merge translations and global data from {run.ref.app}")
        run.log(Step.PULL_REQUEST, f"merged #{pr.number}: {sha[:8]}")
        return f"#{pr.number} merged ({sha[:8]})"
    if choice == MergeChoice.WAIT or choice == str(MergeChoice.WAIT):
        return _wait_for_merge(run, pulls, pr)
    if answer.source == AnswerSource.TIMED_OUT:
        return _down(run, f"Nobody chose between merging and waiting within "
                          f"{question.timeout_s:g} s: {pr.url}")  # fmt: skip
    return _down(run, f"The pull request was not merged: {pr.url}")


def _wait_for_merge(run: RunState, pulls: Any, pr: Any) -> str | RunEnd:
    settings = run.settings
    run.log(Step.PULL_REQUEST, f"waiting for someone to merge #{pr.number} on GitHub: {pr.url}")
    end = time.monotonic() + settings.merge_wait_s
    while True:
        pr = pulls.refresh(pr)
        if pr.merged:
            run.log(Step.PULL_REQUEST, f"#{pr.number} was merged on GitHub")
            return f"#{pr.number} merged on GitHub"
        if pr.state == "closed":
            return _down(run, f"Pull request #{pr.number} was closed without a merge: {pr.url}")
        if run.detach_requested.is_set():
            return _down(run, f"Stopped waiting for the merge of #{pr.number}: {pr.url}")
        if time.monotonic() > end:
            return _down(run, f"Nobody merged #{pr.number} within {settings.merge_wait_s:g} s: "
                              f"{pr.url}")  # fmt: skip
        run.detach_requested.wait(settings.merge_poll_s)
