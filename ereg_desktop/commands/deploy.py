"""``ereg-desktop deploy APP [--yes] [--reason TEXT] [--accept-warnings] [--wait-for-merge]
[--json]``: the update.

With translations or global data pending, the same flow as the window's, without the viewer: the
changes are checked while the app runs, and the update refuses before any downtime when a check
finds an error (or a warning, unless ``--accept-warnings``); otherwise it stops the app, submits
them (``update-translations``), checks and merges the pull request (``--wait-for-merge``: waits
for someone to merge it on GitHub instead) and deploys.

Exit 0 when deployed (or nothing was pending), 1 otherwise; the message says whether the app is
up or down. When the server has unfinished updates of the app (a job nobody recorded), those are
followed and recorded instead, said so clearly, and no new update starts (exit 1: run it again).

Questions the update asks mid-run are answered by the flags given in advance (``--reason``,
``--accept-warnings``), else on the terminal within their time limit, else the update stops
before any downtime. The first Ctrl-C cancels before the point of no return (nothing changes)
and detaches after it (the server job goes on); a second one interrupts.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any, Protocol, TextIO

from ereg_desktop.commands._deploy_common import (
    add_app_argument,
    confirm,
    find_deployment,
    open_shell,
    terminal_ask,
)
from ereg_desktop.context import AppContext
from ereg_desktop.errors import EXIT_FAILED, EXIT_OK
from ereg_desktop.services.deploy.actions import WriteGuard
from ereg_desktop.services.deploy.decisions import (
    AcknowledgeWarnings,
    AnswerValue,
    MergeChoice,
    MergeOrWait,
    PresetDecider,
    ReasonNeeded,
    ReviewTranslations,
    ReviewVerdict,
)
from ereg_desktop.services.deploy.events import DeployEvent
from ereg_desktop.services.deploy.jobs import JobListing
from ereg_desktop.services.deploy.preflight import concerns
from ereg_desktop.services.deploy.workflow import (
    Block,
    DeployResult,
    DeployRun,
    Outcome,
    describe_event,
)
from ereg_desktop.services.text_input import check_reason
from ereg_desktop.store.history import History


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_app_argument(parser)
    parser.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    parser.add_argument(
        "--reason",
        metavar="TEXT",
        default="",
        help="why (needed when the system is not yours or production is outside low traffic)",
    )
    parser.add_argument(
        "--accept-warnings",
        action="store_true",
        help="acknowledge in advance the warnings a check may raise (errors still stop it)",
    )
    parser.add_argument(
        "--wait-for-merge",
        action="store_true",
        help="with translations pending: wait for someone to merge the pull request on GitHub "
        "instead of merging it (the app stays stopped until then)",
    )
    parser.add_argument("--json", action="store_true", help="print the final record as JSON")


def run(args: argparse.Namespace, paths: Any) -> int:
    # before anything else: a reason that cannot be sent never gets as far as the lock
    reason = check_reason(args.reason)
    ctx = AppContext.for_cli(paths)
    ref = find_deployment(ctx, args.app, args.server)
    operator = ctx.inventory.operator.name
    notes = concerns(ref, operator)
    where = ref.deployment.environment_label
    question = (
        f"Update {ref.app} ({ref.system.name} {where}, {ref.server.label}) to origin/"
        f"{ref.deployment.track}? The app is down while `npm run setup` runs (and, with "
        "translations pending, from their submission on). Ctrl-C cancels before the app is "
        "stopped (nothing changes) and detaches from then on."
    )
    for n in notes:
        question += f"\n  ! {n.message}"
    if not confirm(question, args.yes):
        print("Nothing done.")
        return EXIT_FAILED
    presets: dict[str, AnswerValue] = {}
    if reason.strip():
        presets[ReasonNeeded.kind] = reason
    if args.accept_warnings:
        presets[AcknowledgeWarnings.kind] = True
    if args.yes:
        # no viewer: the checks decide (errors stop it; warnings need --accept-warnings)
        presets[ReviewTranslations.kind] = ReviewVerdict(
            approved=True, acknowledged_warnings=bool(args.accept_warnings)
        )
        choice = MergeChoice.WAIT if args.wait_for_merge else MergeChoice.MERGE
        presets[MergeOrWait.kind] = str(choice)
    elif args.wait_for_merge:
        presets[MergeOrWait.kind] = str(MergeChoice.WAIT)
    interrupts = _Interrupts()
    decider = PresetDecider(presets, ask=terminal_ask(interrupts.stop))
    pool, shell = open_shell(ctx, ref)
    out = sys.stderr if args.json else sys.stdout

    def show(event: DeployEvent) -> None:
        text = describe_event(event)
        if text is not None:
            print(text, file=out, flush=True)

    followed: list[DeployResult] = []
    try:
        jobs = DeployRun.find_jobs(shell, ref.app)
        guard = WriteGuard()
        history = History(paths.history_db)
        with interrupts.installed(out):
            # Unfinished business first, oldest first: a job nobody recorded holds the app's
            # lock, so no new update can start before its outcome is known and recorded.
            for job in jobs:
                print(_following(job), file=out, flush=True)
                run_ = DeployRun.reattach(ref, shell, job, guard=guard, history=history,
                                          decider=decider, github=ctx.github_pulls)  # fmt: skip
                followed.append(interrupts.follow(run_, show))
                if followed[-1].outcome == Outcome.DETACHED:
                    break
            result = followed[-1] if followed else None
            if result is None:
                deploy = DeployRun(ref, shell, operator=operator, guard=guard, history=history,
                                   decider=decider, github=ctx.github_pulls)  # fmt: skip
                result = interrupts.follow(deploy, show)
    finally:
        pool.close()
    if args.json:
        print(json.dumps(result.record.to_dict(), indent=2, ensure_ascii=False))
    if followed:
        for r in followed:
            print(f"server job {r.job_id}: {r.outcome}: {r.message} [app {r.app_state}]", file=out)
        if result.outcome == Outcome.DETACHED:
            print("That job is not over yet: no new update was started.", file=out)
        else:
            print(
                f"No new update was started: the unfinished job is now recorded. Run "
                f"`ereg-desktop deploy {ref.app}` again to update {ref.app}.",
                file=out,
            )
        return EXIT_FAILED
    print(f"{result.outcome}: {result.message} [app {result.app_state}]", file=out)
    if result.block == Block.NEEDS_REASON and decider.ask is None and not args.reason.strip():
        print("Not a terminal, so nobody could be asked: give the reason with --reason TEXT.",
              file=out)  # fmt: skip
    return EXIT_OK if result.ok else EXIT_FAILED


def _following(job: JobListing) -> str:
    ctx = job.record.context
    by = f"{ctx.operator or 'someone'}" + (f" on {ctx.machine}" if ctx.machine else "")
    return (
        f"An unfinished update of {job.record.app} is on the server: server job "
        f"{job.record.id}, started by {by} at {job.record.started_at} ({job.state.state}). "
        "Following it to verify and record its outcome, instead of starting a new update."
    )


class _Run(Protocol):
    def run(self, on_event: Any = None) -> DeployResult: ...
    def cancel(self) -> str: ...


class _Interrupts:
    """Ctrl-C during a run: the first cancels it (before the point of no return) or detaches
    (after it); an open terminal question is given up (``stop``); a second Ctrl-C interrupts."""

    def __init__(self) -> None:
        self.stop = threading.Event()
        self._current: _Run | None = None
        self._out: TextIO = sys.stdout

    def follow(self, run: _Run, show: Any) -> DeployResult:
        self._current = run
        try:
            return run.run(show)
        finally:
            self._current = None

    def _on_sigint(self, signum: int, frame: FrameType | None) -> None:
        signal.signal(signal.SIGINT, signal.default_int_handler)
        self.stop.set()
        run = self._current
        if run is None:
            raise KeyboardInterrupt
        mode = run.cancel()
        what = (
            "detaching: the server job goes on (the app may be down); run the command again to "
            "follow it"
            if mode == "detach"
            else "cancelling before any downtime: nothing changes"
        )
        print(f"\n   Ctrl-C: {what}. Ctrl-C again to interrupt.", file=self._out, flush=True)

    @contextmanager
    def installed(self, out: TextIO) -> Iterator[None]:
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        self._out = out
        previous = signal.signal(signal.SIGINT, self._on_sigint)
        try:
            yield
        finally:
            signal.signal(signal.SIGINT, previous)
