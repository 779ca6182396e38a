"""What is due: per deployment, the commits pending on its tracked branch, its last restart, and
whether a restart is due by the procedure's rhythm.

The rhythm (docs of the server procedure): when updates are pending, production is restarted
once a day inside its system's low-traffic window; development twice a day, before lunch and
before the end of the day, in the operator's time. Nothing pending: nothing is due.

The rules are pure functions of (deployment, pending count, last restart, now, operator time
zone); the pending commits come from :func:`check_pending` (``git fetch`` and ``git log`` on the
server, through the deploy's Inspect), which a caller runs in the background every
:data:`PENDING_CHECK_INTERVAL_S` or so, never once per status sample.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo

from ereg_desktop.errors import EregError
from ereg_desktop.services.deploy.inspect import Commit, inspect
from ereg_desktop.services.deploy.steps import Shell
from ereg_desktop.services.shown_text import printable
from ereg_desktop.services.status import AppStatus
from ereg_desktop.store.inventory import DeploymentRef
from ereg_desktop.store.traffic_window import TrafficWindow

PENDING_CHECK_INTERVAL_S = 300.0
# Development's two restarts, in the operator's time.
BEFORE_LUNCH = (time(9, 0), time(12, 0))
BEFORE_END_OF_DAY = (time(15, 0), time(17, 30))


@dataclass(frozen=True)
class Slot:
    """When a restart should happen: [start, end), timezone-aware."""

    start: datetime
    end: datetime
    label: str

    def contains(self, moment: datetime) -> bool:
        return self.start <= moment < self.end

    def __str__(self) -> str:
        tz = self.start.tzname() or ""
        return f"{self.label}: {self.start:%Y-%m-%d %H:%M}-{self.end:%H:%M} {tz}".rstrip()


@dataclass(frozen=True)
class Pending:
    """The result of one check of a deployment's tracked branch."""

    commits: tuple[Commit, ...]
    checked_at: float  # time.time()
    error: str = ""  # why the check failed ("" when it did not)

    @property
    def count(self) -> int:
        return len(self.commits)

    @property
    def newest_subject(self) -> str:
        return printable(self.commits[0].subject) if self.commits else ""


@dataclass(frozen=True)
class LastRestart:
    at: datetime | None  # when the running process started (None: not online)
    restarts: int | None  # pm2's restart count (None: not listed)


@dataclass(frozen=True)
class Verdict:
    due: bool  # updates are pending and a restart is owed
    due_now: bool  # ... and now is inside the slot it should happen in
    slot: Slot | None  # the slot it should happen in (None when not due)
    reason: str

    @property
    def when(self) -> str:
        return str(self.slot) if self.slot else ""


def needs_check(pending: Pending | None, now: float) -> bool:
    """Whether the background check of pending commits should run again."""
    return pending is None or now - pending.checked_at >= PENDING_CHECK_INTERVAL_S


def check_pending(shell: Shell, ref: DeploymentRef, now: float) -> Pending:
    """Fetch the tracked branch on the server and list what HEAD lacks of it. A failure is kept
    in ``error`` (the other deployments are still checked)."""
    if ref.deployment.pinned:
        return Pending((), now)
    try:
        found = inspect(shell, ref.app, ref.deployment.track)
    except EregError as exc:
        return Pending((), now, printable(str(exc))[:500])
    return Pending(found.pending, now)


def last_restart(status: AppStatus | None, taken_at: float) -> LastRestart:
    """From a status sample taken at ``taken_at`` (time.time()): pm2's uptime gives the start."""
    if status is None:
        return LastRestart(None, None)
    at = None
    if status.uptime_s is not None:
        at = datetime.fromtimestamp(taken_at - status.uptime_s, UTC)
    return LastRestart(at, status.restarts)


def _day_slot(day: date, start: time, end: time, zone: tzinfo, label: str) -> Slot:
    begin = datetime.combine(day, start, zone)
    finish = datetime.combine(day if start < end else day + timedelta(days=1), end, zone)
    return Slot(begin, finish, label)


def slots_on(ref: DeploymentRef, day: date, operator_tz: tzinfo) -> list[Slot]:
    """The slots in which ``ref`` should be restarted on ``day`` (that day in the slot's own
    zone). Raises ValueError for a low-traffic window that cannot be read."""
    if ref.deployment.production:
        text = ref.system.low_traffic.strip()
        if not text:
            zone = ZoneInfo(ref.system.timezone or "UTC")
            return [
                _day_slot(day, time(0), time(0), zone, "any time today (no low-traffic window)")
            ]
        window = TrafficWindow.parse(text)
        return [_day_slot(day, window.start, window.end, ZoneInfo(window.zone), "low traffic")]
    return [
        _day_slot(day, *BEFORE_LUNCH, operator_tz, "before lunch"),
        _day_slot(day, *BEFORE_END_OF_DAY, operator_tz, "before the end of the day"),
    ]


def verdict(
    ref: DeploymentRef,
    pending: int,
    restarted_at: datetime | None,
    now: datetime,
    operator_tz: tzinfo,
) -> Verdict:
    """Whether a restart is due at ``now`` (aware), and in which slot.

    The slot is the one that is open now or comes next; one that already had a restart (the
    process started inside it or later) is done, and the next one is named."""
    if ref.deployment.pinned:
        return Verdict(False, False, None, f"follows the tag {ref.deployment.track}: never updated")
    if pending <= 0:
        return Verdict(False, False, None, "nothing pending")
    try:
        days = [(now.astimezone(operator_tz) + timedelta(days=d)).date() for d in (-1, 0, 1, 2)]
        slots = sorted(
            (s for day in days for s in slots_on(ref, day, operator_tz)), key=lambda s: s.start
        )
    except ValueError as exc:
        return Verdict(True, False, None, f"{pending} pending, but {exc}")
    upcoming = [s for s in slots if s.end > now]
    if restarted_at is not None:
        upcoming = [s for s in upcoming if restarted_at < s.start]
    commits_ = "1 commit" if pending == 1 else f"{pending} commits"
    if not upcoming:  # a start after every slot of the coming days: a clock is off
        return Verdict(True, False, None, f"{commits_} pending (the last restart reads as future)")
    slot = upcoming[0]
    commits = "1 commit" if pending == 1 else f"{pending} commits"
    env = "production" if ref.deployment.production else "development"
    if slot.contains(now):
        return Verdict(True, True, slot, f"{commits} pending: restart {env} now ({slot})")
    return Verdict(True, False, slot, f"{commits} pending: restart {env} {slot}")


def due_row(
    ref: DeploymentRef,
    pending: Pending | None,
    restart: LastRestart,
    now: datetime,
    operator_tz: tzinfo,
) -> dict[str, object]:
    """One deployment's line of ``due --json`` (and the Today view's model)."""
    count = pending.count if pending else 0
    v = verdict(ref, count, restart.at, now, operator_tz)
    return {
        "server": ref.server.id,
        "system": ref.system.name,
        "environment": ref.deployment.environment,
        "app": ref.app,
        "track": ref.deployment.track,
        "pending": count,
        "newest_subject": pending.newest_subject if pending else "",
        "pending_error": pending.error if pending else "not checked",
        "last_restart": restart.at.isoformat(timespec="seconds") if restart.at else None,
        "restarts": restart.restarts,
        "due": v.due,
        "due_now": v.due_now,
        "slot_start": v.slot.start.isoformat(timespec="minutes") if v.slot else None,
        "slot_end": v.slot.end.isoformat(timespec="minutes") if v.slot else None,
        "when": v.reason,
    }
