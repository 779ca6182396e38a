"""``ereg-desktop github login|logout|status``: the GitHub token, kept in the OS keyring only.

The token is checked (``GET /user``) before it is stored; it is never printed, logged or taken
from the command line (a prompt without echo, or ``--token-stdin`` for scripts).
"""

from __future__ import annotations

import argparse
import getpass
import sys

from ereg_desktop.context import AppContext
from ereg_desktop.errors import EXIT_FAILED, EXIT_OK, BadInputError
from ereg_desktop.store.paths import AppPaths


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="github_command", metavar="ACTION", required=True)
    login = sub.add_parser("login", help="check a GitHub token and store it in the OS keyring")
    login.add_argument(
        "--token-stdin",
        action="store_true",
        help="read the token from standard input (else it is asked without echo)",
    )
    sub.add_parser("logout", help="remove the GitHub token from the OS keyring")
    sub.add_parser("status", help="say whether a token is stored and whose it is")


def read_token(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.read().strip()
    if not sys.stdin.isatty():
        raise BadInputError(
            "No terminal to ask for the token: pipe it in with --token-stdin "
            "(e.g. `ereg-desktop github login --token-stdin < token.txt`)."
        )
    return getpass.getpass("GitHub token (not shown): ").strip()


def run(args: argparse.Namespace, paths: AppPaths) -> int:
    from ereg_desktop.services.github.client import check_token
    from ereg_desktop.services.github.errors import GitHubProblem, TokenInvalid
    from ereg_desktop.store.secrets import (
        delete_github_token,
        get_github_token,
        set_github_token,
    )

    # the inventory is not needed here: a damaged one must not stand in the way of a login
    ctx = AppContext.for_gui(paths)
    api_url = ctx.github_api_url
    where = "" if api_url == "https://api.github.com" else f" ({api_url})"
    if args.github_command == "login":
        token = read_token(args.token_stdin)
        login = check_token(token, api_url=api_url)  # refused: raises, nothing stored
        set_github_token(ctx.secrets, token.strip())
        print(f"Logged in to GitHub{where} as {login}; the token is in the OS keyring.")
        return EXIT_OK
    if args.github_command == "logout":
        if delete_github_token(ctx.secrets):
            print("Removed the GitHub token from the OS keyring.")
        else:
            print("No GitHub token was stored.")
        return EXIT_OK
    stored = get_github_token(ctx.secrets)
    if stored is None:
        print("No GitHub token is stored: run `ereg-desktop github login`.")
        return EXIT_FAILED
    try:
        login = check_token(stored, api_url=api_url)
    except TokenInvalid as refused:
        print(f"A GitHub token is stored in the OS keyring, but: {refused}")
        return refused.exit_code
    except GitHubProblem as problem:
        print(f"A GitHub token is stored in the OS keyring; whose it is could not be checked: {problem}")  # fmt: skip
        return problem.exit_code
    print(f"A GitHub token is stored in the OS keyring; it belongs to {login}{where}.")
    return EXIT_OK
