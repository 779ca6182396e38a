"""The memory chart on a week of 10-second samples for 20 apps (60,480 each, 1.2 million in all).

Run as ``.venv/bin/python tests/bench/bench_chart.py [--runs 7] [--json]`` (offscreen unless
QT_QPA_PLATFORM says otherwise). In one run:

(a) on a worker thread, as the window runs it: the reduction to one (min, max, last) per pixel
    column (``chart_data``) and the drawing into an image (``render_chart``), while a 5 ms
    QTimer on the GUI thread measures its longest gap;
(b) the GUI thread's paint (a repaint of the 1200 x 400 chart: the image blitted);
(a+b) is the chart's render, from the samples to the painted chart;
(c) the process's resident memory with that history held as the chart's input (Python lists of
    floats), against the same process before it was built.

A measurement, not a pass/fail test. Targets: render under 200 ms, GUI stall under 50 ms,
memory under 250 MB.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

APPS, STEP_S, WEEK_S = 20, 10.0, 7 * 86400.0


def rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()

    from PySide6.QtCore import QElapsedTimer, QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication

    from ereg_desktop.presenters.chart_data import Marker, Series, Span, chart_data
    from ereg_desktop.ui.metrics_chart import Colours, MetricsChart, render_chart
    from ereg_desktop.ui.status_text import memory_text

    app = QApplication.instance() or QApplication([])
    before_mb = rss_mb()
    n = int(WEEK_S / STEP_S)
    t_end = 1_800_000_000.0
    t_start = t_end - WEEK_S
    series = []
    for a in range(APPS):
        times = [t_start + i * STEP_S for i in range(n)]
        base = (120 + 15 * a) * 2**20
        values = [base + ((i * 7919) % 997) * 2**14 + (i % 8640) * 2**12 for i in range(n)]
        series.append(Series(f"app{a:02d}", times, values))
    markers = [Marker(t_start + d * 86400 + 3600, "deploy", f"deploy {d}") for d in range(7)]
    band = [Span(t_start, t_end, True)]
    held_mb = rss_mb() - before_mb

    chart = MetricsChart()
    chart.resize(1200, 400)
    chart.show()
    app.processEvents()
    width = chart.plot_width()
    size, colours = chart.size(), Colours.of(chart)

    def one_run(data_series: list[Series]) -> tuple[float, float, float, float]:
        """(reduce ms, worker ms, GUI paint ms, longest GUI gap ms) of one render."""
        done = threading.Event()
        out: dict[str, object] = {}

        def work() -> None:
            t0 = time.perf_counter()
            data = chart_data(data_series, t_start, t_end, width, markers=markers, band=band,
                              unit=2**20)  # fmt: skip
            out["reduce_ms"] = (time.perf_counter() - t0) * 1000
            out["rendered"] = render_chart(data, size, colours, memory_text)
            out["ms"] = (time.perf_counter() - t0) * 1000
            done.set()

        gaps: list[float] = []
        clock = QElapsedTimer()
        clock.start()
        last = [clock.elapsed()]
        loop = QEventLoop()

        def beat() -> None:
            now = clock.elapsed()
            gaps.append(now - last[0])
            last[0] = now
            if done.is_set():
                loop.quit()

        timer = QTimer()
        timer.setInterval(5)
        timer.timeout.connect(beat)
        timer.start()
        threading.Thread(target=work, daemon=True).start()
        loop.exec()
        timer.stop()
        t0 = time.perf_counter()
        chart.show_chart(out["rendered"])  # type: ignore[arg-type]
        chart.repaint()
        paint = (time.perf_counter() - t0) * 1000
        return (float(out["reduce_ms"]), float(out["ms"]), paint,  # type: ignore[arg-type]
                max(gaps) if gaps else 0.0)  # fmt: skip

    # the store keeps raw samples for a day and per-minute ones for a week: both resolutions
    minutes = [Series(s.name, s.times[::6], s.values[::6]) for s in series]
    raw_runs = [one_run(series) for _ in range(args.runs)]
    minute_runs = [one_run(minutes) for _ in range(args.runs)]
    reduce_ms = [r[0] for r in raw_runs]
    worker_ms = [r[1] for r in raw_runs]
    paint_ms = [r[2] for r in raw_runs]
    stalls = [r[3] for r in raw_runs]
    minute_render = [r[1] + r[2] for r in minute_runs]
    minute_stalls = [r[3] for r in minute_runs]

    med = statistics.median
    render = [w + p for w, p in zip(worker_ms, paint_ms, strict=True)]
    result = {
        "samples": APPS * n,
        "reduce_ms_median": round(med(reduce_ms), 1),
        "worker_ms_median": round(med(worker_ms), 1),
        "paint_ms_median": round(med(paint_ms), 1),
        "render_ms_median": round(med(render), 1),
        "render_ms_max": round(max(render), 1),
        "gui_stall_ms_max": round(max(stalls), 1),
        "per_minute_render_ms_median": round(med(minute_render), 1),
        "per_minute_gui_stall_ms_max": round(max(minute_stalls), 1),
        "history_held_mb": round(held_mb, 1),
        "process_rss_mb": round(rss_mb(), 1),
    }
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    print(f"{APPS} apps x {n} samples (a week every 10 s) = {APPS * n} samples; {args.runs} runs")
    print(f"(a) on a worker: the reduction to {width} columns {result['reduce_ms_median']} ms, "
          f"with the drawing into an image {result['worker_ms_median']} ms (medians)")  # fmt: skip
    print(f"(b) the GUI thread's paint (the image blitted): median {result['paint_ms_median']} ms")
    print(f"render (a+b): median {result['render_ms_median']} ms, worst {result['render_ms_max']}"
          " ms (target < 200 ms)")  # fmt: skip
    print(
        f"GUI-thread stall while reducing: worst {result['gui_stall_ms_max']} ms (target < 50 ms)"
    )
    print(f"the same week at the store's per-minute resolution ({APPS} x {n // 6}): render median "
          f"{result['per_minute_render_ms_median']} ms, GUI stall worst "
          f"{result['per_minute_gui_stall_ms_max']} ms")  # fmt: skip
    print(f"memory: the history held {result['history_held_mb']} MB; the process "
          f"{result['process_rss_mb']} MB (target < 250 MB)")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
