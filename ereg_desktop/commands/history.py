"""``ereg-desktop history [APP] [--json] [--server-audit]``: the recorded deploys, restarts, stops
and starts. This computer's history (offline) by default; with ``--server-audit`` also the team's
shared audit file of each server (``~/.ereg-desktop/audit.jsonl``), a run found in both once.
``ereg-desktop history APP --metrics [--since 1d] [--json]``: the stored memory/CPU samples
(offline: the local metrics database only)."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from ereg_desktop.errors import EXIT_OK, EregError
from ereg_desktop.services.deploy.audit import (
    SOURCE_BOTH,
    SOURCE_LOCAL,
    SOURCE_SERVER,
    ServerAudit,
    merge_records,
)
from ereg_desktop.services.durations import seconds_text
from ereg_desktop.services.shown_text import printable
from ereg_desktop.store.history import History

DAY_S = 86_400.0
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86_400, "w": 7 * 86_400}


def span_seconds(text: str) -> float:
    """``90m``, ``12h``, ``1d``, ``2w`` (a bare number is seconds) to seconds."""
    t = text.strip().lower()
    unit = _UNITS.get(t[-1:], 0)
    number = t[:-1] if unit else t
    try:
        value = float(number) * (unit or 1)
    except ValueError:
        value = -1.0
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a span: a number and s, m, h, d or w, e.g. 1d"
        )
    return value


SOURCE_WORDS = {SOURCE_LOCAL: "here", SOURCE_SERVER: "server", SOURCE_BOTH: "here+server"}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("app", nargs="?", metavar="APP", help="only this app")
    parser.add_argument("--json", action="store_true", help="print machine-readable JSON")
    parser.add_argument("--limit", type=int, default=50, help="at most this many (newest first)")
    parser.add_argument(
        "--server-audit",
        action="store_true",
        help="also read the team's audit file on each server (connects over SSH)",
    )
    parser.add_argument(
        "--metrics", action="store_true", help="the stored memory/CPU samples of APP instead"
    )
    parser.add_argument(
        "--since", type=span_seconds, default=DAY_S, metavar="SPAN",
        help="with --metrics: this far back, e.g. 90m, 12h, 1d, 2w (default 1d)",
    )  # fmt: skip


def read_servers(paths: Any, app: str | None) -> tuple[list[ServerAudit], list[EregError]]:
    from ereg_desktop.commands.keys import ask_passphrase
    from ereg_desktop.context import AppContext
    from ereg_desktop.services.deploy.audit import read_server_audit
    from ereg_desktop.services.deploy.connect import ServerShell
    from ereg_desktop.services.monitor import attach

    ctx = AppContext.for_cli(paths)
    pool = attach(ctx, ask_passphrase).pool
    audits: list[ServerAudit] = []
    problems: list[EregError] = []
    try:
        for server in ctx.inventory.servers:
            try:
                audits.append(read_server_audit(ServerShell(pool, server), server.id, app))
            except EregError as exc:
                problems.append(exc)
                print(f"ereg-desktop: {server.id}: audit not read: {exc}", file=sys.stderr)
    finally:
        pool.close()
    return audits, problems


def run(args: argparse.Namespace, paths: Any) -> int:
    if args.metrics:
        from ereg_desktop.commands.history_metrics import print_metrics

        return print_metrics(args, paths)
    local = History(paths.history_db).list(args.app, args.limit)
    team = bool(args.server_audit)
    if team:
        audits, problems = read_servers(paths, args.app)
        if problems and not audits:
            raise problems[0]
        for a in audits:
            if a.skipped:
                print(f"ereg-desktop: {a.server}: {a.skipped} unreadable audit line(s) skipped",
                      file=sys.stderr)  # fmt: skip
        records = merge_records(local, audits, limit=args.limit)
    else:
        records = local
    if args.json:
        print(json.dumps(records, indent=2, ensure_ascii=False))
        return EXIT_OK
    if not records:
        print("No records.")
    for r in records:
        down = r.get("downtime_s")
        downtime = f" down {seconds_text(down)}" if isinstance(down, int | float) else ""
        before, after = str(r.get("commit_before", ""))[:8], str(r.get("commit_after", ""))[:8]
        commits = f" {before}->{after}" if before or after else ""
        source = f"[{SOURCE_WORDS.get(str(r.get('source')), '?')}]  " if team else ""
        machine = f" on {r['machine']}" if team and r.get("machine") else ""
        # a record from a server's audit may hold anything: shown without control characters
        print(printable(
            f"{r.get('started_at', '')}  {source}{r.get('app', '')}@{r.get('server', '')}  "
            f"{r.get('kind', '')}  {r.get('result', '')} (app {r.get('app_state', '?')})"
            f"{downtime}{commits}  by {r.get('operator', '') or '?'}{machine}"
        ))  # fmt: skip
        if r.get("message"):
            print(printable(f"    {r['message']}"))
    return EXIT_OK
