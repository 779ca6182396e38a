"""One persistent SSH connection per server, shared by every operation and thread.

Reads (status polls) and writes (deploys) open their own channels on the same transport, which
paramiko allows concurrently. A dead transport is reconnected on the next use, with a capped
backoff between failed attempts so a down server isn't hammered.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import paramiko

from ereg_desktop.errors import ConnectionProblem, EregError
from ereg_desktop.remote.command import CommandTimeout, LineSink, Result, exec_on, remote_command
from ereg_desktop.remote.errors import (
    AuthFailed,
    ChangedHostKey,
    NoAnswer,
    NoUsableKey,
    Unreachable,
    ssh_failure,
)
from ereg_desktop.remote.hostkeys import KnownHosts, RefuseUnknownHost, fingerprint
from ereg_desktop.remote.tcp import open_socket
from ereg_desktop.store.inventory import Server

CONNECT_TIMEOUT = 10.0
KEEPALIVE_S = 15
BACKOFF_FIRST = 1.0
BACKOFF_MAX = 60.0

log = logging.getLogger(__name__)

# Gives the private key for a server (built in memory from the keyring; see services.keys).
KeySource = Callable[[Server], paramiko.PKey]


@dataclass
class _Slot:
    """The connection state of one server."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    client: paramiko.SSHClient | None = None
    address: tuple[str, int, str] | None = None  # (host, port, user) the client is connected to
    failure: ConnectionProblem | None = None
    retry_at: float = 0.0
    backoff: float = 0.0


class ConnectionPool:
    def __init__(
        self,
        known_hosts: KnownHosts,
        key_source: KeySource,
        connect_timeout: float = CONNECT_TIMEOUT,
        keepalive_s: int = KEEPALIVE_S,
        backoff_max: float = BACKOFF_MAX,
    ) -> None:
        self.known_hosts = known_hosts
        self.key_source = key_source
        self.connect_timeout = connect_timeout
        self.keepalive_s = keepalive_s
        self.backoff_max = backoff_max
        self._slots: dict[str, _Slot] = {}
        self._slots_lock = threading.Lock()

    def _slot(self, server_id: str) -> _Slot:
        with self._slots_lock:
            return self._slots.setdefault(server_id, _Slot())

    def transport(self, server: Server) -> paramiko.Transport:
        """The live transport to ``server``, connecting (or reconnecting) if needed."""
        slot = self._slot(server.id)
        address = (server.host, server.port, server.user)
        with slot.lock:
            if slot.address != address:  # the inventory entry changed: a new connection
                if slot.client is not None:
                    slot.client.close()
                slot.client, slot.address = None, address
                slot.failure, slot.retry_at, slot.backoff = None, 0.0, 0.0
            if slot.client is not None:
                t = slot.client.get_transport()
                if t is not None and t.is_active():
                    return t
                slot.client.close()
                slot.client = None
            now = time.monotonic()
            if slot.failure is not None and now < slot.retry_at:
                # still backing off: the same reason, no new attempt
                raise slot.failure.with_traceback(None)
            try:
                slot.client = self._connect(server)
            except ConnectionProblem as exc:
                if slot.failure is None or str(slot.failure) != str(exc):  # once, not per poll
                    log.info("%s: cannot connect: %s", server.id, exc)
                slot.backoff = min(self.backoff_max, max(BACKOFF_FIRST, slot.backoff * 2))
                slot.failure, slot.retry_at = exc, time.monotonic() + slot.backoff
                raise
            log.info("%s: connected to %s@%s:%d", server.id, server.user, server.host, server.port)
            slot.failure, slot.backoff, slot.retry_at = None, 0.0, 0.0
            t = slot.client.get_transport()
            assert t is not None
            return t

    def _connect(self, server: Server) -> paramiko.SSHClient:
        try:  # before the socket: a missing key needs no network
            pkey = self.key_source(server)
        except ConnectionProblem:
            raise
        except EregError as exc:  # no key, no keyring, a wrong or declined passphrase
            raise NoUsableKey(server, exc) from None
        # before the socket too: a damaged known_hosts is refused without touching the network
        pinned = self.known_hosts.pinned(server.host, server.port, server)
        sock = open_socket(server, self.connect_timeout)
        client = paramiko.SSHClient()
        for key_type, key in pinned.items():
            client.get_host_keys().add(_host_name(server), key_type, key)
        client.set_missing_host_key_policy(RefuseUnknownHost(server))
        try:
            client.connect(
                server.host,
                port=server.port,
                username=server.user,
                pkey=pkey,
                sock=sock,
                timeout=self.connect_timeout,
                banner_timeout=self.connect_timeout,
                auth_timeout=self.connect_timeout,
                channel_timeout=self.connect_timeout,
                allow_agent=False,
                look_for_keys=False,
            )
        except BaseException as exc:
            client.close()
            sock.close()  # SSHClient.close leaves it open when no transport was made
            raise _connect_failure(server, exc) from None
        transport = client.get_transport()
        assert transport is not None
        transport.set_keepalive(self.keepalive_s)
        return client

    def run(
        self,
        server: Server,
        argv: Sequence[str],
        timeout: float | None = 30.0,
        stdin: bytes | None = None,
    ) -> Result:
        """Run ``argv`` in a login shell on ``server`` and collect its output; ``stdin``, when
        given, is what the command reads on its standard input (sent within ``timeout``)."""
        return self._exec(server, remote_command(argv), timeout, None, stdin)

    def run_raw(self, server: Server, command: str, timeout: float | None = 30.0) -> Result:
        """Run an already-quoted command line (benchmarks and diagnostics)."""
        return self._exec(server, command, timeout, None)

    def stream(
        self,
        server: Server,
        argv: Sequence[str],
        on_line: LineSink,
        timeout: float | None = None,
        *,
        stop: threading.Event | None = None,
    ) -> Result:
        """Like :meth:`run`, with each output line handed to ``on_line`` as it arrives; once
        ``stop`` is set the channel is closed and the call returns (exit code -1)."""
        return self._exec(server, remote_command(argv), timeout, on_line, stop=stop)

    def open_channel(self, server: Server, argv: Sequence[str]) -> paramiko.Channel:
        """Start ``argv`` (login shell) on a new channel and hand it over, stdin open: for a
        long-lived remote process the caller reads and writes itself and closes (the remote
        process sees its stdin end). Raises like :meth:`run` when the channel cannot open."""
        transport = self.transport(server)
        chan: paramiko.Channel | None = None
        try:
            chan = transport.open_session(timeout=self.connect_timeout)
            chan.exec_command(remote_command(argv))
        except (paramiko.SSHException, EOFError, OSError) as exc:
            if chan is not None:
                chan.close()
            if transport.is_active():
                raise Unreachable(
                    server, f"the server refused a new session ({ssh_failure(exc)})"
                ) from None
            self._drop_transport(server.id, transport)
            raise Unreachable(server, f"connection lost ({ssh_failure(exc)})") from None
        return chan

    def _exec(
        self,
        server: Server,
        command: str,
        timeout: float | None,
        on_line: LineSink | None,
        stdin: bytes | None = None,
        stop: threading.Event | None = None,
    ) -> Result:
        transport = self.transport(server)
        try:
            return exec_on(transport, command, timeout, on_line, stdin=stdin, stop=stop)
        except CommandTimeout:
            raise NoAnswer(server, "the command", timeout or 0) from None
        except (paramiko.SSHException, EOFError, OSError) as exc:
            # The transport died under us (network gone, sshd restarted): the next call
            # reconnects. A half-run command is not repeated: the caller decides. A channel the
            # server refused (its session limit) leaves a live transport that every other
            # operation on this server is using: keep it.
            if transport.is_active():
                raise Unreachable(
                    server, f"the server refused a new session ({ssh_failure(exc)})"
                ) from None
            self._drop_transport(server.id, transport)
            raise Unreachable(server, f"connection lost ({ssh_failure(exc)})") from None

    def _drop_transport(self, server_id: str, transport: paramiko.Transport) -> None:
        """Drop the server's connection if it is still the one that died (another thread may
        have reconnected meanwhile)."""
        slot = self._slot(server_id)
        with slot.lock:
            if slot.client is not None and slot.client.get_transport() is transport:
                log.info("%s: connection lost", server_id)
                slot.client.close()
                slot.client = None

    def drop(self, server_id: str) -> None:
        """Close the server's connection (after re-trusting a host key, or a lost transport)."""
        slot = self._slot(server_id)
        with slot.lock:
            if slot.client is not None:
                log.info("%s: disconnected", server_id)
                slot.client.close()
            slot.client = None
            slot.failure, slot.retry_at, slot.backoff = None, 0.0, 0.0

    def retry_now(self, server_id: str) -> None:
        """Forget the backoff (the operator asked for a refresh)."""
        slot = self._slot(server_id)
        with slot.lock:
            slot.retry_at = 0.0

    def is_connected(self, server_id: str) -> bool:
        slot = self._slot(server_id)
        client = slot.client
        t = client.get_transport() if client is not None else None
        return t is not None and t.is_active()

    def close(self) -> None:
        with self._slots_lock:
            ids = list(self._slots)
        for server_id in ids:
            self.drop(server_id)


def _host_name(server: Server) -> str:
    return server.host if server.port == 22 else f"[{server.host}]:{server.port}"


def _connect_failure(server: Server, exc: BaseException) -> BaseException:
    """What a failed ``SSHClient.connect`` means for the operator (anything else: as is)."""
    if isinstance(exc, ConnectionProblem):
        return exc
    if isinstance(exc, paramiko.BadHostKeyException):
        return ChangedHostKey(server, fingerprint(exc.expected_key), fingerprint(exc.key))
    if isinstance(exc, paramiko.AuthenticationException):
        return AuthFailed(server)
    if isinstance(exc, paramiko.SSHException | EOFError | OSError):
        return Unreachable(server, ssh_failure(exc))
    return exc
