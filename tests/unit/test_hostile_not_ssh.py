"""A peer that is not an SSH server: a clear connection error, nothing else on stderr, no socket left.

paramiko's transport thread logs a traceback when the banner never comes; under pytest the root
logger has handlers, so it would not show: the app runs in a child process, as the operator runs
it, with ResourceWarnings shown (an unclosed socket prints one on stderr).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

PEERS = {
    "an HTTP server": b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n",
    "a port that closes at once": b"",
    "binary garbage": bytes(range(256)) * 4,
}


@pytest.fixture
def peer(request: pytest.FixtureRequest) -> Iterator[int]:
    answer: bytes = PEERS[request.param]
    listener = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            with conn:
                if answer:
                    conn.sendall(answer)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield listener.getsockname()[1]
    stop.set()
    listener.shutdown(socket.SHUT_RDWR)  # wakes the accept() (close alone does not)
    listener.close()
    thread.join(timeout=5)


def _run(args: list[str], tmp: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), str(ROOT / "tests")]))
    return subprocess.run(
        [sys.executable, "-W", "always::ResourceWarning", *args],
        cwd=tmp, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip


_POOL = """
import sys
from cryptography.hazmat.primitives.asymmetric import ed25519
from ereg_desktop.errors import EregError
from ereg_desktop.remote.connection import ConnectionPool
from ereg_desktop.remote.hostkeys import KnownHosts
from ereg_desktop.services.keys import to_paramiko
from ereg_desktop.store.inventory import Server
key = to_paramiko(ed25519.Ed25519PrivateKey.generate())
pool = ConnectionPool(KnownHosts(__import__("pathlib").Path("kh")), lambda s: key, 5)
try:
    pool.transport(Server(id="unctad", host="127.0.0.1", port=int(sys.argv[1])))
except EregError as exc:
    print(exc)
pool.close()
import gc; gc.collect()
"""


def _case(what: str) -> object:
    return pytest.param(
        what,
        marks=pytest.mark.hostile(
            area="connection",
            tried=f"the server's address answers as {what}, not an SSH server",
            outcome="'cannot reach ... is it an SSH server?' naming the server; nothing else on "
            "stderr, no socket left open",
        ),
        id=what,
    )


@pytest.mark.parametrize("peer", [_case(w) for w in PEERS], indirect=True)
def test_hosts_trust_to_a_peer_that_is_not_ssh(peer: int, tmp_path: Path) -> None:
    cfg = tmp_path / "cfg"
    cfg.mkdir()
    (cfg / "inventory.toml").write_text(
        f'[[servers]]\nid = "unctad"\nhost = "127.0.0.1"\nport = {peer}\n', encoding="utf-8"
    )
    proc = _run(
        ["-m", "ereg_desktop", "--config-dir", str(cfg), "hosts", "trust", "unctad"], tmp_path
    )
    assert proc.returncode == 3
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("ereg-desktop: Cannot reach unctad")
    assert "SSH" in lines[0]


@pytest.mark.parametrize("peer", [_case(w) for w in PEERS], indirect=True)
def test_the_pool_to_a_peer_that_is_not_ssh(peer: int, tmp_path: Path) -> None:
    proc = _run(["-c", _POOL, str(peer)], tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    assert proc.stdout.startswith("Cannot reach unctad")
