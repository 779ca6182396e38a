"""The app's own known-hosts file (OpenSSH format) and the host-key checks.

A key is pinned only by an explicit ``trust`` (``ereg-desktop hosts trust`` or the window's
prompt, both after the operator saw the fingerprint): never ``AutoAddPolicy``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import threading
from dataclasses import dataclass
from pathlib import Path

import paramiko

from ereg_desktop.remote.errors import (
    HostKeyMismatch,
    KnownHostsDamaged,
    UnknownHostKey,
    Unreachable,
    ssh_failure,
)
from ereg_desktop.remote.tcp import open_socket
from ereg_desktop.store.atomic import atomic_write
from ereg_desktop.store.inventory import Server


def fingerprint(key: paramiko.PKey) -> str:
    """``SHA256:<unpadded base64>``, exactly as ``ssh-keygen -l`` prints it."""
    digest = hashlib.sha256(key.asbytes()).digest()
    return "SHA256:" + base64.b64encode(digest).decode("ascii").rstrip("=")


def host_key_name(host: str, port: int) -> str:
    """The name OpenSSH (and paramiko) use in known_hosts: ``host`` or ``[host]:port``."""
    return host if port == 22 else f"[{host}]:{port}"


@dataclass(frozen=True)
class _Line:
    """One line of the file as read: ``names`` None when it cannot be told whose line it is."""

    number: int
    raw: bytes
    names: tuple[str, ...] | None
    key: paramiko.PKey | None
    problem: str  # empty for a good line

    def concerns(self, name: str) -> bool:
        return self.names is None or any(_pattern_matches(p, name) for p in self.names)


# What a host field may hold: names, addresses, [host]:port, patterns, hashed |1|salt|hash.
_HOST_FIELD = re.compile(rb"[A-Za-z0-9._\-:\[\]*?!,|=+/]+\Z")


class KnownHosts:
    """Pinned host keys. Thread-safe; every change rewrites the file atomically.

    Read strictly: a line that is broken is an error naming the file and line for the servers
    it may belong to (:class:`KnownHostsDamaged`), never silently skipped."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()

    def pinned(
        self, host: str, port: int, server: Server | None = None
    ) -> dict[str, paramiko.PKey]:
        """The keys pinned for host:port (empty: unknown host), or :class:`KnownHostsDamaged`."""
        name = host_key_name(host, port)
        found: dict[str, paramiko.PKey] = {}
        for line in self._read(name, server):
            if not line.concerns(name):
                continue
            if line.problem or line.key is None:
                raise KnownHostsDamaged(
                    self.path, line.number, line.problem, name, line.names is not None, server
                )
            found[line.key.get_name()] = line.key
        return found

    def _read(self, name: str, server: Server | None) -> list[_Line]:
        try:
            data = self.path.read_bytes()
        except FileNotFoundError:
            return []
        except OSError as exc:
            problem = f"cannot read ({exc.strerror or type(exc).__name__})"
            raise KnownHostsDamaged(self.path, None, problem, name, True, server) from None
        raws = data.split(b"\n")
        if raws and raws[-1] == b"":
            raws.pop()
        return [_parse_line(number, raw) for number, raw in enumerate(raws, start=1)]

    def trust(self, host: str, port: int, key: paramiko.PKey, server: Server | None = None) -> None:
        """Pin ``key`` for host:port, replacing whatever was pinned for that name before (a
        damaged line of that name included). Every other line is kept byte for byte."""
        name = host_key_name(host, port)
        with self._lock:
            # a line nobody can attribute is kept: it may be another server's pin
            kept = [
                line.raw
                for line in self._read(name, server)
                if line.names is None or not line.concerns(name)
            ]
            kept.append(f"{name} {key.get_name()} {key.get_base64()}".encode())
            atomic_write(self.path, b"\n".join(kept) + b"\n", mode=0o644)


def _parse_line(number: int, raw: bytes) -> _Line:
    text = raw.strip()
    if not text or text.startswith((b"#", b"@")):  # comments; @cert-authority/@revoked markers
        return _Line(number, raw, (), None, "")
    fields = text.split()
    host_field = fields[0]
    names = tuple(host_field.decode("ascii").split(",")) if _HOST_FIELD.match(host_field) else None
    if names is None or not all(_readable_pattern(p) for p in names):
        return _Line(number, raw, None, None, "the host name is not readable (damaged line)")
    try:
        text.decode("utf-8")
    except UnicodeDecodeError as exc:
        problem = f"not UTF-8 text (byte 0x{text[exc.start]:02x} at column {exc.start + 1})"
        return _Line(number, raw, names, None, problem)
    if b"\x00" in text:
        return _Line(number, raw, names, None, "a NUL byte in the line (damaged)")
    if len(fields) < 3:
        return _Line(number, raw, names, None, "the line has no key (truncated?)")
    key_type = fields[1].decode("ascii", "replace")
    try:
        blob = base64.b64decode(fields[2], validate=True)
    except binascii.Error:
        return _Line(number, raw, names, None, f"the {key_type} key is not valid base64 (cut?)")
    try:
        key = paramiko.PKey.from_type_string(key_type, blob)
    except Exception:  # paramiko/cryptography raise many types for a damaged or unknown key
        key = None
    # paramiko accepts some cut keys (too few bytes left for the key itself): a sound key
    # serialises back to exactly what was read
    if key is None or key.asbytes() != blob:
        return _Line(number, raw, names, None, f"the {key_type} key is damaged or not supported")
    return _Line(number, raw, names, key, "")


def _readable_pattern(pattern: str) -> bool:
    """A hashed name (``|1|salt|hash``) holds two base64 SHA-1 sized fields; a cut one matches
    no name, yet the line could be anyone's."""
    if not pattern.startswith("|1|"):
        return True
    parts = pattern.split("|")
    try:
        return len(parts) == 4 and all(
            len(base64.b64decode(p, validate=True)) == 20 for p in parts[2:]
        )
    except binascii.Error:
        return False


def _pattern_matches(pattern: str, name: str) -> bool:
    if pattern.startswith("|1|"):
        return bool(paramiko.HostKeys.hash_host(name, pattern) == pattern)
    return pattern == name


class RefuseUnknownHost(paramiko.MissingHostKeyPolicy):
    """The only policy the app uses: an unknown host is refused with its fingerprint."""

    def __init__(self, server: Server) -> None:
        self.server = server

    def missing_host_key(
        self, client: paramiko.SSHClient, hostname: str, key: paramiko.PKey
    ) -> None:
        raise UnknownHostKey(self.server, key.get_name(), fingerprint(key))


def fetch_host_key(server: Server, timeout: float = 10.0) -> paramiko.PKey:
    """The host key ``server`` offers (no authentication), for the operator to check and trust."""
    sock = open_socket(server, timeout)
    transport = paramiko.Transport(sock)
    try:
        transport.start_client(timeout=timeout)
        return transport.get_remote_server_key()
    except (paramiko.SSHException, OSError, EOFError) as exc:
        raise Unreachable(server, f"no SSH conversation: {ssh_failure(exc)}") from None
    finally:
        transport.close()
        sock.close()  # Transport.close leaves it open when the conversation never started


def trust_offered_key(known_hosts: KnownHosts, server: Server, expected_fingerprint: str) -> str:
    """Pin the key ``server`` offers now, only if its fingerprint is the one the operator checked
    (seen in the window, or given to ``hosts trust --fingerprint``); else :class:`HostKeyMismatch`.
    Network: call it on a worker in the window."""
    key = fetch_host_key(server)
    offered = fingerprint(key)
    expected = expected_fingerprint.strip()
    if offered != expected:
        raise HostKeyMismatch(server, offered, expected)
    known_hosts.trust(server.host, server.port, key, server)
    return offered
