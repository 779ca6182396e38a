"""Why a server could not be used, as types the window can act on (exit code 3 in the CLI)."""

from __future__ import annotations

from pathlib import Path

from ereg_desktop.errors import ConnectionProblem, EregError
from ereg_desktop.store.inventory import Server


def _admin(server: Server) -> str:
    return server.admin or "the server's administrator"


class Unreachable(ConnectionProblem):
    """No SSH conversation: refused, timed out, DNS, network down, not an SSH server."""

    def __init__(self, server: Server, reason: str) -> None:
        self.server_id = server.id
        self.reason = reason
        super().__init__(f"Cannot reach {server.id} ({server.label}): {reason}")


class NoAnswer(ConnectionProblem):
    """Connected, but a command did not finish within its time limit."""

    def __init__(self, server: Server, what: str, timeout: float) -> None:
        self.server_id = server.id
        self.reason = f"{what} gave no answer within {timeout:g} s"
        super().__init__(f"{server.id} ({server.label}): {self.reason}")


class AuthFailed(ConnectionProblem):
    def __init__(self, server: Server) -> None:
        self.server_id = server.id
        self.reason = "the server refused the key"
        super().__init__(
            f"{server.label} refused the SSH key; ask {_admin(server)} to add the public key "
            f"shown by `ereg-desktop keys public --server {server.id}` to ~/.ssh/authorized_keys "
            f"of {server.user}."
        )


class NoUsableKey(ConnectionProblem):
    """The key for the server could not be had: none stored, no keyring, a wrong or declined
    passphrase. A connection problem like the others, so a deploy in progress detaches instead
    of failing, and the CLI exits 3."""

    def __init__(self, server: Server, cause: EregError) -> None:
        self.server_id = server.id
        self.cause = cause
        self.reason = str(cause)
        super().__init__(str(cause))


class HostKeyProblem(ConnectionProblem):
    """Base of the two host-key refusals: the window offers to check and trust a fingerprint."""

    server_id: str
    offered_fingerprint: str
    reason: str


class UnknownHostKey(HostKeyProblem):
    def __init__(self, server: Server, key_type: str, fingerprint: str) -> None:
        self.server_id = server.id
        self.key_type = key_type
        self.offered_fingerprint = fingerprint
        self.reason = f"unknown host key {key_type} {fingerprint}"
        super().__init__(
            f"{server.host} (server {server.id}) is not trusted yet. It shows the {key_type} host "
            f"key {fingerprint}. Check that fingerprint with {_admin(server)}, then run "
            f"`ereg-desktop hosts trust {server.id} --fingerprint {fingerprint}`."
        )


class ChangedHostKey(HostKeyProblem):
    def __init__(self, server: Server, expected_fp: str, got_fp: str) -> None:
        self.server_id = server.id
        self.expected_fingerprint = expected_fp
        self.offered_fingerprint = got_fp
        self.reason = f"HOST KEY CHANGED: expected {expected_fp}, got {got_fp}"
        super().__init__(
            f"Host key for {server.host} (server {server.id}) CHANGED: expected {expected_fp}, "
            f"got {got_fp}. Refused: this can be an attack; if the server was reinstalled, "
            f"ask {_admin(server)} for the new fingerprint, then run "
            f"`ereg-desktop hosts trust {server.id} --fingerprint SHA256:...` with it."
        )


class HostKeyMismatch(ConnectionProblem):
    """Asked to trust a fingerprint the server does not show (a typo, or not the same server)."""

    def __init__(self, server: Server, offered: str, expected: str) -> None:
        self.server_id = server.id
        self.offered_fingerprint = offered
        self.reason = f"the server shows {offered}, not {expected}"
        super().__init__(
            f"{server.host} shows the host key {offered}, not {expected}: nothing was "
            f"trusted. Check the fingerprint with {_admin(server)}."
        )


class KnownHostsDamaged(ConnectionProblem):
    """The known-hosts file cannot say which key is pinned for a server: unreadable, or a line
    that is (or may be) the server's is broken. Refused like a changed key, never taken for
    "unknown host": that prompt is what an attacker in the middle would want to see."""

    def __init__(
        self,
        path: Path,
        line: int | None,
        problem: str,
        name: str,
        attributed: bool = True,
        server: Server | None = None,
    ) -> None:
        self.path = path
        self.line = line
        self.server_id = server.id if server is not None else ""
        where = f"{path}:{line}" if line else str(path)
        self.reason = f"known_hosts damaged ({where}: {problem})"
        if attributed:
            why = f"The host key pinned for {name} cannot be checked, so the connection is refused."
        else:
            why = (
                f"That line may hold the host key pinned for {name}, so the connection is "
                "refused; fix or delete the line."
            )
        advice = ""
        if server is not None:
            advice = (
                f" Check the fingerprint with {_admin(server)}, then run `ereg-desktop hosts "
                f"trust {server.id} --fingerprint SHA256:...` to pin it again (the damaged line "
                "is replaced)."
            )
        super().__init__(f"{where}: {problem}. {why}{advice}")


def ssh_failure(exc: BaseException) -> str:
    """Why paramiko gave up, in words: a peer that is not an SSH server is the common case."""
    text = str(exc).splitlines()[0] if str(exc) else ""
    if isinstance(exc, EOFError) or "banner" in text.lower():
        return "the server closed the connection before SSH started (is it an SSH server?)"
    if isinstance(exc, TimeoutError):
        return "timeout"
    return f"{type(exc).__name__}: {text}"[:300]
