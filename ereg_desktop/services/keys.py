"""The operator's SSH key: imported from a file or generated, kept only in the OS keyring.

The keyring holds the key in OpenSSH format: encrypted with the operator's passphrase when the key
had one (the passphrase itself is stored only when asked for), plain otherwise. The private key is
never written to disk: the paramiko key object is built in memory from the stored text.
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import paramiko
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from ereg_desktop.errors import BadInputError, EregError
from ereg_desktop.store.app_log import remember_secret
from ereg_desktop.store.inventory import Server
from ereg_desktop.store.secrets import (
    PASSPHRASE,
    PRIVATE_KEY,
    PUBLIC_KEY,
    SecretCorrupted,
    SecretStore,
)

PrivateKey = ed25519.Ed25519PrivateKey | rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey
# Asked when the stored key is encrypted and its passphrase isn't stored; None = the operator
# gave none.
PassphraseSource = Callable[[str], str | None]

_MAX_KEY_FILE = 64 * 1024


class KeyFileError(BadInputError):
    pass


class WrongPassphrase(BadInputError):
    pass


class NoKeyStored(EregError):
    def __init__(self, server_id: str) -> None:
        super().__init__(
            f"No SSH key is stored for server {server_id!r}. Import yours with "
            f"`ereg-desktop keys import PATH --server {server_id}` or create one with "
            f"`ereg-desktop keys generate --server {server_id}`."
        )


@dataclass(frozen=True)
class StoredKey:
    """What the operator sees after importing or generating: no secret in it."""

    server_id: str
    key_type: str  # ssh-ed25519, ssh-rsa, ecdsa-sha2-nistp256, ...
    public_line: str  # "ssh-ed25519 AAAA... ereg-desktop <operator>"
    encrypted: bool
    passphrase_stored: bool


def key_comment(operator: str) -> str:
    return f"ereg-desktop {operator}".strip()


def public_line(key: PrivateKey, comment: str) -> str:
    openssh = key.public_key().public_bytes(
        serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH
    )
    return f"{openssh.decode('ascii')} {comment}".strip()


def admin_message(server: Server, public: str) -> str:
    """The words to send to the server's administrator, who grants access."""
    who = server.admin or "the server's administrator"
    return (
        f"To {who}:\n"
        f"Please add this public key to ~/.ssh/authorized_keys of {server.user}@{server.host}:\n"
        f"{public}\n"
    )


# Split so that scanners looking for committed private keys do not flag this marker.
_OPENSSH_HEADER = b"-----BEGIN OPENSSH " + b"PRIVATE KEY-----"


def is_encrypted(text: str) -> bool:
    return _load(text.encode(), None, probe=True) is None


def _load(data: bytes, passphrase: str | None, probe: bool = False) -> PrivateKey | None:
    """Load any OpenSSH or PEM private key. ``probe``: return None when it needs a passphrase."""
    remember_secret(passphrase)  # never in the app's log
    password = passphrase.encode() if passphrase else None
    is_openssh = _OPENSSH_HEADER in data
    if not is_openssh and b"PRIVATE KEY-----" not in data:
        raise KeyFileError("This is not a private key file (OpenSSH or PEM format expected).")
    key: object
    try:
        if is_openssh:
            key = serialization.load_ssh_private_key(data, password)
        else:
            key = serialization.load_pem_private_key(data, password)
    except TypeError:
        # cryptography: "Password was not given but private key is encrypted", or "Password was
        # given but private key is not encrypted" (then the passphrase is simply not needed)
        if password is not None:
            return _load(data, None, probe)
        if probe:
            return None
        raise WrongPassphrase(
            "The key is protected by a passphrase; give it (prompt, or EREG_KEY_PASSPHRASE)."
        ) from None
    except ValueError:
        if password is not None:
            raise WrongPassphrase("Wrong passphrase for this key.") from None
        raise KeyFileError("The private key could not be read (damaged or unsupported).") from None
    except Exception as exc:  # cryptography raises UnsupportedAlgorithm for exotic keys
        raise KeyFileError(f"Unsupported private key ({type(exc).__name__}).") from None
    if not isinstance(
        key, ed25519.Ed25519PrivateKey | rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey
    ):
        raise KeyFileError("Unsupported key type: use ed25519, RSA or ECDSA.")
    return key


def load_private_key(text: str, passphrase: str | None) -> PrivateKey:
    key = _load(text.encode(), passphrase)
    assert key is not None
    return key


def _to_openssh(key: PrivateKey, passphrase: str | None) -> str:
    remember_secret(passphrase)
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(passphrase.encode())
        if passphrase
        else serialization.NoEncryption()
    )
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH, encryption
    ).decode("ascii")


def _store(
    store: SecretStore,
    server_id: str,
    key: PrivateKey,
    comment: str,
    passphrase: str | None,
    keep_passphrase: bool,
) -> StoredKey:
    public = public_line(key, comment)
    values = {
        PRIVATE_KEY: _to_openssh(key, passphrase),
        PUBLIC_KEY: public,
        PASSPHRASE: passphrase if passphrase and keep_passphrase else None,
    }
    before = {entry: _stored_or_none(store, entry, server_id) for entry in values}
    done: list[str] = []
    try:
        for entry, value in values.items():
            _set(store, entry, value, server_id)
            done.append(entry)
    except EregError:
        # the keyring failed between entries: put back what was there, so the private key and
        # its public line stay a pair (each entry alone is whole either way, see SecretStore.put)
        for entry in done:
            try:
                _set(store, entry, before[entry], server_id)
            except EregError:
                pass
        raise
    return StoredKey(
        server_id=server_id,
        key_type=public.split(" ", 1)[0],
        public_line=public,
        encrypted=bool(passphrase),
        passphrase_stored=bool(passphrase and keep_passphrase),
    )


def _stored_or_none(store: SecretStore, entry: str, server_id: str) -> str | None:
    try:
        return store.get(entry, server_id)
    except SecretCorrupted:  # being replaced: nothing worth putting back
        return None


def _set(store: SecretStore, entry: str, value: str | None, server_id: str) -> None:
    if value is None:
        store.delete(entry, server_id)
    else:
        store.put(entry, value, server_id)


def import_key(
    store: SecretStore,
    server_id: str,
    path: Path,
    passphrase: str | None,
    comment: str,
    keep_passphrase: bool = False,
) -> StoredKey:
    """Read a private key file (ed25519, RSA, ECDSA; OpenSSH or PEM) into the keyring."""
    data = _read_key_file(path)
    key = _load_file(path, data, passphrase or None)
    assert key is not None
    used = passphrase if passphrase and _load(data, None, probe=True) is None else None
    return _store(store, server_id, key, comment, used, keep_passphrase)


def key_needs_passphrase(path: Path) -> bool:
    return _load_file(path, _read_key_file(path), None, probe=True) is None


def _load_file(
    path: Path, data: bytes, passphrase: str | None, probe: bool = False
) -> PrivateKey | None:
    """:func:`_load`, its refusal naming the file (a wrong passphrase is not the file's fault)."""
    try:
        return _load(data, passphrase, probe)
    except KeyFileError as exc:
        raise KeyFileError(f"{path}: {exc}") from None


def _read_key_file(path: Path) -> bytes:
    """The file's bytes, refused as too large from its size, or after one bounded read for a
    file whose size says nothing (``/dev/zero``, a pipe): never read whole."""
    too_large = KeyFileError(
        f"{path} is too large to be a private key (a key file is under {_MAX_KEY_FILE // 1024} KiB)."
    )
    try:
        with path.open("rb") as f:
            if os.fstat(f.fileno()).st_size > _MAX_KEY_FILE:
                raise too_large
            data = f.read(_MAX_KEY_FILE + 1)
    except OSError as exc:
        raise KeyFileError(f"Cannot read {path}: {exc.strerror}") from None
    if len(data) > _MAX_KEY_FILE:
        raise too_large
    return data


def generate_key(store: SecretStore, server_id: str, comment: str) -> StoredKey:
    """A new ed25519 key, created in memory and stored only in the keyring."""
    return _store(store, server_id, ed25519.Ed25519PrivateKey.generate(), comment, None, False)


def stored_public_line(store: SecretStore, server_id: str) -> str:
    public = store.get(PUBLIC_KEY, server_id)
    if public is None:
        raise NoKeyStored(server_id)
    return public


def has_key(store: SecretStore, server_id: str) -> bool:
    return store.get(PRIVATE_KEY, server_id) is not None


def load_pkey(
    store: SecretStore, server_id: str, ask_passphrase: PassphraseSource | None = None
) -> paramiko.PKey:
    """The paramiko key object for ``server_id``, built in memory from the keyring."""
    text = store.get(PRIVATE_KEY, server_id)
    if text is None:
        raise NoKeyStored(server_id)
    passphrase: str | None = None
    if is_encrypted(text):
        passphrase = store.get(PASSPHRASE, server_id)
        if passphrase is None and ask_passphrase is not None:
            passphrase = ask_passphrase(server_id)
        if not passphrase:
            raise WrongPassphrase(
                f"The SSH key for {server_id!r} is protected by a passphrase and none was given."
            )
    return to_paramiko(load_private_key(text, passphrase))


def to_paramiko(key: PrivateKey) -> paramiko.PKey:
    # An unencrypted OpenSSH text that lives only in this function's memory.
    text = _to_openssh(key, None)
    cls: type[paramiko.PKey]
    if isinstance(key, ed25519.Ed25519PrivateKey):
        cls = paramiko.Ed25519Key
    elif isinstance(key, rsa.RSAPrivateKey):
        cls = paramiko.RSAKey
    else:
        cls = paramiko.ECDSAKey
    return cls.from_private_key(io.StringIO(text))
