"""``ereg-desktop deploy`` answers the update's questions: from ``--reason`` given in advance, on
the terminal within the question's time limit, or not at all (no terminal): then it refuses
before anything changes on the server."""

from __future__ import annotations

import argparse
import os
import pty
import signal
from pathlib import Path
from typing import Any

import pytest
from deploy_fakes import FAST, FakeServer, Probe, ref

from ereg_desktop.commands import _deploy_common
from ereg_desktop.commands import deploy as deploy_cmd
from ereg_desktop.errors import EXIT_FAILED, EXIT_OK
from ereg_desktop.services.deploy.decisions import Question, ReasonNeeded
from ereg_desktop.services.deploy.workflow import DeployRun
from ereg_desktop.store.paths import AppPaths


class _Pool:
    def close(self) -> None:
        pass


def _cli(monkeypatch: pytest.MonkeyPatch, server: FakeServer, ask: Any = None) -> None:
    """The command against the scripted server: a deployment owned by Zed, fast settings."""

    class FastRun(DeployRun):
        def __init__(self, *a: Any, **kw: Any) -> None:
            super().__init__(*a, probe=Probe(), settings=FAST, **kw)

    monkeypatch.setattr(deploy_cmd, "find_deployment", lambda ctx, app, server: ref(owner="Zed"))
    monkeypatch.setattr(deploy_cmd, "open_shell", lambda ctx, r: (_Pool(), server))
    monkeypatch.setattr(deploy_cmd, "DeployRun", FastRun)
    monkeypatch.setattr(deploy_cmd, "terminal_ask", lambda stop: ask)


def _args(reason: str = "") -> argparse.Namespace:
    return argparse.Namespace(app="gt", server=None, yes=True, reason=reason, json=False,
                              accept_warnings=False, wait_for_merge=False)  # fmt: skip


def _paths(tmp_path: Path) -> AppPaths:
    return AppPaths.resolve(config_dir=tmp_path / "config")


def test_reason_flag_answers_the_question_in_advance(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    server = FakeServer()
    _cli(monkeypatch, server)
    assert deploy_cmd.run(_args(reason="covering for Zed"), _paths(tmp_path)) == EXIT_OK
    out = capsys.readouterr().out
    assert "reason given in advance: covering for Zed" in out and "deployed:" in out
    assert "start" in server.ran


def test_on_a_terminal_the_question_is_asked_mid_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    server = FakeServer()
    asked: list[tuple[Question, list[str]]] = []

    def ask(question: Question) -> str:
        asked.append((question, list(server.ran)))
        return "Zed is on leave"

    _cli(monkeypatch, server, ask)
    assert deploy_cmd.run(_args(), _paths(tmp_path)) == EXIT_OK
    (question, ran_before), = asked  # fmt: skip
    assert isinstance(question, ReasonNeeded) and "Zed" in question.text
    assert ran_before == ["list"]  # asked mid-run, before the lock: nothing waits on the server
    assert "reason given: Zed is on leave" in capsys.readouterr().out


def test_without_a_terminal_or_a_reason_it_refuses_before_any_change(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    server = FakeServer()
    _cli(monkeypatch, server, ask=None)
    assert deploy_cmd.run(_args(), _paths(tmp_path)) == EXIT_FAILED
    out = capsys.readouterr().out
    assert "A reason is needed" in out and "give the reason with --reason TEXT" in out
    assert server.ran == ["list", "audit"]  # never locked, never stopped


def _question(timeout_s: float) -> ReasonNeeded:
    return ReasonNeeded(id="preflight-1", title="Why update gt now?", text="Zed owns it.",
                        timeout_s=timeout_s)  # fmt: skip


def test_terminal_prompt_reads_a_line_from_a_pty(capsys: pytest.CaptureFixture[str]) -> None:
    leader, follower = pty.openpty()
    with os.fdopen(follower, "r") as stdin:
        os.write(leader, b"Zed is on leave\n")
        assert _deploy_common.ask_on_terminal(_question(10), stdin=stdin) == "Zed is on leave"
    os.close(leader)
    assert "Reason (within 10 s" in capsys.readouterr().err


def test_terminal_prompt_times_out_when_nobody_types() -> None:
    leader, follower = pty.openpty()
    try:
        with os.fdopen(follower, "r") as stdin, pytest.raises(TimeoutError):
            _deploy_common.ask_on_terminal(_question(0.1), stdin=stdin)
    finally:
        os.close(leader)


@pytest.mark.parametrize(("during", "said", "ran_start"), [
    ("inspect", "cancelling before any downtime: nothing changes", False),
    ("start", "detaching: the server job goes on", True),
])  # fmt: skip
def test_ctrl_c_cancels_or_detaches_by_the_point_of_no_return(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
    during: str, said: str, ran_start: bool,
) -> None:  # fmt: skip
    from deploy_fakes import INSPECTION, R

    server = FakeServer(["running\nsize 0\n"])
    answer = {"inspect": R(0, INSPECTION), "start": R(0, "started 42\n")}[during]

    def interrupted(body: str) -> R:
        signal.raise_signal(signal.SIGINT)  # the operator presses Ctrl-C now
        return answer

    server.answers[during] = interrupted
    _cli(monkeypatch, server)
    before = signal.getsignal(signal.SIGINT)
    assert deploy_cmd.run(_args(reason="covering"), _paths(tmp_path)) == EXIT_FAILED
    assert signal.getsignal(signal.SIGINT) is before  # put back once the run ended
    out = capsys.readouterr().out
    assert f"Ctrl-C: {said}" in out
    assert ("start" in server.ran) == ran_start
    assert ("release" in server.ran) != ran_start  # a detached job keeps the lock
