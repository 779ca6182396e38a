"""The translation checks on a large file: the whole review beside a bare ``json.loads``.

Run as ``.venv/bin/python tests/bench/bench_translations_check.py [--runs 9] [--keys 20000]
[--changed 2000] [--json]``. On ``tests/i18n_corpus.corpus()`` (a realistic pair of files in the
panel's layout), side by side in one run:

(a) the baseline: ``json.loads`` of both files' bytes, nothing else;
(b) the review: ``build_review`` without a scan map: strict parsing of both files (duplicate
    keys), the diff, every offline check of the changed pairs and the layout check of the new
    file (re-serialising it and comparing bytes);

and, for the record, the parts of (b) alone. The kinds alternate in each run so that noise treats
them alike; the figures are medians. A measurement, not a pass/fail test. Targets: (b) at most
300 ms and at most 6 times (a).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
for extra in (ROOT, ROOT / "tests"):
    if str(extra) not in sys.path:
        sys.path.insert(0, str(extra))

TARGET_MS = 300.0
TARGET_RATIO = 6.0


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1000


def measure(runs: int, keys: int, changed: int) -> dict[str, object]:
    from i18n_corpus import corpus

    from ereg_desktop.services.i18n.checks import check_changes, check_layout
    from ereg_desktop.services.i18n.diff import diff_messages
    from ereg_desktop.services.i18n.messages_file import parse_messages
    from ereg_desktop.services.i18n.review import build_review

    old, new = corpus(keys=keys, changed=changed)
    old_map, new_map = parse_messages(old), parse_messages(new)
    changes = diff_messages(old_map, new_map)
    review = build_review("bench", old, new)
    kinds: dict[str, Callable[[], object]] = {
        "json_loads": lambda: (json.loads(old), json.loads(new)),
        "review": lambda: build_review("bench", old, new),
        "parse": lambda: (parse_messages(old), parse_messages(new)),
        "diff": lambda: diff_messages(old_map, new_map),
        "checks": lambda: check_changes(changes),
        "layout": lambda: check_layout(new, new_map),
    }
    for fn in kinds.values():
        fn()  # warm up: imports, caches
    times: dict[str, list[float]] = {kind: [] for kind in kinds}
    for _ in range(runs):
        for kind, fn in kinds.items():
            times[kind].append(timed(fn))
    med = {kind: statistics.median(values) for kind, values in times.items()}
    return {
        "runs": runs,
        "keys": keys,
        "changed": changed,
        "old_bytes": len(old),
        "new_bytes": len(new),
        "changes": len(review.changes),
        "findings": len(review.findings),
        **{f"{kind}_ms": values for kind, values in times.items()},
        **{f"{kind}_median_ms": value for kind, value in med.items()},
        "ratio": med["review"] / med["json_loads"],
        "target_ms": TARGET_MS,
        "target_ratio": TARGET_RATIO,
    }


def report(figures: dict[str, object], as_json: bool) -> None:
    if as_json:
        print(json.dumps(figures, indent=2))
        return
    med = {k[: -len("_median_ms")]: v for k, v in figures.items() if k.endswith("_median_ms")}
    print(
        f"corpus: {figures['keys']} keys, {figures['changed']} changed "
        f"({figures['old_bytes']} and {figures['new_bytes']} bytes); "
        f"{figures['changes']} changes, {figures['findings']} findings; "
        f"medians of {figures['runs']} runs"
    )
    labels = {
        "json_loads": "(a) json.loads of both files",
        "review": "(b) build_review, no scan map",
        "parse": "    of which: parse both (strict)",
        "diff": "    of which: diff",
        "checks": "    of which: checks of the changes",
        "layout": "    of which: layout check",
    }
    for kind, label in labels.items():
        print(f"{label:<38} {med[kind]:8.1f} ms")
    ratio = float(figures["ratio"])  # type: ignore[arg-type]
    review_ms = float(med["review"])  # type: ignore[arg-type]
    ok_ms = "within" if review_ms <= TARGET_MS else "OVER"
    ok_ratio = "within" if ratio <= TARGET_RATIO else "OVER"
    print(f"review: {review_ms:.1f} ms ({ok_ms} the {TARGET_MS:.0f} ms target)")
    print(f"ratio review / json.loads: {ratio:.2f} ({ok_ratio} the {TARGET_RATIO:.0f}x target)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9, help="runs of each kind (default 9)")
    parser.add_argument("--keys", type=int, default=20000, help="keys in the file (default 20000)")
    parser.add_argument("--changed", type=int, default=2000, help="changed keys (default 2000)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    report(measure(args.runs, args.keys, args.changed), args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
