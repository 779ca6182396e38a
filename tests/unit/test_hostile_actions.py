"""Restart, stop and start against a hostile server: whatever the action, the pm2 read after it
or the audit append answers, an action that ran gets its audit line and its history row, the
operator is told the app's state (``unknown`` when pm2 could not be read), and no traceback."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from deploy_fakes import R, ref
from hostile_answers import GOOD, LISTINGS, SECRET, Garbage

from ereg_desktop.remote.errors import NoAnswer, Unreachable
from ereg_desktop.services.deploy.actions import WriteGuard, run_action
from ereg_desktop.store.history import History
from ereg_desktop.store.inventory import Server

SERVER = Server("s", "h")
Answer = Callable[[], R]


def answer(exit_code: int, stdout: str = "", stderr: str = "") -> Answer:
    return lambda: R(exit_code, stdout, stderr)


def raising(exc: Exception) -> Answer:
    def run() -> R:
        raise exc

    return run


class HostileServer:
    """Answers the lock read, the pm2 action, the pm2 read and the audit append; each can be
    replaced by a hostile answer. Keeps the audit lines it was sent."""

    def __init__(self, **answers: Answer) -> None:
        self.answers = {
            "lock": answer(0, "free\n"),
            "action": answer(0, "[PM2] Applying action restartProcessId on app [gt]\n"),
            "jlist": answer(0, GOOD),
            "audit": answer(0, ""),
            **answers,
        }
        self.ran: list[str] = []
        self.audit_lines: list[dict[str, Any]] = []

    def run(self, argv: Any, *, timeout: float) -> R:
        if argv[0] == "pm2":
            what = "action"
        elif "pm2 jlist" in argv[2]:
            what = "jlist"
        elif "audit.jsonl" in argv[2]:
            what = "audit"
            self.audit_lines.append(json.loads(argv[4]))
        elif "echo free" in argv[2]:
            what = "lock"
        else:
            raise AssertionError(f"unexpected command {argv!r}")
        self.ran.append(what)
        return self.answers[what]()


def act(server: HostileServer, tmp_path: Path, verb: str = "restart") -> tuple[Any, History]:
    history = History(tmp_path / "history.sqlite3")
    result = run_action(ref(), verb, server, guard=WriteGuard(), operator="Ann", history=history,
                        machine="pc")  # fmt: skip
    return result, history


def _recorded(server: HostileServer, history: History, app_state: str) -> dict[str, Any]:
    """The action's one audit line and one history row agree and say ``app_state``."""
    assert server.ran[:2] == ["lock", "action"] and server.ran[-1] == "audit"
    assert len(server.audit_lines) == 1
    rows = history.list("gt")
    assert len(rows) == 1
    row = rows[0]
    assert row["app_state"] == server.audit_lines[0]["app_state"] == app_state
    assert row["kind"] == "restart" and row["operator"] == "Ann"
    for text in (json.dumps(row), json.dumps(server.audit_lines[0])):
        assert SECRET not in text
    return row


def _after(g: Garbage) -> Any:
    outcome = ("restart done, the app's state is read from the readable fields; audit line and "
               "history row written") if g.readable else (
               "restart done (exit 0), app state 'unknown' with pm2's problem in words; audit "
               "line and history row written")  # fmt: skip
    return pytest.param(g, id=g.id, marks=pytest.mark.hostile(
        area="actions", tried=f"after a restart, {g.tried}", outcome=outcome))  # fmt: skip


@pytest.mark.parametrize("garbage", [_after(g) for g in LISTINGS])
def test_a_hostile_pm2_read_after_the_action_still_records_it(
    garbage: Garbage, tmp_path: Path
) -> None:
    server = HostileServer(jlist=answer(garbage.exit_code, garbage.stdout))
    result, history = act(server, tmp_path)
    readable = garbage.readable and garbage.exit_code == 0
    row = _recorded(server, history, "up" if readable else "unknown")
    assert result.ok and row["result"] == "ok"
    assert result.status == ("online" if readable else "unknown")
    if not readable:
        assert "state afterwards is unknown" in result.message
    assert SECRET not in result.message


@pytest.mark.parametrize(
    ("action", "app_state", "ok"),
    [
        pytest.param(
            answer(0, "[PM2][ERROR] Process gt not found\n"),
            "down",
            False,
            id="exit-0-error",
            marks=pytest.mark.hostile(
                area="actions",
                tried="pm2 restart exits 0 printing 'Process gt not found', pm2 lists no gt",
                outcome="'restart failed (exit 0); pm2 says missing'; recorded as failed, app down",
            ),
        ),  # fmt: skip
        pytest.param(
            answer(1, "[PM2] done\n"),
            "up",
            False,
            id="exit-1-done",
            marks=pytest.mark.hostile(
                area="actions",
                tried="pm2 restart exits 1 while saying it is done",
                outcome="'restart failed (exit 1); pm2 says online'; recorded as failed",
            ),
        ),  # fmt: skip
        pytest.param(
            answer(0, "z" * 4_000_000 + "\n" + "\x00\ufffd\x1b[2J" * 1000),
            "up",
            True,
            id="huge-nul-utf8",
            marks=pytest.mark.hostile(
                area="actions",
                tried="pm2 restart prints 4 MB, NUL, invalid UTF-8 and terminal escapes",
                outcome="done; the output kept is bounded and printable; recorded",
            ),
        ),  # fmt: skip
        pytest.param(
            raising(NoAnswer(SERVER, "the command", 60)),
            "unknown",
            False,
            id="hang",
            marks=pytest.mark.hostile(
                area="actions",
                tried="pm2 restart hangs past its time limit",
                outcome="'no answer within 60 s: whether it ran is unknown'; recorded as "
                "unknown, app state unknown",
            ),
        ),  # fmt: skip
        pytest.param(
            raising(Unreachable(SERVER, "connection lost (EOF)")),
            "unknown",
            False,
            id="cut",
            marks=pytest.mark.hostile(
                area="actions",
                tried="the connection drops during pm2 restart",
                outcome="the operator is told it may have run; history row written",
            ),
        ),  # fmt: skip
    ],
)
def test_a_hostile_answer_to_the_action_itself_is_recorded(
    action: Answer, app_state: str, ok: bool, tmp_path: Path
) -> None:
    server = HostileServer(action=action)
    if app_state == "down":
        server.answers["jlist"] = answer(0, "[]\n@@ereg-desktop:now 5\n")
    if app_state == "unknown":  # the connection is gone: nothing else reaches the server
        server.answers["jlist"] = server.answers["audit"] = action
    result, history = act(server, tmp_path)
    assert result.ok is ok
    rows = history.list("gt")
    assert len(rows) == 1 and rows[0]["app_state"] == app_state
    assert rows[0]["result"] == ("ok" if ok else "unknown" if app_state == "unknown" else "failed")
    assert len(result.output) <= 70_000 and all(c.isprintable() for c in result.message)
    if app_state == "unknown":
        assert "may have run" in result.message and "server's audit" in result.message
        assert result.no_answer is not None and result.no_answer.exit_code == 3
        assert "audit" in server.ran  # it was tried
    else:
        assert len(server.audit_lines) == 1


@pytest.mark.parametrize(
    "audit",
    [
        pytest.param(
            answer(1, "", "bash: .ereg-desktop/audit.jsonl: Permission denied"),
            id="refused",
            marks=pytest.mark.hostile(
                area="audit",
                tried="the audit append fails (permission denied) after a restart",
                outcome="restart reported done; the history row is written and the message "
                "says the server's audit was not",
            ),
        ),  # fmt: skip
        pytest.param(
            raising(NoAnswer(SERVER, "the command", 30)),
            id="hang",
            marks=pytest.mark.hostile(
                area="audit",
                tried="the audit append hangs past its time limit",
                outcome="the history row is written; the message says the audit may be missing",
            ),
        ),  # fmt: skip
    ],
)
def test_an_audit_that_cannot_be_written_is_said_and_the_history_row_kept(
    audit: Answer, tmp_path: Path
) -> None:
    server = HostileServer(audit=audit)
    result, history = act(server, tmp_path)
    assert result.ok and "server's audit" in result.message
    assert [r["kind"] for r in history.list("gt")] == ["restart"]


@pytest.mark.hostile(area="actions", tried="the local history database cannot be written",
                     outcome="the action is reported with 'the local history ... could not be "
                             "written'; the server's audit line is written")  # fmt: skip
def test_a_history_that_cannot_be_written_is_said(tmp_path: Path) -> None:
    (tmp_path / "history.sqlite3").mkdir()  # a folder where the database file should be
    server = HostileServer()
    result, _ = act(server, tmp_path)
    assert result.ok and "could not be written" in result.message
    assert len(server.audit_lines) == 1
