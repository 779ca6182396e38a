"""The connection cut at each phase of an update on the real sshd: the SSH channel closed, sshd's
child for the connection killed, the TCP connection dropped, each while a command of that phase
runs. Afterwards: the server job's true result, its downtime, exactly one record, the lock released
once and the app up."""

from __future__ import annotations

import os
import signal
import socket
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from deploy_helpers import FAST, Recorder, make_pool, make_ref, server_audit, shell, wait_until
from sandbox.procs import descendants

from ereg_desktop.remote.connection import ConnectionPool
from ereg_desktop.services.deploy.actions import WriteGuard
from ereg_desktop.services.deploy.events import Step, StepLog, StepStarted
from ereg_desktop.services.deploy.workflow import AppState, DeployRun, Outcome
from ereg_desktop.store.history import History

APP = "gt-dev"


def close_channels(box: Any, pool: ConnectionPool, ref: Any) -> None:
    for channel in list(pool.transport(ref.server)._channels.values()):
        channel.close()


def kill_sshd_children(box: Any, pool: ConnectionPool, ref: Any) -> None:
    listener = box._sshd.pid
    for proc in descendants(listener):
        if proc.ppid == listener:  # the per-connection sshd
            os.kill(proc.pid, signal.SIGKILL)


def drop_tcp(box: Any, pool: ConnectionPool, ref: Any) -> None:
    sock = pool.transport(ref.server).sock
    assert isinstance(sock, socket.socket)
    sock.shutdown(socket.SHUT_RDWR)


Cut = Callable[[Any, ConnectionPool, Any], None]
CUTS: dict[str, tuple[Cut, str]] = {
    "channel": (close_channels, "the SSH channel closed"),
    "sshd-child": (kill_sshd_children, "sshd's child for the connection killed (kill -9)"),
    "tcp": (drop_tcp, "the TCP connection dropped"),
}
# Which command of each phase the cut hits: (phase, what the command's script holds, and
# whether the phase must have begun (events) before that command counts).
PHASES: dict[str, tuple[str, Callable[[str, Recorder], bool]]] = {
    "preflight": ("taking the lock", lambda body, ev: "echo acquired" in body),
    "inspect": ("git fetch and the pending commits", lambda b, ev: "@@ereg-desktop:head" in b),
    "deploy": ("`npm run setup` (app down)", lambda body, ev: 'echo "size $' in body
               and any("running npm run setup" in ln for ln in ev.lines())),
    "verify": ("Verify's pm2 reads", lambda body, ev: "pm2 jlist" in body and any(
        isinstance(e, StepStarted) and e.step == Step.VERIFY for e in ev.snapshot())),
}  # fmt: skip


class CutsOnce:
    """The real shell; the first command matching ``hits`` is cut while it runs."""

    def __init__(self, real: Any, cut: Callable[[], None], hits: Callable[[str], bool]) -> None:
        self.real, self.cut, self.hits = real, cut, hits
        self.done = threading.Event()
        self.cut_made = False

    def run(self, argv: Any, *, timeout: float) -> Any:
        body = " ".join(argv)
        if self.done.is_set() or not self.hits(body):
            return self.real.run(argv, timeout=timeout)
        self.done.set()
        if argv[:2] == ["bash", "-c"] or tuple(argv[:2]) == ("bash", "-c"):
            # a slow server: the command is surely running on it when the cut comes
            argv = [*argv[:2], "sleep 1\n" + argv[2], *argv[3:]]
        out: dict[str, Any] = {}

        def send() -> None:
            try:
                out["r"] = self.real.run(argv, timeout=timeout)
            except BaseException as exc:  # re-raised in the caller's thread
                out["e"] = exc

        sender = threading.Thread(target=send)
        sender.start()
        wait_until(lambda: "r" in out or "e" in out or self._channel_open(), 10, "the command")
        if not ("r" in out or "e" in out):
            self.cut()
            self.cut_made = True
        sender.join(60)
        if "e" in out:
            raise out["e"]
        return out["r"]

    def _channel_open(self) -> bool:
        transport = self.real.pool.transport(self.real.server)
        return bool(list(transport._channels.values()))


def _cases() -> list[Any]:
    out = []
    for phase, (what, _) in PHASES.items():
        for name, (_, how) in CUTS.items():
            out.append(pytest.param(phase, name, id=f"{phase}-{name}", marks=pytest.mark.hostile(
                area="deploy: connection cut", tried=f"{how} during {phase} ({what})",
                outcome="the update goes on over a new connection: deployed, its downtime and "
                "one record (or, if the job's start was lost, failed: nothing started), the lock "
                "released once, the app up",
            )))  # fmt: skip
    return out


@pytest.mark.parametrize(("phase", "cut"), _cases())
def test_a_cut_connection_at_each_phase_ends_with_one_record_and_no_lock(
    sandbox: Any, tmp_path: Path, phase: str, cut: str
) -> None:
    sandbox.set_setup(APP, seconds=2, fail=False)
    new = sandbox.push_commit(APP, {f"cut-{phase}-{cut}.txt": "c\n"}, f"cut {cut} at {phase}")
    ref = make_ref(sandbox, APP)
    pool = make_pool(sandbox, tmp_path)
    events = Recorder()
    try:
        real = shell(pool, ref)
        cutting = CutsOnce(real, lambda: CUTS[cut][0](sandbox, pool, ref),
                           lambda body: PHASES[phase][1](body, events))  # fmt: skip
        run = DeployRun(ref, cutting, operator="Tester", guard=WriteGuard(), settings=FAST,
                        history=History(tmp_path / "h.sqlite3"))  # fmt: skip
        result = run.run(events)
    finally:
        pool.close()
    assert cutting.cut_made, "the command ended before the cut: nothing was tried"
    assert result.app_state == AppState.UP and sandbox.pm2_status(APP) == "online"
    # this run's records: its job, and its start (a run that ended before any job has none)
    mine = (result.record.job, result.record.started_at, result.record.operator)
    records = [
        r for r in server_audit(sandbox, APP) if (r["job"], r["started_at"], r["operator"]) == mine
    ]
    assert len(records) == 1, (result.outcome, result.message, records)
    if result.outcome == Outcome.FAILED:  # the cut took the job's start with it: none started
        assert "did not start" in result.message and result.job_id is None, result.message
        assert sandbox.head(APP) != new and records[0]["result"] == "failed"
    else:
        assert result.outcome == Outcome.DEPLOYED, result.message
        assert sandbox.head(APP) == new and records[0]["result"] == "deployed", records
        assert records[0]["downtime_s"] is not None and 0 < records[0]["downtime_s"] < 30
    assert not (Path(sandbox.home) / ".ereg-desktop/locks" / APP).exists()
    assert not any(isinstance(e, StepLog) and "already been removed" in e.line
                   for e in events.snapshot())  # fmt: skip
