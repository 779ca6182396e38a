"""Bytes on a remote command's stdin over the real sshd: sent whole while the output is read, the
time limit covering the send, a command that never reads them does not hang the caller."""

from __future__ import annotations

import hashlib
import os
import time
from typing import Any

import pytest
from deploy_helpers import make_ref, shell

from ereg_desktop.remote.connection import ConnectionPool
from ereg_desktop.remote.errors import NoAnswer


def test_megabytes_on_stdin_arrive_exactly(sandbox: Any, pool: ConnectionPool) -> None:
    data = os.urandom(5 << 20) + b"\0\r\n\xff end"
    sh = shell(pool, make_ref(sandbox, "els"))
    res = sh.run_input(["sha256sum"], data, timeout=60)
    assert res.exit_code == 0, res.stderr
    assert res.stdout.split()[0] == hashlib.sha256(data).hexdigest()


def test_a_command_that_prints_while_it_reads_does_not_deadlock(
    sandbox: Any, pool: ConnectionPool
) -> None:
    data = b"x" * (4 << 20)  # `cat` echoes it back while more is still being sent
    res = shell(pool, make_ref(sandbox, "els")).run_input(["cat"], data, timeout=60)
    assert res.exit_code == 0 and len(res.stdout) == len(data)


def test_a_command_that_never_reads_stdin_just_ends(sandbox: Any, pool: ConnectionPool) -> None:
    t0 = time.monotonic()
    res = shell(pool, make_ref(sandbox, "els")).run_input(
        ["bash", "-c", "echo done; exit 3"], os.urandom(8 << 20), timeout=60
    )
    assert (res.exit_code, res.stdout) == (3, "done\n")
    assert time.monotonic() - t0 < 30


def test_the_time_limit_covers_the_send(sandbox: Any, pool: ConnectionPool) -> None:
    """`sleep` never reads: the window fills, the send stalls, the limit ends it."""
    t0 = time.monotonic()
    with pytest.raises(NoAnswer):
        shell(pool, make_ref(sandbox, "els")).run_input(
            ["sleep", "8"], os.urandom(16 << 20), timeout=2
        )
    assert time.monotonic() - t0 < 10


def test_run_without_stdin_is_unchanged(sandbox: Any, pool: ConnectionPool) -> None:
    res = shell(pool, make_ref(sandbox, "els")).run(["bash", "-c", "cat; echo eof"], timeout=20)
    assert (res.exit_code, res.stdout) == (0, "eof\n")  # stdin closed at once: cat ends
