"""How pm2 figures read in the systems table: memory in MiB, CPU in percent. Durations (uptime,
ages) are written by ``services/durations.py``."""

from __future__ import annotations


def memory_text(memory_bytes: int) -> str:
    mib = memory_bytes / (1024 * 1024)
    if mib >= 1024:
        return f"{mib / 1024:.1f} GiB"
    return f"{mib:.0f} MiB" if mib >= 10 else f"{mib:.1f} MiB"


def cpu_text(percent: float) -> str:
    return f"{percent:.0f} %" if percent >= 10 else f"{percent:.1f} %"
