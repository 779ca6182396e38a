"""Who holds an app's lock and the rules about it: its purpose, its heartbeat, when it is stale,
and which tokens a desktop writes (anything else read back from a server is refused)."""

from __future__ import annotations

import enum
import json
import re
import secrets
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta

from ereg_desktop.errors import EregError, OperationFailed
from ereg_desktop.services.deploy.steps import STATE_DIR

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
    # for a lock whose owner cannot be read: what is wrong with it (empty: no owner.json at all)
    damage: str = ""

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
        del d["ownerless_mtime"], d["heartbeat_age_s"], d["damage"]
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
        except (ValueError, TypeError, AttributeError, OverflowError, RecursionError):
            return None

    def describe(self) -> str:
        if self.ownerless and self.damage:
            return f"(unknown: {self.damage}), left since {self.since}"
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
