"""``ereg-desktop hosts trust SERVER [--fingerprint SHA256:...]`` and ``hosts show SERVER``."""

from __future__ import annotations

import argparse
import sys

from ereg_desktop.commands.keys import pick_server
from ereg_desktop.context import AppContext
from ereg_desktop.errors import EXIT_CONNECTION
from ereg_desktop.remote.hostkeys import (
    KnownHosts,
    fetch_host_key,
    fingerprint,
    trust_offered_key,
)
from ereg_desktop.store.paths import AppPaths


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="hosts_command", metavar="ACTION", required=True)
    trust = sub.add_parser(
        "trust", help="pin the server's host key (after checking its fingerprint)"
    )
    trust.add_argument("server", metavar="SERVER", help="server id from the inventory")
    trust.add_argument(
        "--fingerprint",
        metavar="SHA256:...",
        help="the fingerprint the administrator gave you; the key is pinned only if it matches",
    )
    show = sub.add_parser("show", help="print the pinned host key fingerprints of a server")
    show.add_argument("server", metavar="SERVER", help="server id from the inventory")


def run(args: argparse.Namespace, paths: AppPaths) -> int:
    inv = AppContext.for_cli(paths).inventory
    server = pick_server(inv, args.server)
    known = KnownHosts(paths.known_hosts_file)
    if args.hosts_command == "show":
        pinned = known.pinned(server.host, server.port, server)
        if not pinned:
            print(f"No host key pinned for {server.id} ({server.label}).")
        for key_type, key in pinned.items():
            print(f"{server.id} {key_type} {fingerprint(key)}")
        return 0
    if args.fingerprint is not None:  # the window's check: HostKeyMismatch (exit 3) if not it
        offered = trust_offered_key(known, server, args.fingerprint)
        print(f"Trusted {offered} for {server.id} ({server.label}).")
        return 0
    key = fetch_host_key(server)
    offered = fingerprint(key)
    before = [fingerprint(k) for k in known.pinned(server.host, server.port, server).values()]
    if before and offered not in before:
        # A changed key is what an attacker in the middle looks like: a y/N is not enough.
        print(
            f"ereg-desktop: the host key of {server.host} (server {server.id}) CHANGED: pinned "
            f"{', '.join(before)}, offered now {offered}. If the server was reinstalled, ask "
            f"{server.admin or 'the administrator'} for the new fingerprint and run "
            f"`ereg-desktop hosts trust {server.id} --fingerprint SHA256:...` with it.",
            file=sys.stderr,
        )
        return EXIT_CONNECTION
    if sys.stdin.isatty():
        print(f"{server.host} (server {server.id}) shows the {key.get_name()} host key:")
        print(f"  {offered}")
        answer = input("Does it match what the administrator gave you? Trust it [y/N] ")
        if answer.strip().lower() not in ("y", "yes"):
            print("Not trusted.", file=sys.stderr)
            return EXIT_CONNECTION
    else:
        print(
            f"ereg-desktop: {server.host} (server {server.id}) shows the {key.get_name()} host "
            f"key {offered}. Not trusted: check it with {server.admin or 'the administrator'}, "
            f"then run `ereg-desktop hosts trust {server.id} --fingerprint {offered}`.",
            file=sys.stderr,
        )
        return EXIT_CONNECTION
    known.trust(server.host, server.port, key, server)
    print(f"Trusted {key.get_name()} {offered} for {server.id} ({server.label}).")
    return 0
