"""A harmless in-memory keyring: the suite's default, so no test reaches a desktop keyring.

Selected for every test by ``tests/conftest.py`` through ``EREG_DESKTOP_KEYRING``; tests that
need a particular backend (a size-limited one, a broken one, the real Secret Service) set their
own.
"""

from __future__ import annotations

from typing import ClassVar

import keyring.backend
import keyring.errors


class MemoryKeyring(keyring.backend.KeyringBackend):
    priority = 1  # type: ignore[assignment]
    entries: ClassVar[dict[tuple[str, str], str]] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.entries.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.entries[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        try:
            del self.entries[(service, username)]
        except KeyError:
            raise keyring.errors.PasswordDeleteError(username) from None
