"""The changes between two translation maps, one :class:`Change` per key, in the panel's order."""

from __future__ import annotations

from collections.abc import Mapping

from ereg_desktop.services.i18n.changes import Change, ChangeStatus, Value
from ereg_desktop.services.i18n.messages_file import sorted_keys


def diff_messages(old: Mapping[str, Value], new: Mapping[str, Value]) -> list[Change]:
    """Added, changed and removed pairs (a removed pair: the English key is shown again)."""
    changes: dict[str, Change] = {}
    missing = object()
    get = old.get
    for key in [k for k, v in new.items() if get(k, missing) != v]:
        value = new[key]
        before = get(key, missing)
        if before is missing:
            changes[key] = Change(key, ChangeStatus.ADDED, None, value)
        else:
            changes[key] = Change(key, ChangeStatus.CHANGED, before, value)  # type: ignore[arg-type]
    for key in old.keys() - new.keys():
        changes[key] = Change(key, ChangeStatus.REMOVED, old[key], None)
    # JSON's true == 1 and 1 == 1.0 in Python: a change of type alone is a change too
    for key in [k for k, v in new.items() if type(v) is not str and k in old]:
        if key not in changes and type(old[key]) is not type(new[key]):
            changes[key] = Change(key, ChangeStatus.CHANGED, old[key], new[key])
    return [changes[k] for k in sorted_keys(changes)]
