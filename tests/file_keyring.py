"""A keyring kept in one JSON file (``EREG_TEST_KEYRING_FILE``): for tests that run the CLI as a
subprocess, where the in-memory keyring of the test process cannot be seen. Test use only."""

from __future__ import annotations

import json
import os
from pathlib import Path

import keyring.backend
import keyring.errors


class FileKeyring(keyring.backend.KeyringBackend):
    priority = 1  # type: ignore[assignment]

    @staticmethod
    def _path() -> Path:
        return Path(os.environ["EREG_TEST_KEYRING_FILE"])

    def _load(self) -> dict[str, str]:
        try:
            data: dict[str, str] = json.loads(self._path().read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        return data

    def get_password(self, service: str, username: str) -> str | None:
        return self._load().get(f"{service}\n{username}")

    def set_password(self, service: str, username: str, password: str) -> None:
        data = self._load()
        data[f"{service}\n{username}"] = password
        self._path().write_text(json.dumps(data), encoding="utf-8")

    def delete_password(self, service: str, username: str) -> None:
        data = self._load()
        if data.pop(f"{service}\n{username}", None) is None:
            raise keyring.errors.PasswordDeleteError(username)
        self._path().write_text(json.dumps(data), encoding="utf-8")
