"""Key import (each type, with and without passphrase, OpenSSH and PEM), generation, the CLI."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import paramiko
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519
from test_secrets_backends import LimitedKeyring

from ereg_desktop.cli import main
from ereg_desktop.errors import EXIT_BAD_INPUT
from ereg_desktop.services import keys
from ereg_desktop.store.inventory import Server
from ereg_desktop.store.secrets import PASSPHRASE, PRIVATE_KEY, SecretStore

PASS = "correct horse battery"
SERVER = Server(
    id="unctad", host="eregistrations.org", user="eregistrations", admin="Mariusz Nowak"
)


@pytest.fixture(autouse=True)
def _clean() -> Iterator[None]:
    LimitedKeyring.reset()
    yield
    LimitedKeyring.reset()


@pytest.fixture
def store() -> SecretStore:
    return SecretStore(LimitedKeyring())


def ssh_keygen(tmp: Path, key_type: str, passphrase: str, pem: bool = False) -> Path:
    path = tmp / f"id_{key_type}{'_pem' if pem else ''}{'_enc' if passphrase else ''}"
    argv = ["ssh-keygen", "-q", "-t", key_type, "-N", passphrase, "-C", "test", "-f", str(path)]
    if key_type == "rsa":
        argv += ["-b", "4096"]
    if pem:
        argv += ["-m", "PEM"]
    subprocess.run(argv, check=True)
    return path


def openssh_public(path: Path) -> str:
    return " ".join(Path(str(path) + ".pub").read_text().split()[:2])


CASES = [
    ("ed25519", False),
    ("rsa", False),
    ("rsa", True),
    ("ecdsa", False),
    ("ecdsa", True),
]


@pytest.mark.parametrize("key_type,pem", CASES)
@pytest.mark.parametrize("passphrase", ["", PASS])
def test_import_each_type(
    tmp_path: Path, store: SecretStore, key_type: str, pem: bool, passphrase: str
) -> None:
    path = ssh_keygen(tmp_path, key_type, passphrase, pem)
    assert keys.key_needs_passphrase(path) is bool(passphrase)
    stored = keys.import_key(store, "unctad", path, passphrase or None, "ereg-desktop Ana")
    assert stored.public_line == f"{openssh_public(path)} ereg-desktop Ana"
    assert stored.encrypted is bool(passphrase)
    text = store.get(PRIVATE_KEY, "unctad")
    assert text is not None and text.startswith("-----BEGIN OPENSSH PRIVATE KEY-----")
    assert keys.is_encrypted(text) is bool(passphrase)
    assert store.get(PASSPHRASE, "unctad") is None  # not asked to keep it
    pkey = keys.load_pkey(store, "unctad", lambda _sid: passphrase or None)
    assert f"{pkey.get_name()} {pkey.get_base64()}" == openssh_public(path)


def test_pkcs8_ed25519_pem(tmp_path: Path, store: SecretStore) -> None:
    key = ed25519.Ed25519PrivateKey.generate()
    path = tmp_path / "k.pem"
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(PASS.encode()),
        )
    )
    stored = keys.import_key(store, "unctad", path, PASS, "c", keep_passphrase=True)
    assert stored.passphrase_stored
    assert store.get(PASSPHRASE, "unctad") == PASS
    pkey = keys.load_pkey(store, "unctad")  # passphrase from the store, no callback needed
    assert isinstance(pkey, paramiko.Ed25519Key)


def test_wrong_or_missing_passphrase(tmp_path: Path, store: SecretStore) -> None:
    path = ssh_keygen(tmp_path, "ed25519", PASS)
    with pytest.raises(keys.WrongPassphrase, match="Wrong passphrase") as info:
        keys.import_key(store, "unctad", path, "nope", "c")
    assert info.value.exit_code == EXIT_BAD_INPUT
    with pytest.raises(keys.WrongPassphrase, match="protected by a passphrase"):
        keys.import_key(store, "unctad", path, None, "c")
    pem = ssh_keygen(tmp_path, "rsa", PASS, pem=True)
    with pytest.raises(keys.WrongPassphrase):
        keys.import_key(store, "unctad", pem, "nope", "c")
    assert store.get(PRIVATE_KEY, "unctad") is None


def test_not_a_key(tmp_path: Path, store: SecretStore) -> None:
    path = ssh_keygen(tmp_path, "ed25519", "")
    with pytest.raises(keys.KeyFileError):
        keys.import_key(store, "unctad", Path(str(path) + ".pub"), None, "c")
    with pytest.raises(keys.KeyFileError):
        keys.import_key(store, "unctad", tmp_path / "missing", None, "c")


def test_encrypted_key_without_passphrase_at_connect(tmp_path: Path, store: SecretStore) -> None:
    keys.import_key(store, "unctad", ssh_keygen(tmp_path, "ed25519", PASS), PASS, "c")
    with pytest.raises(keys.WrongPassphrase):
        keys.load_pkey(store, "unctad", lambda _sid: None)
    with pytest.raises(keys.WrongPassphrase):
        keys.load_pkey(store, "unctad", lambda _sid: "wrong")
    with pytest.raises(keys.NoKeyStored, match="keys import"):
        keys.load_pkey(store, "other")


def test_generate_ed25519(store: SecretStore) -> None:
    stored = keys.generate_key(store, "unctad", keys.key_comment("Ana Operator"))
    assert stored.public_line.startswith("ssh-ed25519 AAAA")
    assert stored.public_line.endswith(" ereg-desktop Ana Operator")
    pkey = keys.load_pkey(store, "unctad")
    assert stored.public_line.split()[1] == pkey.get_base64()
    assert keys.stored_public_line(store, "unctad") == stored.public_line
    msg = keys.admin_message(SERVER, stored.public_line)
    assert "Mariusz Nowak" in msg
    assert (
        "Please add this public key to ~/.ssh/authorized_keys of "
        "eregistrations@eregistrations.org:" in msg
    )
    assert stored.public_line in msg


# ----- CLI (in process; the keyring backend chosen by EREG_DESKTOP_KEYRING) ------------------


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("EREG_DESKTOP_KEYRING", "test_secrets_backends:LimitedKeyring")
    monkeypatch.delenv("EREG_KEY_PASSPHRASE", raising=False)
    cfg = tmp_path / "cfg"
    return cfg


def test_cli_generate_public_and_no_key_on_disk(
    cli_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--config-dir", str(cli_env), "keys", "generate"]) == 0
    out = capsys.readouterr().out
    assert "ssh-ed25519 AAAA" in out and "Mariusz Nowak" in out
    assert main(["--config-dir", str(cli_env), "keys", "generate"]) == EXIT_BAD_INPUT
    assert "--replace" in capsys.readouterr().err
    assert main(["--config-dir", str(cli_env), "keys", "public", "--server", "unctad"]) == 0
    public = capsys.readouterr().out
    assert out.strip().endswith(public.strip().splitlines()[-1])
    private = SecretStore(LimitedKeyring()).get(PRIVATE_KEY, "unctad")
    assert private is not None
    body = "".join(private.splitlines()[1:-1])
    for f in cli_env.rglob("*"):
        if f.is_file():
            assert body[:40] not in f.read_text(errors="replace")


def test_cli_import_with_passphrase_from_env(
    cli_env: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = ssh_keygen(tmp_path, "ecdsa", PASS)
    monkeypatch.setenv("EREG_KEY_PASSPHRASE", "wrong")
    assert main(["--config-dir", str(cli_env), "keys", "import", str(path)]) == EXIT_BAD_INPUT
    assert "Wrong passphrase" in capsys.readouterr().err
    monkeypatch.setenv("EREG_KEY_PASSPHRASE", PASS)
    code = main(["--config-dir", str(cli_env), "keys", "import", str(path), "--keep-passphrase"])
    assert code == 0
    assert openssh_public(path) in capsys.readouterr().out
    assert SecretStore(LimitedKeyring()).get(PASSPHRASE, "unctad") == PASS


def test_cli_unknown_server(cli_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--config-dir", str(cli_env), "keys", "public", "--server", "x"]) == EXIT_BAD_INPUT
    assert "Unknown server 'x'" in capsys.readouterr().err


def test_cli_no_keyring(
    cli_env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("EREG_DESKTOP_KEYRING", "keyring.backends.fail:Keyring")
    assert main(["--config-dir", str(cli_env), "keys", "generate"]) == 1
    assert "No usable OS keyring" in capsys.readouterr().err


def test_cli_import_over_a_stored_key_needs_replace(tmp_path: Path) -> None:
    import argparse

    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519

    from ereg_desktop.commands import keys as keys_cmd
    from ereg_desktop.errors import BadInputError
    from ereg_desktop.store.paths import AppPaths
    from ereg_desktop.store.secrets import SecretStore

    def key_file(name: str) -> Path:
        path = tmp_path / name
        path.write_bytes(ed25519.Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH,
            serialization.NoEncryption()))  # fmt: skip
        return path

    paths = AppPaths.resolve(config_dir=tmp_path / "cfg")

    def imp(path: Path, replace: bool) -> int:
        args = argparse.Namespace(keys_command="import", path=str(path), server="unctad",
                                  keep_passphrase=False, replace=replace)  # fmt: skip
        return keys_cmd.run(args, paths)

    assert imp(key_file("first"), False) == 0
    first = keys.stored_public_line(SecretStore.from_environment(), "unctad")
    with pytest.raises(BadInputError, match="--replace"):
        imp(key_file("second"), False)
    assert keys.stored_public_line(SecretStore.from_environment(), "unctad") == first
    assert imp(key_file("third"), True) == 0
    assert keys.stored_public_line(SecretStore.from_environment(), "unctad") != first
