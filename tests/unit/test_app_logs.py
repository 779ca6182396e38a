"""The logs script as data: exact argv, the output parsed, hostile paths from jlist refused."""

from __future__ import annotations

import json
import os
import select
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from ereg_desktop.errors import BadInputError
from ereg_desktop.services.app_logs import (
    LogLine,
    LogsUnavailable,
    Which,
    follow,
    follow_command,
    log_paths,
    parse_tail,
    read_logs,
    stop_command,
    tail_command,
)
from ereg_desktop.services.pm2_parse import LogPaths, Pm2OutputError, parse_log_paths

PATHS = LogPaths("/home/u/.pm2/logs/gt-out.log", "/home/u/.pm2/logs/gt-error.log")


def jlist(*procs: dict[str, Any]) -> str:
    return json.dumps(list(procs)) + "\n@@ereg-desktop:now 1000.0\n"


def proc(name: str, out: Any, err: Any) -> dict[str, Any]:
    return {"name": name, "pm2_env": {"pm_out_log_path": out, "pm_err_log_path": err,
                                      "SECRET": "hunter2", "status": "online"}}  # fmt: skip


@dataclass
class Res:
    exit_code: int
    stdout: str
    stderr: str = ""
    duration: float = 0.0


class FakeShell:
    """Runs the scripts for real with local bash (the argv as the server gets it)."""

    def __init__(self, listing: str) -> None:
        self.listing = listing
        self.argvs: list[tuple[str, ...]] = []

    def run(self, argv: Any, *, timeout: float) -> Res:
        self.argvs.append(tuple(argv))
        if argv[2].startswith("pm2 jlist"):
            return Res(0, self.listing)
        done = subprocess.run(list(argv), capture_output=True, text=True, timeout=timeout)
        return Res(done.returncode, done.stdout, done.stderr)


def test_tail_argv_is_exact() -> None:
    cmd = tail_command(PATHS, 50)
    assert cmd.argv[:2] == ("bash", "-c")
    assert cmd.argv[3:] == ("_", "50", str(1 << 20), PATHS.out, PATHS.err)
    assert "pm2 logs" not in cmd.argv[2]
    assert PATHS.out not in cmd.argv[2]  # the paths are parameters, never script text
    assert tail_command(PATHS, 5, Which.ERR).argv[-2:] == ("", PATHS.err)
    assert tail_command(PATHS, 5, Which.OUT).argv[-2:] == (PATHS.out, "")


def test_follow_argv_is_exact() -> None:
    cmd = follow_command(PATHS)
    assert cmd.argv[3:] == ("_", PATHS.out, PATHS.err, "@@ereg-desktop:follow-pid ")
    assert "tail -n 0 -F" in cmd.argv[2] and "pm2" not in cmd.argv[2]


@pytest.mark.parametrize("n", [0, -1, 10001])
def test_line_count_is_bounded(n: int) -> None:
    with pytest.raises(BadInputError):
        tail_command(PATHS, n)


def test_read_logs_runs_the_script(tmp_path: Path) -> None:
    out, err = tmp_path / "o.log", tmp_path / "e.log"
    out.write_text("".join(f"line {i}\n" for i in range(10)))
    err.write_text("boom\n\x1b]0;title\x07 bad\n")
    shell = FakeShell(jlist(proc("gt", str(out), str(err))))
    read = read_logs(shell, "s1", "gt", 3)
    assert read.out == ("line 7", "line 8", "line 9")
    assert read.err == ("boom", "\x1b]0;title\x07 bad")
    assert LogLine("err", read.err[1]).shown == " ]0;title  bad"
    assert len(shell.argvs) == 2


def test_missing_log_is_named(tmp_path: Path) -> None:
    out = tmp_path / "o.log"
    out.write_text("only\n")
    shell = FakeShell(jlist(proc("gt", str(out), str(tmp_path / "gone.log"))))
    read = read_logs(shell, "s1", "gt", 5)
    assert read.out == ("only",) and read.err == () and read.missing == ("err",)


def test_bytes_are_capped(tmp_path: Path) -> None:
    out = tmp_path / "o.log"
    out.write_text("x" * (3 << 20) + "\nlast\n")
    read = read_logs(FakeShell(jlist(proc("gt", str(out), None))), "s1", "gt", 2)
    assert sum(len(line) for line in read.out) <= 1 << 20
    assert read.out[-1] == "last"


def test_unknown_app_has_no_logs() -> None:
    with pytest.raises(LogsUnavailable, match="no app 'gt'"):
        log_paths(FakeShell(jlist(proc("other", "/a", "/b"))), "s1", "gt")


def test_parse_tail_keeps_inner_empty_lines() -> None:
    text = (
        "\n@@ereg-desktop:log out\na\n\nb\n\n@@ereg-desktop:log err\n\n@@ereg-desktop:log missing\n"
    )
    read = parse_tail(text, PATHS)
    assert read.out == ("a", "", "b") and read.missing == ("err",)


def test_follow_hands_lines_and_passes_stop() -> None:
    got: list[LogLine] = []
    stop = threading.Event()
    seen: list[Any] = []

    def stream(argv: tuple[str, ...], sink: Any, ev: threading.Event) -> None:
        seen.append((argv, ev))
        sink("@@ereg-desktop:follow-pid 4242", False)
        sink("hello", False)
        sink("oops", True)

    follow(stream, PATHS, got.append, stop)
    assert got == [LogLine("out", "hello"), LogLine("err", "oops")]
    assert seen[0][0] == follow_command(PATHS).argv and seen[0][1] is stop


HOSTILE_PATHS = [
    ("relative", "logs/gt.log", "a relative path"),
    ("option", "-n 1 /etc/shadow", "a path that is an option"),
    ("newline", "/tmp/a.log\n/etc/passwd", "a newline inside the path"),
    ("escape", "/tmp/\x1b[2Ja.log", "a terminal escape inside the path"),
    ("nul", "/tmp/a\x00.log", "a NUL inside the path"),
    ("huge", "/" + "a" * 5000, "a 5001-character path"),
    ("number", 12, "a number for a path"),
    ("list", ["/tmp/a.log"], "a list for a path"),
    ("spaces", " /tmp/a.log", "a path with a leading space"),
]


@pytest.mark.parametrize(
    ("value",),
    [
        pytest.param(v, id=i, marks=pytest.mark.hostile(
            area="logs", tried=f"pm2 jlist gives {what} as an app's log path",
            outcome="the path is refused: no tail runs on it; 'no usable log path' when both are"))
        for i, v, what in HOSTILE_PATHS
    ],
)  # fmt: skip
def test_hostile_log_path_is_refused(value: Any) -> None:
    listing = jlist(proc("gt", value, value))
    assert parse_log_paths(listing, "s1", "gt") == LogPaths(None, None)
    shell = FakeShell(listing)
    with pytest.raises(LogsUnavailable, match="no usable log path"):
        read_logs(shell, "s1", "gt", 5)
    assert len(shell.argvs) == 1  # jlist only: nothing read


@pytest.mark.hostile(area="logs", tried="pm2 jlist prints no list (garbled, secrets inside)",
                     outcome="Pm2OutputError naming the size only")  # fmt: skip
def test_garbled_jlist_is_an_error_without_its_text() -> None:
    with pytest.raises(Pm2OutputError) as caught:
        parse_log_paths('[{"name": "gt", "SECRET=hunter2', "s1", "gt")
    assert "hunter2" not in str(caught.value)


@pytest.mark.hostile(area="logs", tried="one good and one hostile path for the same app",
                     outcome="the good log is read, the other is left out")  # fmt: skip
def test_one_path_refused_other_kept(tmp_path: Path) -> None:
    out = tmp_path / "o.log"
    out.write_text("fine\n")
    shell = FakeShell(jlist(proc("gt", str(out), "/tmp/x\n; rm -rf ~")))
    read = read_logs(shell, "s1", "gt", 5)
    assert read.paths == LogPaths(str(out), None) and read.out == ("fine",)
    assert shell.argvs[1][-1] == ""


def test_stop_command_argv() -> None:
    assert stop_command(4242).argv[3:] == ("_", "4242")


def _appear(fd: int, log: Path, word: str, seen: bytearray, deadline: float) -> bytes:
    """Append ``word N`` lines to ``log`` until one arrives on ``fd`` (tail -n 0 starts at the
    end, so a line written before it opened the file never comes)."""
    i = 0
    while time.monotonic() < deadline:
        with log.open("a") as f:
            f.write(f"{word} {i}\n")
        i += 1
        ready, _, _ = select.select([fd], [], [], 0.1)
        if ready:
            seen += os.read(fd, 65536)
            if f"{word} ".encode() in seen:
                return bytes(seen)
    raise AssertionError(f"no {word!r} line within the time limit")


def test_follow_script_runs_and_stop_ends_its_tails(tmp_path: Path) -> None:
    """The real script with local bash and tail: a line written after the start arrives on its
    stream, and the stop command ends the script and both tails."""
    out, err = tmp_path / "o.log", tmp_path / "e.log"
    out.write_text("old\n")
    err.write_text("")
    cmd = follow_command(LogPaths(str(out), str(err)))
    proc = subprocess.Popen(list(cmd.argv), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            bufsize=0)  # fmt: skip
    deadline = time.monotonic() + 20
    try:
        assert proc.stdout is not None and proc.stderr is not None
        got = _appear(proc.stdout.fileno(), out, "new", bytearray(), deadline)
        first, _, rest = got.partition(b"\n")
        assert first.startswith(b"@@ereg-desktop:follow-pid ")
        assert int(first.split()[-1]) == proc.pid
        assert rest.startswith(b"new ") and b"old" not in rest
        assert _appear(proc.stderr.fileno(), err, "bad", bytearray(), deadline).startswith(b"bad ")
        stop_command(proc.pid).run(FakeShell(""))
        assert proc.wait(10) == 0
        tails = subprocess.run(["pgrep", "-f", f"tail -n 0 -F -- {tmp_path}"], capture_output=True)
        assert tails.returncode == 1, tails.stdout
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
