"""``ereg-desktop doctor [--server ID]``: can this computer work on the server, and if not, what
is missing (the set-up assistant's connection test, in the terminal). Exit 0 when everything
works, 3 otherwise."""

from __future__ import annotations

import argparse

from ereg_desktop.commands.keys import ask_passphrase, pick_server
from ereg_desktop.context import AppContext
from ereg_desktop.errors import EXIT_CONNECTION, EXIT_OK
from ereg_desktop.remote.hostkeys import KnownHosts
from ereg_desktop.services.connection_check import all_ok, check_connection, summary
from ereg_desktop.store.paths import AppPaths

_MARK = {"ok": "ok  ", "failed": "FAIL", "not tried": " -  "}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--server", metavar="ID", help="server id (default: the first server)")
    parser.add_argument(
        "--timeout", type=float, default=10.0, metavar="S", help="connect timeout (default 10)"
    )


def run(args: argparse.Namespace, paths: AppPaths) -> int:
    ctx = AppContext.for_cli(paths)
    server = pick_server(ctx.inventory, args.server)
    if not ctx.inventory.operator.name.strip():
        print("note: no operator name in the inventory ([operator] name): set it with the window's "
              "Help > Set up this computer..., or in the inventory file")  # fmt: skip
    steps = check_connection(
        server,
        ctx.secrets,
        KnownHosts(paths.known_hosts_file),
        ask_passphrase,
        timeout=args.timeout,
    )
    print(f"{server.id} ({server.label}):")
    for step in steps:
        print(f"  {_MARK[step.state]} {step.title}: {step.message}")
    print(summary(steps))
    return EXIT_OK if all_ok(steps) else EXIT_CONNECTION
