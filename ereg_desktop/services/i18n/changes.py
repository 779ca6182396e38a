"""What changed in ``i18n-messages.json``: one :class:`Change` per key.

A value is a plain translation (``str``) or, for a plural key (``"n\\0singular\\0plural"``), the
pair ``[singular, plural]``. A removed pair means the English key is shown to users again.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

Value = str | list[str]
Messages = dict[str, Value]


class ChangeStatus(enum.StrEnum):
    ADDED = "added"
    CHANGED = "changed"
    REMOVED = "removed"  # the English key is shown again


@dataclass(frozen=True)
class Change:
    key: str
    status: ChangeStatus
    old: Value | None  # None when added
    new: Value | None  # None when removed

    def as_json(self) -> dict[str, object]:
        return {"key": self.key, "status": str(self.status), "old": self.old, "new": self.new}
