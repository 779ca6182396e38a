"""Operator text that cannot be sent (defect 3 of issue 8): the real CLI, with the bytes in its
argv, refuses it before it connects, takes the lock or starts anything."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from cli_helpers import make_cli

APP = "els"

CASES = [
    pytest.param(
        b"caf\xe9",
        "not UTF-8",
        marks=pytest.mark.hostile(
            area="deploy: reason",
            tried="`deploy --reason $'caf\\xe9'` (a Latin-1 byte in argv)",
            outcome="exit 2 before the lock: the reason holds byte 0xe9, which is not UTF-8; "
            "nothing started, no lock left",
        ),
        id="latin1-byte",
    ),
    pytest.param(
        b"line one\x1b[2Jline two",
        "control character",
        marks=pytest.mark.hostile(
            area="deploy: reason",
            tried="a reason holding an escape sequence (ESC [2J)",
            outcome="exit 2 before the lock: the reason holds a control character; nothing started",
        ),
        id="escape",
    ),
    pytest.param(
        "one\u2028two".encode(),
        "LINE SEPARATOR",
        marks=pytest.mark.hostile(
            area="deploy: reason",
            tried="a reason holding U+2028 LINE SEPARATOR",
            outcome="exit 2 before the lock: it would split the audit line; nothing started",
        ),
        id="u2028",
    ),
    pytest.param(
        b"x" * 120_000,
        "at most 1000",
        marks=pytest.mark.hostile(
            area="deploy: reason",
            tried="a 120 000-character reason (over the kernel's 128 KiB "
            "per-argument limit once in a command)",
            outcome="exit 2 before the lock: says its length and the limit; nothing started",
        ),
        id="huge",
    ),
]


@pytest.mark.parametrize(("reason", "said"), CASES)
def test_a_reason_that_cannot_be_sent_is_refused_before_anything_runs(
    sandbox: Any, tmp_path: Path, reason: bytes, said: str
) -> None:
    cli = make_cli(sandbox, tmp_path, [APP], owner="Someone Else")  # a reason is needed
    sandbox.push_commit(APP, {"reason.txt": reason.hex()[:40] + "\n"}, "pending")
    jobs = Path(sandbox.home) / ".ereg-desktop/jobs"
    before = sorted(p.name for p in jobs.iterdir()) if jobs.exists() else []
    pid = sandbox.pm2_process(APP)["pid"]
    res = cli.run("deploy", APP, "--yes", "--reason", reason)
    out = res.stdout + res.stderr
    assert res.returncode == 2, out
    assert said in out and "Traceback" not in out
    assert "not lost" not in out and "detached" not in out
    assert not (Path(sandbox.home) / ".ereg-desktop/locks" / APP).exists()
    assert (sorted(p.name for p in jobs.iterdir()) if jobs.exists() else []) == before
    assert sandbox.pm2_process(APP)["pid"] == pid and sandbox.pm2_status(APP) == "online"
