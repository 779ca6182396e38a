"""The pooled SSH connection against the real sshd: host keys, auth, commands, reconnects."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from sandbox import Sandbox, free_port
from test_status_support import make_pool, sandbox_server, store_sandbox_key

from ereg_desktop.remote.errors import AuthFailed, NoAnswer, UnknownHostKey, Unreachable
from ereg_desktop.remote.hostkeys import KnownHosts, fetch_host_key, fingerprint
from ereg_desktop.services import keys
from ereg_desktop.store.inventory import Server
from ereg_desktop.store.secrets import SecretStore


@pytest.fixture
def trusted(sandbox: Sandbox, tmp_path: Path) -> Path:
    kh = tmp_path / "known_hosts"
    KnownHosts(kh).trust(sandbox.host, sandbox.port, fetch_host_key(sandbox_server(sandbox)))
    return kh


def test_first_connection_is_an_unknown_host_with_the_right_fingerprint(
    sandbox: Sandbox, store: SecretStore, tmp_path: Path
) -> None:
    store_sandbox_key(store, sandbox)
    kh = tmp_path / "known_hosts"
    pool = make_pool(store, kh)
    server = sandbox_server(sandbox)
    with pytest.raises(UnknownHostKey) as info:
        pool.run(server, ["true"])
    assert info.value.offered_fingerprint == sandbox.host_key_fingerprint()
    assert info.value.exit_code == 3
    assert not kh.exists()  # nothing pinned on its own
    # trusting (what `hosts trust` does) makes it work, without waiting for the backoff
    offered = fetch_host_key(server)
    assert fingerprint(offered) == sandbox.host_key_fingerprint()
    KnownHosts(kh).trust(server.host, server.port, offered)
    assert f"[{sandbox.host}]:{sandbox.port} ssh-ed25519 " in kh.read_text()
    pool.drop(server.id)
    assert pool.run(server, ["echo", "hi"]).stdout == "hi\n"
    pool.close()


def test_commands_over_one_persistent_connection(
    sandbox: Sandbox, store: SecretStore, trusted: Path
) -> None:
    store_sandbox_key(store, sandbox)
    pool = make_pool(store, trusted)
    server = sandbox_server(sandbox)
    hostile = 'a\'b; rm -rf ~ $(id) `id` "q"'
    res = pool.run(server, ["printf", "%s|", hostile, "x"])
    assert res.stdout == f"{hostile}|x|" and res.exit_code == 0 and res.duration > 0
    t1 = pool.transport(server)
    res = pool.run(server, ["sh", "-c", "echo out; echo err >&2; exit 7"])
    assert (res.exit_code, res.stdout, res.stderr) == (7, "out\n", "err\n")
    assert pool.transport(server) is t1  # no reconnect per command
    assert t1.sock.getsockopt(6, 1) != 0  # IPPROTO_TCP, TCP_NODELAY  # type: ignore[union-attr]
    # pm2 is on the PATH of the login shell only
    assert pool.run(server, ["pm2", "--version"]).stdout.strip().startswith("7.")
    # stdin is closed: cat ends at once
    assert pool.run(server, ["cat"], timeout=10).exit_code == 0
    # big output
    assert len(pool.run(server, ["head", "-c", "3000000", "/dev/zero"]).stdout) == 3_000_000
    with pytest.raises(NoAnswer):
        pool.run(server, ["sleep", "5"], timeout=0.5)
    pool.close()


def test_concurrent_threads_share_the_transport(
    sandbox: Sandbox, store: SecretStore, trusted: Path
) -> None:
    store_sandbox_key(store, sandbox)
    pool = make_pool(store, trusted)
    server = sandbox_server(sandbox)
    results: dict[int, str] = {}
    errors: list[BaseException] = []

    def work(i: int) -> None:
        try:
            results[i] = pool.run(server, ["sh", "-c", f"sleep 0.2; echo {i}"]).stdout
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(12)]
    start = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not errors
    assert results == {i: f"{i}\n" for i in range(12)}
    assert time.monotonic() - start < 2.0  # in parallel, not one after the other
    pool.close()


def test_stream_delivers_lines_as_they_come(
    sandbox: Sandbox, store: SecretStore, trusted: Path
) -> None:
    store_sandbox_key(store, sandbox)
    pool = make_pool(store, trusted)
    server = sandbox_server(sandbox)
    seen: list[tuple[float, str, bool]] = []
    script = "echo one; sleep 0.5; printf 'p 10%%\\rp 100%%\\n'; echo warn >&2; printf tail"
    res = pool.stream(
        server, ["sh", "-c", script], lambda line, err: seen.append((time.monotonic(), line, err))
    )
    assert res.exit_code == 0
    assert [(line, err) for _, line, err in seen] == [
        ("one", False),
        ("p 100%", False),
        ("warn", True),
        ("tail", False),
    ]
    assert seen[1][0] - seen[0][0] > 0.3  # the first line came before the sleep ended
    pool.close()


def test_refused_key_is_auth_failed(sandbox: Sandbox, store: SecretStore, trusted: Path) -> None:
    keys.generate_key(store, "sandbox", "not authorized")
    pool = make_pool(store, trusted)
    with pytest.raises(AuthFailed) as info:
        pool.run(sandbox_server(sandbox), ["true"])
    assert "Test Admin" in str(info.value) and "keys public" in str(info.value)
    pool.close()


def test_closed_port_is_unreachable_quickly(store: SecretStore, tmp_path: Path) -> None:
    closed = Server(id="x", host="127.0.0.1", port=free_port(), user="nobody")
    pool = make_pool(store, tmp_path / "kh")
    pool.key_source = lambda _s: None  # type: ignore[assignment,return-value]
    start = time.monotonic()
    with pytest.raises(Unreachable, match="refused"):
        pool.run(closed, ["true"])
    assert time.monotonic() - start < 2
    # backing off: the same reason at once, without a new attempt
    with pytest.raises(Unreachable, match="refused"):
        pool.run(closed, ["true"])
    unknown = Server(id="y", host="no-such-host.invalid", port=22, user="nobody")
    with pytest.raises(Unreachable, match="DNS"):
        pool.run(unknown, ["true"])
