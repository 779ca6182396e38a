"""The metrics history database damaged, locked, newer or not a file: the app keeps running.

A damaged, locked or misplaced database is set aside (renamed with a timestamp, its bytes kept)
and a new one started, with a warning the window/CLI shows; a newer schema is left as it is and
history is off. Nothing raises out of ``record``.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from ereg_desktop.cli import main
from ereg_desktop.services.status import CONNECTED, AppStatus, ServerStatus
from ereg_desktop.store import metrics_schema
from ereg_desktop.store.metrics import MetricsStore

T0 = 1_800_000_000.0
AREA = "files: metrics history database"


def status(at: float, memory: int = 1) -> ServerStatus:
    apps = {"els": AppStatus("els", "online", memory_bytes=memory, uptime_s=5.0)}
    return ServerStatus("u", CONNECTED, taken_at=at, apps=apps)


def good_db(path: Path, n: int = 2000) -> None:
    store = MetricsStore.open(path, clock=lambda: T0)
    for i in range(n // 50):
        batch = [("u", f"app{j}", T0 + i, "online", i * j, 1.0, 0, 5.0) for j in range(50)]
        store.add_samples(batch)
    store.close()


def set_aside(path: Path) -> list[Path]:
    return sorted(
        p
        for p in path.parent.iterdir()
        if p.name.startswith(path.name + ".broken-") and not p.name.endswith(("-wal", "-shm"))
    )


def recorded(store: MetricsStore, at: float = T0 + 100) -> None:
    """The store works: a sample recorded now is read back."""
    assert store.record("u", status(at, 42)) == 1
    assert [s.memory_bytes for s in store.samples("u", "els", at - 1, at + 1)] == [42]


@pytest.mark.hostile(
    area=AREA,
    tried="binary garbage in place of the metrics database, then opening it and recording",
    outcome="set aside with its bytes (name.broken-TIMESTAMP), a new database recorded into; "
    "a warning naming both files",
)
def test_garbage_is_set_aside_and_a_new_history_started(tmp_path: Path) -> None:
    path = tmp_path / "metrics.sqlite3"
    garbage = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 64
    path.write_bytes(garbage)
    store = MetricsStore.open(path, clock=lambda: T0 + 100)
    [aside] = set_aside(path)
    assert aside.read_bytes() == garbage
    [warning] = store.take_warnings()
    assert str(path) in warning and str(aside) in warning and "new one" in warning
    recorded(store)


@pytest.mark.hostile(
    area=AREA,
    tried="the metrics database cut in half (a full disk, a copy interrupted), then recording "
    "and reading",
    outcome="no exception; the damaged file set aside whole, a warning, recording goes on in "
    "a new database",
)
def test_a_truncated_database_is_set_aside(tmp_path: Path) -> None:
    path = tmp_path / "metrics.sqlite3"
    good_db(path)
    for extra in tmp_path.glob("metrics.sqlite3-*"):
        extra.unlink()
    half = path.read_bytes()[: path.stat().st_size // 2]
    path.write_bytes(half)
    store = MetricsStore.open(path, clock=lambda: T0 + 100)
    store.samples("u", "app7", T0 - 1, T0 + 1000)  # reading the damaged pages
    store.record("u", status(T0 + 100, 42))
    [aside] = set_aside(path)
    assert aside.read_bytes() == half
    assert any("set aside" in w for w in store.take_warnings())
    recorded(store, T0 + 200)


@pytest.mark.hostile(
    area=AREA,
    tried="a metrics database of schema version 99 (made by a newer ereg-desktop)",
    outcome="left byte for byte as it was; history is off with a warning saying why; record() "
    "stores nothing and raises nothing",
)
def test_a_newer_schema_is_refused_and_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "metrics.sqlite3"
    good_db(path, 100)
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA user_version = 99")
    before = path.read_bytes()
    store = MetricsStore.open(path, clock=lambda: T0 + 100)
    assert not store.enabled
    [warning] = store.take_warnings()
    assert "schema version 99" in warning and "newer ereg-desktop" in warning
    assert str(metrics_schema.SCHEMA_VERSION) in warning
    assert store.record("u", status(T0 + 100)) == 0
    assert store.samples("u", "app1", T0 - 1, T0 + 10) == []
    store.add_event("u", "els", T0, "deploy", "x")
    store.downsample()
    assert path.read_bytes() == before and set_aside(path) == []


@pytest.mark.hostile(
    area=AREA,
    tried="a directory (with a file in it) in place of the metrics database",
    outcome="the directory set aside with its content, a new database recorded into, a warning",
)
def test_a_directory_in_place_of_the_database(tmp_path: Path) -> None:
    path = tmp_path / "metrics.sqlite3"
    path.mkdir()
    (path / "keep.txt").write_text("mine")
    store = MetricsStore.open(path, clock=lambda: T0 + 100)
    [aside] = set_aside(path)
    assert (aside / "keep.txt").read_text() == "mine"
    assert any(str(aside) in w for w in store.take_warnings())
    recorded(store)
    assert path.is_file()


@pytest.mark.hostile(
    area=AREA,
    tried="a metrics database of zero bytes",
    outcome="taken as a new, empty history: no warning, samples recorded and read back",
)
def test_a_zero_byte_database_is_a_new_history(tmp_path: Path) -> None:
    path = tmp_path / "metrics.sqlite3"
    path.write_bytes(b"")
    store = MetricsStore.open(path, clock=lambda: T0 + 100)
    recorded(store)
    assert store.take_warnings() == [] and set_aside(path) == []


class Locked:
    """The database held under an exclusive lock by another process until :meth:`release`."""

    def __init__(self, path: Path) -> None:
        self.holder = subprocess.Popen(
            [sys.executable, "-c", (
                "import sqlite3, sys; c = sqlite3.connect(sys.argv[1], isolation_level=None); "
                "c.execute('BEGIN EXCLUSIVE'); print('locked', flush=True); sys.stdin.read()"
            ), str(path)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        assert self.holder.stdout is not None
        assert self.holder.stdout.readline().strip() == "locked"

    def release(self) -> None:
        if self.holder.poll() is None:
            self.holder.communicate("", timeout=30)


@pytest.mark.hostile(
    area=AREA,
    tried="recording while another process holds the metrics database locked past the wait",
    outcome="no exception; the locked file set aside with its samples, the sample recorded in "
    "a new database, a warning 'locked'",
)
def test_recording_into_a_locked_database(tmp_path: Path) -> None:
    path = tmp_path / "metrics.sqlite3"
    good_db(path, 100)
    store = MetricsStore.open(path, clock=lambda: T0 + 100)
    lock = Locked(path)
    try:
        recorded(store)
    finally:
        lock.release()
    assert any("locked" in w and "set aside" in w for w in store.take_warnings())
    [aside] = set_aside(path)
    with sqlite3.connect(aside) as conn:  # the earlier samples are kept in the file set aside
        assert conn.execute("SELECT count(*) FROM samples").fetchone()[0] == 100


@pytest.mark.hostile(
    area=AREA,
    tried="`ereg-desktop history APP --metrics` with garbage in place of the metrics database",
    outcome="exit 0, 'No samples', the warning on stderr naming the file set aside; no traceback",
)
def test_cli_history_metrics_of_a_damaged_database(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = tmp_path / "cfg"
    (cfg / "data").mkdir(parents=True)
    (cfg / "inventory.toml").write_text('[[servers]]\nid = "u"\nhost = "h.example"\n')
    (cfg / "data" / "metrics.sqlite3").write_bytes(b"not a database" * 100)
    assert main(["--config-dir", str(cfg), "history", "els", "--metrics"]) == 0
    out, err = capsys.readouterr()
    assert "No samples" in out
    assert "metrics.sqlite3.broken-" in err and "Traceback" not in err
