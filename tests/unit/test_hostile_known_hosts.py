"""A damaged known_hosts: an error naming the file and line, never a crash, never "unknown host".

A pinned server whose line broke must not fall back to "first connection, trust it?": that prompt
is exactly what an attacker in the middle wants to see.
"""

from __future__ import annotations

import socket
import warnings
from collections.abc import Iterator
from pathlib import Path

import paramiko
import pytest
from test_hostkeys import keygen

from ereg_desktop.cli import main
from ereg_desktop.errors import EXIT_CONNECTION
from ereg_desktop.remote.connection import ConnectionPool
from ereg_desktop.remote.errors import KnownHostsDamaged
from ereg_desktop.remote.hostkeys import KnownHosts, fingerprint
from ereg_desktop.services.monitor import Monitor
from ereg_desktop.services.status import UNREACHABLE
from ereg_desktop.store.inventory import Server

NAME = "[127.0.0.1]:2222"
SERVER = Server(id="unctad", host="127.0.0.1", port=2222)


@pytest.fixture
def good_line(tmp_path: Path) -> tuple[bytes, paramiko.PKey]:
    key, _fp = keygen(tmp_path, "ed25519")
    return f"{NAME} {key.get_name()} {key.get_base64()}".encode(), key


def _damage(line: bytes, how: str) -> bytes:
    name, kind, b64 = line.split(b" ")
    return {
        "truncated key": name + b" " + kind + b" " + b64[: len(b64) // 2],
        "key cut at a multiple of 4": name + b" " + kind + b" " + b64[:32],
        "no key field": name + b" " + kind,
        "host name only": name,
        "non-UTF-8 byte in the key": name + b" " + kind + b" " + b64[:20] + b"\xe9" + b64[21:],
        "NUL in the key": name + b" " + kind + b" " + b64[:20] + b"\x00" + b64[21:],
        "unknown key type": name + b" ssh-foo " + b64,
    }[how]


DAMAGE = [
    "truncated key",
    "key cut at a multiple of 4",
    "no key field",
    "host name only",
    "non-UTF-8 byte in the key",
    "NUL in the key",
    "unknown key type",
]


@pytest.mark.parametrize(
    "how",
    [
        pytest.param(
            how,
            marks=pytest.mark.hostile(
                area="files: known_hosts",
                tried=f"the pinned server's line in known_hosts broken: {how}",
                outcome="refused as damaged, naming the file and line; never 'unknown host, "
                "trust it?'",
            ),
        )
        for how in DAMAGE
    ],
)
def test_a_pinned_servers_broken_line_is_refused_with_its_line(
    tmp_path: Path, good_line: tuple[bytes, paramiko.PKey], how: str
) -> None:
    path = tmp_path / "known_hosts"
    path.write_bytes(b"# pinned by ereg-desktop\n" + _damage(good_line[0], how) + b"\n")
    with pytest.raises(KnownHostsDamaged) as caught:
        KnownHosts(path).pinned("127.0.0.1", 2222)
    assert f"{path}:2:" in str(caught.value)
    assert "unknown" not in str(caught.value).lower()


@pytest.mark.hostile(
    area="files: known_hosts",
    tried="known_hosts holds another server's broken line beside this server's good one",
    outcome="this server connects with its pinned key; the other is refused naming the line",
)
def test_another_servers_broken_line_does_not_block_this_one(
    tmp_path: Path, good_line: tuple[bytes, paramiko.PKey]
) -> None:
    path = tmp_path / "known_hosts"
    broken = b"other.example ssh-ed25519 AAAAC3Nza\xff\n"
    path.write_bytes(broken + good_line[0] + b"\n")
    pinned = KnownHosts(path).pinned("127.0.0.1", 2222)
    assert [fingerprint(k) for k in pinned.values()] == [fingerprint(good_line[1])]
    with pytest.raises(KnownHostsDamaged, match=f"{path}:1:"):
        KnownHosts(path).pinned("other.example", 22)


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(
            data,
            marks=pytest.mark.hostile(
                area="files: known_hosts",
                tried=f"known_hosts holds {what}",
                outcome="every server is refused naming the file and line (the line could be "
                "anyone's pinned key)",
            ),
            id=what,
        )
        for what, data in [
            ("binary garbage", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\n"),
            ("a host field that is not UTF-8", b"127.0.0.\xb1 ssh-ed25519 AAAA\n"),
            ("a hashed host name cut short", b"|1|F1E1KeoE/eEWhi10WpGv4OdiO6Y=|3988QV0V\n"),
        ]
    ],
)
def test_a_line_nobody_can_attribute_refuses_every_server(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "known_hosts"
    path.write_bytes(content)
    for host, port in (("127.0.0.1", 2222), ("eregistrations.org", 22)):
        with pytest.raises(KnownHostsDamaged, match=f"{path}:1:"):
            KnownHosts(path).pinned(host, port)


@pytest.mark.hostile(
    area="files: known_hosts",
    tried="known_hosts with CRLF line ends, blank lines and comments",
    outcome="read as written: the pinned key is found",
)
def test_crlf_line_ends_are_read(tmp_path: Path, good_line: tuple[bytes, paramiko.PKey]) -> None:
    path = tmp_path / "known_hosts"
    path.write_bytes(b"# comment\r\n\r\n" + good_line[0] + b"\r\n")
    pinned = KnownHosts(path).pinned("127.0.0.1", 2222)
    assert [fingerprint(k) for k in pinned.values()] == [fingerprint(good_line[1])]


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(
            "directory",
            marks=pytest.mark.hostile(
                area="files: known_hosts",
                tried="a directory in place of known_hosts",
                outcome="refused: 'cannot read' naming the file; no connection is opened",
            ),
        ),
        pytest.param(
            "empty",
            marks=pytest.mark.hostile(
                area="files: known_hosts",
                tried="known_hosts of zero bytes",
                outcome="nothing pinned: the server is unknown, shown with its fingerprint to check",
            ),
        ),
    ],
)
def test_directory_or_empty_file(tmp_path: Path, make: str) -> None:
    path = tmp_path / "known_hosts"
    if make == "directory":
        path.mkdir()
        with pytest.raises(KnownHostsDamaged, match=f"{path}: cannot read"):
            KnownHosts(path).pinned("127.0.0.1", 2222)
    else:
        path.write_bytes(b"")
        assert KnownHosts(path).pinned("127.0.0.1", 2222) == {}


@pytest.fixture
def listener() -> Iterator[socket.socket]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen()
    sock.setblocking(False)
    yield sock
    sock.close()


def _no_connection_came(listener: socket.socket) -> bool:
    try:
        conn, _ = listener.accept()
    except BlockingIOError:
        return True
    conn.close()
    return False


@pytest.mark.hostile(
    area="files: known_hosts",
    tried="a status poll with the pinned server's known_hosts line truncated",
    outcome="the server shows unreachable with the file:line; no traceback, no socket opened",
)
def test_the_poll_reports_the_damaged_line_and_opens_no_socket(
    tmp_path: Path, good_line: tuple[bytes, paramiko.PKey], listener: socket.socket
) -> None:
    port = listener.getsockname()[1]
    server = Server(id="unctad", host="127.0.0.1", port=port)
    name = f"[127.0.0.1]:{port}".encode()
    path = tmp_path / "known_hosts"
    path.write_bytes(_damage(good_line[0], "truncated key").replace(NAME.encode(), name) + b"\n")
    pool = ConnectionPool(KnownHosts(path), lambda s: good_line[1], connect_timeout=2)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ResourceWarning)
        status = Monitor(pool).poll(server)
    assert status.state == UNREACHABLE
    assert f"{path}:1:" in status.reason
    assert _no_connection_came(listener)
    pool.close()


@pytest.mark.hostile(
    area="files: known_hosts",
    tried="`hosts show` with a non-UTF-8 byte in the pinned server's known_hosts line",
    outcome="exit 3 with the file:line and how to re-pin; no traceback",
)
def test_hosts_show_names_the_line(
    tmp_path: Path, good_line: tuple[bytes, paramiko.PKey], capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = tmp_path / "cfg"
    cfg.mkdir()
    (cfg / "inventory.toml").write_text(
        '[[servers]]\nid = "unctad"\nhost = "127.0.0.1"\nport = 2222\n', encoding="utf-8"
    )
    (cfg / "known_hosts").write_bytes(_damage(good_line[0], "non-UTF-8 byte in the key") + b"\n")
    assert main(["--config-dir", str(cfg), "hosts", "show", "unctad"]) == EXIT_CONNECTION
    err = capsys.readouterr().err
    assert f"{cfg / 'known_hosts'}:1:" in err and "Traceback" not in err
    assert "hosts trust unctad --fingerprint" in err


@pytest.mark.hostile(
    area="files: known_hosts",
    tried="re-trusting a server whose known_hosts line is damaged, beside another server's "
    "line holding a non-UTF-8 byte",
    outcome="the damaged line is replaced by the new key; every other line is kept byte for byte",
)
def test_trust_replaces_the_damaged_line_and_keeps_the_others(
    tmp_path: Path, good_line: tuple[bytes, paramiko.PKey]
) -> None:
    path = tmp_path / "known_hosts"
    other = b"other.example ssh-ed25519 AAAAC3Nza\xff"
    path.write_bytes(other + b"\n" + _damage(good_line[0], "no key field") + b"\n")
    KnownHosts(path).trust("127.0.0.1", 2222, good_line[1])
    assert path.read_bytes() == other + b"\n" + good_line[0] + b"\n"
    pinned = KnownHosts(path).pinned("127.0.0.1", 2222)
    assert [fingerprint(k) for k in pinned.values()] == [fingerprint(good_line[1])]


def test_a_hashed_pin_is_found_and_replaced_on_trust(
    tmp_path: Path, good_line: tuple[bytes, paramiko.PKey]
) -> None:
    key = good_line[1]
    path = tmp_path / "known_hosts"
    hashed = paramiko.HostKeys.hash_host(NAME)
    path.write_text(f"{hashed} {key.get_name()} {key.get_base64()}\n")
    assert list(KnownHosts(path).pinned("127.0.0.1", 2222).values()) == [key]
    KnownHosts(path).trust("127.0.0.1", 2222, key)
    assert path.read_bytes() == good_line[0] + b"\n"
