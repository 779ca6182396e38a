"""Error types with messages a person can act on, and the CLI exit code each maps to."""

from __future__ import annotations

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_BAD_INPUT = 2
EXIT_CONNECTION = 3


class EregError(Exception):
    """Base of every error the app reports to the operator; ``str()`` is the message.

    ``reason`` is the short form (without the server's name) where a status line has room for it;
    the connection errors set it, the others leave it empty and ``str()`` serves."""

    exit_code = EXIT_FAILED
    reason: str = ""

    @property
    def short(self) -> str:
        return self.reason or str(self)


class BadInputError(EregError):
    """Bad usage or bad input: a broken inventory, an unknown app name, a malformed key file."""

    exit_code = EXIT_BAD_INPUT


class InventoryError(BadInputError):
    """The inventory file cannot be used. Every problem names the file and, where known, the line."""

    def __init__(self, path: str, problems: list[tuple[int | None, str]]) -> None:
        self.path = path
        self.problems = problems
        lines = [f"{path}:{line}: {msg}" if line else f"{path}: {msg}" for line, msg in problems]
        super().__init__("\n".join(lines))


class ConnectionProblem(EregError):
    """The server cannot be reached, refused the key, or showed an unexpected host key."""

    exit_code = EXIT_CONNECTION


class OperationFailed(EregError):
    """A remote operation ran and failed."""

    exit_code = EXIT_FAILED
