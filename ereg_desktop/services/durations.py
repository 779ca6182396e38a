"""Every duration the operator reads, written in one place.

Three forms, for three questions, all from the same split into units:
- :func:`seconds_text` how long something took or has been going on ("0.2 s", "1:05 min",
  "1:02:03 h"): steps, downtime, reconnects, the history;
- :func:`age_text` how old a figure is ("0.4 s" while fresh, then "40 s", "2 min", "3 h", "2 d"):
  the status bar and the stale figures;
- :func:`uptime_text` how long a process has run, short enough for a table cell ("45s",
  "12m 5s", "3h 12m", "4d 7h").
"""

from __future__ import annotations

FRESH_S = 10.0  # below this an age is shown to a tenth: "0.4 s ago" says the poll just came in


def _units(seconds: float) -> tuple[int, int, int, int]:
    """(days, hours, minutes, seconds) of a whole, non-negative number of seconds."""
    s = max(0, int(seconds))
    days, s = divmod(s, 86400)
    hours, s = divmod(s, 3600)
    minutes, s = divmod(s, 60)
    return days, hours, minutes, s


def seconds_text(seconds: float) -> str:
    seconds = max(0.0, seconds)
    if seconds < 60:
        return f"{seconds:.1f} s"
    days, hours, minutes, s = _units(seconds)
    hours += 24 * days
    return f"{minutes}:{s:02d} min" if not hours else f"{hours}:{minutes:02d}:{s:02d} h"


def age_text(seconds: float) -> str:
    if seconds < FRESH_S:
        return f"{max(0.0, seconds):.1f} s"
    days, hours, minutes, s = _units(seconds)
    if days:
        return f"{days} d"
    if hours:
        return f"{hours} h"
    return f"{minutes} min" if minutes else f"{s} s"


def uptime_text(seconds: float) -> str:
    """The two most significant units."""
    days, hours, minutes, s = _units(seconds)
    if days:
        return f"{days}d {hours}h"
    if hours:
        return f"{hours}h {minutes}m"
    if minutes:
        return f"{minutes}m {s}s"
    return f"{s}s"
