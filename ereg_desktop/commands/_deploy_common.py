"""Shared by the restart/stop/start/deploy commands: find the deployment, open its shell, ask the
operator on the terminal."""

from __future__ import annotations

import argparse
import select
import sys
import threading
import time
from typing import TextIO

from ereg_desktop.context import AppContext
from ereg_desktop.errors import BadInputError
from ereg_desktop.remote.connection import ConnectionPool
from ereg_desktop.services.deploy.connect import ServerShell
from ereg_desktop.services.deploy.decisions import (
    AcknowledgeWarnings,
    AnswerValue,
    MergeChoice,
    MergeOrWait,
    Question,
    ReasonNeeded,
    ReviewTranslations,
    ReviewVerdict,
    TerminalAsk,
)
from ereg_desktop.store.inventory import DeploymentRef


def add_app_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("app", metavar="APP", help="the pm2 app name (its folder on the server)")
    parser.add_argument("--server", metavar="ID", help="when the app name is on several servers")


def find_deployment(ctx: AppContext, app: str, server: str | None) -> DeploymentRef:
    refs = ctx.inventory.find_app(app, server)
    if not refs:
        raise BadInputError(f"no deployment named {app!r} in {ctx.paths.inventory_file}")
    if len(refs) > 1:
        ids = ", ".join(r.server.id for r in refs)
        raise BadInputError(f"{app!r} is on several servers ({ids}): pick one with --server")
    return refs[0]


def open_shell(ctx: AppContext, ref: DeploymentRef) -> tuple[ConnectionPool, ServerShell]:
    from ereg_desktop.commands.keys import ask_passphrase
    from ereg_desktop.services.monitor import attach

    pool = attach(ctx, ask_passphrase).pool  # the same store and pool as `status`
    return pool, ServerShell(pool, ref.server)


def confirm(question: str, yes: bool) -> bool:
    """``--yes`` confirms; otherwise ask on a terminal, refuse when there is none."""
    if yes:
        return True
    if not sys.stdin.isatty():
        raise BadInputError(f"{question}\nNot a terminal: confirm with --yes.")
    answer = input(f"{question} [y/N] ").strip().casefold()
    return answer in ("y", "yes")


def ask_on_terminal(
    question: Question,
    *,
    stdin: TextIO | None = None,
    out: TextIO | None = None,
    stop: threading.Event | None = None,
) -> AnswerValue:
    """Ask ``question`` on the terminal within its time limit (select() on stdin, so the limit
    holds while nobody types). Raises TimeoutError past the limit, InterruptedError once
    ``stop`` is set (Ctrl-C: the run is cancelled)."""
    stdin = stdin or sys.stdin
    out = out or sys.stderr
    print(f"{question.title}\n  {question.text}", file=out)
    if isinstance(question, ReviewTranslations):
        print(review_text(question.review), file=out)
    print(_PROMPTS.get(question.kind, "Answer: ").format(limit=_limit(question)), end="",
          file=out, flush=True)  # fmt: skip
    end = time.monotonic() + question.timeout_s
    while True:
        if stop is not None and stop.is_set():
            print(file=out)
            raise InterruptedError("cancelled while asking")
        left = end - time.monotonic()
        if left <= 0:
            print(f"\nNo answer within {_limit(question)}.", file=out)
            raise TimeoutError(question.id)
        ready, _, _ = select.select([stdin], [], [], min(left, 0.25))
        if ready:
            break
    line = stdin.readline().strip()
    if question.kind == AcknowledgeWarnings.kind:
        return line.casefold() in ("y", "yes")
    if question.kind == ReviewTranslations.kind:
        yes = line.casefold() in ("y", "yes")
        return ReviewVerdict(approved=yes, acknowledged_warnings=yes)
    if question.kind == MergeOrWait.kind:
        choice = {"m": MergeChoice.MERGE, "w": MergeChoice.WAIT}.get(line[:1].casefold())
        return str(choice) if choice is not None else None
    return line


_PROMPTS = {
    ReasonNeeded.kind: "Reason (within {limit}; empty stops the update): ",
    AcknowledgeWarnings.kind: "Acknowledge these warnings and go on (within {limit})? [y/N] ",
    MergeOrWait.kind: "[m]erge now or [w]ait for someone on GitHub (within {limit})? ",
    ReviewTranslations.kind: "Submit these changes, warnings acknowledged (within {limit})? [y/N] ",
}


def review_text(review: object) -> str:
    """The changes and findings of a translation review, for a terminal (no viewer there)."""
    from ereg_desktop.services.shown_text import printable

    changes = getattr(review, "changes", ())
    findings = getattr(review, "findings", ())
    lines = [f"  {c.status:8} {printable(c.key)[:100]}" for c in changes[:40]]
    if len(changes) > 40:
        lines.append(f"  ... and {len(changes) - 40} more changes")
    lines += [f"  {f.severity:8} {f.check}: {printable(f.message)[:200]}" for f in findings[:40]]
    if len(findings) > 40:
        lines.append(f"  ... and {len(findings) - 40} more findings")
    return "\n".join(lines)


def _limit(question: Question) -> str:
    s = question.timeout_s
    return f"{s / 60:g} min" if s >= 60 else f"{s:g} s"


def terminal_ask(stop: threading.Event) -> TerminalAsk | None:
    """The terminal prompt for questions asked mid-run; None without a terminal."""
    if not sys.stdin.isatty():
        return None
    return lambda q: ask_on_terminal(q, stop=stop)
