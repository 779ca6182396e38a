"""The server-side lock per app: ``mkdir ~/.ereg-desktop/locks/APP`` is atomic, so of two
operators deploying one app at the same moment exactly one gets it. ``owner.json`` inside says who,
from which machine, since when, for what (a deploy, a review) and (once the update runs) which
server job holds it. ``heartbeat`` is touched by the run holding the lock (:meth:`ServerLock.renew`)
so a lock held for hours by a live run stays valid while a dead desktop's goes stale in minutes.
"""

from __future__ import annotations

import enum
import json
import re
import secrets
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime, timedelta

from ereg_desktop.errors import EregError, OperationFailed
from ereg_desktop.services.deploy.steps import (
    STATE_DIR,
    CommandKind,
    RemoteCommand,
    Shell,
    check_app,
    script,
)

LOCKS_DIR = f"{STATE_DIR}/locks"
# The holder of a lock not bound to a server job touches its heartbeat this often...
HEARTBEAT_EVERY_S = 30.0
# ...so one not touched for this long belongs to a desktop that went away (several missed beats:
# a slow link or a laptop's short sleep does not lose the lock).
HEARTBEAT_STALE_AFTER = timedelta(minutes=3)
# A lock of an older desktop (no heartbeat) not bound to a job: it was in Preflight/Inspect
# (seconds); one that old without a job means that desktop went away.
UNBOUND_STALE_AFTER = timedelta(minutes=15)
# A lock folder without owner.json exists for milliseconds while a desktop takes it; one that
# old is what a failed write or a cut connection left behind.
OWNERLESS_STALE_AFTER = timedelta(minutes=3)
OWNERLESS = "(unknown: the lock has no owner.json)"
# What LockOwner.new writes (secrets.token_hex(8)); anything else read back is refused before it
# reaches a command.
_TOKEN_RE = re.compile(r"\A[0-9a-f]{16}\Z")


class LockPurpose(enum.StrEnum):
    DEPLOY = "deploy"
    REVIEW = "review"


@dataclass(frozen=True)
class LockOwner:
    operator: str
    machine: str
    pid: int
    since: str  # ISO 8601, UTC
    token: str  # identifies this holder; not a secret, only a name for compare-and-release
    # a LockPurpose, kept as text: a newer desktop's purpose is shown, not refused
    purpose: str = LockPurpose.DEPLOY.value
    job: str | None = None
    # set only for a lock folder without owner.json: its modification time (server clock), which
    # names it when breaking it; never written to owner.json
    ownerless_mtime: int | None = None
    # seconds since the heartbeat was touched, measured on the server's clock when the lock was
    # read; None when the lock has none (an older desktop's). Never written to owner.json.
    heartbeat_age_s: float | None = field(default=None, compare=False)

    @property
    def ownerless(self) -> bool:
        return self.ownerless_mtime is not None

    @classmethod
    def new(
        cls, operator: str, machine: str, pid: int, purpose: LockPurpose = LockPurpose.DEPLOY
    ) -> LockOwner:
        since = datetime.now(UTC).isoformat(timespec="seconds")
        return cls(operator, machine, pid, since, secrets.token_hex(8), purpose.value)

    def to_json(self) -> str:
        d = asdict(self)
        del d["ownerless_mtime"], d["heartbeat_age_s"]
        return json.dumps(d, sort_keys=True, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> LockOwner | None:
        try:
            d = json.loads(text)
            return cls(
                operator=str(d.get("operator", "?")),
                machine=str(d.get("machine", "?")),
                pid=int(d.get("pid", 0)),
                since=str(d.get("since", "")),
                token=str(d.get("token", "")),
                purpose=str(d.get("purpose", LockPurpose.DEPLOY.value)),
                job=d.get("job") if isinstance(d.get("job"), str) else None,
            )
        except (ValueError, TypeError, AttributeError):
            return None

    def describe(self) -> str:
        if self.ownerless:
            return f"{OWNERLESS}, left since {self.since}"
        job = f", server job {self.job}" if self.job else ""
        return f"{self.operator} on {self.machine} since {self.since} ({self.purpose}{job})"

    def age(self, now: datetime | None = None) -> timedelta | None:
        try:
            since = datetime.fromisoformat(self.since)
        except ValueError:
            return None
        return (now or datetime.now(UTC)) - since


class LockHeld(EregError):
    """Someone else is deploying (or did, and left the lock behind)."""

    def __init__(self, app: str, holder: LockOwner | None, stale: bool = False) -> None:
        self.app = app
        self.holder = holder
        self.stale = stale
        who = holder.describe() if holder else "another operator (the lock is being taken now)"
        hint = (
            " It looks stale (nobody has held it for minutes): it can be broken after confirming."
            if stale and holder is not None and holder.ownerless
            else " It looks stale (its holder is gone): it can be broken after confirming."
            if stale
            else " Wait for them to finish, or ask them."
        )
        super().__init__(f"{app} is locked by {who}.{hint}")


class LockLost(LockHeld):
    """The lock this run held is not its own any more: someone broke it (and maybe took it)."""

    def __init__(self, app: str, holder: LockOwner | None) -> None:
        self.app = app
        self.holder = holder
        self.stale = False
        now = f"it is now held by {holder.describe()}" if holder else "it is free now"
        EregError.__init__(
            self,
            f"The lock of {app} is no longer this run's: someone broke it ({now}). "
            "This run changes nothing more on the server.",
        )


def check_token(app: str, token: str) -> str:
    """``token`` if it is one a desktop writes; read back from the server, anything else is
    refused before it reaches a command."""
    if not _TOKEN_RE.match(token):
        raise OperationFailed(
            f"The lock of {app} names the token {token[:40]!r}, which no ereg-desktop writes "
            f"(16 hex digits): its owner.json was altered. Check that nobody is deploying {app}, "
            f"then remove ~/{LOCKS_DIR}/{app} on the server by hand."
        )
    return token


# Every script starts in the home directory with $1 = the app and d = its lock folder.
_LOCK_DIR = ["cd || { echo error; exit 0; }", "L=" + LOCKS_DIR + '; d="$L/$1"']
# After ``held``/``other``: the heartbeat's age (server clock) if it has one, then owner.json; or
# (no owner.json) a line ``ownerless AGE_S MTIME`` on the server's clock, so a lock folder left
# without its owner can be recognised and broken.
_HOLDER = [
    'if [ -f "$d/owner.json" ]; then',
    '  h=$(stat -c %Y "$d/heartbeat" 2>/dev/null) && echo "heartbeat $(( $(date +%s) - h ))"',
    '  cat "$d/owner.json" 2>/dev/null',
    "else",
    '  m=$(stat -c %Y "$d" 2>/dev/null || echo 0); echo "ownerless $(( $(date +%s) - m )) $m"',
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


def _if_token(then: list[str]) -> list[str]:
    """Run ``then`` only while owner.json names the token (``"$2"`` is the JSON needle)."""
    return [
        *_LOCK_DIR,
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


def release_command(app: str, token: str) -> RemoteCommand:
    return script(
        f"unlock {app}",
        _if_token(['rm -rf "$d"', "echo released"]),
        check_app(app),
        _needle(app, token),
        kind=CommandKind.WRITE,
    )


def break_command(app: str, holder_token: str) -> RemoteCommand:
    """Remove a stale lock, only if it is still the one the operator confirmed breaking. It is
    moved aside first (one rename), so nobody sees it half removed."""
    return script(
        f"break lock {app}",
        _if_token(['a="$L/.broken-$1-$$"', 'mv "$d" "$a"', 'rm -rf "$a"', "echo released"]),
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
            'if [ ! -d "$d" ]; then echo gone',
            'elif [ ! -e "$d/owner.json" ] && [ "$(stat -c %Y "$d" 2>/dev/null)" = "$2" ]; then',
            '  a="$L/.broken-$1-ownerless-$$"',
            '  mv "$d" "$a" && rm -rf "$a" && echo released',
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
                'printf \'%s\\n\' "$3" > "$d/owner.json.tmp"',
                'mv "$d/owner.json.tmp" "$d/owner.json"',
                'touch "$d/heartbeat"',
                "echo bound",
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
            'if [ -d "$d" ]; then echo held',
            *[f"  {line}" for line in _HOLDER],
            "else echo free; fi",
        ],
        check_app(app),
        kind=CommandKind.READ,
        timeout=30,
    )


def parse_reply(stdout: str) -> tuple[str, LockOwner | None]:
    """First line is the verdict (acquired/held/released/gone/other/bound/renewed/free); then
    ``heartbeat AGE_S`` (if it has one) and owner.json, or an ``ownerless`` line."""
    first, _, rest = stdout.strip().partition("\n")
    rest = rest.strip()
    if rest.startswith("ownerless "):
        return first.strip(), _ownerless(rest)
    heartbeat: float | None = None
    if rest.startswith("heartbeat "):
        line, _, rest = rest.partition("\n")
        try:
            heartbeat = max(0.0, float(int(line.split()[1])))
        except (IndexError, ValueError):
            heartbeat = None
    owner = LockOwner.from_json(rest.strip()) if rest.strip() else None
    if owner is not None and heartbeat is not None:
        owner = replace(owner, heartbeat_age_s=heartbeat)
    return first.strip(), owner


def _ownerless(line: str) -> LockOwner | None:
    try:
        _, age_s, mtime = line.split()[:3]
        since = datetime.now(UTC) - timedelta(seconds=max(0, int(age_s)))
        stamp = int(mtime)
    except ValueError:
        return None
    return LockOwner(
        OWNERLESS, "?", 0, since.isoformat(timespec="seconds"), "", "unknown",
        ownerless_mtime=stamp,
    )  # fmt: skip


def is_stale(
    holder: LockOwner | None, job_running: bool | None, now: datetime | None = None
) -> bool:
    """A lock is stale when its job is gone, or (not bound to a job) its holder stopped renewing
    it; a lock of an older desktop (no heartbeat) not bound to a job when it is old.

    ``job_running`` is None when the holder names no job (or it could not be asked).
    """
    if holder is None:
        return False
    if holder.ownerless:
        age = holder.age(now)
        return age is not None and age > OWNERLESS_STALE_AFTER
    if holder.job is not None and job_running is not None:
        return not job_running
    if holder.heartbeat_age_s is not None:
        return timedelta(seconds=holder.heartbeat_age_s) > HEARTBEAT_STALE_AFTER
    age = holder.age(now)
    return age is not None and age > UNBOUND_STALE_AFTER


class ServerLock:
    """Take, bind, renew, release and break one app's lock over a :class:`Shell`."""

    def __init__(self, shell: Shell, app: str) -> None:
        self.shell = shell
        self.app = check_app(app)
        self.owner: LockOwner | None = None

    def _run(self, cmd: RemoteCommand) -> tuple[str, LockOwner | None]:
        res = cmd.run(self.shell)
        if res.exit_code != 0:
            raise OperationFailed(
                f"{cmd.title} failed (exit {res.exit_code}): {res.stderr.strip()}"
            )
        return parse_reply(res.stdout)

    def acquire(self, owner: LockOwner) -> None:
        verdict, holder = self._run(acquire_command(self.app, owner))
        if verdict in ("failed", "error"):
            what = "owner.json" if verdict == "failed" else "the locks folder"
            raise OperationFailed(
                f"lock {self.app}: the server could not write the lock ({what}): is its disk "
                "full or its folder read-only?"
            )
        if verdict != "acquired":
            raise LockHeld(self.app, holder)
        self.owner = owner

    def adopt(self, owner: LockOwner) -> None:
        """Continue with a lock a previous run took (re-attach to its job)."""
        self.owner = owner

    def bind_job(self, job_id: str) -> None:
        if self.owner is None:
            return
        owner = replace(self.owner, job=job_id)
        verdict, holder = self._run(bind_job_command(self.app, owner))
        if verdict != "bound":
            raise LockHeld(self.app, holder)
        self.owner = owner

    def renew(self) -> None:
        """Touch the heartbeat (every :data:`HEARTBEAT_EVERY_S` while the run holds the lock).
        Raises :class:`LockLost` (a :class:`LockHeld`) when the lock is not ours any more,
        :class:`OperationFailed` when the server could not touch it."""
        if self.owner is None:
            raise LockLost(self.app, None)
        verdict, holder = self._run(renew_command(self.app, self.owner.token))
        if verdict == "renewed":
            return
        if verdict == "failed":
            raise OperationFailed(
                f"renew lock {self.app}: the server could not touch the lock's heartbeat: is its "
                "disk full or its folder read-only?"
            )
        raise LockLost(self.app, holder)

    def release(self) -> str:
        """Returns the verdict: released, gone (someone broke it) or other (not ours any more)."""
        if self.owner is None:
            return "gone"
        verdict, _ = self._run(release_command(self.app, self.owner.token))
        self.owner = None
        return verdict

    def holder(self) -> LockOwner | None:
        verdict, holder = self._run(read_command(self.app))
        return holder if verdict == "held" else None

    def explain(self, held: LockHeld) -> LockHeld:
        """``held`` with ``stale`` filled in: is the holder's job still running on the server?"""
        job_running: bool | None = None
        if held.holder is not None and held.holder.job is not None:
            from ereg_desktop.services.deploy.jobs import RUNNING, ServerJobs

            try:
                job_running = ServerJobs(self.shell).poll(held.holder.job, 0).state.state == RUNNING
            except (EregError, ValueError):
                job_running = None
        return LockHeld(self.app, held.holder, is_stale(held.holder, job_running))

    def check_free(self) -> None:
        """Raise :class:`LockHeld` (with ``stale`` known) when anyone holds the app's lock."""
        holder = self.holder()
        if holder is not None:
            raise self.explain(LockHeld(self.app, holder))

    def break_stale(self, confirmed_holder: LockOwner) -> bool:
        if confirmed_holder.ownerless_mtime is not None:
            cmd = break_ownerless_command(self.app, confirmed_holder.ownerless_mtime)
        else:
            cmd = break_command(self.app, confirmed_holder.token)
        verdict, _ = self._run(cmd)
        return verdict in ("released", "gone")
