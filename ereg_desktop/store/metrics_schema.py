"""The metrics history's database file: its schema (versioned with ``PRAGMA user_version``, migrated
step by step), opening it, and setting a damaged one aside. Used by :mod:`store.metrics`."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

RAW = 0
MINUTE = 60
TEN_MINUTES = 600
RESOLUTIONS = (RAW, MINUTE, TEN_MINUTES)
TABLES = {RAW: "samples", MINUTE: "samples_1m", TEN_MINUTES: "samples_10m"}
BUSY_TIMEOUT_S = 2.0

# Each step takes the schema from version i to i + 1 (index i). Never edit a released step:
# add one.
MIGRATIONS: tuple[str, ...] = (
    # 1: raw samples
    """
    CREATE TABLE samples (
        server TEXT NOT NULL, app TEXT NOT NULL, at REAL NOT NULL, status TEXT NOT NULL,
        memory INTEGER NOT NULL, cpu REAL NOT NULL, restarts INTEGER NOT NULL, uptime REAL
    );
    CREATE INDEX samples_by_app ON samples (server, app, at);
    CREATE INDEX samples_by_time ON samples (at);
    """,
    # 2: the compacted resolutions, their progress, and the events beside the samples
    """
    CREATE TABLE samples_1m (
        server TEXT NOT NULL, app TEXT NOT NULL, at REAL NOT NULL, status TEXT NOT NULL,
        memory_avg REAL NOT NULL, memory_max INTEGER NOT NULL, cpu_avg REAL NOT NULL,
        restarts INTEGER NOT NULL, uptime_min REAL, n INTEGER NOT NULL,
        PRIMARY KEY (server, app, at)
    ) WITHOUT ROWID;
    CREATE INDEX samples_1m_by_time ON samples_1m (at);
    CREATE TABLE samples_10m (
        server TEXT NOT NULL, app TEXT NOT NULL, at REAL NOT NULL, status TEXT NOT NULL,
        memory_avg REAL NOT NULL, memory_max INTEGER NOT NULL, cpu_avg REAL NOT NULL,
        restarts INTEGER NOT NULL, uptime_min REAL, n INTEGER NOT NULL,
        PRIMARY KEY (server, app, at)
    ) WITHOUT ROWID;
    CREATE INDEX samples_10m_by_time ON samples_10m (at);
    CREATE TABLE rolled (resolution INTEGER PRIMARY KEY, until REAL NOT NULL);
    INSERT INTO rolled VALUES (60, 0), (600, 0);
    CREATE TABLE events (
        id INTEGER PRIMARY KEY AUTOINCREMENT, server TEXT NOT NULL, app TEXT NOT NULL,
        at REAL NOT NULL, kind TEXT NOT NULL, text TEXT NOT NULL
    );
    CREATE INDEX events_by_app ON events (server, app, at);
    """,
)
SCHEMA_VERSION = len(MIGRATIONS)


class NewerSchema(Exception):
    """The database is of a newer schema than this app knows."""


def connect(path: Path) -> sqlite3.Connection:
    """Open (create, migrate) the database at ``path``, in WAL. Raises :class:`NewerSchema` for
    a newer schema, ``sqlite3.Error``/``OSError`` for a file that cannot be used."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists() and not path.is_file():
        raise OSError(f"{path} is not a file")
    conn = sqlite3.connect(
        path, timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False
    )
    try:
        version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        if version > SCHEMA_VERSION:
            raise NewerSchema(
                f"the metrics history ({path}) is of schema version {version}, made by "
                f"a newer ereg-desktop (this one knows {SCHEMA_VERSION}): it is left as it "
                "is and memory/CPU history is off. Use the newer ereg-desktop, or move the "
                "file away to start a new history"
            )
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        migrate(conn, version)
    except BaseException:
        conn.close()
        raise
    return conn


def migrate(conn: sqlite3.Connection, version: int) -> None:
    for step in range(version, SCHEMA_VERSION):
        # executescript commits first; the step and its version move together in one transaction
        conn.executescript(f"BEGIN; {MIGRATIONS[step]} PRAGMA user_version = {step + 1}; COMMIT;")


def set_aside(path: Path) -> str:
    """Rename the database at ``path`` (and its -wal, -shm) with a timestamp; returns the new
    name of the database file, "" when it could not be moved."""
    stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime())
    moved = ""
    for suffix in ("", "-wal", "-shm"):
        src = Path(f"{path}{suffix}")
        if not (src.exists() or src.is_symlink()):
            continue
        n = 0
        dst = Path(f"{path}.broken-{stamp}{suffix}")
        while dst.exists():
            n += 1
            dst = Path(f"{path}.broken-{stamp}-{n}{suffix}")
        try:
            src.rename(dst)
        except OSError:
            continue
        if not suffix:
            moved = str(dst)
    return moved


def is_lock(exc: BaseException) -> bool:
    text = str(exc).lower()
    return "locked" in text or "busy" in text
