"""``ereg-desktop stop APP``: ``pm2 stop APP`` on one deployment, recorded."""

from __future__ import annotations

import argparse

from ereg_desktop.commands import _action


def add_arguments(parser: argparse.ArgumentParser) -> None:
    _action.add_arguments(parser)


def run(args: argparse.Namespace, paths: object) -> int:
    return _action.run("stop", args, paths)
