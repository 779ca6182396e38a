"""The metrics history as it ages: every complete minute compacted into ``samples_1m`` (averages,
the max memory, the last restarts and status, the lowest uptime), ten minutes into
``samples_10m``, and what has aged out of each resolution deleted: raw for a day, per minute for
a week, per ten minutes for three months. Run in the writer's transaction by
:mod:`store.metrics`."""

from __future__ import annotations

import sqlite3

from ereg_desktop.store.metrics_schema import MINUTE, TEN_MINUTES

DAY = 86_400.0
KEEP_RAW_S = DAY
KEEP_MINUTE_S = 7 * DAY
KEEP_TEN_MINUTES_S = 90 * DAY
DOWNSAMPLE_EVERY_S = 60.0
SETTLE_S = 30.0  # a minute is compacted this long after it ends (a slow poll's sample is late)


_ROLL_RAW = """
INSERT OR REPLACE INTO samples_1m
SELECT server, app, bucket, last_status, avg(memory), max(memory), avg(cpu), last_restarts,
       min(uptime), count(*)
FROM (
    SELECT server, app, memory, cpu, uptime, CAST(at / 60 AS INTEGER) * 60 AS bucket,
           last_value(status) OVER w AS last_status, last_value(restarts) OVER w AS last_restarts
    FROM samples WHERE at >= ? AND at < ?
    WINDOW w AS (PARTITION BY server, app, CAST(at / 60 AS INTEGER) ORDER BY at
                 ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)
)
GROUP BY server, app, bucket
"""

_ROLL_MINUTES = """
INSERT OR REPLACE INTO samples_10m
SELECT server, app, bucket, last_status, sum(memory_avg * n) / sum(n), max(memory_max),
       sum(cpu_avg * n) / sum(n), last_restarts, min(uptime_min), sum(n)
FROM (
    SELECT *, CAST(at / 600 AS INTEGER) * 600 AS bucket,
           last_value(status) OVER w AS last_status, last_value(restarts) OVER w AS last_restarts
    FROM samples_1m WHERE at >= ? AND at < ?
    WINDOW w AS (PARTITION BY server, app, CAST(at / 600 AS INTEGER) ORDER BY at
                 ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)
)
GROUP BY server, app, bucket
"""


def reopen_compacted(conn: sqlite3.Connection, earliest: float, now: float) -> None:
    """A sample later than its minute's compaction (a slow poll) has that minute (and its ten
    minutes) compacted again, while the minute's raw samples are all still kept."""
    if earliest < now - KEEP_RAW_S + 3600:
        return
    for res in (MINUTE, TEN_MINUTES):
        start = float(int(earliest // res) * res)
        conn.execute(
            "UPDATE rolled SET until = ? WHERE resolution = ? AND until > ?", (start, res, start)
        )


def rolled(conn: sqlite3.Connection, resolution: int) -> float:
    row = conn.execute("SELECT until FROM rolled WHERE resolution = ?", (resolution,)).fetchone()
    return float(row[0]) if row else 0.0


def compact(conn: sqlite3.Connection, now: float) -> None:
    minute_end = float(int((now - SETTLE_S) // MINUTE) * MINUTE)
    start = rolled(conn, MINUTE)
    if minute_end > start:
        conn.execute(_ROLL_RAW, (start, minute_end))
        conn.execute("UPDATE rolled SET until = ? WHERE resolution = ?", (minute_end, MINUTE))
    # ten minutes from the minutes (only complete ten minutes whose minutes are all compacted)
    ten_end = float(int(minute_end // TEN_MINUTES) * TEN_MINUTES)
    start = rolled(conn, TEN_MINUTES)
    if ten_end > start:
        conn.execute(_ROLL_MINUTES, (start, ten_end))
        conn.execute("UPDATE rolled SET until = ? WHERE resolution = ?", (ten_end, TEN_MINUTES))
    # what has aged out, once it is compacted into the next resolution
    conn.execute(
        "DELETE FROM samples WHERE at < ? AND at < ?", (now - KEEP_RAW_S, rolled(conn, MINUTE))
    )
    conn.execute(
        "DELETE FROM samples_1m WHERE at < ? AND at < ?",
        (now - KEEP_MINUTE_S, rolled(conn, TEN_MINUTES)),
    )
    conn.execute("DELETE FROM samples_10m WHERE at < ?", (now - KEEP_TEN_MINUTES_S,))
    conn.execute("DELETE FROM events WHERE at < ?", (now - KEEP_TEN_MINUTES_S,))
