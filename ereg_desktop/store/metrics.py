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
import sys
import threading
import time
from array import array
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple, Protocol

RAW = 0
MINUTE = 60
TEN_MINUTES = 600
RESOLUTIONS = (RAW, MINUTE, TEN_MINUTES)

DAY = 86_400.0
KEEP_RAW_S = DAY
KEEP_MINUTE_S = 7 * DAY
KEEP_TEN_MINUTES_S = 90 * DAY
DOWNSAMPLE_EVERY_S = 60.0
CHOICE_SLACK_S = 300.0
BUSY_TIMEOUT_S = 2.0
SETTLE_S = 30.0  # a minute is compacted this long after it ends (a slow poll's sample is late)
CONNECTED = "connected"  # services.status.CONNECTED (the store may not import services)

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

_TABLES = {RAW: "samples", MINUTE: "samples_1m", TEN_MINUTES: "samples_10m"}


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


class Sample(NamedTuple):
    """One point: raw (``resolution_s`` 0) or a bucket starting at ``at`` (averages; the max
    memory, the last restarts and status, the lowest uptime)."""

    server: str
    app: str
    at: float
    status: str
    memory_bytes: int
    memory_max_bytes: int
    cpu_percent: float
    restarts: int
    uptime_s: float | None
    resolution_s: int


@dataclass(frozen=True)
class Series:
    """Points of one app as columns, oldest first; an uptime not known is NaN."""

    server: str
    app: str
    at: array[float]
    memory_bytes: array[float]  # the average over the point's bucket
    memory_max_bytes: array[float]
    cpu_percent: array[float]
    restarts: array[int]
    uptime_s: array[float]
    resolution_s: array[int]
    status: list[str]  # each status text once in memory (interned)

    @classmethod
    def of_rows(cls, server: str, app: str, rows: list[tuple[Any, ...]]) -> Series:
        cols: list[tuple[Any, ...]] = list(zip(*rows, strict=True)) if rows else [()] * 10
        nan = float("nan")
        return cls(
            server, app, array("d", cols[2]), array("d", cols[4]), array("d", cols[5]),
            array("d", cols[6]), array("q", cols[7]),
            array("d", (nan if u is None else u for u in cols[8])), array("l", cols[9]),
            list(map(sys.intern, cols[3])),
        )  # fmt: skip

    def __len__(self) -> int:
        return len(self.at)


class Event(NamedTuple):
    server: str
    app: str
    at: float
    kind: str  # deploy, restart, crash, stop, start, ...
    text: str


def resolution_for(since: float, now: float) -> int:
    """The finest resolution still kept for a span starting at ``since`` (a span a few minutes
    longer than a resolution is kept, as ``--since 1d``, still has it: its first minutes may be
    gone)."""
    age = now - since - CHOICE_SLACK_S
    if age <= KEEP_RAW_S:
        return RAW
    if age <= KEEP_MINUTE_S:
        return MINUTE
    return TEN_MINUTES


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
            self._conn = self._connect()
            return
        except _Newer as exc:
            self._disabled = str(exc)
            self._warnings.append(str(exc))
            return
        except (sqlite3.Error, OSError) as exc:
            self._set_aside(exc)
        try:
            self._conn = self._connect()
        except (sqlite3.Error, OSError, _Newer) as exc:
            self._disabled = f"the metrics history ({self.path}) could not be made: {exc}"
            self._warnings.append(f"{self._disabled}; history is off until the app restarts")

    def _connect(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if self.path.exists() and not self.path.is_file():
            raise OSError(f"{self.path} is not a file")
        conn = sqlite3.connect(
            self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False
        )
        try:
            version = int(conn.execute("PRAGMA user_version").fetchone()[0])
            if version > SCHEMA_VERSION:
                raise _Newer(
                    f"the metrics history ({self.path}) is of schema version {version}, made by "
                    f"a newer ereg-desktop (this one knows {SCHEMA_VERSION}): it is left as it "
                    "is and memory/CPU history is off. Use the newer ereg-desktop, or move the "
                    "file away to start a new history"
                )
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            _migrate(conn, version)
        except BaseException:
            conn.close()
            raise
        return conn

    def _set_aside(self, why: BaseException) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
        stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime())
        moved = ""
        for suffix in ("", "-wal", "-shm"):
            src = Path(f"{self.path}{suffix}")
            if not (src.exists() or src.is_symlink()):
                continue
            n = 0
            dst = Path(f"{self.path}.broken-{stamp}{suffix}")
            while dst.exists():
                n += 1
                dst = Path(f"{self.path}.broken-{stamp}-{n}{suffix}")
            try:
                src.rename(dst)
            except OSError:
                continue
            if not suffix:
                moved = str(dst)
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
                if not write and _is_lock(exc):
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
                _reopen_compacted(conn, min(r[2] for r in batch), self.clock())
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
        self._run(lambda c: _compact(c, now), write=True)

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
        if level not in _TABLES:
            raise ValueError(f"resolution {level}: one of {RESOLUTIONS}")
        with self._lock:
            result = self._run(lambda c: _query(c, server_id, app, since, end, level), write=False)
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
        if level not in _TABLES:
            raise ValueError(f"resolution {level}: one of {RESOLUTIONS}")
        with self._lock:
            result = self._run(lambda c: _query(c, server_id, app, since, end, level), write=False)
        return Series.of_rows(server_id, app, result if isinstance(result, list) else [])

    def events(
        self, server_id: str | None, app: str | None, since: float, until: float | None = None
    ) -> list[Event]:
        end = self.clock() if until is None else until
        sql = "SELECT server, app, at, kind, text FROM events WHERE at >= ? AND at <= ?"
        args: list[object] = [since, end]
        if server_id is not None:
            sql, args = sql + " AND server = ?", [*args, server_id]
        if app is not None:
            sql, args = sql + " AND app = ?", [*args, app]
        sql += " ORDER BY at, id"
        with self._lock:
            result = self._run(lambda c: [Event(*r) for r in c.execute(sql, args)], write=False)
        return result if isinstance(result, list) else []


def _is_lock(exc: BaseException) -> bool:
    text = str(exc).lower()
    return "locked" in text or "busy" in text


class _Newer(Exception):
    """The database is of a newer schema than this app knows."""


def _migrate(conn: sqlite3.Connection, version: int) -> None:
    for step in range(version, SCHEMA_VERSION):
        # executescript commits first; the step and its version move together in one transaction
        conn.executescript(f"BEGIN; {MIGRATIONS[step]} PRAGMA user_version = {step + 1}; COMMIT;")


_ROLL_RAW = """
INSERT OR REPLACE INTO samples_1m
SELECT server, app, bucket, last_status, avg(memory), max(memory), avg(cpu), last_restarts,
       min(uptime), count(*)
FROM (
    SELECT server, app, memory, cpu, uptime, CAST(at / 60 AS INTEGER) * 60 AS bucket,
           last_value(status) OVER w AS last_status, last_value(restarts) OVER w AS last_restarts
    FROM samples WHERE at >= ? AND at < ?
    WINDOW w AS (PARTITION BY server, app, CAST(at / 60 AS INTEGER) ORDER BY at
                 ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)
)
GROUP BY server, app, bucket
"""

_ROLL_MINUTES = """
INSERT OR REPLACE INTO samples_10m
SELECT server, app, bucket, last_status, sum(memory_avg * n) / sum(n), max(memory_max),
       sum(cpu_avg * n) / sum(n), last_restarts, min(uptime_min), sum(n)
FROM (
    SELECT *, CAST(at / 600 AS INTEGER) * 600 AS bucket,
           last_value(status) OVER w AS last_status, last_value(restarts) OVER w AS last_restarts
    FROM samples_1m WHERE at >= ? AND at < ?
    WINDOW w AS (PARTITION BY server, app, CAST(at / 600 AS INTEGER) ORDER BY at
                 ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)
)
GROUP BY server, app, bucket
"""


def _reopen_compacted(conn: sqlite3.Connection, earliest: float, now: float) -> None:
    """A sample later than its minute's compaction (a slow poll) has that minute (and its ten
    minutes) compacted again, while the minute's raw samples are all still kept."""
    if earliest < now - KEEP_RAW_S + 3600:
        return
    for res in (MINUTE, TEN_MINUTES):
        start = float(int(earliest // res) * res)
        conn.execute(
            "UPDATE rolled SET until = ? WHERE resolution = ? AND until > ?", (start, res, start)
        )


def _rolled(conn: sqlite3.Connection, resolution: int) -> float:
    row = conn.execute("SELECT until FROM rolled WHERE resolution = ?", (resolution,)).fetchone()
    return float(row[0]) if row else 0.0


def _compact(conn: sqlite3.Connection, now: float) -> None:
    minute_end = float(int((now - SETTLE_S) // MINUTE) * MINUTE)
    start = _rolled(conn, MINUTE)
    if minute_end > start:
        conn.execute(_ROLL_RAW, (start, minute_end))
        conn.execute("UPDATE rolled SET until = ? WHERE resolution = ?", (minute_end, MINUTE))
    # ten minutes from the minutes (only complete ten minutes whose minutes are all compacted)
    ten_end = float(int(minute_end // TEN_MINUTES) * TEN_MINUTES)
    start = _rolled(conn, TEN_MINUTES)
    if ten_end > start:
        conn.execute(_ROLL_MINUTES, (start, ten_end))
        conn.execute("UPDATE rolled SET until = ? WHERE resolution = ?", (ten_end, TEN_MINUTES))
    # what has aged out, once it is compacted into the next resolution
    conn.execute(
        "DELETE FROM samples WHERE at < ? AND at < ?", (now - KEEP_RAW_S, _rolled(conn, MINUTE))
    )
    conn.execute(
        "DELETE FROM samples_1m WHERE at < ? AND at < ?",
        (now - KEEP_MINUTE_S, _rolled(conn, TEN_MINUTES)),
    )
    conn.execute("DELETE FROM samples_10m WHERE at < ?", (now - KEEP_TEN_MINUTES_S,))
    conn.execute("DELETE FROM events WHERE at < ?", (now - KEEP_TEN_MINUTES_S,))


def _query(
    conn: sqlite3.Connection,
    server_id: str | None,
    app: str,
    since: float,
    until: float,
    level: int,
) -> list[tuple[Any, ...]]:
    """Rows (as :class:`Sample`) of the table of ``level`` up to its compaction mark, then of
    the finer ones."""
    out: list[tuple[Any, ...]] = []
    lo = since
    where_server = "" if server_id is None else " AND server = ?"
    for res in (r for r in (TEN_MINUTES, MINUTE, RAW) if r <= level):
        hi = until if res == RAW else min(until, _rolled(conn, res))
        if hi < lo:
            continue
        args: list[object] = [app, lo, hi] + ([] if server_id is None else [server_id])
        upper = "at <= ?" if res == RAW else "at < ?"
        if res == RAW:
            sql = (
                "SELECT server, app, at, status, memory, memory, cpu, restarts, uptime, 0"
                f" FROM samples WHERE app = ? AND at >= ? AND {upper}{where_server} ORDER BY at"
            )
        else:
            sql = (
                "SELECT server, app, at, status, CAST(round(memory_avg) AS INTEGER), memory_max,"
                f" cpu_avg, restarts, uptime_min, {res} FROM {_TABLES[res]}"
                f" WHERE app = ? AND at >= ? AND {upper}{where_server} ORDER BY at"
            )
        out.extend(conn.execute(sql, args).fetchall())
        lo = max(lo, hi)
    if server_id is None:
        out.sort(key=lambda r: (r[2], r[0]))
    return out
