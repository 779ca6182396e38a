"""What is due today, per deployment: the Today view's rows and the pending checks both it and the
details pane's Updates tab share; plain Python over ``services/due``.

A row says how many commits wait on the deployment's tracked branch, whether a restart is due by
the procedure's rhythm and in which slot, and whether it is overdue: a slot has passed since the
oldest pending commit was made without a restart in it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ereg_desktop.presenters.log_lines import safe_text
from ereg_desktop.services.due import (
    LastRestart,
    Pending,
    Slot,
    needs_check,
    slots_on,
    verdict,
)
from ereg_desktop.store.inventory import DeploymentRef, Inventory

Key = tuple[str, str]  # (server id, app)


def key_of(ref: DeploymentRef) -> Key:
    return ref.server.id, ref.app


def operator_zone(inventory: Inventory) -> tzinfo:
    """The operator's time zone (``[operator] timezone`` in the inventory), else this computer's."""
    name = str(inventory.operator.extra.get("timezone", "") or "").strip()
    if name:
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    return datetime.now().astimezone().tzinfo or UTC


class PendingBook:
    """The last pending check of each deployment (any thread): a check is run again only when
    the last one is older than ``services.due.PENDING_CHECK_INTERVAL_S``, or when asked."""

    def __init__(self) -> None:
        self._checks: dict[Key, Pending] = {}
        self._lock = threading.Lock()

    def get(self, key: Key) -> Pending | None:
        with self._lock:
            return self._checks.get(key)

    def put(self, key: Key, pending: Pending) -> None:
        with self._lock:
            self._checks[key] = pending

    def due_for_check(self, key: Key, now: float) -> bool:
        return needs_check(self.get(key), now)


@dataclass(frozen=True)
class TodayRow:
    server_id: str
    app: str
    label: str  # "GT · production"
    track: str
    pending: int | None  # None: not known (not checked, or the check failed)
    subjects: tuple[str, ...]  # the newest pending commits' subjects, newest first
    problem: str  # why pending is not known
    last_restart: datetime | None
    due: bool
    due_now: bool
    overdue: bool
    slot: Slot | None
    reason: str

    @property
    def rank(self) -> int:
        """Sort order: due now, overdue, due later, not known, nothing due."""
        if self.due_now:
            return 0
        if self.overdue:
            return 1
        if self.due:
            return 2
        return 3 if self.pending is None else 4

    @property
    def pending_text(self) -> str:
        if self.pending is None:
            return "not known"
        return "none" if self.pending == 0 else f"{self.pending}"

    @property
    def restart_text(self) -> str:
        if self.due_now:
            return "due now"
        if self.overdue:
            return "overdue"
        if self.due:
            return "due"
        return "\u2014"

    @property
    def slot_text(self) -> str:
        if self.slot is None:
            return ""
        start, end = self.slot.start, self.slot.end
        return (
            f"{self.slot.label}, {start:%a %H:%M}\u2013{end:%H:%M} {start.tzname() or ''}".strip()
        )


def missed_slot(
    ref: DeploymentRef, pending: Pending, restarted_at: datetime | None, now: datetime,
    operator_tz: tzinfo,
) -> Slot | None:  # fmt: skip
    """The latest slot (yesterday or today) that ended before ``now``, after the oldest pending
    commit was made, with no restart since its start: the restart it stood for is overdue."""
    if not pending.commits:
        return None
    try:
        oldest = datetime.fromisoformat(pending.commits[-1].date)
        if oldest.tzinfo is None:
            oldest = oldest.replace(tzinfo=UTC)
        local = now.astimezone(operator_tz).date()
        slots = [
            s for d in (local - timedelta(days=1), local) for s in slots_on(ref, d, operator_tz)
        ]
    except ValueError:
        return None
    missed = [s for s in slots if oldest < s.end <= now
              and (restarted_at is None or restarted_at < s.start)]  # fmt: skip
    return max(missed, key=lambda s: s.end, default=None)


def today_row(
    ref: DeploymentRef, pending: Pending | None, restart: LastRestart, now: datetime,
    operator_tz: tzinfo,
) -> TodayRow:  # fmt: skip
    known = ref.deployment.pinned or (pending is not None and not pending.error)
    count = pending.count if pending is not None and known else 0
    v = verdict(ref, count, restart.at, now, operator_tz)
    missed = missed_slot(ref, pending, restart.at, now, operator_tz) if pending and known else None
    overdue = v.due and not v.due_now and missed is not None
    reason = v.reason
    if not known:
        reason = f"pending commits not known: {pending.error if pending else 'not checked yet'}"
    elif overdue and missed is not None:
        reason = f"{v.reason}; missed {missed.label} ({missed.start:%a %H:%M})"
    newest = pending.commits[:5] if known and pending else ()
    subjects = tuple(safe_text(c.subject)[:200] for c in newest)
    return TodayRow(
        server_id=ref.server.id,
        app=ref.app,
        label=f"{ref.system.name} \u00b7 {ref.deployment.environment}",
        track=ref.deployment.track,
        pending=count if known else None,
        subjects=subjects,
        problem=pending.error if pending else "not checked yet",
        last_restart=restart.at,
        due=v.due,
        due_now=v.due_now,
        overdue=overdue,
        slot=v.slot,
        reason=reason,
    )


def today_rows(
    refs: Sequence[DeploymentRef],
    pendings: Mapping[Key, Pending],
    restarts: Callable[[Key], LastRestart],
    now: datetime,
    operator_tz: tzinfo,
) -> list[TodayRow]:
    """Every deployment, what is due first (then by system and app)."""
    rows = [today_row(r, pendings.get(key_of(r)), restarts(key_of(r)), now, operator_tz)
            for r in refs]  # fmt: skip
    return sorted(rows, key=lambda r: (r.rank, r.slot.start if r.slot else now, r.label, r.app))


def summary(rows: Sequence[TodayRow]) -> str:
    now = sum(1 for r in rows if r.due_now)
    over = sum(1 for r in rows if r.overdue)
    due = sum(1 for r in rows if r.due)
    unknown = sum(1 for r in rows if r.pending is None)
    if not rows:
        return "No deployments in the inventory."
    parts = [f"{due} restart{'s' if due != 1 else ''} due" if due else "Nothing due"]
    if now:
        parts.append(f"{now} now")
    if over:
        parts.append(f"{over} overdue")
    if unknown:
        parts.append(f"{unknown} not known")
    return ", ".join(parts) + f" \u2014 {len(rows)} deployments"
