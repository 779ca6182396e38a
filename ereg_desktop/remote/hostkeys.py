"""The app's own known-hosts file (OpenSSH format) and the host-key checks.

A key is pinned only by an explicit ``trust`` (``ereg-desktop hosts trust`` or the window's
prompt, both after the operator saw the fingerprint): never ``AutoAddPolicy``.
"""

from __future__ import annotations

import base64
import hashlib
import threading
from pathlib import Path

import paramiko

from ereg_desktop.remote.errors import HostKeyMismatch, UnknownHostKey, Unreachable
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


def _key_family(key_type: str) -> str:
    # paramiko names RSA keys ssh-rsa whatever signature algorithm was negotiated
    return "ssh-rsa" if key_type.startswith(("rsa-sha2-", "ssh-rsa")) else key_type


class KnownHosts:
    """Pinned host keys. Thread-safe; every change rewrites the file atomically."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()

    def load(self) -> paramiko.HostKeys:
        keys = paramiko.HostKeys()
        if self.path.exists():
            keys.load(str(self.path))
        return keys

    def pinned(self, host: str, port: int) -> dict[str, paramiko.PKey]:
        found = self.load().lookup(host_key_name(host, port))
        return dict(found.items()) if found is not None else {}

    def trust(self, host: str, port: int, key: paramiko.PKey) -> None:
        """Pin ``key`` for host:port, replacing whatever was pinned for that name before."""
        name = host_key_name(host, port)
        with self._lock:
            kept: list[str] = []
            if self.path.exists():
                for line in self.path.read_text(encoding="utf-8").splitlines():
                    if not _line_matches(line, name):
                        kept.append(line)
            kept.append(f"{name} {key.get_name()} {key.get_base64()}")
            atomic_write(self.path, ("\n".join(kept) + "\n").encode(), mode=0o644)


def _line_matches(line: str, name: str) -> bool:
    fields = line.split()
    if len(fields) < 3 or line.lstrip().startswith("#"):
        return False
    patterns = fields[0]
    if patterns.startswith("@"):  # @cert-authority / @revoked markers: leave them alone
        return False
    for pattern in patterns.split(","):
        if pattern.startswith("|1|"):
            if paramiko.HostKeys.hash_host(name, pattern) == pattern:
                return True
        elif pattern == name:
            return True
    return False


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
        raise Unreachable(server, f"no SSH conversation ({type(exc).__name__}: {exc})") from None
    finally:
        transport.close()


def trust_offered_key(known_hosts: KnownHosts, server: Server, expected_fingerprint: str) -> str:
    """Pin the key ``server`` offers now, only if its fingerprint is the one the operator checked
    (seen in the window, or given to ``hosts trust --fingerprint``); else :class:`HostKeyMismatch`.
    Network: call it on a worker in the window."""
    key = fetch_host_key(server)
    offered = fingerprint(key)
    expected = expected_fingerprint.strip()
    if offered != expected:
        raise HostKeyMismatch(server, offered, expected)
    known_hosts.trust(server.host, server.port, key)
    return offered
