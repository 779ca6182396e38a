"""Restart, stop and start one deployment, refused while another write runs on the same app.

The in-process :class:`WriteGuard` covers this desktop (one per application context); the
server-side lock (:mod:`.lock`) covers other desktops: a simple action is refused while someone
holds the app's deploy lock.
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from ereg_desktop.errors import EregError
from ereg_desktop.services.deploy.audit import AuditRecord, StepRecord
from ereg_desktop.services.deploy.audit import append as audit_append
from ereg_desktop.services.deploy.lock import ServerLock
from ereg_desktop.services.deploy.log_text import clean_line
from ereg_desktop.services.deploy.steps import CommandResult, RemoteCommand, Shell, pm2_action
from ereg_desktop.services.deploy.verify import (
    ONLINE,
    UNKNOWN,
    AppProbe,
    Pm2Probe,
)
from ereg_desktop.services.shown_text import printable
from ereg_desktop.store.history import History
from ereg_desktop.store.inventory import DeploymentRef

log = logging.getLogger(__name__)


class WriteRefused(EregError):
    def __init__(self, app: str, running: str) -> None:
        self.app = app
        self.running = running
        super().__init__(f"{app}: {running} is running on it; try again when it has finished.")


class WriteGuard:
    """At most one write (deploy, restart, stop, start) per app at a time in this process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._busy: dict[tuple[str, str], str] = {}

    @contextmanager
    def hold(self, server: str, app: str, what: str) -> Iterator[None]:
        key = (server, app)
        with self._lock:
            if key in self._busy:
                raise WriteRefused(app, self._busy[key])
            self._busy[key] = what
        try:
            yield
        finally:
            with self._lock:
                self._busy.pop(key, None)

    def running(self, server: str, app: str) -> str | None:
        with self._lock:
            return self._busy.get((server, app))


@dataclass(frozen=True)
class ActionPlan:
    """What :func:`prepare` decided: the command, and the confirmation text to show."""

    verb: str
    command: RemoteCommand
    confirmation: str
    production: bool


@dataclass(frozen=True)
class ActionResult:
    verb: str
    app: str
    ok: bool
    status: str  # pm2 status afterwards
    seconds: float
    message: str
    output: str
    # the error when the command got no clear answer (it may have run): the CLI's exit code
    no_answer: EregError | None = None

    def __str__(self) -> str:
        return self.message


_EFFECT = {
    "restart": "stops and starts it again: it is unavailable for a moment",
    "stop": "stops it: it stays unavailable until started",
    "start": "starts it with the code now on disk",
}


def prepare(ref: DeploymentRef, verb: str) -> ActionPlan:
    """Pure: the exact command and the confirmation text; raises for an unknown verb."""
    cmd = pm2_action(verb, ref.app)
    prod = ref.deployment.production
    where = ref.deployment.environment_label
    text = (
        f"{verb.capitalize()} {ref.app} ({ref.system.name} {where}, {ref.server.label})? "
        f"`{cmd.text}` {_EFFECT[verb]}."
    )
    return ActionPlan(verb, cmd, text, prod)


def _wanted(verb: str) -> str:
    return "stopped" if verb == "stop" else ONLINE


# What an action's result keeps of pm2's output: its last lines (pm2 prints a table at most; a
# server printing megabytes is not worth keeping, nor showing).
_OUTPUT_LINES = 200
_OUTPUT_CHARS = 64_000
UNKNOWN_RESULT = "unknown"  # the command got no answer: whether it ran is not known


def run_action(
    ref: DeploymentRef,
    verb: str,
    shell: Shell,
    *,
    guard: WriteGuard,
    operator: str,
    probe: AppProbe | None = None,
    history: History | None = None,
    machine: str | None = None,
    check_server_lock: bool = True,
    kind: str | None = None,
) -> ActionResult:
    """Run the action and record it (the server's audit and ``history``) whatever the server
    answers: a command that got no answer may have run, so it is recorded as ``unknown``.
    Raises only before anything ran (the write guard, the server's lock)."""
    plan = prepare(ref, verb)
    probe = probe or Pm2Probe(shell, ref.server.id)
    started = datetime.now(UTC)
    with guard.hold(ref.server.id, ref.app, f"a {verb}"):
        if check_server_lock:
            ServerLock(shell, ref.app).check_free()
        t0 = time.monotonic()
        log.info("%s of %s on %s by %s: %s", verb, ref.app, ref.server.id, operator or "?",
                 plan.command.text)  # fmt: skip
        try:
            res = plan.command.run(shell)
        except EregError as exc:  # no answer or the connection cut: it may have run
            seconds = time.monotonic() - t0
            message = printable(
                f"{ref.app}: no clear answer to {verb} after {seconds:.2f} s ({exc.short}): it "
                "may have run; its state is unknown, see the status."
            )
            result = ActionResult(verb, ref.app, False, UNKNOWN, seconds, message, "", exc)
            outcome = UNKNOWN_RESULT
        else:
            seconds = time.monotonic() - t0
            result = _verdict(ref, verb, res, seconds, probe)
            outcome = "ok" if result.ok else "failed"
    log.info("%s of %s on %s: %s", verb, ref.app, ref.server.id, result.message)
    record = AuditRecord(
        kind=kind or verb,
        app=ref.app,
        server=ref.server.id,
        environment=ref.deployment.environment,
        operator=operator,
        machine=machine or socket.gethostname(),
        started_at=started.isoformat(timespec="seconds"),
        ended_at=datetime.now(UTC).isoformat(timespec="seconds"),
        result=outcome,
        app_state=_app_state(result.status),
        message=result.message,
        steps=[StepRecord(plan.command.text, outcome, seconds, result.message)],
    )
    return _recorded(result, record, shell, history)


def _verdict(
    ref: DeploymentRef, verb: str, res: CommandResult, seconds: float, probe: AppProbe
) -> ActionResult:
    lines = [clean_line(x) for x in (res.stdout + res.stderr).split("\n")]
    output = printable("\n".join(lines[-_OUTPUT_LINES:]).strip("\n")[-_OUTPUT_CHARS:], keep="\n")
    unread = ""
    try:
        after = probe.app_status(ref.app)
        status = after.status if after else "missing"
    except EregError as exc:  # pm2 answered the action but not the read afterwards
        status, unread = UNKNOWN, exc.short
    # pm2's own exit 0 stands when its state afterwards could not be read
    ok = res.exit_code == 0 and status in (_wanted(verb), UNKNOWN)
    if ok and unread:
        message = (
            f"{ref.app}: {verb} done in {seconds:.2f} s (exit 0); its state afterwards is "
            f"unknown: {unread}."
        )
    elif ok:
        message = f"{ref.app}: {verb} done in {seconds:.2f} s; now {status}."
    else:
        tail = next((ln for ln in reversed(output.split("\n")) if ln.strip()), "")[:300]
        message = (
            f"{ref.app}: {verb} failed (exit {res.exit_code}); pm2 says {status}. {tail}"
        ).strip()
    return ActionResult(verb, ref.app, ok, status, seconds, printable(message), output)


def _app_state(status: str) -> str:
    return "up" if status == ONLINE else (UNKNOWN if status == UNKNOWN else "down")


def _recorded(
    result: ActionResult, record: AuditRecord, shell: Shell, history: History | None
) -> ActionResult:
    """Write the server's audit line and the history row; a record that could not be written
    is said in the result's message (the action happened all the same)."""
    missing: list[str] = []
    try:
        audit_append(shell, record)
    except EregError as exc:
        missing.append(f"the server's audit may lack this record: {exc.short}")
    if history is not None:
        try:
            history.add(record.to_dict())
        except EregError as exc:
            missing.append(str(exc))
    if not missing:
        return result
    return replace(result, message=printable(f"{result.message} ({'; '.join(missing)})"))
