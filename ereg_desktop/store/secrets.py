"""Secrets in the OS keyring only: SSH private keys, key passphrases, the GitHub token.

Windows Credential Manager keeps at most 2,560 bytes per entry (1,280 UTF-16 code units), and an
RSA-4096 key is about 3,400 characters. So every secret is written as a small header entry
(``ereg-chunks:v1:<count>:<length>:<sha256>``) plus numbered chunks (``<entry>#1``, ``#2``, ...) of
at most 1,000 UTF-16 code units each, and reassembled and checked on reading.

There is no fallback: without a usable keyring the store raises :class:`NoKeyring`, whose message
says how to get one. Secrets are never written to a file by the app.
"""

from __future__ import annotations

import hashlib
import importlib
import os
from collections.abc import Iterator
from typing import Literal

import keyring
import keyring.backend
import keyring.errors

from ereg_desktop.errors import EregError

SERVICE_PREFIX = "ereg-desktop"
# Entry names. The private key and its passphrase are per server; the GitHub token is global.
PRIVATE_KEY = "ssh-private-key"
PUBLIC_KEY = (
    "ssh-public-key"  # not secret; kept beside the key so `keys public` needs no passphrase
)
PASSPHRASE = "ssh-key-passphrase"
GITHUB_TOKEN = "github-token"

CHUNK_UNITS = 1000  # UTF-16 code units per chunk: 2,000 bytes, under Windows' 2,560
_HEADER = "ereg-chunks:v1:"
# Tests (and side-by-side profiles) pick a backend class with EREG_DESKTOP_KEYRING=module:Class.
BACKEND_ENV = "EREG_DESKTOP_KEYRING"
_MAX_PROBED_CHUNKS = 256  # far beyond any key: an RSA-16384 key needs about 13

_HOW_TO_GET_ONE = (
    "On Linux, install and unlock a Secret Service keyring (gnome-keyring or KWallet; in a desktop "
    "session it is usually already running). On Windows the Credential Manager and on macOS the "
    "Keychain are used automatically. `keyring --list-backends` shows what Python can see."
)


class NoKeyring(EregError):
    """No usable OS keyring: the app refuses to keep secrets anywhere else."""

    def __init__(self, detail: str) -> None:
        super().__init__(
            f"No usable OS keyring to keep the SSH key in ({detail}). {_HOW_TO_GET_ONE}"
        )


class SecretCorrupted(EregError):
    def __init__(self, service: str, entry: str) -> None:
        super().__init__(
            f"The keyring entry {entry!r} of {service!r} is incomplete or damaged; "
            "import or generate the key again (`ereg-desktop keys import` / `keys generate`)."
        )


def service_name(server_id: str | None) -> str:
    """``ereg-desktop:<server-id>`` for per-server secrets, ``ereg-desktop`` for global ones."""
    return f"{SERVICE_PREFIX}:{server_id}" if server_id else SERVICE_PREFIX


def split_chunks(value: str, units: int = CHUNK_UNITS) -> list[str]:
    """Split ``value`` into pieces of at most ``units`` UTF-16 code units, never inside a character."""
    chunks: list[str] = []
    start = 0
    used = 0
    for i, ch in enumerate(value):
        width = 2 if ord(ch) > 0xFFFF else 1
        if used + width > units:
            chunks.append(value[start:i])
            start, used = i, 0
        used += width
    if start < len(value) or not chunks:
        chunks.append(value[start:])
    return chunks


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def backend_from_environment() -> keyring.backend.KeyringBackend:
    """The backend named by ``EREG_DESKTOP_KEYRING=module:Class``, else keyring's own choice."""
    spec = os.environ.get(BACKEND_ENV, "").strip()
    if not spec:
        return keyring.get_keyring()
    module_name, _, class_name = spec.partition(":")
    try:
        cls = getattr(importlib.import_module(module_name), class_name)
        backend = cls()
    except Exception as exc:  # an import error of any kind: report it, never fall back
        raise NoKeyring(f"{BACKEND_ENV}={spec} could not be loaded: {type(exc).__name__}") from None
    if not isinstance(backend, keyring.backend.KeyringBackend):
        raise NoKeyring(f"{BACKEND_ENV}={spec} is not a keyring backend")
    return backend


def check_usable(backend: keyring.backend.KeyringBackend) -> None:
    """Refuse the fail/null backends, an empty chain and plaintext file backends."""
    module = type(backend).__module__
    if module in ("keyring.backends.fail", "keyring.backends.null"):
        raise NoKeyring("Python's keyring found no backend")
    if module == "keyring.backends.chainer" and not getattr(backend, "backends", None):
        raise NoKeyring("Python's keyring found no backend")
    if module.startswith("keyrings.alt.file") or "plaintext" in type(backend).__name__.lower():
        raise NoKeyring(f"{type(backend).__name__} keeps secrets in a plain file")


class SecretStore:
    """Chunked secrets over one keyring backend."""

    def __init__(self, backend: keyring.backend.KeyringBackend | None = None) -> None:
        self.backend = backend if backend is not None else backend_from_environment()
        check_usable(self.backend)

    @classmethod
    def from_environment(cls) -> SecretStore:
        return cls(backend_from_environment())

    def put(self, entry: str, value: str, server_id: str | None = None) -> None:
        service = service_name(server_id)
        old_count = self._chunk_count(service, entry)
        chunks = split_chunks(value)
        with self._keyring_errors():
            for i, chunk in enumerate(chunks, 1):
                self.backend.set_password(service, f"{entry}#{i}", chunk)
            header = f"{_HEADER}{len(chunks)}:{len(value)}:{_digest(value)}"
            self.backend.set_password(service, entry, header)
        for i in range(len(chunks) + 1, old_count + 1):
            self._delete_quietly(service, f"{entry}#{i}")

    def get(self, entry: str, server_id: str | None = None) -> str | None:
        service = service_name(server_id)
        with self._keyring_errors():
            header = self.backend.get_password(service, entry)
            if header is None:
                return None
            if not header.startswith(_HEADER):
                return header  # a plain single entry, e.g. written by hand
            count, length, digest = self._parse_header(service, entry, header)
            parts = [
                self.backend.get_password(service, f"{entry}#{i}") for i in range(1, count + 1)
            ]
        if any(p is None for p in parts):
            raise SecretCorrupted(service, entry)
        value = "".join(p for p in parts if p is not None)
        if len(value) != length or _digest(value) != digest:
            raise SecretCorrupted(service, entry)
        return value

    def delete(self, entry: str, server_id: str | None = None) -> None:
        """Remove the header and every chunk; deleting what isn't there is fine."""
        service = service_name(server_id)
        count = self._chunk_count(service, entry)
        for i in range(1, count + 1):
            self._delete_quietly(service, f"{entry}#{i}")
        self._delete_quietly(service, entry)

    def _chunk_count(self, service: str, entry: str) -> int:
        with self._keyring_errors():
            header = self.backend.get_password(service, entry)
        if header is None:
            return 0
        try:
            return self._parse_header(service, entry, header)[0]
        except SecretCorrupted:
            return self._probe_chunks(service, entry)

    def _probe_chunks(self, service: str, entry: str) -> int:
        """A damaged header cannot say how many chunks there are: look, so none is left behind."""
        count = 0
        with self._keyring_errors():
            while count < _MAX_PROBED_CHUNKS and (
                self.backend.get_password(service, f"{entry}#{count + 1}") is not None
            ):
                count += 1
        return count

    @staticmethod
    def _parse_header(service: str, entry: str, header: str) -> tuple[int, int, str]:
        try:
            count_s, length_s, digest = header[len(_HEADER) :].split(":")
            count, length = int(count_s), int(length_s)
        except ValueError:
            raise SecretCorrupted(service, entry) from None
        if not 0 < count <= 1000 or length < 0:
            raise SecretCorrupted(service, entry)
        return count, length, digest

    def _delete_quietly(self, service: str, username: str) -> None:
        try:
            with self._keyring_errors():
                self.backend.delete_password(service, username)
        except _Missing:
            pass

    @staticmethod
    def _keyring_errors() -> _KeyringErrors:
        return _KeyringErrors()


class _Missing(Exception):
    pass


class _KeyringErrors:
    """Turns keyring's exceptions into ones with a message a person can act on."""

    def __enter__(self) -> None:
        return None

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: object
    ) -> Literal[False]:
        if exc is None or isinstance(exc, EregError):
            return False
        if isinstance(exc, keyring.errors.PasswordDeleteError):
            raise _Missing() from None
        if isinstance(exc, keyring.errors.KeyringLocked):
            raise NoKeyring("the keyring is locked; unlock it and try again") from None
        if isinstance(exc, keyring.errors.KeyringError | OSError | RuntimeError):
            # the exception text can't hold the secret (keyring never echoes values), but keep
            # it short: its type and first line are enough to act on
            detail = str(exc).splitlines()[0][:200] if str(exc) else ""
            raise NoKeyring(f"{type(exc).__name__}: {detail}".rstrip(": ")) from None
        return False


def iter_entries(entry: str, count: int) -> Iterator[str]:
    """The keyring usernames a chunked secret occupies (for tests and diagnostics)."""
    yield entry
    for i in range(1, count + 1):
        yield f"{entry}#{i}"
