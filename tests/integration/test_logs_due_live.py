"""Logs read and followed, pending commits and `due` against the real sshd, pm2 and git."""

from __future__ import annotations

import json
import signal
import threading
import time
from pathlib import Path
from typing import Any

from cli_helpers import make_cli
from deploy_helpers import make_ref, shell, wait_until

from ereg_desktop.remote.connection import ConnectionPool
from ereg_desktop.services.app_logs import LogLine, Which, follow, log_paths, read_logs
from ereg_desktop.services.due import check_pending

SERVER = "sandbox"


def pid_of(sandbox: Any, app: str) -> int:
    proc = sandbox.pm2_process(app)
    assert proc is not None
    return int(proc["pid"])


def tail_running(sandbox: Any, path: str) -> bool:
    res = sandbox.run_as_user(["pgrep", "-u", sandbox.user, "-f", f"tail -n 0 -F -- {path}"],
                              login=False)  # fmt: skip
    return res.returncode == 0


class Lines:
    def __init__(self) -> None:
        self.got: list[LogLine] = []
        self.lock = threading.Lock()

    def __call__(self, line: LogLine) -> None:
        with self.lock:
            self.got.append(line)

    def any(self, stream: str, needle: str) -> bool:
        with self.lock:
            return any(ln.stream == stream and needle in ln.text for ln in self.got)


def test_logs_are_read(sandbox: Any, pool: ConnectionPool) -> None:
    ref = make_ref(sandbox, "gt-dev")
    read = read_logs(shell(pool, ref), SERVER, "gt-dev", 50)
    assert (
        read.paths.out
        and read.paths.out == sandbox.pm2_process("gt-dev")["pm2_env"]["pm_out_log_path"]
    )
    assert any("gt-dev listening on http://127.0.0.1:" in line for line in read.out), read.out
    assert len(read.out) <= 50
    crashy = read_logs(shell(pool, ref), SERVER, "crashy", 200, Which.ERR)
    wait = wait_until(
        lambda: any("planned crash" in line for line in
                    read_logs(shell(pool, ref), SERVER, "crashy", 200, Which.ERR).err),
        30, "crashy's crash in its error log",
    )  # fmt: skip
    assert wait and crashy.out == ()


def test_logs_are_followed_and_stop_closes(sandbox: Any, pool: ConnectionPool) -> None:
    ref = make_ref(sandbox, "els")
    paths = log_paths(shell(pool, ref), SERVER, "els")
    assert paths.out and paths.err
    lines = Lines()
    stop = threading.Event()
    done: list[BaseException | None] = []

    def worker() -> None:
        try:
            follow(lambda argv, sink, ev: pool.stream(ref.server, argv, sink, stop=ev),
                   paths, lines, stop, shell=shell(pool, ref))  # fmt: skip
            done.append(None)
        except BaseException as exc:
            done.append(exc)

    thread = threading.Thread(target=worker, daemon=True)
    thread.start()
    try:
        wait_until(lambda: tail_running(sandbox, paths.out), 20, "tail -F on the server")
        wait_until(lambda: tail_running(sandbox, paths.err), 20, "tail -F of the error log")
        sandbox.run_as_user(["bash", "-c", 'printf "%s\\n" "an error line" >> "$1"', "_",
                             paths.err], login=False, check=True)  # fmt: skip
        wait_until(lambda: lines.any("err", "an error line"), 20, "the error log's new line")
        old = pid_of(sandbox, "els")
        sandbox.pm2("restart", "els", check=True)
        new = wait_until(lambda: (p := pid_of(sandbox, "els")) != old and p, 20, "a new pid")
        wait_until(lambda: lines.any("out", f"pid {new},"), 20, "the new process's line")
    finally:
        stop.set()
    thread.join(10)
    assert not thread.is_alive() and done == [None]
    # the stop ended the script on the server too: no tail waits there for the next line
    wait_until(lambda: not tail_running(sandbox, paths.out), 10, "the tails to end")
    assert not tail_running(sandbox, paths.err)


def test_pending_commits_detected_after_push(sandbox: Any, pool: ConnectionPool) -> None:
    ref = make_ref(sandbox, "els")
    sha = sandbox.push_commit("els", {"due-note.txt": "due\n"}, "A commit for due")
    pending = check_pending(shell(pool, ref), ref, time.time())
    assert pending.error == ""
    assert pending.count >= 1 and pending.commits[0].sha == sha
    assert pending.newest_subject == "A commit for due"


def test_due_cli_shows_pending(sandbox: Any, tmp_path: Path) -> None:
    sandbox.push_commit("gt-dev", {"due-cli.txt": "d\n"}, "Pending for the due CLI")
    cli = make_cli(sandbox, tmp_path, ["gt-dev"])
    res = cli.run("due", "--json", "--timezone", "Europe/Paris")
    assert res.returncode == 0, res.stderr
    rows = json.loads(res.stdout)
    assert len(rows) == 1
    row = rows[0]
    assert row["app"] == "gt-dev" and row["pending"] >= 1 and row["pending_error"] == ""
    assert row["newest_subject"] == "Pending for the due CLI"
    assert row["due"] is True and row["slot_start"] is not None
    assert row["last_restart"] is not None and isinstance(row["restarts"], int)
    assert row["health"]["status"] == 200 and row["health"]["ok"] is True
    text = cli.run("due", "--no-health")
    assert text.returncode == 0 and "Pending for the due CLI" in text.stdout


def test_logs_cli_reads_and_follows(sandbox: Any, tmp_path: Path) -> None:
    cli = make_cli(sandbox, tmp_path, ["gt-dev", "crashy"])
    res = cli.run("logs", "gt-dev", "-n", "5", "--out")
    assert res.returncode == 0, res.stderr
    assert "==> out: " in res.stdout and "gt-dev listening on" in res.stdout
    assert "==> err" not in res.stdout
    bad = cli.run("logs", "gt-dev", "-n", "0")
    assert bad.returncode == 2 and "1 to 10000" in bad.stderr
    unknown = cli.run("logs", "nope")
    assert unknown.returncode == 2

    log = tmp_path / "follow.log"
    out_path = sandbox.pm2_process("gt-dev")["pm2_env"]["pm_out_log_path"]
    proc = cli.start("logs", "gt-dev", "--follow", "-n", "1", log=log)
    try:
        wait_until(lambda: "following" in log.read_text(errors="replace"), 60, "the follow")
        wait_until(lambda: tail_running(sandbox, out_path), 20, "tail -F on the server")
        old = pid_of(sandbox, "gt-dev")
        sandbox.pm2("restart", "gt-dev", check=True)
        new = wait_until(lambda: (p := pid_of(sandbox, "gt-dev")) != old and p, 20, "a new pid")
        wait_until(lambda: "out| gt-dev listening on" in log.read_text(errors="replace")
                   and f"pid {new}," in log.read_text(errors="replace"), 20,
                   "the restarted app's line while following")  # fmt: skip
        proc.send_signal(signal.SIGINT)
        assert proc.wait(15) == 0
        wait_until(lambda: not tail_running(sandbox, out_path), 10, "the CLI's tails to end")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
    assert "-- stopped --" in log.read_text(errors="replace")
