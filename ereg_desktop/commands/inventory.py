"""``ereg-desktop inventory [--json]``: the systems grouped by environment, with owners."""

from __future__ import annotations

import argparse
import json
from typing import Any

from ereg_desktop.context import AppContext
from ereg_desktop.store.inventory import ENVIRONMENTS, Inventory
from ereg_desktop.store.inventory_toml import inventory_data
from ereg_desktop.store.paths import AppPaths


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print machine-readable JSON")


def run(args: argparse.Namespace, paths: AppPaths) -> int:
    inv = AppContext.for_cli(paths).inventory
    if args.json:
        print(json.dumps(inventory_json(inv), indent=2, ensure_ascii=False))
    else:
        print(inventory_text(inv), end="")
    return 0


def inventory_json(inv: Inventory) -> dict[str, Any]:
    """The file's data (unknown fields included), each deployment also saying if it is pinned."""
    data = inventory_data(inv)
    for system, sys_data in zip(inv.systems, data["systems"], strict=True):
        for dep, dep_data in zip(system.deployments, sys_data["deployments"], strict=True):
            dep_data["pinned"] = dep.pinned
    return data


def inventory_text(inv: Inventory) -> str:
    rows: list[str] = []
    for env in ENVIRONMENTS:
        refs = [r for r in inv.deployments() if r.deployment.environment == env]
        rows.append(f"{env.capitalize()}\n")
        if not refs:
            rows.append("  (none)\n")
        width = max((len(r.system.name) for r in refs), default=0)
        app_w = max((len(r.app) for r in refs), default=0)
        for r in refs:
            mine = " *" if inv.is_operators(r.system) else ""
            track = f" [tag {r.deployment.track}, never updated]" if r.deployment.pinned else ""
            rows.append(
                f"  {r.system.name:<{width}}  {r.app:<{app_w}}  {r.system.owner}{mine}"
                f"  {r.deployment.url}  ({r.server.id}){track}\n"
            )
        rows.append("\n")
    if inv.operator.name:
        rows.append(f"* = yours ({inv.operator.name})\n")
    return "".join(rows)
