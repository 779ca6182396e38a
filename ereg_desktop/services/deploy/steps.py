"""Every remote step's command as data: a test reads the exact argv the server will run.

The remote layer runs each argv through a login shell (``bash -lc`` of the shlex-joined argv), so
``pm2``, ``pm2-deploy`` and ``update-translations`` resolve as on the operator's own terminal.
Steps that need redirections or ``&&`` are ``bash -c SCRIPT _ ARG...``: SCRIPT is constant text
that refers to its values as ``"$1"``, ``"$2"``; a value never becomes part of the script, so no
quoting convention has to hold for it to be safe.
"""

from __future__ import annotations

import enum
import shlex
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from ereg_desktop.errors import BadInputError
from ereg_desktop.store.inventory import APP_NAME_RE, GIT_REF_RE

STATE_DIR = ".ereg-desktop"  # relative to the account's home, where every step starts


class CommandResult(Protocol):
    """What the remote layer's ``run`` returns (``ereg_desktop.remote`` Result satisfies it)."""

    @property
    def exit_code(self) -> int: ...
    @property
    def stdout(self) -> str: ...
    @property
    def stderr(self) -> str: ...
    @property
    def duration(self) -> float: ...


class Shell(Protocol):
    """One server account. Raises ``ConnectionProblem`` when the server cannot be reached."""

    def run(self, argv: Sequence[str], *, timeout: float) -> CommandResult: ...


class UploadShell(Shell, Protocol):
    """A shell that can also hand a command bytes on its standard input (a file to upload):
    the bytes never appear on a command line, whatever their size or content."""

    def run_input(self, argv: Sequence[str], data: bytes, *, timeout: float) -> CommandResult: ...


class CommandKind(enum.StrEnum):
    """What a remote command may change, so records (and reviews of them) can tell what ran."""

    READ = "read"  # changes nothing
    WRITE = "write"  # changes this tool's state on the server: locks, audit, job files
    APP = "app"  # pm2 start/stop/restart: affects the running app
    JOB = "job"  # starts a detached job (which may change anything its command does)


@dataclass(frozen=True)
class RemoteCommand:
    """One remote step: what it is for the operator, the argv, how long it may take, and what
    kind of change it makes."""

    title: str
    argv: tuple[str, ...]
    timeout: float = 60.0
    kind: CommandKind = field(kw_only=True)

    @property
    def text(self) -> str:
        return shlex.join(self.argv)

    def run(self, shell: Shell) -> CommandResult:
        return shell.run(self.argv, timeout=self.timeout)

    def run_input(self, shell: UploadShell, data: bytes) -> CommandResult:
        """Run it with ``data`` on its standard input (sent within the time limit)."""
        return shell.run_input(self.argv, data, timeout=self.timeout)


def check_app(app: str) -> str:
    if not APP_NAME_RE.match(app):
        raise BadInputError(f"{app!r} is not an app name (letters, digits, '.', '_', '-')")
    return app


def check_track(track: str) -> str:
    """A branch or tag name: never an option (``--upload-pack=...``) to the git that reads it."""
    if not GIT_REF_RE.match(track):
        raise BadInputError(f"{track!r} is not a branch or tag name")
    return track


def script(
    title: str,
    lines: Sequence[str],
    *args: str,
    kind: CommandKind,
    timeout: float = 60.0,
) -> RemoteCommand:
    """A small bash script (constant lines joined with newlines) run as
    ``bash -c SCRIPT _ ARG...``: the script reads its values as ``"$1"``, ``"$2"``..."""
    return RemoteCommand(title, ("bash", "-c", "\n".join(lines), "_", *args), timeout, kind=kind)


def pm2_action(verb: str, app: str, timeout: float = 60.0) -> RemoteCommand:
    """``pm2 restart|stop|start APP``: the simple actions and "Start it again"."""
    if verb not in ("restart", "stop", "start"):
        raise ValueError(f"unknown pm2 action {verb!r}")
    return RemoteCommand(
        f"pm2 {verb} {app}", ("pm2", verb, check_app(app)), timeout, kind=CommandKind.APP
    )


def pm2_deploy(app: str) -> tuple[str, ...]:
    """The documented update command, run detached by :mod:`.jobs`."""
    return ("pm2-deploy", check_app(app))
