"""Values reach a remote script as positional parameters, through the login shell that
re-parses the command text: over the real sshd they arrive byte for byte."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from deploy_helpers import make_pool, make_ref, shell

from ereg_desktop.services.deploy.steps import CommandKind, script

HOSTILE = [
    'it\'s "quoted"',
    "$(touch ~/pwned-by-dollar)",
    "`touch ~/pwned-by-backtick`",
    "two\nlines\n",
    "  spaces  and\ttab ",
    "a; touch ~/pwned-by-semicolon",
    "${HOME} * ~ \\ !",
    "",
    "ünïcødé ✓",
]


def test_hostile_values_arrive_byte_identical(sandbox: Any, tmp_path: Path) -> None:
    pool = make_pool(sandbox, tmp_path)
    try:
        cmd = script("echo values", ['printf "%s\\0" "$@"'], *HOSTILE, kind=CommandKind.READ)
        res = cmd.run(shell(pool, make_ref(sandbox, "els")))
    finally:
        pool.close()
    assert res.exit_code == 0, res.stderr
    assert res.stdout.split("\0")[:-1] == HOSTILE
    assert not list(Path(sandbox.home).glob("pwned-by-*"))
