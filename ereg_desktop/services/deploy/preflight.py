"""Preflight checks that need no server: who operates versus who owns the system, the low-traffic
window of production, and whether the deployment may be updated at all (a tag never moves)."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import UTC, datetime

from ereg_desktop.store.inventory import DeploymentRef
from ereg_desktop.store.traffic_window import TrafficWindow


class Concern(enum.StrEnum):
    """Something that needs a typed reason from the operator; the reason goes into the audit."""

    OWNER_MISMATCH = "owner-mismatch"
    OUTSIDE_LOW_TRAFFIC = "outside-low-traffic"


@dataclass(frozen=True)
class ConcernNote:
    concern: Concern
    message: str


@dataclass(frozen=True)
class Refusal:
    message: str


def update_refusal(ref: DeploymentRef) -> Refusal | None:
    d = ref.deployment
    if d.pinned:
        return Refusal(
            f"{ref.app} runs the tag {d.track!r} and must never be moved: it cannot be updated, "
            "only restarted."
        )
    return None


def concerns(ref: DeploymentRef, operator: str, now: datetime | None = None) -> list[ConcernNote]:
    now = now or datetime.now(UTC)
    notes: list[ConcernNote] = []
    owner = ref.system.owner.strip()
    me = operator.strip()
    if owner and me.casefold() != owner.casefold():
        who = me or "an operator with no name set in the inventory"
        notes.append(
            ConcernNote(
                Concern.OWNER_MISMATCH,
                f"{ref.system.name} is assigned to {owner}; you are {who}. Say why you deploy it.",
            )
        )
    if ref.deployment.production and ref.system.low_traffic.strip():
        try:
            window = TrafficWindow.parse(ref.system.low_traffic)
        except ValueError as exc:
            notes.append(
                ConcernNote(
                    Concern.OUTSIDE_LOW_TRAFFIC,
                    f"cannot tell whether now is low traffic for {ref.system.name}: {exc}",
                )
            )
        else:
            if not window.contains(now):
                notes.append(
                    ConcernNote(
                        Concern.OUTSIDE_LOW_TRAFFIC,
                        f"{ref.system.name} production is outside its low-traffic window "
                        f"({window}). Say why it cannot wait.",
                    )
                )
    return notes


def missing_reasons(notes: list[ConcernNote], reasons: dict[Concern, str]) -> list[ConcernNote]:
    return [n for n in notes if not reasons.get(n.concern, "").strip()]
