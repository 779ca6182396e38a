"""``ereg-desktop deploy APP [--yes] [--reason TEXT] [--json]``: the update procedure.

Exit 0 when deployed (or nothing was pending), 1 otherwise; the message says whether the app is
up or down. When the server has unfinished updates of the app (a job nobody recorded), those are
followed and recorded instead, said so clearly, and no new update starts (exit 1: run it again).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from ereg_desktop.commands._deploy_common import (
    add_app_argument,
    confirm,
    find_deployment,
    open_shell,
)
from ereg_desktop.context import AppContext
from ereg_desktop.errors import EXIT_FAILED, EXIT_OK
from ereg_desktop.services.deploy.actions import WriteGuard
from ereg_desktop.services.deploy.events import DeployEvent
from ereg_desktop.services.deploy.jobs import JobListing
from ereg_desktop.services.deploy.preflight import concerns
from ereg_desktop.services.deploy.workflow import (
    DeployResult,
    DeployRun,
    Outcome,
    describe_event,
)
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
    parser.add_argument("--json", action="store_true", help="print the final record as JSON")


def run(args: argparse.Namespace, paths: Any) -> int:
    ctx = AppContext.for_cli(paths)
    ref = find_deployment(ctx, args.app, args.server)
    operator = ctx.inventory.operator.name
    notes = concerns(ref, operator)
    where = "PRODUCTION" if ref.deployment.environment == "production" else "development"
    question = (
        f"Update {ref.app} ({ref.system.name} {where}, {ref.server.label}) to origin/"
        f"{ref.deployment.track}? The app is down while `npm run setup` runs."
    )
    for n in notes:
        question += f"\n  ! {n.message}"
    if not confirm(question, args.yes):
        print("Nothing done.")
        return EXIT_FAILED
    reasons = {n.concern: args.reason for n in notes} if args.reason else {}
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
        # Unfinished business first, oldest first: a job nobody recorded holds the app's lock,
        # so no new update can start before its outcome is known and recorded.
        for job in jobs:
            print(_following(job), file=out, flush=True)
            run_ = DeployRun.reattach(ref, shell, job, guard=guard, history=history)
            followed.append(run_.run(show))
            if followed[-1].outcome == Outcome.DETACHED:
                break
        result = followed[-1] if followed else None
        if result is None:
            deploy = DeployRun(
                ref, shell, operator=operator, guard=guard, reasons=reasons,
                history=history,
            )  # fmt: skip
            result = deploy.run(show)
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
    return EXIT_OK if result.ok else EXIT_FAILED


def _following(job: JobListing) -> str:
    ctx = job.record.context
    by = f"{ctx.operator or 'someone'}" + (f" on {ctx.machine}" if ctx.machine else "")
    return (
        f"An unfinished update of {job.record.app} is on the server: server job "
        f"{job.record.id}, started by {by} at {job.record.started_at} ({job.state.state}). "
        "Following it to verify and record its outcome, instead of starting a new update."
    )
