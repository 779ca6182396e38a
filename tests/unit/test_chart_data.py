"""The chart's data, reduced off the GUI thread: one (min, max, last) per pixel column, spikes
kept, markers and the uptime band on the same axis."""

from __future__ import annotations

import random
from array import array

from ereg_desktop.presenters.chart_data import (
    Marker,
    Series,
    Span,
    chart_data,
    nice_top,
    reduce_series,
    time_ticks,
)


def test_each_column_keeps_its_extremes_and_last_value() -> None:
    times = [float(t) for t in range(100)]
    values = [10.0] * 100
    values[37] = 500.0  # a spike one sample long
    r = reduce_series(Series("gt", times, values), 0, 100, 10)
    assert [c[0] for c in r.columns] == list(range(10))
    assert r.columns[3] == (3, 10.0, 500.0, 10.0, 39.0)  # x, low, high, last, its time
    assert all(c[2] == 10.0 for i, c in enumerate(r.columns) if i != 3)


def test_gaps_outside_the_span_and_empty_input() -> None:
    times = [0.0, 1.0, 50.0, 51.0, 200.0]
    r = reduce_series(Series("gt", times, [1, 2, 3, 4, 5]), 0, 100, 10)
    assert [c[:3] for c in r.columns] == [(0, 1, 2), (5, 3, 4)]
    assert reduce_series(Series("gt", [], []), 0, 100, 10).columns == ()
    assert reduce_series(Series("gt", times, [1, 2, 3, 4, 5]), 100, 100, 10).columns == ()


def test_chart_data_places_markers_band_and_axis() -> None:
    s = Series("gt", [0.0, 3600.0, 7200.0], [100e6, 180e6, 150e6])
    data = chart_data([s], 0, 7200, 720, markers=[Marker(3600, "crash", "exit 1"),
                      Marker(9999, "deploy", "late")], band=[Span(-10, 3000, True),
                      Span(3000, 3700, False), Span(3700, 9000, True)])  # fmt: skip
    assert data.top == nice_top(180e6 * 1.05) == 200e6
    assert [m.kind for m in data.markers] == ["crash"]  # the deploy is outside the span
    assert data.band[0].start == 0 and data.band[-1].end == 7200
    assert data.x_of(3600) == 360
    nearest = data.nearest(359)
    assert nearest[0][0] == "gt" and nearest[0][1][3] == 180e6
    assert [label for _, label in time_ticks(0, 7200)] == ["00:00", "00:30", "01:00", "01:30",
                                                          "02:00"]  # fmt: skip


def test_nice_top() -> None:
    assert [nice_top(v) for v in (0, 0.7, 3, 42, 999)] == [1.0, 1.0, 5.0, 50.0, 1000.0]


def test_the_reduction_keeps_each_pixel_columns_min_max_and_last() -> None:
    """Against a plain per-sample reduction: irregular times, gaps of many columns, a column
    edge hit exactly, the span's end included; the columns as the store holds them (arrays)."""
    rnd = random.Random(7)
    times: list[float] = []
    t = -50.0
    for _ in range(5000):
        t += rnd.choice((10.0, 10.0, 10.0, rnd.uniform(0.1, 30.0), rnd.uniform(200, 3000)))
        times.append(t)
    values = [rnd.uniform(0, 1e9) for _ in times]
    t0, t1, width = 0.0, times[3000], 700  # the last column ends on a sample
    step = (t1 - t0) / width
    expected: dict[int, list[float]] = {}
    for at, v in zip(times, values, strict=True):
        if t0 <= at <= t1:
            x = next((x for x in range(width) if at < t0 + (x + 1) * step), width - 1)
            expected.setdefault(x, []).append(v)
    r = reduce_series(Series("gt", array("d", times), array("d", values)), t0, t1, width)
    assert len(r.columns) == len(expected) > 100
    for x, low, high, last, _at in r.columns:
        assert (low, high, last) == (min(expected[x]), max(expected[x]), expected[x][-1])
    assert list(r.xs) == sorted(expected)
