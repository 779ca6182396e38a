"""The local history of writes (deploys, restarts, stops, starts): one SQLite table of records.

A record is the same JSON as the server's audit line; a few columns are pulled out to list by app.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

from ereg_desktop.errors import EregError

_SCHEMA = """
CREATE TABLE IF NOT EXISTS writes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    app TEXT NOT NULL,
    server TEXT NOT NULL,
    kind TEXT NOT NULL,
    started_at TEXT NOT NULL,
    result TEXT NOT NULL,
    record TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS writes_by_app ON writes (app, started_at);
"""


class HistoryError(EregError):
    """The local history could not be written (database locked, disk full, read-only folder)."""


class History:
    """Open per use (one short connection per call) so any thread may record."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def _connect(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(self.path, timeout=10)
        conn.executescript(_SCHEMA)
        return conn

    def add(self, record: dict[str, Any]) -> int:
        """Raises :class:`HistoryError` when the record could not be stored."""
        try:
            return self._add(record)
        except (sqlite3.Error, OSError) as exc:
            raise HistoryError(
                f"the local history ({self.path}) could not be written: {exc}"
            ) from exc

    def _add(self, record: dict[str, Any]) -> int:
        conn = self._connect()
        try:
            with conn:
                cur = conn.execute(
                    "INSERT INTO writes (app, server, kind, started_at, result, record)"
                    " VALUES (?, ?, ?, ?, ?, ?)",
                    (
                        str(record.get("app", "")),
                        str(record.get("server", "")),
                        str(record.get("kind", "")),
                        str(record.get("started_at", "")),
                        str(record.get("result", "")),
                        json.dumps(record, sort_keys=True, ensure_ascii=False),
                    ),
                )
                return int(cur.lastrowid or 0)
        finally:
            conn.close()

    def _read(self, app: str | None, limit: int) -> list[dict[str, Any]]:
        conn = self._connect()
        try:
            if app is None:
                rows = conn.execute(
                    "SELECT record FROM writes ORDER BY started_at DESC, id DESC LIMIT ?", (limit,)
                ).fetchall()
            else:
                rows = conn.execute(
                    "SELECT record FROM writes WHERE app = ? ORDER BY started_at DESC, id DESC"
                    " LIMIT ?",
                    (app, limit),
                ).fetchall()
        finally:
            conn.close()
        out: list[dict[str, Any]] = []
        for (text,) in rows:
            try:
                d = json.loads(text) if isinstance(text, str) else None
            except (ValueError, RecursionError):
                continue
            if isinstance(d, dict):
                out.append(d)
        return out

    def list(self, app: str | None = None, limit: int = 200) -> list[dict[str, Any]]:
        """Newest first; a row that is not a record (edited, damaged) is left out. Raises
        :class:`HistoryError` when the database cannot be read (not a database, locked)."""
        if not self.path.exists():
            return []
        try:
            return self._read(app, limit)
        except (sqlite3.Error, OSError) as exc:
            raise HistoryError(
                f"the local history ({self.path}) could not be read: {exc}. If the file is "
                "damaged, move it aside: a new one is made at the next write; the team's "
                "audit on each server keeps its copy of the records"
            ) from None
