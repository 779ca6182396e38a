"""``ereg-desktop keys import|generate|public``: the operator's SSH key, kept in the OS keyring."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from pathlib import Path

from ereg_desktop.context import AppContext
from ereg_desktop.errors import BadInputError
from ereg_desktop.services import keys
from ereg_desktop.store.inventory import Inventory, Server
from ereg_desktop.store.paths import AppPaths

PASSPHRASE_ENV = "EREG_KEY_PASSPHRASE"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="keys_command", metavar="ACTION", required=True)
    imp = sub.add_parser("import", help="store a private key file (OpenSSH or PEM) in the keyring")
    imp.add_argument("path", metavar="PATH", help="the private key file (it is not changed)")
    imp.add_argument("--server", metavar="ID", help="server id (default: the first server)")
    imp.add_argument(
        "--keep-passphrase",
        action="store_true",
        help="keep the key's passphrase in the keyring too (else it is asked when connecting)",
    )
    imp.add_argument("--replace", action="store_true", help="replace the key already stored")
    gen = sub.add_parser("generate", help="create a new ed25519 key, kept only in the keyring")
    gen.add_argument("--server", metavar="ID", help="server id (default: the first server)")
    gen.add_argument("--replace", action="store_true", help="replace the key already stored")
    pub = sub.add_parser("public", help="print the public key and the words for the administrator")
    pub.add_argument("--server", metavar="ID", help="server id (default: the first server)")


def pick_server(inv: Inventory, server_id: str | None) -> Server:
    if server_id is None:
        if not inv.servers:
            raise BadInputError("The inventory has no server; add one first.")
        return inv.servers[0]
    server = inv.server(server_id)
    if server is None:
        known = ", ".join(s.id for s in inv.servers) or "none"
        raise BadInputError(f"Unknown server {server_id!r} (known: {known}).")
    return server


def ask_passphrase(server_id: str) -> str | None:
    """From EREG_KEY_PASSPHRASE (scripts), else a prompt on a terminal; never from argv."""
    value = os.environ.get(PASSPHRASE_ENV)
    if value:
        return value
    if sys.stdin.isatty():
        return getpass.getpass(f"Passphrase of the SSH key for {server_id}: ") or None
    return None


def run(args: argparse.Namespace, paths: AppPaths) -> int:
    ctx = AppContext.for_cli(paths)
    inv = ctx.inventory
    server = pick_server(inv, args.server)
    store = ctx.secrets
    comment = keys.key_comment(inv.operator.name or getpass.getuser())
    if args.keys_command == "import":
        if not args.replace and keys.has_key(store, server.id):
            raise BadInputError(
                f"A key for {server.id} is already stored; add --replace to import this one "
                "instead (the stored key is then gone from this computer)."
            )
        path = Path(args.path).expanduser()
        passphrase = ask_passphrase(server.id) if keys.key_needs_passphrase(path) else None
        stored = keys.import_key(
            store, server.id, path, passphrase, comment, keep_passphrase=args.keep_passphrase
        )
        where = "with its passphrase" if stored.passphrase_stored else "(passphrase not stored)"
        note = f" {where}" if stored.encrypted else ""
        print(f"Stored the {stored.key_type} key for {server.id} in the OS keyring{note}.")
        print(f"Give this to {server.admin or 'the administrator'} if not done yet:\n")
        print(keys.admin_message(server, stored.public_line), end="")
        return 0
    if args.keys_command == "generate":
        if not args.replace and keys.has_key(store, server.id):
            raise BadInputError(
                f"A key for {server.id} is already stored; add --replace to make a new one "
                "(the old key stops working once it is replaced)."
            )
        stored = keys.generate_key(store, server.id, comment)
        print(f"Created a new {stored.key_type} key for {server.id}, kept only in the OS keyring.")
        print("Send this to the administrator:\n")
        print(keys.admin_message(server, stored.public_line), end="")
        return 0
    public = keys.stored_public_line(store, server.id)
    print(keys.admin_message(server, public), end="")
    return 0
