"""``ereg-desktop status [--json] [APP ...]``: the pm2 state of every deployment, live.

Each server is read once through the server-side agent's once mode (``services/pm2_agent_once``:
the fields whitelisted on the server, no process's environment on the wire), ``pm2 jlist`` where
the agent cannot run."""

from __future__ import annotations

import argparse
import json
import sys
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Protocol

from ereg_desktop.commands.keys import ask_passphrase
from ereg_desktop.context import AppContext
from ereg_desktop.errors import EXIT_BAD_INPUT, EXIT_CONNECTION
from ereg_desktop.services.monitor import attach
from ereg_desktop.services.pm2_agent_once import AgentSnapshots
from ereg_desktop.services.status import CONNECTED, ServerStatus
from ereg_desktop.store.inventory import Inventory, Server
from ereg_desktop.store.paths import AppPaths

FIELDS = (
    "server",
    "system",
    "environment",
    "app",
    "owner",
    "status",
    "pid",
    "restarts",
    "uptime_s",
    "memory_bytes",
    "cpu_percent",
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("apps", nargs="*", metavar="APP", help="only these pm2 app names")
    parser.add_argument("--json", action="store_true", help="print machine-readable JSON")


class Poller(Protocol):
    def poll(self, server: Server) -> ServerStatus: ...


def poll_all(monitor: Poller, servers: list[Server]) -> dict[str, ServerStatus]:
    if len(servers) <= 1:
        return {s.id: monitor.poll(s) for s in servers}
    with ThreadPoolExecutor(max_workers=min(8, len(servers))) as workers:
        return dict(zip((s.id for s in servers), workers.map(monitor.poll, servers), strict=True))


def status_rows(inv: Inventory, statuses: dict[str, ServerStatus]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    listed: dict[str, set[str]] = {}
    for ref in inv.deployments():
        st = statuses.get(ref.server.id)
        if st is None:
            continue
        listed.setdefault(ref.server.id, set()).add(ref.app)
        rows.append(
            _row(
                st,
                ref.server.id,
                ref.system.name,
                ref.deployment.environment,
                ref.app,
                ref.system.owner,
            )
        )
    for server in inv.servers:
        st = statuses.get(server.id)
        if st is None or st.state != CONNECTED or not st.pm2_running:
            continue
        for name in sorted(st.apps):
            if name not in listed.get(server.id, set()):
                rows.append(_row(st, server.id, None, "other", name, ""))
    return rows


def _row(
    st: ServerStatus, server_id: str, system: str | None, env: str, app: str, owner: str
) -> dict[str, Any]:
    found = st.apps.get(app) if st.state == CONNECTED and st.pm2_running else None
    return {
        "server": server_id,
        "system": system,
        "environment": env,
        "app": app,
        "owner": owner,
        "status": st.status_of(app),
        "pid": found.pid if found else None,
        "restarts": found.restarts if found else None,
        "uptime_s": round(found.uptime_s, 1) if found and found.uptime_s is not None else None,
        "memory_bytes": found.memory_bytes if found else None,
        "cpu_percent": found.cpu_percent if found else None,
    }


def rows_text(rows: list[dict[str, Any]]) -> str:
    head = [
        "SERVER",
        "SYSTEM",
        "ENV",
        "APP",
        "STATUS",
        "PID",
        "RESTARTS",
        "UPTIME",
        "MEMORY",
        "CPU",
        "OWNER",
    ]
    table = [head]
    for r in rows:
        table.append(
            [
                r["server"],
                r["system"] or "-",
                r["environment"],
                r["app"],
                r["status"],
                "-" if r["pid"] is None else str(r["pid"]),
                "-" if r["restarts"] is None else str(r["restarts"]),
                _duration(r["uptime_s"]),
                "-" if r["memory_bytes"] is None else f"{r['memory_bytes'] / 1048576:.0f} MiB",
                "-" if r["cpu_percent"] is None else f"{r['cpu_percent']:g}%",
                r["owner"] or "",
            ]
        )
    widths = [max(len(row[i]) for row in table) for i in range(len(head))]
    return "".join(
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() + "\n"
        for row in table
    )


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    s = int(seconds)
    if s < 3600:
        return f"{s // 60}m{s % 60:02d}s"
    if s < 86400:
        return f"{s // 3600}h{s % 3600 // 60:02d}m"
    return f"{s // 86400}d{s % 86400 // 3600:02d}h"


def run(args: argparse.Namespace, paths: AppPaths) -> int:
    ctx = AppContext.for_cli(paths)
    inv = ctx.inventory
    monitor = attach(ctx, ask_passphrase)
    reader = AgentSnapshots(monitor)
    try:
        statuses = poll_all(reader, inv.servers)
    finally:
        monitor.pool.close()
    rows = status_rows(inv, statuses)
    code = 0
    unreachable = [s for s in inv.servers if statuses[s.id].state != CONNECTED]
    for server in unreachable:
        problem = reader.problem(server.id)
        print(f"ereg-desktop: {problem or statuses[server.id].reason}", file=sys.stderr)
        code = EXIT_CONNECTION
    if args.apps:
        wanted = set(args.apps)
        unknown = sorted(wanted - {r["app"] for r in rows})
        if unknown and not code:
            print(
                f"ereg-desktop: unknown app {', '.join(unknown)}: not in the inventory and "
                "not running on any server",
                file=sys.stderr,
            )
            code = EXIT_BAD_INPUT
        rows = [r for r in rows if r["app"] in wanted]
    if args.json:
        print(json.dumps(rows, indent=2, ensure_ascii=False))
    elif rows:
        print(rows_text(rows), end="")
    return code
