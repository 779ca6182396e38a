"""Fingerprints as ssh-keygen prints them, the known-hosts file, the refusing policy."""

from __future__ import annotations

import subprocess
from pathlib import Path

import paramiko
import pytest

from ereg_desktop.errors import EXIT_CONNECTION, ConnectionProblem
from ereg_desktop.remote.errors import ChangedHostKey, UnknownHostKey
from ereg_desktop.remote.hostkeys import (
    KnownHosts,
    RefuseUnknownHost,
    fingerprint,
    host_key_name,
)
from ereg_desktop.store.inventory import Server

SERVER = Server(id="unctad", host="eregistrations.org", admin="Mariusz Nowak")


def keygen(tmp: Path, key_type: str) -> tuple[paramiko.PKey, str]:
    path = tmp / f"host_{key_type}"
    subprocess.run(["ssh-keygen", "-q", "-t", key_type, "-N", "", "-f", str(path)], check=True)
    out = subprocess.run(
        ["ssh-keygen", "-l", "-f", str(path) + ".pub"], check=True, capture_output=True, text=True
    ).stdout
    kind, b64 = Path(str(path) + ".pub").read_text().split()[:2]
    return paramiko.PKey.from_type_string(kind, __import__("base64").b64decode(b64)), out.split()[1]


@pytest.mark.parametrize("key_type", ["ed25519", "rsa", "ecdsa"])
def test_fingerprint_matches_ssh_keygen(tmp_path: Path, key_type: str) -> None:
    key, expected = keygen(tmp_path, key_type)
    assert fingerprint(key) == expected
    assert expected.startswith("SHA256:") and not expected.endswith("=")


def test_host_key_name() -> None:
    assert host_key_name("h.example", 22) == "h.example"
    assert host_key_name("127.0.0.1", 2222) == "[127.0.0.1]:2222"


def test_trust_writes_openssh_format_and_replaces(tmp_path: Path) -> None:
    kh = KnownHosts(tmp_path / "cfg" / "known_hosts")
    assert kh.pinned("127.0.0.1", 2222) == {}
    k1, fp1 = keygen(tmp_path, "ed25519")
    kh.trust("127.0.0.1", 2222, k1)
    kh.trust("other.example", 22, k1)
    pinned = kh.pinned("127.0.0.1", 2222)
    assert list(pinned) == ["ssh-ed25519"] and fingerprint(pinned["ssh-ed25519"]) == fp1
    # OpenSSH reads our file: ssh-keygen -F finds the entry under the same name
    found = subprocess.run(
        ["ssh-keygen", "-F", "[127.0.0.1]:2222", "-f", str(kh.path)],
        capture_output=True,
        text=True,
    )
    assert found.returncode == 0 and "ssh-ed25519" in found.stdout
    (tmp_path / "sub").mkdir()
    k2, fp2 = keygen(tmp_path / "sub", "ecdsa")
    kh.trust("127.0.0.1", 2222, k2)  # an explicit re-trust replaces the old key
    pinned = kh.pinned("127.0.0.1", 2222)
    assert [fingerprint(k) for k in pinned.values()] == [fp2]
    assert "other.example" in kh.path.read_text()
    assert kh.path.read_text().count("\n") == 2


def test_policy_refuses_unknown_host_with_fingerprint(tmp_path: Path) -> None:
    key, fp = keygen(tmp_path, "ed25519")
    with pytest.raises(UnknownHostKey) as info:
        RefuseUnknownHost(SERVER).missing_host_key(paramiko.SSHClient(), "eregistrations.org", key)
    err = info.value
    assert isinstance(err, ConnectionProblem) and err.exit_code == EXIT_CONNECTION
    assert err.offered_fingerprint == fp
    assert fp in str(err) and "Mariusz Nowak" in str(err)
    assert f"ereg-desktop hosts trust unctad --fingerprint {fp}" in str(err)


def test_changed_host_key_message() -> None:
    err = ChangedHostKey(SERVER, "SHA256:old", "SHA256:new")
    text = str(err)
    assert "SHA256:old" in text and "SHA256:new" in text
    assert "if the server was reinstalled, ask Mariusz Nowak for the new fingerprint" in text
    assert "`ereg-desktop hosts trust unctad --fingerprint SHA256:...`" in text
    assert err.exit_code == EXIT_CONNECTION
