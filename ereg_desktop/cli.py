"""Command line front end over the same services as the window. Imports no Qt.

Exit codes everywhere: 0 ok, 1 the operation failed, 2 bad usage or bad input,
3 connection, authentication or host-key problems.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from ereg_desktop import __version__
from ereg_desktop.errors import EXIT_BAD_INPUT, EXIT_FAILED, EregError
from ereg_desktop.store import app_log
from ereg_desktop.store.paths import AppPaths

if TYPE_CHECKING:
    from ereg_desktop.demo.session import DemoSession

# Each subcommand is a module in ereg_desktop.commands with ``add_arguments(parser)`` and
# ``run(args, paths) -> int``; modules are imported only when their command runs.
COMMANDS: dict[str, tuple[str, str]] = {
    "inventory": ("inventory", "print the systems grouped by environment, with owners"),
    "restart": ("restart", "pm2 restart one app (asks first; --yes to skip)"),
    "stop": ("stop", "pm2 stop one app (asks first; --yes to skip)"),
    "start": ("start", "pm2 start one app (asks first; --yes to skip)"),
    "deploy": ("deploy", "update one app by the documented procedure (pm2-deploy)"),
    "history": ("history", "the recorded deploys, restarts, stops and starts"),
    "status": ("status", "print the live pm2 status of every deployment"),
    "logs": ("logs", "print an app's pm2 out and error logs; --follow for new lines"),
    "due": ("due", "pending commits and whether a restart is due, per deployment"),
    "keys": ("keys", "import, generate or show the SSH key kept in the OS keyring"),
    "hosts": ("hosts", "check and pin a server's SSH host key"),
    "doctor": ("doctor", "test the connection to a server and say what is missing"),
    "translations": (
        "translations",
        "check two i18n-messages.json files, or review an app's pending translations",
    ),
    "github": ("github", "log in to GitHub (the token for the translations pull requests)"),
    "watch": ("watch", "stream status changes and alerts (crashes, stops) until Ctrl-C"),
}


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: error: {message}\n")


def _global_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--version", action="version", version=f"ereg-desktop {__version__}")
    parser.add_argument(
        "--config-dir",
        metavar="DIR",
        help="keep every file (inventory, known hosts, history) in DIR",
    )
    parser.add_argument("--inventory", metavar="FILE", help="use this inventory file")
    parser.add_argument(
        "--self-test",
        action="store_true",
        help="open the window offscreen, wait for its first paint (with --demo: its first status),"
        " close; exit 0 if all worked",
    )
    parser.add_argument(
        "--demo",
        action="store_true",
        help="run against the embedded demo server, in the demo's own profile (its inventory, "
        "keys and known hosts; nothing of yours is read or written)",
    )
    parser.add_argument(
        "--reset", action="store_true", help="with --demo: build the demo's server and profile anew"
    )


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The full parser; only ``command``'s module is imported to define its arguments.

    argparse parses one subcommand per call, so the others need only their name and help text:
    a command's start-up never pays for the modules (paramiko, keyring) of the others.
    """
    parser = _Parser(
        prog="ereg-desktop",
        description="Keep the eRegistrations systems running. With no command, opens the window.",
        epilog="Exit codes: 0 ok, 1 the operation failed, 2 bad usage or bad input, "
        "3 connection, authentication or host-key problems.",
    )
    _global_options(parser)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name, (module, help_text) in COMMANDS.items():
        p = sub.add_parser(name, help=help_text, description=help_text)
        if name == command:
            _module(module).add_arguments(p)
    return parser


def _module(name: str):  # type: ignore[no-untyped-def]
    return importlib.import_module(f"ereg_desktop.commands.{name}")


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    # The window needs only the global options: going there before the subcommand parsers are
    # built keeps every command module off the start-up path.
    first = _Parser(prog="ereg-desktop", add_help=False)
    _global_options(first)
    known, rest = first.parse_known_args(args_list)
    if known.reset and not known.demo:
        first.error("--reset goes with --demo (it rebuilds the demo's profile, nothing else)")
    if known.demo and (known.config_dir or known.inventory):
        first.error("--demo uses its own profile: it takes no --config-dir or --inventory")
    if not known.demo:
        paths = AppPaths.resolve(known.config_dir, known.inventory)
        return _run(args_list, rest, paths, self_test=known.self_test)
    return _run_demo(args_list, rest, reset=known.reset, self_test=known.self_test)


def _run(
    args_list: list[str],
    rest: list[str],
    paths: AppPaths,
    *,
    self_test: bool = False,
    demo: bool = False,
) -> int:
    if not rest:
        from ereg_desktop.ui.app import run_gui

        app_log.setup(paths, "window", write_now=False)  # written from the first paint on
        if self_test:  # the frozen build's smoke test (packaging/smoke_test.sh)
            from ereg_desktop.ui.self_test import run_self_test

            return run_self_test(paths, [sys.argv[0], *args_list], status=demo)
        gui_code: int = run_gui(paths, [sys.argv[0], *args_list])
        return gui_code
    command = next((a for a in rest if a in COMMANDS), None)
    args = build_parser(command).parse_args(args_list)
    if args.command is None:
        build_parser().print_usage(sys.stderr)
        return EXIT_BAD_INPUT
    app_log.setup(paths, f"command {args.command}", say_problems=False)
    try:
        code: int = _module(COMMANDS[args.command][0]).run(args, paths)
        return code
    except EregError as exc:
        print(f"ereg-desktop: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("ereg-desktop: interrupted", file=sys.stderr)
        return EXIT_FAILED
    except BrokenPipeError:
        # the reader went away (`| head`): nothing more to print, and no traceback at exit
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_FAILED


def _run_demo(args_list: list[str], rest: list[str], *, reset: bool, self_test: bool) -> int:
    """Start the embedded demo (its server, pm2 and GitHub on loopback), run the window or the
    command in the demo's own profile, and stop the demo afterwards, whatever happened."""
    import signal

    from ereg_desktop.demo.session import DemoSetupFailed, start_demo

    if sys.platform == "win32":
        print(
            "ereg-desktop: the demo's server runs the app's commands in bash, which Windows "
            "lacks: run the demo on Linux or macOS (or in WSL).",
            file=sys.stderr,
        )
        return EXIT_FAILED
    # a TERM ends the demo as Ctrl-C does: its server and apps stop with the app
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(EXIT_FAILED))
    data_dir = AppPaths.resolve().data_dir  # the demo lives in the data dir's "demo" folder
    try:
        session = start_demo(data_dir, reset=reset)
    except DemoSetupFailed as exc:
        print(f"ereg-desktop: {exc}", file=sys.stderr)
        return EXIT_FAILED
    try:
        print(
            f"ereg-desktop: DEMO on 127.0.0.1:{session.port} ({session.profile_dir}); "
            f"started in {session.started_s:.1f} s",
            file=sys.stderr,
        )
        return _run(args_list, [a for a in rest if a not in ("--demo", "--reset")],
                    _demo_paths(session), self_test=self_test, demo=True)  # fmt: skip
    finally:
        session.stop()


def _demo_paths(session: DemoSession) -> AppPaths:
    """The demo profile: its folder, its inventory and known_hosts, its key and GitHub token
    in a secret store of this process only (never the OS keyring)."""
    from ereg_desktop.store.paths import SessionProfile
    from ereg_desktop.store.secrets import PRIVATE_KEY, PUBLIC_KEY, memory_secret_store

    secrets = memory_secret_store()
    secrets.put(PRIVATE_KEY, session.client_key_text, session.server_id)
    secrets.put(PUBLIC_KEY, session.client_public_line, session.server_id)
    profile = SessionProfile(
        "demo", secrets, github_token=session.github_token, github_api_url=session.github_url
    )
    paths = AppPaths.for_profile(session.profile_dir, profile, session.inventory_file)
    if not paths.metrics_db.exists():  # a new demo profile: a few days of history to look at
        _seed_demo_history(paths)
    return paths


def _seed_demo_history(paths: AppPaths) -> None:
    import time

    from ereg_desktop.demo.demo_history import history
    from ereg_desktop.store.metrics import MetricsStore

    samples, events = history(time.time())
    store = MetricsStore.open(paths.metrics_db)
    try:
        store.add_samples(samples)
        for e in events:
            store.add_event(e.server, e.app, e.at, e.kind, e.text)
    finally:
        store.close()
