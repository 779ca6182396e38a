"""Any bytes at all in known_hosts or inventory.toml: a result or the file's own error type, never
another exception; re-trusting keeps every line that is not the server's byte for byte."""

from __future__ import annotations

import tempfile
from pathlib import Path

import paramiko
import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519
from hypothesis import given, settings
from hypothesis import strategies as st

from ereg_desktop.errors import InventoryError
from ereg_desktop.remote.errors import KnownHostsDamaged
from ereg_desktop.remote.hostkeys import KnownHosts
from ereg_desktop.services.keys import to_paramiko
from ereg_desktop.store.inventory_file import InventoryFile

KEY: paramiko.PKey = to_paramiko(ed25519.Ed25519PrivateKey.generate())
GOOD_LINE = f"[127.0.0.1]:2222 {KEY.get_name()} {KEY.get_base64()}".encode()
# lines made of the pieces a damaged file is made of: real lines cut anywhere, bytes, separators
PIECES = st.one_of(
    st.binary(max_size=40),
    st.sampled_from([b"\n", b"\r\n", b" ", b"\t", b"\x00", b"#", b"@revoked ", b"\xff", b","]),
    st.integers(0, len(GOOD_LINE)).map(lambda n: GOOD_LINE[:n]),
    st.just(b"other.example ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI"),
    st.integers(0, 60).map(
        lambda n: b"|1|F1E1KeoE/eEWhi10WpGv4OdiO6Y=|3988QV0VE8wmZL7suNrYQLITLCg="[:n]
    ),
)
FILES = st.lists(PIECES, max_size=12).map(b"".join)


@pytest.mark.hostile(
    area="files: known_hosts",
    tried="hypothesis: any bytes in known_hosts (cut lines, NUL, CR, invalid UTF-8, markers)",
    outcome="the pinned keys or a damaged-file error naming a line; re-trusting keeps every "
    "other line byte for byte",
)
@settings(max_examples=200, deadline=None)
@given(FILES)
def test_any_known_hosts_reads_or_is_damaged(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "known_hosts"
        path.write_bytes(data)
        kh = KnownHosts(path)
        try:
            pinned = kh.pinned("127.0.0.1", 2222)
        except KnownHostsDamaged as exc:
            assert str(path) in str(exc) and exc.line is not None
            return
        assert all(isinstance(k, paramiko.PKey) for k in pinned.values())
        kh.trust("127.0.0.1", 2222, KEY)
        after = path.read_bytes().split(b"\n")
        assert after[-2:] == [GOOD_LINE, b""]
        kept = [line for line in data.split(b"\n") if b"127.0.0.1" not in line]
        for line in kept:
            if line:
                assert line in after


@pytest.mark.hostile(
    area="files: inventory",
    tried="hypothesis: any bytes in inventory.toml",
    outcome="an inventory or an InventoryError naming the file; the file is never rewritten",
)
@settings(max_examples=200, deadline=None)
@given(
    st.one_of(
        st.binary(max_size=300),
        st.text(max_size=300).map(lambda t: t.encode("utf-8", "surrogatepass")),
    )
)
def test_any_inventory_loads_or_is_refused(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "inventory.toml"
        path.write_bytes(data)
        try:
            InventoryFile(path).load()
        except InventoryError as exc:
            assert str(path) in str(exc)
        assert path.read_bytes() == data
