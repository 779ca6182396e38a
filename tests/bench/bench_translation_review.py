"""The translation review window on a large review: its first paint and the GUI thread's stalls.

Run as ``.venv/bin/python tests/bench/bench_translation_review.py [--runs 7] [--json]`` (offscreen
unless QT_QPA_PLATFORM says otherwise). On ``tests/i18n_corpus.py``'s corpus (20,000 keys, 2,000
of them changed), in one run:

(a) first paint: a review window holding the 2,000 rows, from ``show()`` to the first paint
    event of the table's viewport (the review built beforehand);
(b) loading: the window built from the two files' bytes (``open_review_from_bytes``: parse,
    diff and check on a worker, then the model filled on the GUI thread) with a QTimer ticking
    every 5 ms on the GUI thread: the longest gap between ticks and the 99th percentile are the
    stalls, from ``show()`` until the table's first paint with the rows;
(c) reference: the same review built on the calling thread (what the worker does), so (b)'s
    time is read against the work it hides.

A measurement, not a pass/fail test. Targets: first paint under 300 ms, longest stall under
50 ms.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
for extra in (ROOT, ROOT / "tests"):
    if str(extra) not in sys.path:
        sys.path.insert(0, str(extra))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

TARGET_FIRST_PAINT_MS = 300.0
TARGET_STALL_MS = 50.0
HEARTBEAT_MS = 5
KEYS, CHANGED = 20_000, 2_000


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    return ordered[min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="runs of each kind (default 7)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    report(measure(args.runs), args.json)
    return 0


def measure(runs: int) -> dict:
    from i18n_corpus import corpus
    from PySide6.QtCore import QEvent, QEventLoop, QObject, QTimer
    from PySide6.QtWidgets import QApplication

    from ereg_desktop.services.i18n.review import build_review
    from ereg_desktop.ui.tasks import wait_for_workers
    from ereg_desktop.ui.translations.review_dialog import (
        TranslationReviewDialog,
        open_review_from_bytes,
    )

    app = QApplication.instance() or QApplication([sys.argv[0]])
    old, new = corpus(KEYS, CHANGED, seed=0)

    class FirstPaint(QObject):
        """Quits ``loop`` at the first paint of a widget, noting when."""

        def __init__(self, loop: QEventLoop) -> None:
            super().__init__()
            self.loop = loop
            self.at: float | None = None

        def eventFilter(self, watched: QObject, event: QEvent) -> bool:
            if self.at is None and event.type() == QEvent.Type.Paint:
                self.at = time.perf_counter()
                QTimer.singleShot(0, self.loop.quit)
            return False

    def run_until_painted(dialog: TranslationReviewDialog, start: float) -> float:
        """Show ``dialog`` and run the loop until its table's viewport paints (the table only
        exists once the review is there): ms from ``start``."""
        loop = QEventLoop()
        painted = FirstPaint(loop)
        watched: list[QObject] = []

        def watch() -> None:
            widget = dialog.review_widget
            if widget is not None and not watched:
                watched.append(widget.table.viewport())
                widget.table.viewport().installEventFilter(painted)

        poll = QTimer()
        poll.setInterval(1)
        poll.timeout.connect(watch)
        watch()
        poll.start()
        QTimer.singleShot(120_000, loop.quit)
        dialog.show()
        loop.exec()
        poll.stop()
        assert painted.at is not None, "the table never painted within 120 s"
        return (painted.at - start) * 1000

    # (c) the work the worker does, on this thread, for reference
    built_ms: list[float] = []
    review = None
    for _ in range(runs):
        start = time.perf_counter()
        review = build_review("bench", old, new)
        built_ms.append((time.perf_counter() - start) * 1000)
    assert review is not None and len(review.changes) == CHANGED, len(review.changes)

    # warm up: Qt's first widgets, fonts and styles are not the viewer's cost
    warm = TranslationReviewDialog(review)
    run_until_painted(warm, time.perf_counter())
    warm.close()
    warm.deleteLater()
    app.processEvents()

    gaps: list[float] = []
    state = {"last": 0.0, "on": False}

    def beat() -> None:
        now = time.perf_counter()
        if state["on"]:
            gaps.append((now - state["last"]) * 1000)
        state["last"] = now

    heartbeat = QTimer()
    heartbeat.setInterval(HEARTBEAT_MS)
    heartbeat.timeout.connect(beat)
    heartbeat.start()

    first_paint_ms: list[float] = []
    load_ms: list[float] = []
    stall_max: list[float] = []
    for _ in range(runs):
        # (a) first paint of a window holding the rows
        dialog = TranslationReviewDialog(review)
        first_paint_ms.append(run_until_painted(dialog, time.perf_counter()))
        dialog.close()
        dialog.deleteLater()
        app.processEvents()
        # (b) from the bytes, the review built on a worker: the GUI thread's longest gap
        before = len(gaps)
        state["last"], state["on"] = time.perf_counter(), True
        start = time.perf_counter()
        dialog = open_review_from_bytes("bench", old, new)
        load_ms.append(run_until_painted(dialog, start))
        state["on"] = False
        stall_max.append(max(gaps[before:], default=0.0))
        dialog.close()
        dialog.deleteLater()
        app.processEvents()
    heartbeat.stop()
    wait_for_workers(30_000)

    return {
        "runs": runs,
        "load_average_1min": os.getloadavg()[0],
        "keys": KEYS,
        "changed": CHANGED,
        "first_paint_ms": first_paint_ms,
        "first_paint_median_ms": statistics.median(first_paint_ms),
        "first_paint_max_ms": max(first_paint_ms),
        "load_to_paint_ms": load_ms,
        "load_to_paint_median_ms": statistics.median(load_ms),
        "build_on_caller_median_ms": statistics.median(built_ms),
        "gui_stall_max_ms": max(stall_max),
        "gui_stall_max_per_run_ms": stall_max,
        "gui_stall_median_of_run_max_ms": statistics.median(stall_max),
        "gui_stall_p99_ms": percentile(gaps, 0.99),
        "heartbeat_ms": HEARTBEAT_MS,
        "heartbeats": len(gaps),
        "targets": {"first_paint_ms": TARGET_FIRST_PAINT_MS, "gui_stall_max_ms": TARGET_STALL_MS},
    }


def report(figures: dict, as_json: bool) -> None:
    if as_json:
        print(json.dumps(figures, indent=2))
        return

    def verdict(ok: bool) -> str:
        return "within target" if ok else "OVER target"

    print(f"review of {figures['keys']:,} keys, {figures['changed']:,} changed; "
          f"{figures['runs']} runs; load average {figures['load_average_1min']:.2f} on "
          f"{os.cpu_count()} CPUs")  # fmt: skip
    print(f"{'run':>6} {'(a) first paint':>16} {'(b) load to paint':>18} {'(b) max stall':>14}")
    rows = zip(figures["first_paint_ms"], figures["load_to_paint_ms"],
               figures["gui_stall_max_per_run_ms"], strict=True)  # fmt: skip
    for number, (paint, load, stall) in enumerate(rows, start=1):
        print(f"{number:>6} {paint:>13.1f} ms {load:>15.1f} ms {stall:>11.1f} ms")
    paint = figures["first_paint_median_ms"]
    stall = figures["gui_stall_max_ms"]
    print(f"(a) first paint with the rows: median {paint:.1f} ms, max "
          f"{figures['first_paint_max_ms']:.1f} ms ({verdict(paint <= TARGET_FIRST_PAINT_MS)} "
          f"< {TARGET_FIRST_PAINT_MS:.0f} ms)")  # fmt: skip
    print(f"(b) from the bytes to the painted rows: median "
          f"{figures['load_to_paint_median_ms']:.1f} ms; (c) the same build on one thread: "
          f"{figures['build_on_caller_median_ms']:.1f} ms")  # fmt: skip
    print(f"GUI-thread stall while loading ({figures['heartbeats']} beats of "
          f"{figures['heartbeat_ms']} ms): max {stall:.1f} ms, median of the runs' max "
          f"{figures['gui_stall_median_of_run_max_ms']:.1f} ms, p99 "
          f"{figures['gui_stall_p99_ms']:.1f} ms ({verdict(stall <= TARGET_STALL_MS)} "
          f"< {TARGET_STALL_MS:.0f} ms)")  # fmt: skip


if __name__ == "__main__":
    sys.exit(main())
