"""``ereg-desktop restart APP``: ``pm2 restart APP`` on one deployment, recorded."""

from __future__ import annotations

import argparse

from ereg_desktop.commands import _action


def add_arguments(parser: argparse.ArgumentParser) -> None:
    _action.add_arguments(parser)


def run(args: argparse.Namespace, paths: object) -> int:
    return _action.run("restart", args, paths)
