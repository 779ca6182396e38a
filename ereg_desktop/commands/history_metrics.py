"""``ereg-desktop history APP --metrics --since SPAN [--json]``: the stored samples of one app,
read from the local metrics database only (nothing connects)."""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import UTC, datetime
from typing import Any

from ereg_desktop.errors import EXIT_OK, BadInputError
from ereg_desktop.services.shown_text import printable
from ereg_desktop.store.metrics import MetricsStore, Sample

_MIB = 1024 * 1024


def _iso(at: float) -> str:
    return datetime.fromtimestamp(at, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def sample_json(s: Sample) -> dict[str, Any]:
    return {
        "server": s.server, "app": s.app, "at": _iso(s.at), "time": s.at, "status": s.status,
        "memory_bytes": s.memory_bytes, "memory_max_bytes": s.memory_max_bytes,
        "cpu_percent": s.cpu_percent, "restarts": s.restarts, "uptime_s": s.uptime_s,
        "resolution_s": s.resolution_s,
    }  # fmt: skip


def print_metrics(args: argparse.Namespace, paths: Any) -> int:
    if not args.app:
        raise BadInputError("history --metrics needs an APP: ereg-desktop history APP --metrics")
    now = time.time()
    samples: list[Sample] = []
    if paths.metrics_db.exists():
        store = MetricsStore.open(paths.metrics_db)
        try:
            samples = store.samples(None, args.app, now - args.since, now)
        finally:
            for warning in store.take_warnings():
                print(f"ereg-desktop: {warning}", file=sys.stderr)
            store.close()
    if args.json:
        print(json.dumps([sample_json(s) for s in samples], indent=2, ensure_ascii=False))
        return EXIT_OK
    if not samples:
        print(f"No samples of {printable(args.app)} stored for that span.")
        return EXIT_OK
    print(f"{'time (UTC)':20}  {'server':12}  {'status':10}  {'mem MiB':>8}  {'max MiB':>8}"
          f"  {'cpu %':>6}  {'restarts':>8}  {'uptime':>9}  res")  # fmt: skip
    for s in samples:
        uptime = "-" if s.uptime_s is None else f"{s.uptime_s:.0f}s"
        res = f"{s.resolution_s}s" if s.resolution_s else "raw"
        print(printable(
            f"{_iso(s.at):20}  {s.server[:12]:12}  {s.status[:10]:10}  "
            f"{s.memory_bytes / _MIB:8.1f}  {s.memory_max_bytes / _MIB:8.1f}  "
            f"{s.cpu_percent:6.1f}  {s.restarts:8d}  {uptime:>9}  {res}"
        ))  # fmt: skip
    return EXIT_OK
