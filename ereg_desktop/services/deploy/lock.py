"""The server-side lock per app: ``mkdir ~/.ereg-desktop/locks/APP`` is atomic, so of two
operators deploying one app at the same moment exactly one gets it. ``owner.json`` inside says who,
from which machine, since when, and (once the update runs) which server job holds it.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime, timedelta

from ereg_desktop.errors import EregError, OperationFailed
from ereg_desktop.services.deploy.steps import (
    STATE_DIR,
    RemoteCommand,
    Shell,
    check_app,
    script,
    sh,
)

LOCKS_DIR = f"{STATE_DIR}/locks"
# A lock not yet bound to a server job belongs to a desktop in Preflight/Inspect (seconds). One
# that old without a job means that desktop went away.
UNBOUND_STALE_AFTER = timedelta(minutes=15)
# A lock folder without owner.json exists for milliseconds while a desktop takes it; one that
# old is what a failed write or a cut connection left behind.
OWNERLESS_STALE_AFTER = timedelta(minutes=3)
OWNERLESS = "(unknown: the lock has no owner.json)"


@dataclass(frozen=True)
class LockOwner:
    operator: str
    machine: str
    pid: int
    since: str  # ISO 8601, UTC
    token: str  # identifies this holder; not a secret, only a name for compare-and-release
    purpose: str = "deploy"
    job: str | None = None
    # set only for a lock folder without owner.json: its modification time (server clock), which
    # names it when breaking it; never written to owner.json
    ownerless_mtime: int | None = None

    @property
    def ownerless(self) -> bool:
        return self.ownerless_mtime is not None

    @classmethod
    def new(cls, operator: str, machine: str, pid: int, purpose: str = "deploy") -> LockOwner:
        since = datetime.now(UTC).isoformat(timespec="seconds")
        return cls(operator, machine, pid, since, secrets.token_hex(8), purpose)

    def to_json(self) -> str:
        d = asdict(self)
        del d["ownerless_mtime"]
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
                purpose=str(d.get("purpose", "deploy")),
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
            else " It looks stale (its job is gone): it can be broken after confirming."
            if stale
            else " Wait for them to finish, or ask them."
        )
        super().__init__(f"{app} is locked by {who}.{hint}")


def _lock_dir(app: str) -> str:
    return f"{LOCKS_DIR}/{check_app(app)}"


def _ownerless_lines(d: str) -> list[str]:
    """After ``held``: owner.json, or (none) a line ``ownerless AGE_S MTIME`` on the server's
    clock, so a lock folder left without its owner can be recognised and broken."""
    return [
        f"if [ -f {sh(d + '/owner.json')} ]; then cat {sh(d + '/owner.json')} 2>/dev/null;",
        f"else m=$(stat -c %Y {sh(d)} 2>/dev/null || echo 0); "
        'echo "ownerless $(( $(date +%s) - m )) $m"; fi',
    ]


def acquire_command(app: str, owner: LockOwner) -> RemoteCommand:
    """Every step checked: the verdict is ``acquired`` only once owner.json is in place. When
    writing it fails the folder just made is removed again (``failed``), so no lock is left
    without an owner; ``error`` when the locks folder cannot be made."""
    d = _lock_dir(app)
    return script(
        f"lock {app}",
        [
            "cd || { echo error; exit 0; }",
            f"{sh('mkdir', '-p', LOCKS_DIR)} || {{ echo error; exit 0; }}",
            f"if {sh('mkdir', d)} 2>/dev/null; then",
            f"  if printf '%s\\n' {sh(owner.to_json())} > {sh(d + '/owner.json.tmp')} &&"
            f" {sh('mv', d + '/owner.json.tmp', d + '/owner.json')}; then",
            "    echo acquired",
            "  else",
            f"    {sh('rm', '-rf', d)}",
            "    echo failed",
            "  fi",
            "else",
            "  echo held",
            *[f"  {line}" for line in _ownerless_lines(d)],
            "fi",
        ],
        timeout=30,
    )


def _if_token(app: str, token: str, then: list[str]) -> list[str]:
    d = _lock_dir(app)
    needle = f'"token":"{token}"'
    return [
        "cd",
        f"if [ ! -d {sh(d)} ]; then echo gone",
        f"elif grep -qF {sh(needle)} {sh(d + '/owner.json')} 2>/dev/null; then",
        *[f"  {line}" for line in then],
        "else",
        "  echo other",
        f"  cat {sh(d + '/owner.json')} 2>/dev/null",
        "fi",
    ]


def release_command(app: str, token: str) -> RemoteCommand:
    d = _lock_dir(app)
    return script(f"unlock {app}", _if_token(app, token, [sh("rm", "-rf", d), "echo released"]))


def break_command(app: str, holder_token: str) -> RemoteCommand:
    """Remove a stale lock, only if it is still the one the operator confirmed breaking."""
    d = _lock_dir(app)
    aside = f"{LOCKS_DIR}/.broken-{app}-{holder_token}"
    return script(
        f"break lock {app}",
        _if_token(app, holder_token, [sh("mv", d, aside), sh("rm", "-rf", aside), "echo released"]),
    )


def break_ownerless_command(app: str, mtime: int) -> RemoteCommand:
    """Remove a lock folder without owner.json, only if it is still the one confirmed (no
    owner.json meanwhile, the same modification time)."""
    d = _lock_dir(app)
    aside = f"{LOCKS_DIR}/.broken-{app}-ownerless-{int(mtime)}"
    return script(
        f"break lock {app}",
        [
            "cd",
            f"if [ ! -d {sh(d)} ]; then echo gone",
            f"elif [ ! -e {sh(d + '/owner.json')} ] && "
            f'[ "$(stat -c %Y {sh(d)} 2>/dev/null)" = {int(mtime)} ]; then',
            f"  {sh('mv', d, aside)} && {sh('rm', '-rf', aside)} && echo released",
            "else",
            "  echo other",
            "fi",
        ],
    )


def bind_job_command(app: str, owner: LockOwner) -> RemoteCommand:
    """Rewrite owner.json naming the server job, so others see the lock is held by that job."""
    d = _lock_dir(app)
    return script(
        f"lock {app} for job {owner.job}",
        _if_token(
            app,
            owner.token,
            [
                f"printf '%s\\n' {sh(owner.to_json())} > {sh(d + '/owner.json.tmp')}",
                sh("mv", d + "/owner.json.tmp", d + "/owner.json"),
                "echo bound",
            ],
        ),
    )


def read_command(app: str) -> RemoteCommand:
    d = _lock_dir(app)
    return script(
        f"who holds {app}",
        [
            "cd",
            f"if [ -d {sh(d)} ]; then echo held;",
            *[f"  {line}" for line in _ownerless_lines(d)],
            "else echo free; fi",
        ],
        timeout=30,
    )


def parse_reply(stdout: str) -> tuple[str, LockOwner | None]:
    """First line is the verdict (acquired/held/released/gone/other/bound/free); then owner.json."""
    first, _, rest = stdout.strip().partition("\n")
    rest = rest.strip()
    if rest.startswith("ownerless "):
        return first.strip(), _ownerless(rest)
    return first.strip(), LockOwner.from_json(rest) if rest else None


def _ownerless(line: str) -> LockOwner | None:
    try:
        _, age_s, mtime = line.split()[:3]
        since = datetime.now(UTC) - timedelta(seconds=max(0, int(age_s)))
    except ValueError:
        return None
    return LockOwner(
        OWNERLESS, "?", 0, since.isoformat(timespec="seconds"), "", "unknown",
        ownerless_mtime=int(mtime),
    )  # fmt: skip


def is_stale(
    holder: LockOwner | None, job_running: bool | None, now: datetime | None = None
) -> bool:
    """A lock is stale when its job is gone, or it was never bound to a job and is old.

    ``job_running`` is None when the holder names no job (or it could not be asked).
    """
    if holder is None:
        return False
    if holder.ownerless:
        age = holder.age(now)
        return age is not None and age > OWNERLESS_STALE_AFTER
    if holder.job is not None and job_running is not None:
        return not job_running
    age = holder.age(now)
    return age is not None and age > UNBOUND_STALE_AFTER


class ServerLock:
    """Take, bind, release and break one app's lock over a :class:`Shell`."""

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
