"""The simple actions (restart, stop, start) from the command line."""

from __future__ import annotations

import argparse
import json
from dataclasses import fields
from typing import Any

from ereg_desktop.commands._deploy_common import (
    add_app_argument,
    confirm,
    find_deployment,
    open_shell,
)
from ereg_desktop.context import AppContext
from ereg_desktop.errors import EXIT_FAILED, EXIT_OK
from ereg_desktop.services.deploy.actions import prepare, run_action


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_app_argument(parser)
    parser.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")


def run(verb: str, args: argparse.Namespace, paths: Any) -> int:
    ctx = AppContext.for_cli(paths)
    ref = find_deployment(ctx, args.app, args.server)
    plan = prepare(ref, verb)
    if not confirm(plan.confirmation, args.yes):
        print("Nothing done.")
        return EXIT_FAILED
    pool, shell = open_shell(ctx, ref)
    try:
        result = run_action(
            ref,
            verb,
            shell,
            guard=ctx.write_guard,
            operator=ctx.inventory.operator.name,
            history=ctx.history,
        )
    finally:
        pool.close()
    if args.json:
        # fields(), not asdict(): asdict deep-copies the no_answer exception
        shown = {f.name: getattr(result, f.name) for f in fields(result) if f.name != "no_answer"}
        print(json.dumps(shown, indent=2, ensure_ascii=False))
    else:
        print(result.message)
    if result.no_answer is not None:  # it may have run: the exit code of the connection problem
        return result.no_answer.exit_code
    return EXIT_OK if result.ok else EXIT_FAILED
