"""The TCP socket under an SSH connection, opened by the app so it can tune it."""

from __future__ import annotations

import logging
import socket

from ereg_desktop.remote.errors import Unreachable
from ereg_desktop.store.inventory import Server

# paramiko's transport thread logs a traceback at ERROR when the peer is not an SSH server (an
# HTTP server, a port that closes at once); with no handler anywhere, Python's last-resort
# handler prints it on stderr. The reason reaches the operator as an Unreachable already.
logging.getLogger("paramiko").addHandler(logging.NullHandler())


def open_socket(server: Server, timeout: float) -> socket.socket:
    """A connected TCP socket with TCP_NODELAY, or :class:`Unreachable` saying why not."""
    try:
        sock = socket.create_connection((server.host, server.port), timeout=timeout)
    except UnicodeError:  # the IDNA codec refuses the name (an empty or over-long label)
        raise Unreachable(server, f"{server.host!r} is not a valid host name") from None
    except socket.gaierror as exc:
        raise Unreachable(server, f"host name not found (DNS: {exc.strerror})") from None
    except ConnectionRefusedError:
        raise Unreachable(server, f"connection refused on port {server.port}") from None
    except TimeoutError:
        raise Unreachable(server, f"no answer within {timeout:g} s (timeout)") from None
    except OSError as exc:
        raise Unreachable(server, exc.strerror or type(exc).__name__) from None
    # An exec round trip drops from ~45 ms to ~4 ms without Nagle's delayed small writes.
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
    if hasattr(socket, "TCP_USER_TIMEOUT"):
        # Unacknowledged data (our keepalives included) for 30 s = the peer is gone: the
        # transport dies and the pool reconnects, instead of waiting for TCP's ~15 minutes.
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_USER_TIMEOUT, 30_000)
    return sock
