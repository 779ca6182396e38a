"""How pm2 figures read in the systems table: memory in MiB, uptime like "3h 12m", ages."""

from __future__ import annotations


def memory_text(memory_bytes: int) -> str:
    mib = memory_bytes / (1024 * 1024)
    if mib >= 1024:
        return f"{mib / 1024:.1f} GiB"
    return f"{mib:.0f} MiB" if mib >= 10 else f"{mib:.1f} MiB"


def duration_text(seconds: float) -> str:
    """Two most significant units: "45s", "12m 5s", "3h 12m", "4d 7h"."""
    s = max(0, int(seconds))
    days, s = divmod(s, 86400)
    hours, s = divmod(s, 3600)
    minutes, s = divmod(s, 60)
    if days:
        return f"{days}d {hours}h"
    if hours:
        return f"{hours}h {minutes}m"
    if minutes:
        return f"{minutes}m {s}s"
    return f"{s}s"


def age_text(seconds: float) -> str:
    """How old a status sample is, for the "stale" tooltip: "40 s", "2 min", "3 h"."""
    s = max(0, int(seconds))
    if s < 60:
        return f"{s} s"
    if s < 3600:
        return f"{s // 60} min"
    if s < 86400:
        return f"{s // 3600} h"
    return f"{s // 86400} d"


def cpu_text(percent: float) -> str:
    return f"{percent:.0f} %" if percent >= 10 else f"{percent:.1f} %"
