"""``ereg-desktop due [--json]``: per deployment, the pending commits, the last restart, whether a
restart is due by the procedure's rhythm and when, and whether its URL answers."""

from __future__ import annotations

import argparse
import json
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ereg_desktop.commands.keys import ask_passphrase
from ereg_desktop.commands.status import poll_all
from ereg_desktop.context import AppContext
from ereg_desktop.errors import EXIT_CONNECTION, BadInputError
from ereg_desktop.services.deploy.connect import ServerShell
from ereg_desktop.services.due import Pending, check_pending, due_row, last_restart
from ereg_desktop.services.health import check_url
from ereg_desktop.services.monitor import attach
from ereg_desktop.services.status import CONNECTED
from ereg_desktop.store.inventory import DeploymentRef
from ereg_desktop.store.paths import AppPaths


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print machine-readable JSON")
    parser.add_argument(
        "--timezone", metavar="ZONE",
        help="the operator's time zone for development's restarts (IANA name; default: "
        "[operator] timezone in the inventory, else this computer's)",
    )  # fmt: skip
    parser.add_argument(
        "--no-health", action="store_true", help="do not check the deployments' URLs"
    )


def operator_zone(name: str | None) -> tzinfo:
    if not name:
        local = datetime.now().astimezone().tzinfo
        return local or UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise BadInputError(
            f"unknown time zone {name!r} (use an IANA name like Europe/Paris)"
        ) from None


def run(args: argparse.Namespace, paths: AppPaths) -> int:
    ctx = AppContext.for_cli(paths)
    inv = ctx.inventory
    zone_name = args.timezone or str(inv.operator.extra.get("timezone", "") or "")
    tz = operator_zone(zone_name)
    monitor = attach(ctx, ask_passphrase)
    refs = inv.deployments()
    try:
        statuses = poll_all(monitor, inv.servers)
        reachable = [r for r in refs if statuses[r.server.id].state == CONNECTED]

        def pending_of(ref: DeploymentRef) -> Pending:
            return check_pending(ServerShell(monitor.pool, ref.server), ref, time.time())

        with ThreadPoolExecutor(max_workers=8) as workers:
            pendings = dict(
                zip(map(id, reachable), workers.map(pending_of, reachable), strict=True)
            )
            urls = [r.deployment.url for r in refs if r.deployment.url and not args.no_health]
            health = dict(zip(urls, workers.map(check_url, urls), strict=True))
    finally:
        monitor.pool.close()
    now = datetime.now(UTC)
    rows: list[dict[str, Any]] = []
    for ref in refs:
        st = statuses[ref.server.id]
        found = st.apps.get(ref.app) if st.state == CONNECTED else None
        restart = last_restart(found, st.taken_at or time.time())
        row = due_row(ref, pendings.get(id(ref)), restart, now, tz)
        if st.state != CONNECTED:
            row["pending_error"] = st.reason or "the server could not be reached"
        h = health.get(ref.deployment.url)
        row["health"] = h.as_dict() if h else None
        rows.append(row)
    code = 0
    for server in inv.servers:
        if statuses[server.id].state != CONNECTED:
            print(f"ereg-desktop: {monitor.problem(server.id) or statuses[server.id].reason}",
                  file=sys.stderr)  # fmt: skip
            code = EXIT_CONNECTION
    if args.json:
        print(json.dumps(rows, indent=2, ensure_ascii=False))
    else:
        print(rows_text(rows), end="")
    return code


def rows_text(rows: list[dict[str, Any]]) -> str:
    out = []
    for r in rows:
        head = f"{r['server']}/{r['app']} ({r['environment']}, {r['track']})"
        if r["pending_error"]:
            pend = f"pending: not known ({r['pending_error']})"
        elif r["pending"]:
            pend = f"pending: {r['pending']}, newest: {r['newest_subject'][:80]}"
        else:
            pend = "pending: none"
        last = r["last_restart"] or "not running"
        h = r.get("health")
        site = ""
        if h:
            site = (
                f"; site: {h['status'] or '-'} {h['ms']} ms" if h["ok"] else f"; site: {h['error']}"
            )
        out.append(f"{head}\n  {pend}\n  last restart: {last}{site}\n  {r['when']}\n")
    return "".join(out)
