"""Keyring backends for the tests (no test functions here).

``LimitedKeyring`` behaves like Windows Credential Manager: a value over 2,560 bytes (UTF-16) is
refused. Its entries live in a class-level dict, so a backend built by the CLI from
``EREG_DESKTOP_KEYRING=test_secrets_backends:LimitedKeyring`` sees what the test stored.
``FileLimitedKeyring`` keeps them in the JSON file named by ``EREG_TEST_KEYRING_FILE`` (outside
the config dir), for CLI runs in subprocesses. Test-only: the app itself never stores secrets in
a file.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import keyring.backend
import keyring.errors

WINDOWS_LIMIT_BYTES = 2560


class TooLong(keyring.errors.PasswordSetError):
    pass


class LimitedKeyring(keyring.backend.KeyringBackend):
    priority = 1  # type: ignore[assignment]
    entries: dict[tuple[str, str], str] = {}  # shared on purpose, see above
    writes: list[tuple[str, str, int]] = []

    def _load(self) -> dict[tuple[str, str], str]:
        return self.entries

    def _save(self, entries: dict[tuple[str, str], str]) -> None:
        pass

    def get_password(self, service: str, username: str) -> str | None:
        return self._load().get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        size = len(password.encode("utf-16-le"))
        if size > WINDOWS_LIMIT_BYTES:
            raise TooLong(f"{size} bytes is over the {WINDOWS_LIMIT_BYTES}-byte limit")
        self.writes.append((service, username, size))
        entries = self._load()
        entries[(service, username)] = password
        self._save(entries)

    def delete_password(self, service: str, username: str) -> None:
        entries = self._load()
        if (service, username) not in entries:
            raise keyring.errors.PasswordDeleteError("not found")
        del entries[(service, username)]
        self._save(entries)

    @classmethod
    def reset(cls) -> None:
        cls.entries.clear()
        cls.writes.clear()


class FileLimitedKeyring(LimitedKeyring):
    def _path(self) -> Path:
        return Path(os.environ["EREG_TEST_KEYRING_FILE"])

    def _load(self) -> dict[tuple[str, str], str]:
        try:
            raw = json.loads(self._path().read_text())
        except FileNotFoundError:
            return {}
        return {(s, u): v for s, u, v in raw}

    def _save(self, entries: dict[tuple[str, str], str]) -> None:
        self._path().write_text(json.dumps([[s, u, v] for (s, u), v in entries.items()]))


class BrokenKeyring(LimitedKeyring):
    """Like a locked or absent Secret Service: every call fails."""

    def get_password(self, service: str, username: str) -> str | None:
        raise keyring.errors.KeyringLocked("Failed to unlock the collection!")

    def set_password(self, service: str, username: str, password: str) -> None:
        raise keyring.errors.KeyringLocked("Failed to unlock the collection!")


class FailingKeyring(LimitedKeyring):
    """Refuses the ``fail_at``-th write from the moment it is armed (a keyring daemon that dies,
    a full disk under it): what a write interrupted midway leaves behind."""

    fail_at = 0  # 0: never
    seen = 0

    def set_password(self, service: str, username: str, password: str) -> None:
        type(self).seen += 1
        if type(self).seen == type(self).fail_at:
            raise keyring.errors.PasswordSetError("the keyring daemon went away")
        super().set_password(service, username, password)

    @classmethod
    def arm(cls, fail_at: int) -> None:
        cls.fail_at, cls.seen = fail_at, 0


def test_the_process_memory_backend_is_never_keyrings_own_choice() -> None:
    """A subclass of KeyringBackend is a candidate wherever it is imported: with no OS keyring,
    keyring must not pick the demo's in-memory one (a key "stored" there is lost at exit)."""
    import keyring.backend

    from ereg_desktop.store.secrets import ProcessMemoryBackend, memory_secret_store

    assert not ProcessMemoryBackend.viable
    viable = {type(k) for k in keyring.backend.get_all_keyring()}
    assert ProcessMemoryBackend not in viable
    store = memory_secret_store()  # still usable when asked for by name
    store.put("probe", "value")
    assert store.get("probe") == "value"
