"""What a new computer still needs before it can work (an operator, a key), and saving who the
operator is into the inventory. Plain Python: the set-up assistant and the CLI use it."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ereg_desktop.errors import BadInputError
from ereg_desktop.services.text_input import MAX_NAME_CHARS, text_problem
from ereg_desktop.store.inventory import Inventory

if TYPE_CHECKING:
    from ereg_desktop.store.inventory_file import InventoryFile
    from ereg_desktop.store.secrets import SecretStore

# GitHub's rule: letters, digits and single hyphens inside, at most 39 characters.
GITHUB_LOGIN_RE = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}\Z")


def operator_problems(name: str, github: str) -> list[str]:
    """Why ``name`` / ``github`` cannot be saved as the operator (empty: they can)."""
    problems = []
    if not name.strip():
        problems.append("Type your name (as the systems' owners are written in the inventory).")
    elif problem := text_problem("Your name", name, MAX_NAME_CHARS):
        problems.append(problem)
    if github and not GITHUB_LOGIN_RE.match(github):
        problems.append(
            f"{github[:60]!r} is not a GitHub login (letters, digits and single hyphens, at most "
            "39 characters; without the @)."
        )
    return problems


def save_operator(inventory_file: InventoryFile, name: str, github: str) -> Inventory:
    """Write ``[operator]`` into the inventory file as it is on disk now (edits made meanwhile are
    kept), validated and replaced atomically like every save; a broken file is refused
    (:class:`InventoryError`) and left as it is."""
    name, github = name.strip(), github.strip().removeprefix("@")
    problems = operator_problems(name, github)
    if problems:
        raise BadInputError(" ".join(problems))
    inventory = inventory_file.load()
    inventory.operator.name = name
    inventory.operator.github = github
    inventory_file.save(inventory)
    return inventory


def setup_needed(inventory: Inventory, secrets: SecretStore) -> list[str]:
    """What is missing, in words (empty: nothing). Reads the keyring: call it on a worker."""
    from ereg_desktop.services.keys import has_key

    missing = []
    if not inventory.operator.name.strip():
        missing.append("who you are (your name in the inventory)")
    without_key = [server.id for server in inventory.servers if not has_key(secrets, server.id)]
    if without_key:
        missing.append("an SSH key for " + ", ".join(without_key))
    return missing
