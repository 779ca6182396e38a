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


# Not the target's baseline, a reference: the same bare window holding a QTreeView over a minimal
# Python item model (12 rows, 10 columns). Any window built on a Python model pays what this pays
# above the bare window (PySide creates the Python enums of Qt's namespace the first time a model
# call crosses into Python), so app/tree shows what the app itself adds.
TREE_WINDOW = BARE_WINDOW.replace(
    'window.setWindowTitle("bare")',
    """window.setWindowTitle("tree")
from PySide6.QtCore import QAbstractItemModel, QModelIndex
from PySide6.QtWidgets import QTreeView

class Model(QAbstractItemModel):
    def index(self, row, column, parent=QModelIndex()):
        return self.createIndex(row, column, 0) if not parent.isValid() else QModelIndex()
    def parent(self, index=QModelIndex()):
        return QModelIndex()
    def rowCount(self, parent=QModelIndex()):
        return 0 if parent.isValid() else 12
    def columnCount(self, parent=QModelIndex()):
        return 10
    def data(self, index, role=0):
        return f"cell {index.row()} {index.column()}" if role == 0 else None
    def headerData(self, section, orientation, role=0):
        return f"column {section}" if role == 0 else None

model = Model()
tree = QTreeView()
tree.setModel(model)
window.setCentralWidget(tree)""",
)


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
    # an installed app starts from its compiled modules: the warm-up run below writes them (a
    # shell with PYTHONDONTWRITEBYTECODE would make every start compile the whole app again)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    commands = {"bare": [sys.executable, "-c", BARE_WINDOW]}
    commands["tree"] = [sys.executable, "-c", TREE_WINDOW]
    times: dict[str, list[float]] = {kind: [] for kind in ("bare", "tree", "app")}
    with tempfile.TemporaryDirectory(prefix="ereg-bench-") as config_dir:
        commands["app"] = [sys.executable, "-m", "ereg_desktop", "--config-dir", config_dir]
        first_paint_ms(commands["app"], env)  # writes the default inventory and the .pyc files
        for _ in range(args.runs):
            for kind, command in commands.items():  # alternating: noise treats them alike
                times[kind].append(first_paint_ms(command, env))

    med = {kind: statistics.median(values) for kind, values in times.items()}
    figures: dict[str, object] = {
        "runs": args.runs,
        **{f"{kind}_ms": values for kind, values in times.items()},
        **{f"{kind}_median_ms": value for kind, value in med.items()},
        "ratio": med["app"] / med["bare"],
        "tree_ratio": med["tree"] / med["bare"],
        "app_over_tree_ratio": med["app"] / med["tree"],
        "target_ratio": TARGET_RATIO,
    }
    if args.json:
        print(json.dumps(figures, indent=2))
        return 0
    print(f"{'run':>6} {'bare PySide6':>14} {'bare + Python tree':>20} {'ereg-desktop':>14}")
    for number, row in enumerate(zip(*times.values(), strict=True), start=1):
        print(f"{number:>6} {row[0]:>11.1f} ms {row[1]:>17.1f} ms {row[2]:>11.1f} ms")
    print(f"{'median':>6} {med['bare']:>11.1f} ms {med['tree']:>17.1f} ms {med['app']:>11.1f} ms")
    ratio = med["app"] / med["bare"]
    verdict = "within" if ratio <= TARGET_RATIO else "OVER"
    print(f"ratio app / bare window: {ratio:.2f} ({verdict} the {TARGET_RATIO} target)")
    print(f"ratio bare + Python tree / bare window: {med['tree'] / med['bare']:.2f} (reference)")
    print(f"ratio app / bare + Python tree: {med['app'] / med['tree']:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
