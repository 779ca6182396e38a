"""``ereg-desktop logs APP [-n N] [--follow] [--err|--out]``: an app's pm2 logs (never
``pm2 logs``)."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from types import FrameType
from typing import Any

from ereg_desktop.commands._deploy_common import add_app_argument, find_deployment, open_shell
from ereg_desktop.context import AppContext
from ereg_desktop.errors import EXIT_OK
from ereg_desktop.services.app_logs import (
    DEFAULT_LINES,
    LogLine,
    Which,
    check_lines,
    follow,
    read_logs,
)
from ereg_desktop.services.shown_text import printable


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_app_argument(parser)
    parser.add_argument(
        "-n", "--lines", type=int, default=DEFAULT_LINES, metavar="N",
        help=f"the last N lines of each log (default {DEFAULT_LINES})",
    )  # fmt: skip
    parser.add_argument(
        "-f", "--follow", action="store_true", help="then print new lines until Ctrl-C"
    )
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--out", action="store_true", help="only the output log")
    which.add_argument("--err", action="store_true", help="only the error log")


def run(args: argparse.Namespace, paths: Any) -> int:
    ctx = AppContext.for_cli(paths)
    ref = find_deployment(ctx, args.app, args.server)
    check_lines(args.lines)
    which = Which.OUT if args.out else Which.ERR if args.err else Which.BOTH
    pool, shell = open_shell(ctx, ref)
    try:
        read = read_logs(shell, ref.server.id, ref.app, args.lines, which)
        logs = read.paths
        for stream, lines, path in (("out", read.out, logs.out), ("err", read.err, logs.err)):
            if which not in (Which.BOTH, Which(stream)) or path is None:
                continue
            gone = " (not there or not readable)" if stream in read.missing else ""
            print(f"==> {stream}: {printable(path)}{gone} <==", flush=True)
            for line in lines:
                print(printable(line, keep="\t"))
        sys.stdout.flush()
        if args.follow:
            _follow(pool, shell, logs, which, both=which == Which.BOTH)
    finally:
        pool.close()
    return EXIT_OK


def _follow(pool: Any, shell: Any, logs: Any, which: Which, both: bool) -> None:
    server = shell.server
    stop = threading.Event()
    lock = threading.Lock()

    def show(line: LogLine) -> None:
        prefix = f"{line.stream}| " if both else ""
        with lock:
            print(prefix + line.shown, flush=True)

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = signal.signal(signal.SIGINT, on_signal)
    old_term = signal.signal(signal.SIGTERM, on_signal)
    try:
        print("-- following; Ctrl-C stops --", file=sys.stderr, flush=True)
        follow(
            lambda argv, sink, ev: pool.stream(server, argv, sink, stop=ev),
            logs,
            show,
            stop,
            which,
            shell,
        )
    finally:
        signal.signal(signal.SIGINT, previous)
        signal.signal(signal.SIGTERM, old_term)
    if stop.is_set():
        print("-- stopped --", file=sys.stderr, flush=True)
