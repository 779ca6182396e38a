"""``ereg-desktop history [APP] [--json]``: the recorded deploys, restarts, stops and starts."""

from __future__ import annotations

import argparse
import json
from typing import Any

from ereg_desktop.store.history import History


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("app", nargs="?", metavar="APP", help="only this app")
    parser.add_argument("--json", action="store_true", help="print machine-readable JSON")
    parser.add_argument("--limit", type=int, default=50, help="at most this many (newest first)")


def run(args: argparse.Namespace, paths: Any) -> int:
    records = History(paths.history_db).list(args.app, args.limit)
    if args.json:
        print(json.dumps(records, indent=2, ensure_ascii=False))
        return 0
    if not records:
        print("No records.")
    for r in records:
        down = r.get("downtime_s")
        downtime = f" down {down:.1f} s" if isinstance(down, int | float) else ""
        before, after = str(r.get("commit_before", ""))[:8], str(r.get("commit_after", ""))[:8]
        commits = f" {before}->{after}" if before or after else ""
        print(
            f"{r.get('started_at', '')}  {r.get('app', '')}@{r.get('server', '')}  "
            f"{r.get('kind', '')}  {r.get('result', '')} (app {r.get('app_state', '?')})"
            f"{downtime}{commits}  by {r.get('operator', '') or '?'}"
        )
        if r.get("message"):
            print(f"    {r['message']}")
    return 0
