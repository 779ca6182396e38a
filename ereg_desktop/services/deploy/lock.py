"""The server-side lock per app: ``mkdir ~/.ereg-desktop/locks/APP`` is atomic, so of two
operators deploying one app at the same moment exactly one gets it. ``owner.json`` inside says who,
from which machine, since when, for what (a deploy, a review) and (once the update runs) which
server job holds it. ``heartbeat`` is touched by the run holding the lock (:meth:`ServerLock.renew`)
so a lock held for hours by a live run stays valid while a dead desktop's goes stale in minutes.

The owner and the rules are in :mod:`.lock_owner`, the scripts in :mod:`.lock_scripts`; both are
re-exported here, where callers import them from.
"""

from __future__ import annotations

import time
from dataclasses import replace

from ereg_desktop.errors import ConnectionProblem, EregError, OperationFailed
from ereg_desktop.services.deploy.lock_owner import (
    HEARTBEAT_EVERY_S,
    HEARTBEAT_STALE_AFTER,
    LOCKS_DIR,
    OWNERLESS,
    OWNERLESS_STALE_AFTER,
    UNBOUND_STALE_AFTER,
    LockHeld,
    LockLost,
    LockOwner,
    LockPurpose,
    check_token,
    is_stale,
)
from ereg_desktop.services.deploy.lock_scripts import (
    acquire_command,
    bind_job_command,
    break_command,
    break_ownerless_command,
    break_unreadable_command,
    parse_reply,
    read_command,
    release_command,
    renew_command,
)
from ereg_desktop.services.deploy.steps import RemoteCommand, Shell, check_app

__all__ = [
    "HEARTBEAT_EVERY_S",
    "HEARTBEAT_STALE_AFTER",
    "LOCKS_DIR",
    "OWNERLESS",
    "OWNERLESS_STALE_AFTER",
    "UNBOUND_STALE_AFTER",
    "LockHeld",
    "LockLost",
    "LockOwner",
    "LockPurpose",
    "ServerLock",
    "acquire_command",
    "bind_job_command",
    "break_command",
    "break_ownerless_command",
    "break_unreadable_command",
    "check_token",
    "is_stale",
    "parse_reply",
    "read_command",
    "release_command",
    "renew_command",
]


class ServerLock:
    """Take, bind, renew, release and break one app's lock over a :class:`Shell`."""

    def __init__(self, shell: Shell, app: str) -> None:
        self.shell = shell
        self.app = check_app(app)
        self.owner: LockOwner | None = None

    def _run(self, cmd: RemoteCommand) -> tuple[str, LockOwner | None]:
        """The script's verdict and the holder it names (None when unreadable)."""
        res = cmd.run(self.shell)
        if res.exit_code == -1:  # no exit status: the session was cut while the script ran
            raise ConnectionProblem(f"{cmd.title}: the connection dropped while it ran")
        if res.exit_code != 0:
            raise OperationFailed(
                f"{cmd.title} failed (exit {res.exit_code}): {res.stderr.strip()}"
            )
        return parse_reply(res.stdout)

    def acquire(self, owner: LockOwner) -> None:
        try:
            verdict, holder = self._run(acquire_command(self.app, owner))
        except ConnectionProblem:
            # the answer was lost, maybe after the server took the lock for us: the lock
            # itself says (over a new connection); taking it is safe to try once more
            verdict, holder = self._read_after_a_cut()
            if verdict == "held" and holder is not None and holder.token == owner.token:
                verdict = "acquired"
            elif verdict == "free":
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

    def _read_after_a_cut(
        self, tries: int = 6, pause_s: float = 0.5
    ) -> tuple[str, LockOwner | None]:
        """Who holds the lock, over a new connection; a server that drops the first attempts
        (its sshd still busy with the cut one) is tried again for a few seconds (a read)."""
        for attempt in range(tries):
            try:
                return self._run(read_command(self.app))
            except ConnectionProblem:
                if attempt == tries - 1:
                    raise
                time.sleep(pause_s * (attempt + 1))
        raise AssertionError("unreachable")

    def adopt(self, owner: LockOwner) -> None:
        """Continue with a lock a previous run took (re-attach to its job)."""
        self.owner = owner

    def bind_job(self, job_id: str) -> None:
        if self.owner is None:
            return
        self._rewrite(replace(self.owner, job=job_id))

    def unbind(self, purpose: str | None = None) -> None:
        """The run's server job is over and the run goes on (the pull request after
        update-translations): the lock is the run's again, kept alive by its heartbeat."""
        if self.owner is None:
            return
        self._rewrite(replace(self.owner, job=None, purpose=purpose or self.owner.purpose))

    def set_purpose(self, purpose: str) -> None:
        """What the lock is held for, as others see it (a review while the app runs, then the
        deploy)."""
        if self.owner is None or self.owner.purpose == purpose:
            return
        self._rewrite(replace(self.owner, purpose=purpose))

    def _rewrite(self, owner: LockOwner) -> None:
        verdict, holder = self._run(bind_job_command(self.app, owner))
        if verdict in _NOT_DONE:
            raise OperationFailed(_not_done(self.app, "naming the job in", verdict))
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
        if verdict in ("gone", "other"):
            raise LockLost(self.app, holder)
        raise OperationFailed(
            f"renew lock {self.app}: the server could not touch the lock's heartbeat "
            f"({verdict or 'no answer'}): is its disk full or its home folder unreadable?"
        )

    def release(self) -> str:
        """Returns the verdict: released, gone (someone broke it) or other (not ours any more)."""
        if self.owner is None:
            return "gone"
        verdict, _ = self._run(release_command(self.app, self.owner.token))
        if verdict in _NOT_DONE:  # still ours: a later release may do it
            raise OperationFailed(_not_done(self.app, "releasing", verdict))
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
        if confirmed_holder.ownerless_mtime is not None and confirmed_holder.damage:
            cmd = break_unreadable_command(self.app, confirmed_holder.ownerless_mtime)
        elif confirmed_holder.ownerless_mtime is not None:
            cmd = break_ownerless_command(self.app, confirmed_holder.ownerless_mtime)
        else:
            cmd = break_command(self.app, confirmed_holder.token)
        verdict, _ = self._run(cmd)
        if verdict in _NOT_DONE:
            raise OperationFailed(_not_done(self.app, "breaking", verdict))
        return verdict in ("released", "gone")


# The answers of a script that checked the lock but could not act on it.
_NOT_DONE = ("busy", "noflock", "failed", "error", "")


def _not_done(app: str, what: str, verdict: str) -> str:
    why = {
        "busy": "another desktop has been changing a lock on this server for 20 s (try again)",
        "failed": "the server could not move or write it (is its disk full or read-only?)",
        "noflock": "the server has no `flock` command (util-linux): ask its administrator to "
        "install it",
        "error": "the server has no home folder to work in",
    }.get(verdict, "the server gave no answer")
    return f"{what[:1].upper()}{what[1:]} the lock of {app} did not happen: {why}."
