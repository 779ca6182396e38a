"""Inspect: what an update would bring and whether the working tree lets it happen.

One round trip: ``git fetch``, HEAD, the tracked branch, the pending commits and ``git status``.
Local changes split into translations (``i18n-messages.json``), global data (``data/``) and
anything else; anything else blocks, since ``git pull`` would fail or take it along.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ereg_desktop.errors import ConnectionProblem, OperationFailed
from ereg_desktop.services.deploy.steps import (
    CommandKind,
    RemoteCommand,
    Shell,
    check_app,
    check_track,
    script,
)

TRANSLATIONS_FILE = "i18n-messages.json"
DATA_DIR = "data/"
_SEP = "\x1f"
_MARK = "@@ereg-desktop:"


@dataclass(frozen=True)
class Commit:
    sha: str
    author: str
    date: str
    subject: str

    @property
    def short(self) -> str:
        return self.sha[:8]


@dataclass(frozen=True)
class LocalChanges:
    translations: tuple[str, ...] = ()
    global_data: tuple[str, ...] = ()
    other: tuple[str, ...] = ()

    @property
    def needs_review(self) -> bool:
        return bool(self.translations or self.global_data)


@dataclass(frozen=True)
class Inspection:
    head: str
    target: str  # origin/TRACK after the fetch
    branch: str  # what HEAD is on ("HEAD" when detached)
    pending: tuple[Commit, ...] = ()
    changes: LocalChanges = field(default_factory=LocalChanges)

    @property
    def up_to_date(self) -> bool:
        return not self.pending and self.head == self.target


def inspect_command(app: str, track: str) -> RemoteCommand:
    """$1 the app's folder, $2 the tracked branch, $3 the log format. ``git fetch`` only updates
    the remote-tracking branch: nothing the app runs changes."""
    return script(
        f"inspect {app}",
        [
            "set -e",
            "cd",
            'cd -- "$1"',
            'git fetch --quiet origin "$2"',
            f"echo '{_MARK}head'",
            "git rev-parse HEAD",
            f"echo '{_MARK}target'",
            'git rev-parse --verify --quiet "origin/$2^{commit}"',
            f"echo '{_MARK}branch'",
            "git rev-parse --abbrev-ref HEAD",
            f"echo '{_MARK}pending'",
            'git log --format="$3" "HEAD..origin/$2"',
            f"echo '{_MARK}status'",
            "git status --porcelain=v1 -z --untracked-files=all",
        ],
        check_app(app),
        check_track(track),
        _SEP.join(["%H", "%an", "%aI", "%s"]),
        kind=CommandKind.READ,
        timeout=120,
    )


def head_command(app: str, track: str) -> RemoteCommand:
    """Verify: HEAD and origin/TRACK after the update, one per line."""
    return script(
        f"check {app} is at {track}",
        ["cd", 'cd -- "$1"', 'git rev-parse HEAD "origin/$2"'],
        check_app(app),
        check_track(track),
        kind=CommandKind.READ,
        timeout=30,
    )


def classify(paths: list[str]) -> LocalChanges:
    tr, data, other = [], [], []
    for p in paths:
        if p == TRANSLATIONS_FILE:
            tr.append(p)
        elif p.startswith(DATA_DIR):
            data.append(p)
        else:
            other.append(p)
    return LocalChanges(tuple(tr), tuple(data), tuple(other))


def parse_porcelain_z(text: str) -> list[str]:
    """Paths from ``git status --porcelain=v1 -z``; a rename counts both its names."""
    paths: list[str] = []
    entries = text.split("\0")
    i = 0
    while i < len(entries):
        entry = entries[i]
        i += 1
        if len(entry) < 4:
            continue
        code, path = entry[:2], entry[3:]
        paths.append(path)
        if "R" in code or "C" in code:
            if i < len(entries) and entries[i]:
                paths.append(entries[i])
            i += 1
    return paths


def parse_inspection(stdout: str) -> Inspection:
    sections: dict[str, str] = {}
    current: str | None = None
    buf: list[str] = []
    for line in stdout.split("\n"):
        if line.startswith(_MARK):
            if current is not None:
                sections[current] = "\n".join(buf)
            current, buf = line[len(_MARK) :].strip(), []
        elif current is not None:
            buf.append(line)
    if current is not None:
        sections[current] = "\n".join(buf)
    pending = []
    for line in sections.get("pending", "").splitlines():
        parts = line.split(_SEP, 3)
        if len(parts) == 4:
            pending.append(Commit(*parts))
    return Inspection(
        head=sections.get("head", "").strip(),
        target=sections.get("target", "").strip(),
        branch=sections.get("branch", "").strip(),
        pending=tuple(pending),
        changes=classify(parse_porcelain_z(sections.get("status", "").strip("\n"))),
    )


def _cut(cmd: RemoteCommand, exit_code: int) -> None:
    """No exit status: the session was cut while the command ran (not a failure of git)."""
    if exit_code == -1:
        raise ConnectionProblem(f"{cmd.title}: the connection dropped while it ran")


def inspect(shell: Shell, app: str, track: str) -> Inspection:
    cmd = inspect_command(app, track)
    res = cmd.run(shell)
    _cut(cmd, res.exit_code)
    if res.exit_code != 0:
        raise OperationFailed(
            f"{cmd.title} failed (exit {res.exit_code}): {res.stderr.strip()[-2000:]}"
        )
    return parse_inspection(res.stdout)


def current_head(shell: Shell, app: str, track: str) -> tuple[str, str]:
    cmd = head_command(app, track)
    res = cmd.run(shell)
    _cut(cmd, res.exit_code)
    lines = res.stdout.split()
    if res.exit_code != 0 or len(lines) < 2:
        raise OperationFailed(f"{cmd.title} failed: {res.stderr.strip()[-500:]}")
    return lines[0], lines[1]
