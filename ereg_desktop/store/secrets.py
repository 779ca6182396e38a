"""Secrets in the OS keyring only: SSH private keys, key passphrases, the GitHub token, the
alerts' webhook URL.

Windows Credential Manager keeps at most 2,560 bytes per entry (1,280 UTF-16 code units), and an
RSA-4096 key is about 3,400 characters. So every secret is written as a small header entry
(``ereg-chunks:v2:<generation>:<count>:<length>:<sha256>``) plus numbered chunks (``<entry>#a.1``,
``#a.2``, ...) of at most 1,000 UTF-16 code units each, and reassembled and checked on reading.

A keyring cannot write several entries at once, so a new value goes into the other generation's
chunks (``a`` and ``b`` alternate), the header is switched last, and only then are the old chunks
removed: a write that fails midway leaves the old value whole. Headers of the first format
(``ereg-chunks:v1:<count>:<length>:<sha256>``, chunks ``<entry>#1``...) are still read.

There is no fallback: without a usable keyring the store raises :class:`NoKeyring`, whose message
says how to get one. Secrets are never written to a file by the app.
"""

from __future__ import annotations

import hashlib
import importlib
import os
from dataclasses import dataclass
from typing import Literal

import keyring
import keyring.backend
import keyring.errors
from jaraco.classes.properties import classproperty  # keyring's own (a dependency of it)

from ereg_desktop.errors import EregError
from ereg_desktop.store.app_log import remember_secret

SERVICE_PREFIX = "ereg-desktop"
# Entry names. The private key and its passphrase are per server; the GitHub token is global.
PRIVATE_KEY = "ssh-private-key"
PUBLIC_KEY = (
    "ssh-public-key"  # not secret; kept beside the key so `keys public` needs no passphrase
)
PASSPHRASE = "ssh-key-passphrase"
GITHUB_TOKEN = "github-token"
ALERT_WEBHOOK = "alert-webhook-url"  # Slack's carry their token in the path

CHUNK_UNITS = 1000  # UTF-16 code units per chunk: 2,000 bytes, under Windows' 2,560
_HEADER_V1 = "ereg-chunks:v1:"
_HEADER = "ereg-chunks:v2:"
_GENERATIONS = ("a", "b")
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
        self.detail = detail
        super().__init__(
            f"No usable OS keyring to keep the SSH key in ({detail}). {_HOW_TO_GET_ONE}"
        )


class SecretNotStored(NoKeyring):
    """A write the keyring refused partway: nothing changed, the value before is still whole."""

    def __init__(self, service: str, entry: str, cause: NoKeyring) -> None:
        self.detail = cause.detail
        EregError.__init__(
            self,
            f"The keyring did not store {entry!r} of {service!r} ({cause.detail}); what was "
            "stored there before is unchanged. Try again; if it keeps failing, check the "
            f"keyring. {_HOW_TO_GET_ONE}",
        )


class SecretCorrupted(EregError):
    def __init__(self, service: str, entry: str) -> None:
        super().__init__(
            f"The keyring entry {entry!r} of {service!r} is incomplete or damaged; import or "
            "generate the key again with --replace (`ereg-desktop keys import PATH --replace` "
            "or `ereg-desktop keys generate --replace`)."
        )


@dataclass(frozen=True)
class _Layout:
    """Where a stored value's chunks are: their entry names, and the generation (None: v1)."""

    chunks: tuple[str, ...]
    generation: str | None


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
        """Store ``value``; when the keyring refuses partway, :class:`SecretNotStored` and the
        value stored before is still whole (new chunks first, the header last)."""
        if entry != PUBLIC_KEY:
            remember_secret(value)  # never in the app's log
        service = service_name(server_id)
        old = self._layout(service, entry)
        generation = _GENERATIONS[1] if old.generation == _GENERATIONS[0] else _GENERATIONS[0]
        chunks = split_chunks(value)
        names = [_chunk_name(entry, generation, i) for i in range(1, len(chunks) + 1)]
        header = f"{_HEADER}{generation}:{len(chunks)}:{len(value)}:{_digest(value)}"
        try:
            with self._keyring_errors():
                for name, chunk in zip(names, chunks, strict=True):
                    self.backend.set_password(service, name, chunk)
                self.backend.set_password(service, entry, header)
        except NoKeyring as exc:
            self._clean_up(service, names)  # the header still points at the old chunks
            raise SecretNotStored(service, entry, exc) from None
        self._clean_up(service, [name for name in old.chunks if name not in names])
        # and what a failed write of this generation left beyond the new count
        try:
            self._clean_up(service, self._probe(service, entry, generation, len(chunks) + 1))
        except NoKeyring:
            pass

    def get(self, entry: str, server_id: str | None = None) -> str | None:
        value = self._get(entry, server_id)
        if entry != PUBLIC_KEY:
            remember_secret(value)  # never in the app's log
        return value

    def _get(self, entry: str, server_id: str | None) -> str | None:
        service = service_name(server_id)
        with self._keyring_errors():
            header = self.backend.get_password(service, entry)
            if header is None:
                return None
            if not header.startswith((_HEADER, _HEADER_V1)):
                return header  # a plain single entry, e.g. written by hand
            layout, length, digest = self._parse_header(service, entry, header)
            parts = [self.backend.get_password(service, name) for name in layout.chunks]
        if any(p is None for p in parts):
            raise SecretCorrupted(service, entry)
        value = "".join(p for p in parts if p is not None)
        if len(value) != length or _digest(value) != digest:
            raise SecretCorrupted(service, entry)
        return value

    def delete(self, entry: str, server_id: str | None = None) -> None:
        """Remove the header and every chunk; deleting what isn't there is fine."""
        service = service_name(server_id)
        for name in self._layout(service, entry).chunks:
            self._delete_quietly(service, name)
        self._delete_quietly(service, entry)

    def _layout(self, service: str, entry: str) -> _Layout:
        with self._keyring_errors():
            header = self.backend.get_password(service, entry)
        if header is None:
            return _Layout((), None)
        try:
            return self._parse_header(service, entry, header)[0]
        except SecretCorrupted:
            return self._probe_chunks(service, entry)

    def _probe_chunks(self, service: str, entry: str) -> _Layout:
        """A damaged header cannot say where the chunks are: look, so none is left behind."""
        found: list[str] = []
        for generation in (None, *_GENERATIONS):
            found += self._probe(service, entry, generation, 1)
        return _Layout(tuple(found), None)

    def _probe(self, service: str, entry: str, generation: str | None, first: int) -> list[str]:
        names: list[str] = []
        with self._keyring_errors():
            for i in range(first, _MAX_PROBED_CHUNKS + 1):
                name = _chunk_name(entry, generation, i)
                if self.backend.get_password(service, name) is None:
                    break
                names.append(name)
        return names

    @staticmethod
    def _parse_header(service: str, entry: str, header: str) -> tuple[_Layout, int, str]:
        try:
            if header.startswith(_HEADER_V1):
                generation: str | None = None
                count_s, length_s, digest = header[len(_HEADER_V1) :].split(":")
            else:
                generation, count_s, length_s, digest = header[len(_HEADER) :].split(":")
            count, length = int(count_s), int(length_s)
        except ValueError:
            raise SecretCorrupted(service, entry) from None
        if not 0 < count <= 1000 or length < 0 or generation not in (None, *_GENERATIONS):
            raise SecretCorrupted(service, entry)
        names = tuple(_chunk_name(entry, generation, i) for i in range(1, count + 1))
        return _Layout(names, generation), length, digest

    def _delete_quietly(self, service: str, username: str) -> None:
        try:
            with self._keyring_errors():
                self.backend.delete_password(service, username)
        except _Missing:
            pass

    def _clean_up(self, service: str, names: list[str]) -> None:
        """Remove chunks no header points at; a keyring refusing it only leaves them unused."""
        try:
            for name in names:
                self._delete_quietly(service, name)
        except NoKeyring:
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


def _chunk_name(entry: str, generation: str | None, number: int) -> str:
    return f"{entry}#{number}" if generation is None else f"{entry}#{generation}.{number}"


# --- the GitHub token: one global entry (not per server) -----------------------------------------


def get_github_token(store: SecretStore) -> str | None:
    """The stored GitHub token, or None."""
    try:
        return store.get(GITHUB_TOKEN) or None
    except SecretCorrupted:
        raise EregError(
            f"The keyring entry {GITHUB_TOKEN!r} of {SERVICE_PREFIX!r} is incomplete or damaged: "
            "store the token again (`ereg-desktop github login`)."
        ) from None


def set_github_token(store: SecretStore, token: str) -> None:
    store.put(GITHUB_TOKEN, token)


def delete_github_token(store: SecretStore) -> bool:
    """Forget the token (a damaged entry too); True when one was stored."""
    try:
        had = store.get(GITHUB_TOKEN) is not None
    except SecretCorrupted:
        had = True
    store.delete(GITHUB_TOKEN)
    return had


# --- the alerts' webhook URL: one global entry ----------------------------------------------------


def get_alert_webhook(store: SecretStore) -> str | None:
    try:
        return store.get(ALERT_WEBHOOK) or None
    except SecretCorrupted:
        raise EregError(
            f"The keyring entry {ALERT_WEBHOOK!r} of {SERVICE_PREFIX!r} is incomplete or damaged: "
            "enter the webhook URL again in Preferences."
        ) from None


def set_alert_webhook(store: SecretStore, url: str | None) -> None:
    """Store ``url``; None or "" forgets it."""
    if url:
        store.put(ALERT_WEBHOOK, url)
    else:
        store.delete(ALERT_WEBHOOK)


# --- a profile whose secrets live in this process only (the embedded demo) ------------------------


class ProcessMemoryBackend(keyring.backend.KeyringBackend):
    """A keyring backend holding its entries in this object only: nothing reaches the OS keyring
    or a file, and everything is gone when the process ends. For a profile whose secrets are
    made for the session (the embedded demo's key), never for the operator's own."""

    @classproperty
    def priority(cls) -> float:
        # not viable for keyring's own choice: a subclass of KeyringBackend is a candidate
        # wherever this module is imported, and a key "stored" here when the OS keyring is
        # missing would be lost at exit without a word
        raise RuntimeError("only for a profile that asks for it (the demo's)")

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._entries: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self._entries.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self._entries[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if self._entries.pop((service, username), None) is None:
            raise keyring.errors.PasswordDeleteError(username)


def memory_secret_store() -> SecretStore:
    """A :class:`SecretStore` over a fresh :class:`ProcessMemoryBackend`."""
    return SecretStore(ProcessMemoryBackend())
