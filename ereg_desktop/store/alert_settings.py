"""The ``[alerts]`` section of ``settings.toml``: the grace time and the memory thresholds.

Read value by value: a broken one is named in the log and replaced by its default, the others
still count; numbers out of range are clamped. The webhook URL is a secret: it is in the keyring
(``store/secrets.py``), never here.

```toml
[alerts]
grace_s = 60                 # unreachable or pm2 down this long before an alert
memory_rule = "relative"     # or "absolute": memory_limit_mb for every app
memory_factor = 2.0          # relative: this many times the app's median of the last hour
memory_limit_mb = 1024
[[alerts.memory_override]]   # a fixed threshold for one app
server = "unctad"
app = "gt"
limit_mb = 2048
```
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

RELATIVE = "relative"
ABSOLUTE = "absolute"
MEMORY_RULES = (RELATIVE, ABSOLUTE)
DEFAULT_GRACE_S = 60
MIN_GRACE_S, MAX_GRACE_S = 5, 24 * 3600
DEFAULT_MEMORY_FACTOR = 2.0
MIN_MEMORY_FACTOR, MAX_MEMORY_FACTOR = 1.1, 50.0
DEFAULT_MEMORY_LIMIT_MB = 1024
MIN_MEMORY_MB, MAX_MEMORY_MB = 16, 1024 * 1024
MAX_NAME = 200  # a server id or an app name longer than this is not one
MAX_OVERRIDES = 1000


@dataclass(frozen=True)
class MemoryOverride:
    server: str
    app: str
    limit_mb: int


@dataclass(frozen=True)
class AlertPrefs:
    grace_s: int = DEFAULT_GRACE_S
    memory_rule: str = RELATIVE
    memory_factor: float = DEFAULT_MEMORY_FACTOR
    memory_limit_mb: int = DEFAULT_MEMORY_LIMIT_MB
    overrides: tuple[MemoryOverride, ...] = ()


def clamp(value: float, low: float, high: float) -> float:
    return max(low, min(high, value))


def valid_name(value: object) -> str | None:
    """A server id or app name as typed (trimmed), or None when it cannot be one."""
    if not isinstance(value, str):
        return None
    value = value.strip()
    if not value or len(value) > MAX_NAME or not value.isprintable():
        return None
    return value


def _number(path: Path, section: dict[str, object], key: str, default: float,
            low: float, high: float, whole: bool) -> float:  # fmt: skip
    value = section.get(key)
    if value is None:
        return default
    ok = isinstance(value, int) or (isinstance(value, float) and not whole)
    if isinstance(value, bool) or not ok or (isinstance(value, float) and not math.isfinite(value)):
        log.info("settings file %s: alerts.%s is %r, not a%s number: using %g", path, key,
                 value, " whole" if whole else "", default)  # fmt: skip
        return default
    assert isinstance(value, int | float)
    got = clamp(value, low, high)
    if got != value:
        log.info("settings file %s: alerts.%s = %r is out of range (%g to %g): using %g",
                 path, key, value, low, high, got)  # fmt: skip
    return got


def _overrides(path: Path, section: dict[str, object]) -> tuple[MemoryOverride, ...]:
    items = section.get("memory_override")
    if items is None:
        return ()
    if not isinstance(items, list):
        log.info("settings file %s: alerts.memory_override is not a list of tables: ignored",
                 path)  # fmt: skip
        return ()
    out: dict[tuple[str, str], MemoryOverride] = {}
    for n, item in enumerate(items[:MAX_OVERRIDES], start=1):
        table = item if isinstance(item, dict) else {}
        server, app = valid_name(table.get("server")), valid_name(table.get("app"))
        limit = table.get("limit_mb")
        if server is None or app is None or isinstance(limit, bool) or not isinstance(limit, int):
            log.info("settings file %s: alerts.memory_override number %d needs a server, an app "
                     "and a whole number limit_mb: ignored", path, n)  # fmt: skip
            continue
        mb = int(clamp(limit, MIN_MEMORY_MB, MAX_MEMORY_MB))
        out[(server, app)] = MemoryOverride(server, app, mb)  # the last one of an app counts
    if len(items) > MAX_OVERRIDES:
        log.info("settings file %s: more than %d memory overrides: the rest ignored", path,
                 MAX_OVERRIDES)  # fmt: skip
    return tuple(out.values())


def load_alert_prefs(path: Path, data: dict[str, object]) -> AlertPrefs:
    section = data.get("alerts")
    if section is None:
        return AlertPrefs()
    if not isinstance(section, dict):
        log.info("settings file %s: alerts is not a table: using the defaults", path)
        return AlertPrefs()
    rule = section.get("memory_rule", RELATIVE)
    if rule not in MEMORY_RULES:
        log.info("settings file %s: alerts.memory_rule is %r, not %s: using %s", path, rule,
                 " or ".join(map(repr, MEMORY_RULES)), RELATIVE)  # fmt: skip
        rule = RELATIVE
    return AlertPrefs(
        grace_s=int(
            _number(path, section, "grace_s", DEFAULT_GRACE_S, MIN_GRACE_S, MAX_GRACE_S, whole=True)
        ),  # fmt: skip
        memory_rule=str(rule),
        memory_factor=float(
            _number(
                path,
                section,
                "memory_factor",
                DEFAULT_MEMORY_FACTOR,
                MIN_MEMORY_FACTOR,
                MAX_MEMORY_FACTOR,
                whole=False,
            )
        ),  # fmt: skip
        memory_limit_mb=int(
            _number(
                path,
                section,
                "memory_limit_mb",
                DEFAULT_MEMORY_LIMIT_MB,
                MIN_MEMORY_MB,
                MAX_MEMORY_MB,
                whole=True,
            )
        ),  # fmt: skip
        overrides=_overrides(path, section),
    )


def alert_prefs_document(prefs: AlertPrefs) -> dict[str, object]:
    """The ``[alerts]`` table to save (clamped again: nothing out of range is written)."""
    doc: dict[str, object] = {
        "grace_s": int(clamp(prefs.grace_s, MIN_GRACE_S, MAX_GRACE_S)),
        "memory_rule": prefs.memory_rule if prefs.memory_rule in MEMORY_RULES else RELATIVE,
        "memory_factor": float(clamp(prefs.memory_factor, MIN_MEMORY_FACTOR, MAX_MEMORY_FACTOR)),
        "memory_limit_mb": int(clamp(prefs.memory_limit_mb, MIN_MEMORY_MB, MAX_MEMORY_MB)),
    }
    overrides = [
        {"server": o.server, "app": o.app,
         "limit_mb": int(clamp(o.limit_mb, MIN_MEMORY_MB, MAX_MEMORY_MB))}
        for o in prefs.overrides
        if valid_name(o.server) == o.server and valid_name(o.app) == o.app
    ]  # fmt: skip
    if overrides:
        doc["memory_override"] = overrides
    return doc
