"""The details pane's chart, from the local metrics history: the selected app (and the apps it is
compared with) over a chosen span, memory or CPU, with restarts, crashes and deploys as markers
and uptime as a band. Plain Python, run on a worker; the store is anything with ``samples`` and
``events`` as the metrics database has them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import groupby
from typing import Any, NamedTuple, Protocol

from ereg_desktop.presenters.chart_data import ChartData, Marker, Series, Span, chart_data

SPANS: dict[str, float] = {
    "Hour": 3600.0,
    "Day": 86400.0,
    "Week": 7 * 86400.0,
    "Quarter": 91 * 86400.0,
}
MEMORY, CPU = "Memory", "CPU"
MARKED = ("deploy", "restart", "crash", "stop", "start", "start-again")
MIB = float(2**20)


class HistoryLike(Protocol):
    def samples(self, server_id: str | None, app: str, since: float,
                until: float | None = None) -> Sequence[Any]: ...  # fmt: skip

    def events(self, server_id: str | None, app: str | None, since: float,
               until: float | None = None) -> Sequence[Any]: ...  # fmt: skip


class Happening(NamedTuple):
    at: float
    kind: str
    text: str


@dataclass(frozen=True)
class WithRecords:
    """The metrics database's samples and events, with the deploys, restarts, stops and starts
    this computer recorded (the local history) as events too."""

    metrics: Any  # store.metrics.MetricsStore
    records: Any  # store.history.History

    def samples(self, server_id: str | None, app: str, since: float,
                until: float | None = None) -> Sequence[Any]:  # fmt: skip
        return list(self.metrics.samples(server_id, app, since, until))

    def points(self, server_id: str, app: str, since: float, until: float | None = None,
               *, value: str) -> Any:  # fmt: skip
        """Only what the chart reads of the samples (``store.metrics.Points``)."""
        return self.metrics.points(server_id, app, since, until, value=value)

    def events(self, server_id: str | None, app: str | None, since: float,
               until: float | None = None) -> Sequence[Any]:  # fmt: skip
        found: list[Any] = list(self.metrics.events(server_id, app, since, until))
        end = float("inf") if until is None else until
        for r in self.records.list(app, limit=500):
            if server_id is not None and r.get("server") != server_id:
                continue
            try:
                at = datetime.fromisoformat(
                    str(r.get("ended_at") or r.get("started_at"))
                ).timestamp()
            except ValueError:
                continue
            if since <= at <= end:
                who = f" by {r['operator']}" if r.get("operator") else ""
                found.append(Happening(at, str(r.get("kind", "")),
                                       f"{r.get('kind')}{who} ({r.get('result', '')})"))  # fmt: skip
        return sorted(found, key=lambda e: e.at)


@dataclass(frozen=True)
class ChartRequest:
    server_id: str
    apps: tuple[str, ...]  # the selected app first, then the ones it is compared with
    span: str  # a key of SPANS
    metric: str  # MEMORY or CPU
    now: float
    width: int


def _marker_kind(kind: str) -> str:
    return kind if kind in ("crash", "deploy") else "restart"  # stops and starts as restarts


def _band(ats: Sequence[float], statuses: Sequence[str], until: float) -> list[Span]:
    """The runs of online and of not online samples, each up to the next run's first sample."""
    spans: list[Span] = []
    start, n = 0, len(ats)
    for up, run in groupby(statuses, key="online".__eq__):
        end = start + len(list(run))
        spans.append(Span(ats[start], ats[end] if end < n else until, bool(up)))
        start = end
    return spans


def _read(store: HistoryLike, request: ChartRequest, app: str, t0: float, t1: float
          ) -> tuple[Sequence[float], Sequence[float], Sequence[str]]:  # fmt: skip
    """(times, values, statuses) of ``app``: as columns of only these when the store has them
    (the metrics database's ``points``: no object a sample), else from its samples."""
    points = getattr(store, "points", None)
    if points is not None:
        got = points(request.server_id, app, t0, t1,
                     value="memory_max" if request.metric == MEMORY else "cpu")  # fmt: skip
        return got.at, got.values, got.status
    samples = store.samples(request.server_id, app, t0, t1)
    if request.metric == MEMORY:
        values = [float(getattr(s, "memory_max_bytes", 0) or s.memory_bytes) for s in samples]
    else:
        values = [float(s.cpu_percent) for s in samples]
    return [s.at for s in samples], values, [s.status for s in samples]


def details_chart(store: HistoryLike, request: ChartRequest) -> ChartData:
    """Read the span from the store and reduce it to the chart's width (on a worker)."""
    t1 = request.now
    t0 = t1 - SPANS[request.span]
    series: list[Series] = []
    band: list[Span] = []
    for number, app in enumerate(request.apps):
        times, values, statuses = _read(store, request, app, t0, t1)
        series.append(Series(app, times, values))
        if number == 0:
            band = _band(times, statuses, t1)
    markers = [
        Marker(
            e.at,
            _marker_kind(e.kind),
            e.text if e.text.startswith(e.kind) else f"{e.kind}: {e.text}",
        )  # fmt: skip
        for e in store.events(request.server_id, request.apps[0], t0, t1)
        if e.kind in MARKED
    ]
    unit = MIB if request.metric == MEMORY else 1.0
    return chart_data(series, t0, t1, request.width, markers=markers, band=band, unit=unit)
