"""Cold start to first paint: ereg-desktop's window against a bare PySide6 QMainWindow.

Run as ``.venv/bin/python tests/bench/bench_startup.py [--runs 7] [--json]``. Each run is a whole new
process; the two kinds alternate so that disk cache and CPU frequency treat them alike. A child
prints ``time.time_ns()`` when its window receives its first paint event and quits; the parent
takes ``time.time_ns()`` just before spawning it. Wall-clock nanoseconds are comparable across
processes (``perf_counter`` is not). The app starts the real way: ``python -m ereg_desktop``.
A measurement, not a pass/fail test: the target is a ratio of at most 1.5.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PAINT_ENV = "EREG_DESKTOP_EXIT_AFTER_FIRST_PAINT"  # honoured by ereg_desktop.ui.app.run_gui
PREFIX = "first-paint-ns"
TARGET_RATIO = 1.5

# The window without the command line in front: what the CLI's own imports cost shows as the gap.
RUN_GUI_DIRECTLY = """
import sys
from ereg_desktop.store.paths import AppPaths
from ereg_desktop.ui.app import run_gui
sys.exit(run_gui(AppPaths.resolve(config_dir=sys.argv[1]), sys.argv))
"""

BARE_WINDOW = f"""
import sys, time
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QMainWindow

class FirstPaint(QObject):
    seen = False
    def eventFilter(self, watched, event):
        if not self.seen and event.type() == QEvent.Type.Paint:
            self.seen = True
            print("{PREFIX}", time.time_ns(), flush=True)
            QTimer.singleShot(0, app.quit)
        return False

app = QApplication(sys.argv)
window = QMainWindow()
window.setWindowTitle("bare")
window.resize(1180, 560)
reporter = FirstPaint()
window.installEventFilter(reporter)
window.show()
sys.exit(app.exec())
"""


def first_paint_ms(command: list[str], env: dict[str, str]) -> float:
    start = time.time_ns()
    done = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True, timeout=120)
    for line in done.stdout.splitlines():
        if line.startswith(PREFIX):
            return (int(line.split()[1]) - start) / 1e6
    raise RuntimeError(
        f"{command[:3]} exited {done.returncode} without reporting a first paint:\n{done.stderr}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="runs of each kind (default 7)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()

    env = {**os.environ, PAINT_ENV: "1"}
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    bare: list[float] = []
    app: list[float] = []
    direct: list[float] = []
    with tempfile.TemporaryDirectory(prefix="ereg-bench-") as config_dir:
        app_command = [sys.executable, "-m", "ereg_desktop", "--config-dir", config_dir]
        direct_command = [sys.executable, "-c", RUN_GUI_DIRECTLY, config_dir]
        bare_command = [sys.executable, "-c", BARE_WINDOW]
        first_paint_ms(app_command, env)  # writes the default inventory: not part of a start
        for _ in range(args.runs):
            bare.append(first_paint_ms(bare_command, env))
            app.append(first_paint_ms(app_command, env))
            direct.append(first_paint_ms(direct_command, env))

    figures: dict[str, object] = {
        "runs": args.runs,
        "bare_ms": bare,
        "app_ms": app,
        "run_gui_direct_ms": direct,
        "bare_median_ms": statistics.median(bare),
        "app_median_ms": statistics.median(app),
        "run_gui_direct_median_ms": statistics.median(direct),
        "ratio": statistics.median(app) / statistics.median(bare),
        "run_gui_direct_ratio": statistics.median(direct) / statistics.median(bare),
        "target_ratio": TARGET_RATIO,
    }
    if args.json:
        print(json.dumps(figures, indent=2))
        return 0
    print(f"{'run':>6} {'bare PySide6':>14} {'python -m ereg_desktop':>24} {'run_gui only':>14}")
    for number, row in enumerate(zip(bare, app, direct, strict=True), start=1):
        print(f"{number:>6} {row[0]:>11.1f} ms {row[1]:>21.1f} ms {row[2]:>11.1f} ms")
    medians = (statistics.median(bare), statistics.median(app), statistics.median(direct))
    print(f"{'median':>6} {medians[0]:>11.1f} ms {medians[1]:>21.1f} ms {medians[2]:>11.1f} ms")
    for name, key in (
        ("python -m ereg_desktop", "ratio"),
        ("run_gui only", "run_gui_direct_ratio"),
    ):
        ratio = figures[key]
        assert isinstance(ratio, float)
        verdict = "within" if ratio <= TARGET_RATIO else "OVER"
        print(f"ratio {name}: {ratio:.2f} ({verdict} the {TARGET_RATIO} target)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
