"""The metrics history at its full size: a week of 10-second samples for 20 apps.

``.venv/bin/python tests/bench/bench_metrics.py [--days 7] [--apps 20] [--json]``. In one run:

(a) load: every 10 s of a simulated week, one refresh of ``--apps`` apps recorded through
    ``MetricsStore.record`` (one commit per refresh; compaction every simulated minute, as live);
(b) the query of the whole span for one app and for every app, at the resolution the store chooses
    for that age (per minute for a week), in ms (median), as columns (``series``), as the chart
    reads them (``points``: time, max memory, status) and as ``Sample`` rows;
(c) the process's resident memory (VmRSS) with that history held as the chart would hold it
    (``series`` of every app), then with the columns of the full 10-second week beside it (time,
    memory, CPU as ``array('d')``: what a chart of every raw point would keep), then with the
    ``Sample`` rows of every app too.
Target: RSS under 250 MB. A measurement, not a pass/fail test.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from array import array
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from ereg_desktop.services.status import CONNECTED, AppStatus, ServerStatus  # noqa: E402
from ereg_desktop.store.metrics import TEN_MINUTES, MetricsStore, Sample  # noqa: E402

STEP_S = 10.0
TARGET_RSS_MB = 250.0
T0 = 1_800_000_000.0


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


class Clock:
    now = T0

    def __call__(self) -> float:
        return self.now


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=float, default=7.0)
    parser.add_argument("--apps", type=int, default=20)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    names = [f"app{i:02d}" for i in range(args.apps)]
    steps = int(args.days * 86_400 / STEP_S)
    rss_start = rss_mb()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "metrics.sqlite3"
        clock = Clock()
        store = MetricsStore.open(path, clock=clock)
        start = time.perf_counter()
        for k in range(steps):
            at = T0 + k * STEP_S
            clock.now = at
            apps = {
                n: AppStatus(n, "online", memory_bytes=50_000_000 + (k * 7 + i * 1_000) % 9_000_000,
                             cpu_percent=(k + i) % 100 / 10, restarts=k // 8640,
                             uptime_s=float(k % 8640) * STEP_S)
                for i, n in enumerate(names)
            }  # fmt: skip
            store.record("u", ServerStatus("u", CONNECTED, taken_at=at, apps=apps))
        load_s = time.perf_counter() - start
        clock.now = T0 + steps * STEP_S
        store.downsample()
        warnings = store.take_warnings()
        since = clock.now - args.days * 86_400
        rss_loaded = rss_mb()
        one_ms, all_ms, cols_ms = [], [], []
        for _ in range(5):
            t = time.perf_counter()
            one = store.samples("u", names[0], since)
            one_ms.append((time.perf_counter() - t) * 1000)
            t = time.perf_counter()
            series = [store.series("u", n, since) for n in names]
            cols_ms.append((time.perf_counter() - t) * 1000)
        rss_series = rss_mb()
        points_ms = []
        for _ in range(5):
            t = time.perf_counter()
            points = [store.points("u", n, since) for n in names]
            points_ms.append((time.perf_counter() - t) * 1000)
        del points
        tens_ms = []
        for _ in range(5):
            t = time.perf_counter()
            tens = [store.series("u", n, since, resolution=TEN_MINUTES) for n in names]
            tens_ms.append((time.perf_counter() - t) * 1000)
        # beside them: the full 10-second week as columns (a chart of every raw point)
        columns = []
        for i in range(args.apps):
            ts, mem, cpu = array("d"), array("d"), array("d")
            for k in range(steps):
                ts.append(T0 + k * STEP_S)
                mem.append(50_000_000 + (k * 7 + i * 1_000) % 9_000_000)
                cpu.append((k + i) % 100 / 10)
            columns.append((ts, mem, cpu))
        rss_all = rss_mb()
        held: list[list[Sample]] = []
        for _ in range(3):
            t = time.perf_counter()
            held = [store.samples("u", n, since) for n in names]
            all_ms.append((time.perf_counter() - t) * 1000)
        rss_rows = rss_mb()
        size_mb = sum(p.stat().st_size for p in Path(tmp).iterdir()) / 1e6
        figures = {
            "apps": args.apps,
            "days": args.days,
            "samples_per_app": steps,
            "samples_loaded": steps * args.apps,
            "load_s": round(load_s, 2),
            "load_per_refresh_ms": round(load_s / steps * 1000, 3),
            "database_mb": round(size_mb, 1),
            "resolution_s": one[0].resolution_s if one else None,
            "points_one_app": len(one),
            "query_one_app_ms": round(statistics.median(one_ms), 1),
            "query_all_apps_as_columns_ms": round(statistics.median(cols_ms), 1),
            "query_all_apps_chart_points_ms": round(statistics.median(points_ms), 1),
            "query_all_apps_as_rows_ms": round(statistics.median(all_ms), 1),
            "points_all_apps": sum(len(c) for c in series),
            "query_all_apps_per_ten_minutes_ms": round(statistics.median(tens_ms), 1),
            "points_all_apps_per_ten_minutes": sum(len(c) for c in tens),
            "rss_start_mb": round(rss_start, 1),
            "rss_after_load_mb": round(rss_loaded, 1),
            "rss_with_history_as_columns_mb": round(rss_series, 1),
            "rss_with_raw_week_columns_too_mb": round(rss_all, 1),
            "raw_points_held": sum(len(c[0]) for c in columns),
            "rss_with_history_as_sample_rows_too_mb": round(rss_rows, 1),
            "rows_held": sum(len(h) for h in held),
            "target_rss_mb": TARGET_RSS_MB,
            "warnings": warnings,
        }
        store.close()
    if args.json:
        print(json.dumps(figures, indent=2))
    else:
        for key, value in figures.items():
            print(f"{key:34} {value}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
