"""What the memory/CPU chart draws, computed off the GUI thread: each series reduced to one
(min, max, last) per pixel column, the markers (restarts, crashes, deploys) and the uptime band
placed on the same time axis, and the axis's ticks. Plain Python: a week of 10-second samples
for 20 apps (1.2 million points) becomes about 20 x width points before Qt sees any of it."""

from __future__ import annotations

import bisect
import math
from collections.abc import Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Series:
    """One app's samples, sorted by time (epoch seconds)."""

    name: str
    times: Sequence[float]
    values: Sequence[float]


@dataclass(frozen=True)
class Marker:
    at: float
    kind: str  # "restart", "crash", "deploy"
    text: str


@dataclass(frozen=True)
class Span:
    """A stretch of the uptime band: ``up`` True while the app was online."""

    start: float
    end: float
    up: bool


# One pixel column of a series: (x from the plot's left edge, low, high, last value, the time of
# the last sample). A plain tuple: 20 x width of them are made per reduction.
Column = tuple[int, float, float, float, float]
X, LOW, HIGH, LAST, AT = range(5)


@dataclass(frozen=True)
class Reduced:
    name: str
    columns: tuple[Column, ...]


@dataclass(frozen=True)
class ChartData:
    """Everything one paint needs, for a plot ``width`` pixels wide over [t0, t1]."""

    t0: float
    t1: float
    width: int
    series: tuple[Reduced, ...]
    top: float  # the value axis runs from 0 to this
    markers: tuple[Marker, ...] = ()
    band: tuple[Span, ...] = ()
    ticks: tuple[tuple[float, str], ...] = field(default=())

    @property
    def has_samples(self) -> bool:
        return any(s.columns for s in self.series)

    def x_of(self, t: float) -> float:
        return (t - self.t0) / (self.t1 - self.t0) * self.width if self.t1 > self.t0 else 0.0

    def nearest(self, x: int) -> list[tuple[str, Column]]:
        """Per series, the column nearest to pixel ``x`` (hover: the exact values there)."""
        found: list[tuple[str, Column]] = []
        for s in self.series:
            if not s.columns:
                continue
            xs = [c[X] for c in s.columns]
            i = bisect.bisect_left(xs, x)
            candidates = list(s.columns[max(0, i - 1) : i + 1])
            best = min(candidates, key=lambda c: abs(c[X] - x))
            found.append((s.name, best))
        return found


def reduce_series(series: Series, t0: float, t1: float, width: int) -> Reduced:
    """(min, max, last) per pixel column: the extremes survive (a memory spike one sample long
    still shows), the work is a bisect per column and C-level min/max over each slice."""
    times, values = series.times, series.values
    if width <= 0 or t1 <= t0 or not times:
        return Reduced(series.name, ())
    lo = bisect.bisect_left(times, t0)
    hi = bisect.bisect_right(times, t1)
    step = (t1 - t0) / width
    columns: list[Column] = []
    add = columns.append
    cut = bisect.bisect_left
    start = lo
    for x in range(width):
        # a column is [its start, the next one's start); the last one ends at t1, included
        end = hi if x == width - 1 else cut(times, t0 + (x + 1) * step, start, hi)
        if end > start:
            chunk = values[start:end]
            add((x, min(chunk), max(chunk), chunk[-1], times[end - 1]))
            start = end
            if start >= hi:
                break
    return Reduced(series.name, tuple(columns))


def nice_top(value: float) -> float:
    """The value axis's top: 1, 2 or 5 times a power of ten, at least ``value``."""
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    for m in (1, 2, 5, 10):
        if m * power >= value:
            return float(m * power)
    return float(10 * power)


def time_ticks(t0: float, t1: float, count: int = 6) -> tuple[tuple[float, str], ...]:
    """About ``count`` ticks at round steps (minutes to days), labelled in UTC."""
    import time as _time

    span = t1 - t0
    if span <= 0:
        return ()
    steps = (60, 300, 900, 1800, 3600, 3 * 3600, 6 * 3600, 12 * 3600, 86400, 2 * 86400, 7 * 86400)
    step = next((s for s in steps if span / s <= count), steps[-1])
    first = math.ceil(t0 / step) * step
    fmt = "%a %d" if step >= 86400 else "%H:%M"
    out = []
    t = first
    while t <= t1:
        out.append((t, _time.strftime(fmt, _time.gmtime(t))))
        t += step
    return tuple(out)


def chart_data(
    series: Sequence[Series],
    t0: float,
    t1: float,
    width: int,
    *,
    markers: Sequence[Marker] = (),
    band: Sequence[Span] = (),
    unit: float = 1.0,
) -> ChartData:
    """Build on a worker; the widget paints the result. ``unit``: the value axis gets round
    numbers of it (2**20 for memory in MiB)."""
    reduced = tuple(reduce_series(s, t0, t1, width) for s in series)
    peak = max((c[HIGH] for r in reduced for c in r.columns), default=0.0) / unit
    shown = tuple(m for m in markers if t0 <= m.at <= t1)
    spans = tuple(
        Span(max(s.start, t0), min(s.end, t1), s.up) for s in band if s.end > t0 and s.start < t1
    )
    return ChartData(t0, t1, width, reduced, nice_top(peak * 1.05) * unit, shown, spans,
                     time_ticks(t0, t1))  # fmt: skip
