"""Reading the metrics history: the points of an app over a span at the finest resolution still
kept for its age, as rows (:class:`Sample`) or as columns (:class:`Series`), and the events beside
them. Run in the reader's transaction by :mod:`store.metrics`."""

from __future__ import annotations

import sqlite3
import sys
from array import array
from dataclasses import dataclass
from typing import Any, NamedTuple

from ereg_desktop.store.metrics_compaction import KEEP_MINUTE_S, KEEP_RAW_S, rolled
from ereg_desktop.store.metrics_schema import MINUTE, RAW, TABLES, TEN_MINUTES

CHOICE_SLACK_S = 300.0
MEMORY_MAX, CPU = "memory_max", "cpu"  # what a chart reads of each point (Points.values)


class Sample(NamedTuple):
    """One point: raw (``resolution_s`` 0) or a bucket starting at ``at`` (averages; the max
    memory, the last restarts and status, the lowest uptime)."""

    server: str
    app: str
    at: float
    status: str
    memory_bytes: int
    memory_max_bytes: int
    cpu_percent: float
    restarts: int
    uptime_s: float | None
    resolution_s: int


@dataclass(frozen=True)
class Series:
    """Points of one app as columns, oldest first; an uptime not known is NaN."""

    server: str
    app: str
    at: array[float]
    memory_bytes: array[float]  # the average over the point's bucket
    memory_max_bytes: array[float]
    cpu_percent: array[float]
    restarts: array[int]
    uptime_s: array[float]
    resolution_s: array[int]
    status: list[str]  # each status text once in memory (interned)

    @classmethod
    def of_rows(cls, server: str, app: str, rows: list[tuple[Any, ...]]) -> Series:
        cols: list[tuple[Any, ...]] = list(zip(*rows, strict=True)) if rows else [()] * 10
        nan = float("nan")
        return cls(
            server, app, array("d", cols[2]), array("d", cols[4]), array("d", cols[5]),
            array("d", cols[6]), array("q", cols[7]),
            array("d", (nan if u is None else u for u in cols[8])), array("l", cols[9]),
            list(map(sys.intern, cols[3])),
        )  # fmt: skip

    def __len__(self) -> int:
        return len(self.at)


@dataclass(frozen=True)
class Points:
    """Only what a chart reads of an app's points, as columns, oldest first: the time, one value
    (the highest memory of the point's bucket, or the average CPU) and the status."""

    at: array[float]
    values: array[float]
    status: list[str]  # each status text once in memory (interned)

    @classmethod
    def of_rows(cls, rows: list[tuple[Any, ...]]) -> Points:
        cols: list[tuple[Any, ...]] = list(zip(*rows, strict=True)) if rows else [()] * 3
        return cls(array("d", cols[0]), array("d", cols[1]), list(map(sys.intern, cols[2])))

    def __len__(self) -> int:
        return len(self.at)


class Event(NamedTuple):
    server: str
    app: str
    at: float
    kind: str  # deploy, restart, crash, stop, start, ...
    text: str


def resolution_for(since: float, now: float) -> int:
    """The finest resolution still kept for a span starting at ``since`` (a span a few minutes
    longer than a resolution is kept, as ``--since 1d``, still has it: its first minutes may be
    gone)."""
    age = now - since - CHOICE_SLACK_S
    if age <= KEEP_RAW_S:
        return RAW
    if age <= KEEP_MINUTE_S:
        return MINUTE
    return TEN_MINUTES


def query(
    conn: sqlite3.Connection,
    server_id: str | None,
    app: str,
    since: float,
    until: float,
    level: int,
    columns: tuple[str, str] | None = None,
) -> list[tuple[Any, ...]]:
    """Rows (as :class:`Sample`, or of ``columns``: what the raw table and the compacted ones
    select) of the table of ``level`` up to its compaction mark, then of the finer ones."""
    out: list[tuple[Any, ...]] = []
    lo = since
    where_server = "" if server_id is None else " AND server = ?"
    for res in (r for r in (TEN_MINUTES, MINUTE, RAW) if r <= level):
        hi = until if res == RAW else min(until, rolled(conn, res))
        if hi < lo:
            continue
        args: list[object] = [app, lo, hi] + ([] if server_id is None else [server_id])
        upper = "at <= ?" if res == RAW else "at < ?"
        raw, compacted = columns or _SAMPLE_COLUMNS
        sql = (
            f"SELECT {raw if res == RAW else compacted.format(res=res)} FROM {TABLES[res]}"
            f" WHERE app = ? AND at >= ? AND {upper}{where_server} ORDER BY at"
        )
        out.extend(conn.execute(sql, args).fetchall())
        lo = max(lo, hi)
    if server_id is None and columns is None:
        out.sort(key=lambda r: (r[2], r[0]))
    return out


# (the raw table's, the compacted tables') columns of a Sample; of a Points' time, value, status
_SAMPLE_COLUMNS = (
    "server, app, at, status, memory, memory, cpu, restarts, uptime, 0",
    "server, app, at, status, CAST(round(memory_avg) AS INTEGER), memory_max, cpu_avg, restarts,"
    " uptime_min, {res}",
)
POINT_COLUMNS = {
    MEMORY_MAX: ("at, memory, status", "at, memory_max, status"),
    CPU: ("at, cpu, status", "at, cpu_avg, status"),
}


def query_events(
    conn: sqlite3.Connection, server_id: str | None, app: str | None, since: float, until: float
) -> list[Event]:
    sql = "SELECT server, app, at, kind, text FROM events WHERE at >= ? AND at <= ?"
    args: list[object] = [since, until]
    if server_id is not None:
        sql, args = sql + " AND server = ?", [*args, server_id]
    if app is not None:
        sql, args = sql + " AND app = ?", [*args, app]
    sql += " ORDER BY at, id"
    return [Event(*r) for r in conn.execute(sql, args)]
