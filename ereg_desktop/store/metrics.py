"""The local history of pm2 samples (memory, CPU, restarts, uptime) and events, in SQLite.

One sample per app per status refresh, of these fields only: time, status, memory, CPU,
restarts, uptime (a status holds nothing else; nothing of a process's environment exists here).
Samples are compacted as they age: raw for a day, per minute for a week, per ten minutes for three
months, then deleted. The deploys, restarts and crashes of the audit trail sit beside them
(``events``).

The schema is versioned (``PRAGMA user_version``) and migrated step by step. A database of a
newer version is left alone and history is off (a warning says why). A damaged or locked
database is set aside (renamed with a timestamp) and a new one made, with a warning the caller
can show (:meth:`MetricsStore.take_warnings`). Nothing here raises out of :meth:`record`.

One connection, one writer: a lock serialises the workers of several servers. Never call it on
the GUI thread (disk and a lock wait of up to ``BUSY_TIMEOUT_S``).
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Protocol

from ereg_desktop.store.metrics_compaction import (
    DOWNSAMPLE_EVERY_S,
    compact,
    reopen_compacted,
)
from ereg_desktop.store.metrics_reading import (
    CPU,
    MEMORY_MAX,
    POINT_COLUMNS,
    Event,
    Points,
    Sample,
    Series,
    query,
    query_events,
    resolution_for,
)
from ereg_desktop.store.metrics_schema import (
    BUSY_TIMEOUT_S,
    MINUTE,
    RAW,
    RESOLUTIONS,
    TABLES,
    TEN_MINUTES,
    NewerSchema,
    connect,
    is_lock,
    set_aside,
)

# what the store's methods take and return, importable from here
__all__ = ["BUSY_TIMEOUT_S", "CPU", "MEMORY_MAX", "MINUTE", "RAW", "RESOLUTIONS", "TEN_MINUTES",
           "Event", "MetricsStore", "Points", "Sample", "Series", "StatusLike"]  # fmt: skip

CONNECTED = "connected"  # services.status.CONNECTED (the store may not import services)


class AppSampleLike(Protocol):
    """What a sample is made of (``services.status.AppStatus`` has these)."""

    @property
    def status(self) -> str: ...
    @property
    def memory_bytes(self) -> int: ...
    @property
    def cpu_percent(self) -> float: ...
    @property
    def restarts(self) -> int: ...
    @property
    def uptime_s(self) -> float | None: ...


class StatusLike(Protocol):
    """``services.status.ServerStatus`` as the store reads it."""

    @property
    def state(self) -> str: ...
    @property
    def taken_at(self) -> float | None: ...
    @property
    def pm2_running(self) -> bool: ...
    @property
    def apps(self) -> Mapping[str, AppSampleLike]: ...


class MetricsStore:
    """Use :meth:`open`. Thread-safe (one lock); every method but :meth:`open` swallows database
    trouble into :meth:`take_warnings` and returns nothing/empty."""

    def __init__(self, path: Path, clock: Callable[[], float]) -> None:
        self.path = path
        self.clock = clock
        self._conn: sqlite3.Connection | None = None
        self._lock = threading.Lock()
        self._warnings: list[str] = []
        self._disabled = ""  # why history is off (a newer schema), else ""
        self._last_downsample = 0.0

    # --- opening -----------------------------------------------------------------------------

    @classmethod
    def open(cls, path: Path, clock: Callable[[], float] = time.time) -> MetricsStore:
        """Open (create, migrate) the database at ``path``. Never raises for the database's
        sake: a damaged one is set aside and recreated, a newer one turns history off."""
        store = cls(path, clock)
        with store._lock:
            store._open_or_set_aside()
        return store

    @property
    def enabled(self) -> bool:
        return self._conn is not None

    def take_warnings(self) -> list[str]:
        """The warnings since the last call (set-asides, history off), for the window/CLI."""
        with self._lock:
            out, self._warnings = self._warnings, []
        return out

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    def _open_or_set_aside(self) -> None:
        try:
            self._conn = connect(self.path)
            return
        except NewerSchema as exc:
            self._disabled = str(exc)
            self._warnings.append(str(exc))
            return
        except (sqlite3.Error, OSError) as exc:
            self._set_aside(exc)
        try:
            self._conn = connect(self.path)
        except (sqlite3.Error, OSError, NewerSchema) as exc:
            self._disabled = f"the metrics history ({self.path}) could not be made: {exc}"
            self._warnings.append(f"{self._disabled}; history is off until the app restarts")

    def _set_aside(self, why: BaseException) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
        moved = set_aside(self.path)
        kept = f"set aside as {moved}" if moved else "could not be moved"
        self._warnings.append(
            f"the metrics history ({self.path}) could not be used ({why}): {kept}, and a new "
            "one was started. The app keeps running; the older samples are in the file set aside"
        )

    def _run(self, work: Callable[[sqlite3.Connection], object], write: bool) -> object:
        """Run ``work`` in one transaction. A write that meets a damaged or locked database sets
        the file aside, opens a new one and runs once more; a read that meets a lock only warns.
        Returns None when it could not run. Holds the lock."""
        for attempt in (0, 1):
            if self._conn is None:
                return None
            conn = self._conn
            try:
                conn.execute("BEGIN IMMEDIATE" if write else "BEGIN")
                try:
                    result = work(conn)
                    conn.execute("COMMIT")
                except BaseException:
                    if conn.in_transaction:
                        conn.execute("ROLLBACK")
                    raise
                return result
            except (sqlite3.Error, OSError) as exc:
                if not write and is_lock(exc):
                    self._warnings.append(
                        f"the metrics history ({self.path}) is busy ({exc}): not read this time"
                    )
                    return None
                self._set_aside(exc)
                self._open_or_set_aside()
                if attempt:
                    return None
        return None

    # --- writing -----------------------------------------------------------------------------

    def record(self, server_id: str, status: StatusLike) -> int:
        """Store one sample per app of a connected server's status, in one commit (a refresh of
        50 apps is one transaction). Returns the samples stored (0 when nothing was known, or the
        database could not be used: see :meth:`take_warnings`). Never raises."""
        try:
            if status.state != CONNECTED or not status.pm2_running:
                return 0
            at = status.taken_at if status.taken_at is not None else self.clock()
            rows = [
                (server_id, name, at, str(a.status), int(a.memory_bytes), float(a.cpu_percent),
                 int(a.restarts), None if a.uptime_s is None else float(a.uptime_s))
                for name, a in status.apps.items()
            ]  # fmt: skip
            return self.add_samples(rows)
        except Exception as exc:  # a status of an unexpected shape: never raise
            with self._lock:
                self._warnings.append(f"a status of {server_id} was not recorded: {exc}")
            return 0

    def add_samples(
        self, rows: Iterable[tuple[str, str, float, str, int, float, int, float | None]]
    ) -> int:
        """Raw rows (server, app, at, status, memory, cpu, restarts, uptime) in one commit; then
        compacts when a minute has passed since the last time."""
        batch = list(rows)
        if not batch:
            return 0
        with self._lock:

            def insert(conn: sqlite3.Connection) -> int:
                conn.executemany("INSERT INTO samples VALUES (?, ?, ?, ?, ?, ?, ?, ?)", batch)
                reopen_compacted(conn, min(r[2] for r in batch), self.clock())
                return len(batch)

            stored = self._run(insert, write=True)
            now = self.clock()
            if stored and now - self._last_downsample >= DOWNSAMPLE_EVERY_S:
                self._downsample_locked(now)
        return int(stored) if isinstance(stored, int) else 0

    def add_event(self, server_id: str, app: str, at: float, kind: str, text: str) -> None:
        """A deploy, restart, crash... beside the samples. Never raises."""
        with self._lock:
            self._run(
                lambda c: c.execute(
                    "INSERT INTO events (server, app, at, kind, text) VALUES (?, ?, ?, ?, ?)",
                    (server_id, app, float(at), kind, text),
                ),
                write=True,
            )

    def downsample(self, now: float | None = None) -> None:
        """Compact every complete minute into ``samples_1m`` and ten minutes into
        ``samples_10m``, then delete what has aged out of each resolution."""
        with self._lock:
            self._downsample_locked(self.clock() if now is None else now)

    def _downsample_locked(self, now: float) -> None:
        self._last_downsample = now
        self._run(lambda c: compact(c, now), write=True)

    # --- reading -----------------------------------------------------------------------------

    def samples(
        self,
        server_id: str | None,
        app: str,
        since: float,
        until: float | None = None,
        *,
        resolution: int | None = None,
    ) -> list[Sample]:
        """Samples of ``app`` (on ``server_id``, or every server when None) from ``since`` to
        ``until``, oldest first, at ``resolution`` (RAW, MINUTE, TEN_MINUTES) or, when None, the
        finest one kept for that age. The time after the last compaction comes from the finer
        tables, so the newest minutes are always there."""
        end = self.clock() if until is None else until
        level = resolution_for(since, self.clock()) if resolution is None else resolution
        if level not in TABLES:
            raise ValueError(f"resolution {level}: one of {RESOLUTIONS}")
        with self._lock:
            result = self._run(lambda c: query(c, server_id, app, since, end, level), write=False)
        return list(map(Sample._make, result)) if isinstance(result, list) else []

    def series(
        self,
        server_id: str,
        app: str,
        since: float,
        until: float | None = None,
        *,
        resolution: int | None = None,
    ) -> Series:
        """The same points as :meth:`samples`, as columns (what a chart holds: about 60 bytes a
        point instead of some 400 as :class:`Sample` rows)."""
        end = self.clock() if until is None else until
        level = resolution_for(since, self.clock()) if resolution is None else resolution
        if level not in TABLES:
            raise ValueError(f"resolution {level}: one of {RESOLUTIONS}")
        with self._lock:
            result = self._run(lambda c: query(c, server_id, app, since, end, level), write=False)
        return Series.of_rows(server_id, app, result if isinstance(result, list) else [])

    def points(
        self,
        server_id: str,
        app: str,
        since: float,
        until: float | None = None,
        *,
        value: str = MEMORY_MAX,
        resolution: int | None = None,
    ) -> Points:
        """The same points as :meth:`series`, only their time, status and ``value`` (MEMORY_MAX
        or CPU): what the chart reads, a third of the columns."""
        end = self.clock() if until is None else until
        level = resolution_for(since, self.clock()) if resolution is None else resolution
        if level not in TABLES:
            raise ValueError(f"resolution {level}: one of {RESOLUTIONS}")
        if value not in POINT_COLUMNS:
            raise ValueError(f"value {value!r}: one of {sorted(POINT_COLUMNS)}")
        columns = POINT_COLUMNS[value]
        with self._lock:
            result = self._run(
                lambda c: query(c, server_id, app, since, end, level, columns), write=False
            )
        return Points.of_rows(result if isinstance(result, list) else [])

    def events(
        self, server_id: str | None, app: str | None, since: float, until: float | None = None
    ) -> list[Event]:
        end = self.clock() if until is None else until
        with self._lock:
            result = self._run(lambda c: query_events(c, server_id, app, since, end), write=False)
        return result if isinstance(result, list) else []
