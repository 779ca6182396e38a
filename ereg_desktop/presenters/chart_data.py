"""What the memory/CPU chart draws, computed off the GUI thread: each series reduced to one
(min, max, last) per pixel column, the markers (restarts, crashes, deploys) and the uptime band
placed on the same time axis, and the axis's ticks. Plain Python: a week of 10-second samples
for 20 apps (1.2 million points) becomes about 20 x width points before Qt sees any of it."""

from __future__ import annotations

import bisect
import math
from array import array
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
# the last sample).
Column = tuple[int, float, float, float, float]
X, LOW, HIGH, LAST, AT = range(5)


@dataclass(frozen=True)
class Reduced:
    """A series reduced to its pixel columns, held as five columns of numbers (no object a pixel
    column: a reduction makes no garbage for the collector to walk while the GUI thread waits
    on it)."""

    name: str
    xs: array[int] = field(default_factory=lambda: array("l"))
    lows: array[float] = field(default_factory=lambda: array("d"))
    highs: array[float] = field(default_factory=lambda: array("d"))
    lasts: array[float] = field(default_factory=lambda: array("d"))
    ats: array[float] = field(default_factory=lambda: array("d"))

    def __len__(self) -> int:
        return len(self.xs)

    def column(self, i: int) -> Column:
        return (self.xs[i], self.lows[i], self.highs[i], self.lasts[i], self.ats[i])

    @property
    def columns(self) -> tuple[Column, ...]:
        """The columns as tuples, left to right."""
        return tuple(zip(self.xs, self.lows, self.highs, self.lasts, self.ats, strict=True))


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
        return any(len(s) for s in self.series)

    def x_of(self, t: float) -> float:
        return (t - self.t0) / (self.t1 - self.t0) * self.width if self.t1 > self.t0 else 0.0

    def nearest(self, x: int) -> list[tuple[str, Column]]:
        """Per series, the column nearest to pixel ``x`` (hover: the exact values there)."""
        found: list[tuple[str, Column]] = []
        for s in self.series:
            if not len(s):
                continue
            i = bisect.bisect_left(s.xs, x)
            candidates = [s.column(j) for j in range(max(0, i - 1), min(i + 1, len(s)))]
            best = min(candidates, key=lambda c: abs(c[X] - x))
            found.append((s.name, best))
        return found


def reduce_series(series: Series, t0: float, t1: float, width: int) -> Reduced:
    """(min, max, last) per pixel column: the extremes survive (a memory spike one sample long
    still shows). One pass over the columns that have samples: each column's end is guessed from
    the mean spacing of the samples and checked (a bisect only when the guess is wrong, as at a
    gap), its extremes are the ends of its slice sorted; no object is kept per column or made
    per sample. The values are numbers (not NaN)."""
    times = series.times
    if width <= 0 or t1 <= t0 or not times:
        return Reduced(series.name)
    lo = bisect.bisect_left(times, t0)
    hi = bisect.bisect_right(times, t1)
    if hi <= lo:
        return Reduced(series.name)
    values = series.values
    if not isinstance(values, list):  # sorted in slices: a list of the values
        values = values.tolist() if isinstance(values, array) else list(values)
    step = (t1 - t0) / width
    spacing = (times[hi - 1] - times[lo]) / (hi - 1 - lo) if hi - 1 > lo else step
    last_x = width - 1
    out = Reduced(series.name)
    xs, lows, highs, lasts, ats = out.xs, out.lows, out.highs, out.lasts, out.ats
    cut = bisect.bisect_left
    start, t = lo, times[lo]
    x = _column_of(t, t0, step, last_x)
    bound = t0 + (x + 1) * step
    while True:
        # the samples of column x: [t0 + x * step, bound), the last column ends at t1 included
        if x == last_x:
            end = hi
        else:
            end = start + 1 + int((bound - t) / spacing) if spacing > 0 else hi
            if end >= hi:
                end = hi if times[hi - 1] < bound else cut(times, bound, start + 1, hi)
            elif times[end] < bound or times[end - 1] >= bound:
                end = cut(times, bound, start + 1, hi)
        chunk = values[start:end]
        last = chunk[-1]
        chunk.sort()  # a copy: faster than min() and max() (floats compared without dispatch)
        xs.append(x)
        lows.append(chunk[0])
        highs.append(chunk[-1])
        lasts.append(last)
        ats.append(times[end - 1])
        if end >= hi:
            break
        start, t = end, times[end]
        x += 1
        bound = t0 + (x + 1) * step
        if t >= bound:  # a gap: the next column with samples
            x = _column_of(t, t0, step, last_x)
            bound = t0 + (x + 1) * step
    return out


def _column_of(t: float, t0: float, step: float, last_x: int) -> int:
    """The column whose [t0 + x * step, t0 + (x + 1) * step) holds ``t`` (the last one: up to
    t1), the bounds computed as the reduction computes them."""
    x = min(int((t - t0) / step), last_x)
    while x < last_x and t >= t0 + (x + 1) * step:
        x += 1
    while x > 0 and t < t0 + x * step:
        x -= 1
    return x


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
    peak = max((max(r.highs) for r in reduced if len(r)), default=0.0) / unit
    shown = tuple(m for m in markers if t0 <= m.at <= t1)
    spans = tuple(
        Span(max(s.start, t0), min(s.end, t1), s.up) for s in band if s.end > t0 and s.start < t1
    )
    return ChartData(t0, t1, width, reduced, nice_top(peak * 1.05) * unit, shown, spans,
                     time_ticks(t0, t1))  # fmt: skip
