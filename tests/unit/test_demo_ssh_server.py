"""The demo's embedded SSH server, driven by a real paramiko client over loopback."""

from __future__ import annotations

import io
import os
import time
from collections.abc import Iterator
from pathlib import Path

import paramiko
import pytest

from ereg_desktop.demo.ssh_server import DemoSSHServer, load_or_create_host_key
from ereg_desktop.remote.command import exec_on, remote_command


def _key() -> paramiko.Ed25519Key:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519

    text = (
        ed25519.Ed25519PrivateKey.generate()
        .private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.OpenSSH,
            serialization.NoEncryption(),
        )
        .decode()
    )
    return paramiko.Ed25519Key.from_private_key(io.StringIO(text))


@pytest.fixture
def client_key() -> paramiko.Ed25519Key:
    return _key()


@pytest.fixture
def server(tmp_path: Path, client_key: paramiko.Ed25519Key) -> Iterator[DemoSSHServer]:
    home = tmp_path / "home"
    home.mkdir()
    (home / ".profile").write_text('export DEMO_LOGIN=yes\nexport PATH="$HOME/bin:$PATH"\n')
    env = {"HOME": str(home), "PATH": os.environ["PATH"], "LANG": "C.UTF-8"}
    host_key = load_or_create_host_key(tmp_path / "host_key")
    with DemoSSHServer(host_key, client_key, home, env, user="demo") as srv:
        yield srv


def _connect(server: DemoSSHServer, key: paramiko.PKey) -> paramiko.SSHClient:
    client = paramiko.SSHClient()
    name = f"[127.0.0.1]:{server.port}"
    client.get_host_keys().add(name, server.host_key.get_name(), server.host_key)
    client.set_missing_host_key_policy(paramiko.RejectPolicy())
    client.connect(
        "127.0.0.1", port=server.port, username="demo", pkey=key, timeout=10,
        allow_agent=False, look_for_keys=False,
    )  # fmt: skip
    return client


@pytest.fixture
def transport(
    server: DemoSSHServer, client_key: paramiko.Ed25519Key
) -> Iterator[paramiko.Transport]:
    client = _connect(server, client_key)
    t = client.get_transport()
    assert t is not None
    yield t
    client.close()


def test_exec_runs_in_a_login_shell_in_home_with_exit_code_and_stderr(
    server: DemoSSHServer, transport: paramiko.Transport
) -> None:
    res = exec_on(
        transport,
        remote_command(["bash", "-c", 'echo "$DEMO_LOGIN $PWD"; echo oops >&2; exit 7']),
        10,
    )
    assert res.exit_code == 7
    assert res.stdout == f"yes {server.home}\n"
    assert res.stderr == "oops\n"


def test_stdin_is_streamed_to_the_command_and_closed(transport: paramiko.Transport) -> None:
    data = os.urandom(300_000)  # several windows' worth
    res = exec_on(transport, "sha256sum", 20, stdin=data)
    import hashlib

    assert res.exit_code == 0
    assert res.stdout.split()[0] == hashlib.sha256(data).hexdigest()


def test_many_channels_at_once_on_one_connection(transport: paramiko.Transport) -> None:
    chans = []
    for i in range(8):
        chan = transport.open_session(timeout=10)
        chan.exec_command(f"echo {i}; exit {i}")
        chans.append(chan)
    for i, chan in enumerate(chans):
        assert chan.recv_exit_status() == i
        assert chan.makefile("rb").read() == f"{i}\n".encode()
        chan.close()


def test_wrong_key_is_refused(server: DemoSSHServer) -> None:
    with pytest.raises(paramiko.AuthenticationException):
        _connect(server, _key())


def test_pty_and_env_requests_are_refused_and_exec_still_works(
    transport: paramiko.Transport,
) -> None:
    chan = transport.open_session(timeout=10)
    with pytest.raises(paramiko.SSHException):
        chan.get_pty()
    chan.close()
    chan = transport.open_session(timeout=10)
    chan.update_environment({"SECRET": "x"})  # env requests need no reply: just ignored
    chan.exec_command('echo "[${SECRET-}]"')
    assert chan.recv_exit_status() == 0
    assert chan.makefile("rb").read() == b"[]\n"
    chan.close()


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    stat = Path(f"/proc/{pid}/stat")
    return stat.exists() and stat.read_text().rsplit(")", 1)[-1].split()[0] == "Z"


def _wait(cond: object, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not cond():  # type: ignore[operator]
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.05)


def test_closing_the_channel_ends_the_command_and_its_children(
    transport: paramiko.Transport,
) -> None:
    chan = transport.open_session(timeout=10)
    chan.exec_command("sleep 300 & echo $!; wait")
    f = chan.makefile("rb")
    child = int(f.readline())
    assert not _gone(child)
    chan.close()
    _wait(lambda: _gone(child), 10, "the command's child to be ended")


def test_stop_ends_running_commands_and_refuses_new_connections(
    server: DemoSSHServer, client_key: paramiko.Ed25519Key
) -> None:
    client = _connect(server, client_key)
    t = client.get_transport()
    assert t is not None
    chan = t.open_session(timeout=10)
    chan.exec_command("sleep 300 & echo $!; wait")
    child = int(chan.makefile("rb").readline())
    server.stop()
    _wait(lambda: _gone(child), 10, "the command to be ended by stop()")
    with pytest.raises((OSError, paramiko.SSHException)):
        _connect(server, client_key)
    client.close()


def test_host_key_is_made_once_and_kept(tmp_path: Path) -> None:
    path = tmp_path / "demo" / "host_key"
    first = load_or_create_host_key(path)
    assert path.stat().st_mode & 0o777 == 0o600
    assert load_or_create_host_key(path) == first
