"""Release and break are one atomic step on the server (defect 2 of issue 8): a lock re-taken
between another script's check and its remove survives, and "released" means the lock folder was
really moved away. The scripts run in a local bash, paused between their check and their act."""

from __future__ import annotations

import os
import select
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from ereg_desktop.services.deploy import lock
from ereg_desktop.services.deploy.steps import RemoteCommand

ENV = {"PATH": "/usr/bin:/bin"}


def _bash(cmd: RemoteCommand, home: Path) -> str:
    return subprocess.run(list(cmd.argv), capture_output=True, text=True,
                          env={**ENV, "HOME": str(home)}, timeout=60).stdout  # fmt: skip


def _paused(cmd: RemoteCommand, home: Path) -> subprocess.Popen[str]:
    """``cmd`` started with a pause right after its token check (what a slow server or a
    descheduled script does between two lines): it says ``paused`` on stderr, then blocks reading
    the FIFO ``go`` until :func:`_go`. Returns once it has said so (a signal, not a poll)."""
    lines = cmd.argv[2].split("\n")
    at = next(i for i, ln in enumerate(lines) if 'grep -qF "$2"' in ln)
    os.mkfifo(home / "go")
    hook = 'echo paused >&2; read -r _ < "$HOME/go"'
    argv = [*cmd.argv[:2], "\n".join([*lines[: at + 1], hook, *lines[at + 1 :]]), *cmd.argv[3:]]
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**ENV, "HOME": str(home)})  # fmt: skip
    assert proc.stderr is not None
    ready, _, _ = select.select([proc.stderr], [], [], 20)
    assert ready and proc.stderr.readline() == "paused\n", "the script never reached its pause"
    return proc


def _go(home: Path) -> None:
    """Let the paused script on (O_NONBLOCK: an error, not a hang, if it is not waiting)."""
    fd = os.open(home / "go", os.O_WRONLY | os.O_NONBLOCK)
    try:
        os.write(fd, b"\n")
    finally:
        os.close(fd)


def _wait(cond: Callable[[], object], what: str, timeout: float = 20) -> None:
    """A condition with a deadline. Used only for "blocked on flock", which nothing signals: the
    kernel's /proc/locks is the one place it can be seen."""
    end = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > end:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.01)


def _blocked_on_a_lock(pid: int) -> bool:
    """A process of ``pid``'s tree waits for a file lock (a ``->`` line of /proc/locks)."""
    waiting = [ln for ln in Path("/proc/locks").read_text().splitlines() if "->" in ln]
    return any(ln.split()[5] == str(p) for ln in waiting for p in _tree(pid))


def _tree(pid: int) -> list[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True,
                         text=True).stdout.split()  # fmt: skip
    return [pid, *(q for c in out for q in _tree(int(c)))]


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(
            lock.release_command,
            marks=pytest.mark.hostile(
                area="lock",
                tried="the lock broken and re-taken by another desktop between a "
                "release's token check and its remove",
                outcome="the other desktop's lock survives; the release only removes its own",
            ),
            id="release",
        ),
        pytest.param(
            lock.break_command,
            marks=pytest.mark.hostile(
                area="lock",
                tried="a second desktop breaking the same stale lock while the first "
                "is between its check and its remove, then taking it",
                outcome="the lock taken after the break survives; only one break happens",
            ),
            id="break",
        ),
    ],
)
def test_a_lock_retaken_between_check_and_remove_survives(
    tmp_path: Path, make: Callable[[str, str], RemoteCommand]
) -> None:
    a, c = lock.LockOwner.new("Alice", "a", 1), lock.LockOwner.new("Carol", "c", 3)
    assert lock.parse_reply(_bash(lock.acquire_command("gt", a), tmp_path))[0] == "acquired"
    first = _paused(make("gt", a.token), tmp_path)
    # meanwhile another desktop breaks Alice's lock (it looked stale) and Carol takes it
    other = subprocess.Popen(list(lock.break_command("gt", a.token).argv), stdout=subprocess.PIPE,
                             text=True, env={**ENV, "HOME": str(tmp_path)})  # fmt: skip
    _wait(lambda: other.poll() is not None or _blocked_on_a_lock(other.pid), "the other break")
    took = lock.parse_reply(_bash(lock.acquire_command("gt", c), tmp_path))[0]
    _go(tmp_path)
    first_verdict = lock.parse_reply(first.communicate(timeout=30)[0])[0]
    other_verdict = lock.parse_reply(other.communicate(timeout=30)[0])[0]
    if took != "acquired":  # the break waited for the first script: Carol takes it now
        took = lock.parse_reply(_bash(lock.acquire_command("gt", c), tmp_path))[0]
    assert took == "acquired"
    owner_json = tmp_path / lock.LOCKS_DIR / "gt" / "owner.json"
    assert owner_json.exists() and c.token in owner_json.read_text()  # Carol's lock survived
    assert sorted([first_verdict, other_verdict]) == ["gone", "released"]  # one remove
    assert [p.name for p in (tmp_path / lock.LOCKS_DIR).iterdir()] == ["gt"]  # nothing aside
