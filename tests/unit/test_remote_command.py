"""Remote commands are argument lists quoted with shlex: hostile names survive a real bash."""

from __future__ import annotations

import subprocess

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ereg_desktop.remote.command import remote_command
from ereg_desktop.services.deploy.steps import CommandKind, script
from ereg_desktop.services.pm2_read import JLIST, JLIST_TEXT

HOSTILE = [
    "a'b; rm -rf ~",
    '"; echo pwned; "',
    "$(touch /tmp/ereg-pwned)",
    "`id`",
    "a b\tc\nd",
    "--help",
    "*",
    "~",
    "${HOME}",
    "\\",
    "",
    "ünïcødé ✓",
]


def through_bash(argv: list[str]) -> list[str]:
    """Run the command text as sshd would (the login shell's ``-c``), print argv NUL-separated."""
    cmd = remote_command(["printf", "%s\\0", *argv])
    out = subprocess.run(["bash", "-c", cmd], capture_output=True, check=True).stdout
    return out.decode().split("\0")[:-1]


def test_jlist_command_text() -> None:
    assert remote_command(["pm2", "jlist"]) == "bash -lc 'pm2 jlist'"
    assert JLIST_TEXT == remote_command(JLIST.argv)
    assert JLIST.argv[:2] == ("bash", "-c") and JLIST.argv[2].startswith("pm2 jlist\nrc=$?\n")


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_names_round_trip(name: str) -> None:
    assert through_bash([name, "x"]) == [name, "x"]


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.text(alphabet=st.characters(blacklist_characters="\0"), max_size=20),
        min_size=1,
        max_size=4,
    )
)
def test_any_argv_round_trips(argv: list[str]) -> None:
    # surrogates can't be passed to a process; bash sees bytes
    argv = [a.encode("utf-8", "surrogatepass").decode("utf-8", "replace") for a in argv]
    assert through_bash(argv) == argv


def test_empty_command_refused() -> None:
    with pytest.raises(ValueError):
        remote_command([])


VALUES = ['it\'s "quoted"', "$(touch pwned)", "`id`", "two\nlines\n", " a  b\t", "x; id", ""]


def through_sshd(argv: tuple[str, ...]) -> bytes:
    """What sshd does with the command text: the account's shell runs it with ``-c``."""
    return subprocess.run(["bash", "-c", remote_command(argv)], capture_output=True,
                          check=True).stdout  # fmt: skip


def test_script_parameters_pass_the_login_shell_byte_identical() -> None:
    cmd = script("echo", ['printf "%s\\0" "$@"'], *VALUES, kind=CommandKind.READ)
    assert cmd.argv == ("bash", "-c", 'printf "%s\\0" "$@"', "_", *VALUES)
    assert through_sshd(cmd.argv).decode().split("\0")[:-1] == VALUES


@settings(max_examples=40, deadline=None)
@given(st.lists(st.text(alphabet=st.characters(blacklist_characters="\0",
                                               blacklist_categories=("Cs",))), min_size=1, max_size=4))  # fmt: skip
def test_any_script_parameters_round_trip(values: list[str]) -> None:
    cmd = script("echo", ['printf "%s\\0" "$@"'], *values, kind=CommandKind.READ)
    assert through_sshd(cmd.argv).decode().split("\0")[:-1] == values
