"""Shared by the restart/stop/start/deploy commands: find the deployment, open its shell."""

from __future__ import annotations

import argparse
import sys

from ereg_desktop.context import AppContext
from ereg_desktop.errors import BadInputError
from ereg_desktop.remote.connection import ConnectionPool
from ereg_desktop.services.deploy.connect import ServerShell
from ereg_desktop.store.inventory import DeploymentRef


def add_app_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("app", metavar="APP", help="the pm2 app name (its folder on the server)")
    parser.add_argument("--server", metavar="ID", help="when the app name is on several servers")


def find_deployment(ctx: AppContext, app: str, server: str | None) -> DeploymentRef:
    refs = ctx.inventory.find_app(app, server)
    if not refs:
        raise BadInputError(f"no deployment named {app!r} in {ctx.paths.inventory_file}")
    if len(refs) > 1:
        ids = ", ".join(r.server.id for r in refs)
        raise BadInputError(f"{app!r} is on several servers ({ids}): pick one with --server")
    return refs[0]


def open_shell(ctx: AppContext, ref: DeploymentRef) -> tuple[ConnectionPool, ServerShell]:
    from ereg_desktop.commands.keys import ask_passphrase
    from ereg_desktop.services.monitor import attach

    pool = attach(ctx, ask_passphrase).pool  # the same store and pool as `status`
    return pool, ServerShell(pool, ref.server)


def confirm(question: str, yes: bool) -> bool:
    """``--yes`` confirms; otherwise ask on a terminal, refuse when there is none."""
    if yes:
        return True
    if not sys.stdin.isatty():
        raise BadInputError(f"{question}\nNot a terminal: confirm with --yes.")
    answer = input(f"{question} [y/N] ").strip().casefold()
    return answer in ("y", "yes")
