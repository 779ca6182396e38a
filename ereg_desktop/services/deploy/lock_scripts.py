"""The lock's remote scripts and their replies. Each script starts in the home directory with
``$1`` the app and its other values as further parameters, never as script text."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from ereg_desktop.services.deploy.lock_owner import LOCKS_DIR, OWNERLESS, LockOwner, check_token
from ereg_desktop.services.deploy.steps import (
    STATE_DIR,
    CommandKind,
    RemoteCommand,
    check_app,
    script,
)

# Every script starts in the home directory with $1 = the app and d = its lock folder.
_LOCK_DIR = ["cd || { echo error; exit 0; }", "L=" + LOCKS_DIR + '; d="$L/$1"']
# After ``held``/``other``: the heartbeat's age (server clock) if it has one, the folder's age and
# modification time, then owner.json (at most 64 KiB of it); or, when the lock cannot have a
# readable owner, one line ``KIND AGE_S MTIME`` on the server's clock: ``ownerless`` (a folder
# without owner.json), ``damaged`` (owner.json is not a file) or ``notafolder`` (a file where the
# lock folder should be), so such a lock can be recognised and broken by its modification time.
_HOLDER = [
    'm=$(stat -c %Y "$d" 2>/dev/null || echo 0); age=$(( $(date +%s) - m ))',
    'if [ ! -d "$d" ]; then echo "notafolder $age $m"',
    'elif [ -f "$d/owner.json" ]; then',
    '  h=$(stat -c %Y "$d/heartbeat" 2>/dev/null) && echo "heartbeat $(( $(date +%s) - h ))"',
    '  echo "folder $age $m"',
    '  head -c 65536 "$d/owner.json" 2>/dev/null',
    'elif [ -e "$d/owner.json" ]; then echo "damaged $age $m"',
    'else echo "ownerless $age $m"',
    "fi",
]


def acquire_command(app: str, owner: LockOwner) -> RemoteCommand:
    """Every step checked: the verdict is ``acquired`` only once the heartbeat and owner.json are
    in place. When writing fails the folder just made is removed again (``failed``), so no lock is
    left without an owner; ``error`` when the locks folder cannot be made."""
    return script(
        f"lock {app}",
        [
            *_LOCK_DIR,
            'mkdir -p "$L" || { echo error; exit 0; }',
            'if mkdir "$d" 2>/dev/null; then',
            '  if : > "$d/heartbeat" && printf \'%s\\n\' "$2" > "$d/owner.json.tmp" &&'
            ' mv "$d/owner.json.tmp" "$d/owner.json"; then',
            "    echo acquired",
            "  else",
            '    rm -rf "$d"',
            "    echo failed",
            "  fi",
            "else",
            "  echo held",
            *[f"  {line}" for line in _HOLDER],
            "fi",
        ],
        check_app(app),
        owner.to_json(),
        kind=CommandKind.WRITE,
        timeout=30,
    )


# The scripts that check the lock and then change or remove it hold this file lock from before the
# check to after the act, so two of them (a release and a break, two breaks) never interleave: a
# lock re-taken between one's check and its act cannot happen, since only they remove a lock.
# flock's lock goes with the script's process, so a cut connection never leaves it held.
GUARD_FILE = f"{STATE_DIR}/locks.guard"
_GUARDED = [
    "command -v flock >/dev/null || { echo noflock; exit 0; }",
    f"exec 9>>{GUARD_FILE} && flock -w 20 9 || {{ echo busy; exit 0; }}",
]


def _if_token(then: list[str]) -> list[str]:
    """Run ``then`` only while owner.json names the token (``"$2"`` is the JSON needle),
    checked and acted on under the guard."""
    return [
        *_LOCK_DIR,
        'if [ ! -d "$d" ]; then echo gone; exit 0; fi',
        *_GUARDED,
        'if [ ! -d "$d" ]; then echo gone',
        'elif grep -qF "$2" "$d/owner.json" 2>/dev/null; then',
        *[f"  {line}" for line in then],
        "else",
        "  echo other",
        *[f"  {line}" for line in _HOLDER],
        "fi",
    ]


def _needle(app: str, token: str) -> str:
    return f'"token":"{check_token(app, token)}"'


# The lock folder is moved aside in one rename (then removed): "released" only once that rename
# happened; a failed removal of the aside folder leaves junk, never a lock.
_MOVE_ASIDE = [
    'a="$L/.released-$1-$$"',
    'if mv -T "$d" "$a"; then rm -rf "$a"; echo released; else echo failed; fi',
]


def release_command(app: str, token: str) -> RemoteCommand:
    """Remove the lock while owner.json names ``token``: checked and moved in one step."""
    return script(
        f"unlock {app}",
        _if_token(_MOVE_ASIDE),
        check_app(app),
        _needle(app, token),
        kind=CommandKind.WRITE,
    )


def break_command(app: str, holder_token: str) -> RemoteCommand:
    """Remove a stale lock, only if it is still the one the operator confirmed breaking. It is
    moved aside first (one rename), so nobody sees it half removed."""
    return script(
        f"break lock {app}",
        _if_token(_MOVE_ASIDE),
        check_app(app),
        _needle(app, holder_token),
        kind=CommandKind.WRITE,
    )


def break_ownerless_command(app: str, mtime: int) -> RemoteCommand:
    """Remove a lock folder without owner.json, only if it is still the one confirmed (no
    owner.json meanwhile, the same modification time)."""
    return script(
        f"break lock {app}",
        [
            *_LOCK_DIR,
            'if [ ! -d "$d" ]; then echo gone; exit 0; fi',
            *_GUARDED,
            'if [ ! -d "$d" ]; then echo gone',
            'elif [ ! -e "$d/owner.json" ] && [ "$(stat -c %Y "$d" 2>/dev/null)" = "$2" ]; then',
            *[f"  {line}" for line in _MOVE_ASIDE],
            "else",
            "  echo other",
            "fi",
        ],
        check_app(app),
        str(int(mtime)),
        kind=CommandKind.WRITE,
    )


def break_unreadable_command(app: str, mtime: int) -> RemoteCommand:
    """Remove a lock whose owner cannot be read (owner.json not a file, not JSON, or a file where
    the folder should be), only if it is still the one confirmed: the same modification time (a
    lock taken or rewritten since is a new folder, or renamed an owner.json into it)."""
    return script(
        f"break lock {app}",
        [
            *_LOCK_DIR,
            'if [ ! -e "$d" ]; then echo gone; exit 0; fi',
            *_GUARDED,
            'if [ ! -e "$d" ]; then echo gone',
            'elif [ "$(stat -c %Y "$d" 2>/dev/null)" = "$2" ]; then',
            *[f"  {line}" for line in _MOVE_ASIDE],
            "else",
            "  echo other",
            "fi",
        ],
        check_app(app),
        str(int(mtime)),
        kind=CommandKind.WRITE,
    )


def bind_job_command(app: str, owner: LockOwner) -> RemoteCommand:
    """Rewrite owner.json naming the server job, so others see the lock is held by that job."""
    return script(
        f"lock {app} for job {owner.job}",
        _if_token(
            [
                'if printf \'%s\\n\' "$3" > "$d/owner.json.tmp" &&'
                ' mv "$d/owner.json.tmp" "$d/owner.json" && touch "$d/heartbeat"; then',
                "  echo bound",
                "else",
                "  echo failed",
                "fi",
            ]
        ),
        check_app(app),
        _needle(app, owner.token),
        owner.to_json(),
        kind=CommandKind.WRITE,
    )


def renew_command(app: str, token: str) -> RemoteCommand:
    """Touch the heartbeat while owner.json names ``token``. The script first enters the lock
    folder: if the lock is broken meanwhile (moved aside), the touch lands in the folder being
    removed, never in a lock someone else has taken since."""
    return script(
        f"renew lock {app}",
        [
            *_LOCK_DIR,
            'cd "$d" 2>/dev/null || { echo gone; exit 0; }',
            "d=.",
            'if grep -qF "$2" owner.json 2>/dev/null; then',
            "  if touch heartbeat; then echo renewed; else echo failed; fi",
            "else",
            "  echo other",
            *[f"  {line}" for line in _HOLDER],
            "fi",
        ],
        check_app(app),
        _needle(app, token),
        kind=CommandKind.WRITE,
        timeout=30,
    )


def read_command(app: str) -> RemoteCommand:
    return script(
        f"who holds {app}",
        [
            *_LOCK_DIR,
            'if [ -e "$d" ]; then echo held',
            *[f"  {line}" for line in _HOLDER],
            "else echo free; fi",
        ],
        check_app(app),
        kind=CommandKind.READ,
        timeout=30,
    )


# The lines a reply may carry before owner.json, and what a lock without a readable owner is.
_UNREADABLE = {
    "ownerless": "",
    "damaged": "its owner.json is not a file",
    "notafolder": "a file, not a lock folder, is where the lock should be",
}


def parse_reply(stdout: str) -> tuple[str, LockOwner | None]:
    """First line is the verdict (acquired/held/released/gone/other/bound/renewed/free); then
    ``heartbeat AGE_S`` (if it has one), ``folder AGE_S MTIME`` and owner.json, or one line
    ``ownerless|damaged|notafolder AGE_S MTIME``. A value that is not what a server writes is no
    value; an owner.json that cannot be read is a damaged lock, breakable once it is old."""
    first, _, rest = stdout.strip().partition("\n")
    rest = rest.strip()
    word = rest.split(" ", 1)[0]
    if word in _UNREADABLE:
        return first.strip(), _unreadable(rest.partition("\n")[0], _UNREADABLE[word])
    heartbeat: float | None = None
    folder = ""
    while rest.startswith(("heartbeat ", "folder ")):
        line, _, rest = rest.partition("\n")
        rest = rest.strip()
        if line.startswith("folder "):
            folder = line
            continue
        try:
            heartbeat = max(0.0, float(int(line.split()[1])))
        except (IndexError, ValueError, OverflowError):  # a 400-digit age is no age
            heartbeat = None
    if not rest:
        return first.strip(), None
    owner = LockOwner.from_json(rest)
    if owner is None:
        damaged = _unreadable(folder, "its owner.json cannot be read (truncated or not JSON)")
        if damaged is not None and heartbeat is not None:  # a live holder keeps it fresh
            since = datetime.now(UTC) - timedelta(seconds=heartbeat)
            damaged = replace(
                damaged, since=max(damaged.since, since.isoformat(timespec="seconds"))
            )
        return first.strip(), damaged
    if heartbeat is not None:
        owner = replace(owner, heartbeat_age_s=heartbeat)
    return first.strip(), owner


def _unreadable(line: str, damage: str) -> LockOwner | None:
    try:
        _, age_s, mtime = line.split()[:3]
        since = datetime.now(UTC) - timedelta(seconds=max(0, int(age_s)))
        stamp = int(mtime)
    except (ValueError, OverflowError):
        return None
    return LockOwner(
        OWNERLESS, "?", 0, since.isoformat(timespec="seconds"), "", "unknown",
        ownerless_mtime=stamp, damage=damage,
    )  # fmt: skip
