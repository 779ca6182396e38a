"""A hostile server for real: the test account's ``pm2`` is replaced (on its login PATH) by a script
printing garbage, and the real code paths (the status poll, a restart, the audit) run over the real
sshd. Also: a command printing without end, two desktops appending long audit lines at once, and
a damaged job record set aside."""

from __future__ import annotations

import json
import shlex
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from deploy_helpers import make_pool, make_ref, shell
from test_status_support import SERVER_ID, cli_env, run_cli, write_config

from ereg_desktop.remote.command import OutputTooLarge
from ereg_desktop.services.deploy.actions import WriteGuard, run_action
from ereg_desktop.services.deploy.audit import (
    AuditRecord,
    append,
    append_command,
    read_server_audit,
)
from ereg_desktop.services.deploy.jobs import DAMAGED_DIR, JOBS_DIR
from ereg_desktop.services.deploy.workflow import DeployRun
from ereg_desktop.services.monitor import Monitor
from ereg_desktop.services.status import CONNECTED, MISSING, UNREACHABLE
from ereg_desktop.store.history import History

APP = "els"
SECRET = "s3cr3t-DB-PASSWORD"


@pytest.fixture
def audit_restored(sandbox: Any) -> Iterator[Path]:
    """The audit file, put back as it was after the test: its records hold U+2028 and 16 KB
    lines that other tests reading the shared file need not meet."""
    audit = Path(sandbox.home) / ".ereg-desktop/audit.jsonl"
    before = audit.read_bytes() if audit.exists() else None
    yield audit
    if before is None:
        audit.unlink(missing_ok=True)
    else:
        sandbox.write_user_file(audit, before.decode("utf-8"))


class HostilePm2:
    """``pm2`` on the account's login PATH is a script answering what :meth:`answer` says."""

    def __init__(self, sandbox: Any) -> None:
        self.sandbox = sandbox
        self.bin = Path(sandbox.home) / ".hostile-bin"

    def answer(self, body: str) -> None:
        self.sandbox.write_user_file(self.bin / "pm2", "#!/bin/bash\n" + body + "\n", mode=0o755)


@pytest.fixture
def hostile(sandbox: Any) -> Iterator[HostilePm2]:
    h = HostilePm2(sandbox)
    profile = Path(sandbox.home) / ".bash_profile"  # read by a login bash instead of .profile
    sandbox.write_user_file(profile, '. "$HOME/.profile"\nexport PATH="$HOME/.hostile-bin:$PATH"\n')
    try:
        yield h
    finally:
        profile.unlink()
        sandbox.run_as_user("rm -rf ~/.hostile-bin", login=False, check=True)
    assert sandbox.pm2_status(APP) == "online"  # the real pm2 was never reached


ENTRY = '{"name":"els","pid":%s,"pm2_env":{"status":"online","pm_uptime":0,"env":{"P":"' + SECRET
GARBAGE = [
    ("empty", "pm2 prints nothing and exits 0", "exit 0"),
    ("truncated", "pm2's listing is cut in the middle", f"printf '%s' '{ENTRY % 5}'"),
    ("huge", "pm2 prints 40 MB without a newline", "head -c 40000000 /dev/zero | tr '\\0' x"),
    ("invalid-utf8-nul", "pm2 prints invalid UTF-8 and NUL bytes around a list",
     "printf '\\xff\\xfe\\x00[{\"name\":\"els\\xe9\"}\\x00]\\n'"),
    ("400-digit", "pm2's listing has a 400-digit pid",
     "printf '%s\\n' '[" + ENTRY % ("9" * 400) + "\"}}}]'"),
    ("deep-nesting", "pm2 prints a list nested 200 000 deep",
     "head -c 200000 /dev/zero | tr '\\0' '['"),
    ("exit-contradicts", "pm2 prints an error and exits 0", "echo '[PM2][ERROR] " + SECRET + "'"),
    ("hang", "pm2 hangs past the poll's time limit", "exec sleep 30"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("body", "readable"),
    [pytest.param(b, i == "400-digit", id=i, marks=pytest.mark.hostile(
        area="status poll (real sshd)", tried=t,
        outcome="the app's figures from the readable fields" if i == "400-digit" else
        "the server shows 'unknown' with the reason in words (not 'missing'); nothing of "
        "the output shown; the connection stays usable")) for i, t, b in GARBAGE],
)  # fmt: skip
def test_a_poll_of_a_hostile_pm2_returns_a_state(
    sandbox: Any, pool: Any, hostile: HostilePm2, body: str, readable: bool
) -> None:
    hostile.answer(body)
    server = make_ref(sandbox, APP).server
    status = Monitor(pool, timeout=3.0).poll(server)
    if readable:
        assert status.state == CONNECTED and status.apps[APP].status == "online"
        assert status.apps[APP].pid is None
    else:
        assert status.state == UNREACHABLE and status.status_of(APP) != MISSING
        assert status.reason and SECRET not in status.reason
    hostile.answer('echo "[]"')
    assert Monitor(pool).poll(server).state == CONNECTED  # the next poll reads again


@pytest.mark.parametrize(
    "body",
    [pytest.param(b, id=i, marks=pytest.mark.hostile(
        area="actions (real sshd)", tried=f"a restart where {t}",
        outcome="reported with the app's state 'unknown' (or failed, with pm2's exit code); "
                "one audit line on the server and one history row")) for i, t, b in GARBAGE
     if i not in ("hang", "400-digit")],
)  # fmt: skip
def test_a_restart_answered_by_a_hostile_pm2_is_recorded(
    sandbox: Any, pool: Any, hostile: HostilePm2, body: str, tmp_path: Path
) -> None:
    hostile.answer(body)
    ref = make_ref(sandbox, APP)
    history = History(tmp_path / "h.sqlite3")
    who = f"Hostile {tmp_path.name}"  # records are told apart by who and when (to the second)
    result = run_action(ref, "restart", shell(pool, ref), guard=WriteGuard(), operator=who,
                        history=history)  # fmt: skip
    assert result.status == "unknown" and SECRET not in result.message
    assert all(c.isprintable() for c in result.message)
    [row] = history.list(APP)
    assert row["app_state"] == "unknown" and row["operator"] == who
    mine = [r for r in read_server_audit(shell(pool, ref), "sandbox", APP).records
            if r["operator"] == who and r["started_at"] == row["started_at"]]  # fmt: skip
    assert len(mine) == 1 and mine[0]["app_state"] == "unknown"
    assert mine[0]["result"] == row["result"]


@pytest.mark.hostile(area="remote commands", tried="a command prints 40 MB on stdout",
                     outcome="'printed more than 32 MiB ... stopped reading it'; the connection "
                             "goes on working")  # fmt: skip
def test_output_past_the_cap_is_refused_and_the_connection_lives(sandbox: Any, pool: Any) -> None:
    server = make_ref(sandbox, APP).server
    with pytest.raises(OutputTooLarge, match="more than 32 MiB"):
        pool.run(server, ["head", "-c", "40000000", "/dev/zero"], 60)
    assert pool.run(server, ["echo", "still here"], 30).stdout == "still here\n"


@pytest.mark.hostile(area="remote commands", tried="a streamed command prints a 300 000-character "
                     "line", outcome="shown in pieces of at most 64 Ki characters, all of it")  # fmt: skip
def test_a_streamed_endless_line_comes_in_pieces(sandbox: Any, pool: Any) -> None:
    server = make_ref(sandbox, APP).server
    pieces: list[str] = []
    pool.stream(server, ["bash", "-c", "head -c 300000 /dev/zero | tr '\\0' y"],
                lambda line, _err: pieces.append(line), 60)  # fmt: skip
    assert "".join(pieces) == "y" * 300_000 and max(map(len, pieces)) <= 65536


def _record(who: str, n: int) -> AuditRecord:
    return AuditRecord("restart", APP, "sandbox", "development", who, f"{who}-pc",
                       f"2026-03-01T10:00:{n:02d}+00:00", result="ok", app_state="up",
                       reasons={f"c{i}": f"{who}\u2028{n}" * 400 for i in range(10)})  # fmt: skip


@pytest.mark.hostile(area="audit (real sshd)", tried="two desktops append 15 lines of 16 KB each "
                     "to the audit at the same moment", outcome="30 whole lines, each readable, "
                     "none interleaved")  # fmt: skip
def test_two_desktops_appending_long_lines_never_interleave(
    sandbox: Any, tmp_path: Path, audit_restored: Path
) -> None:
    audit = audit_restored
    before = audit.read_bytes().count(b"\n") if audit.exists() else 0
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def desktop(who: str) -> None:
        p = make_pool(sandbox, tmp_path / who)
        try:
            sh = shell(p, make_ref(sandbox, APP))
            start.wait(30)
            for n in range(15):
                append(sh, _record(who, n))
        except BaseException as exc:  # reported by the test below
            errors.append(exc)
        finally:
            p.close()

    for who in ("ada", "bob"):
        (tmp_path / who).mkdir()
    threads = [threading.Thread(target=desktop, args=(w,)) for w in ("ada", "bob")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors and not any(t.is_alive() for t in threads)
    lines = audit.read_bytes().split(b"\n")[before:-1]
    assert len(lines) == 30 and all(len(ln) > 12_000 for ln in lines)
    got = [json.loads(ln) for ln in lines]
    for who in ("ada", "bob"):
        mine = [g for g in got if g["operator"] == who]
        assert [g["started_at"][-8:-6] for g in mine] == [f"{n:02d}" for n in range(15)]
        assert all(g == _record(who, int(g["started_at"][-8:-6])).to_dict() for g in mine)
    assert not list(audit.parent.glob(".audit-line.*"))


@pytest.mark.hostile(area="audit (real sshd)", tried="two appenders on the server run the append "
                     "script 150 times each at once, lines of 16 KB", outcome="300 whole lines, "
                     "each readable, none interleaved")  # fmt: skip
def test_two_appenders_on_the_server_never_interleave(
    sandbox: Any, pool: Any, audit_restored: Path
) -> None:
    audit = audit_restored
    before = audit.read_bytes().count(b"\n") if audit.exists() else 0
    a, b = (shlex.join(append_command(_record(w, 1)).argv) for w in ("cy", "di"))
    loops = f"for i in $(seq 150); do {a}; done & for i in $(seq 150); do {b}; done & wait"
    res = pool.run(make_ref(sandbox, APP).server, ["bash", "-c", loops], 120)
    assert res.exit_code == 0, res.stderr
    lines = audit.read_bytes().split(b"\n")[before:-1]
    assert len(lines) == 300
    expected = {w: _record(w, 1).to_dict() for w in ("cy", "di")}
    assert all(json.loads(ln) == expected[json.loads(ln)["operator"]] for ln in lines)


@pytest.mark.hostile(area="server jobs (real sshd)", tried="a job folder whose job.json has an "
                     "id that is not a job id", outcome="set aside under jobs/.damaged with a "
                     "message naming it; a deploy finds no unfinished work")  # fmt: skip
@pytest.mark.allow_warning_logs
def test_a_damaged_job_record_is_set_aside_on_the_server(sandbox: Any, pool: Any) -> None:
    name = "20260301T000000Z-gt-dead01"
    d = Path(sandbox.home) / JOBS_DIR / name
    sandbox.write_user_file(d / "job.json", json.dumps({"id": "../../x", "app": "gt"}) + "\n")
    sandbox.write_user_file(d / "exit", "0\n")
    ref = make_ref(sandbox, "gt")
    assert DeployRun.find_jobs(shell(pool, ref), "gt") == []
    assert not d.exists()
    moved = [p for p in (Path(sandbox.home) / DAMAGED_DIR).iterdir() if p.name.startswith(name)]
    assert len(moved) == 1 and (moved[0] / "job.json").exists()
    sandbox.run_as_user(f"rm -rf ~/{DAMAGED_DIR}", login=False, check=True)


@pytest.mark.hostile(area="actions (real sshd)", tried="`ereg-desktop restart els --json` where "
                     "pm2 prints 40 MB", outcome="JSON with status 'unknown' and 'it may have "
                     "run'; exit 1; one history row; no traceback")  # fmt: skip
def test_the_cli_restart_answered_by_a_flood_says_it_may_have_run(
    sandbox: Any, hostile: HostilePm2, tmp_path: Path
) -> None:
    hostile.answer("head -c 40000000 /dev/zero | tr '\\0' x")
    cfg = tmp_path / "cfg"
    paths = write_config(sandbox, cfg)
    env = cli_env(tmp_path / "keyring.json")
    base = ["--config-dir", str(cfg)]
    res = run_cli([*base, "keys", "import", str(sandbox.client_key_path), "--server", SERVER_ID],
                  env)  # fmt: skip
    assert res.returncode == 0, res.stderr
    fp = sandbox.host_key_fingerprint()
    assert run_cli([*base, "hosts", "trust", SERVER_ID, "--fingerprint", fp], env).returncode == 0
    res = run_cli([*base, "restart", APP, "--yes", "--json"], env)
    assert res.returncode == 1 and "Traceback" not in res.stderr, res.stderr
    got = json.loads(res.stdout)
    assert got["status"] == "unknown" and "may have run" in got["message"]
    assert "more than 32 MiB" in got["message"]
    [row] = History(paths.history_db).list(APP)
    assert row["result"] == "unknown" and row["app_state"] == "unknown"
