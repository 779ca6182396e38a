"""The metrics history: schema and migration, compaction as samples age, queries by resolution,
one commit per refresh, no secret in the file, and ``history APP --metrics``."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from ereg_desktop.cli import main
from ereg_desktop.services.pm2_parse import parse_jlist
from ereg_desktop.services.status import CONNECTED, UNREACHABLE, AppStatus, ServerStatus
from ereg_desktop.store import metrics_compaction, metrics_reading, metrics_schema
from ereg_desktop.store.metrics import CPU, MINUTE, RAW, TEN_MINUTES, MetricsStore

T0 = 1_800_000_000.0  # a minute and ten-minute boundary (divisible by 600)
DATA = Path(__file__).parent / "data" / "pm2"
SECRET_MARKS = (b"FAKE", b"tok_", b"s3cret", b"fakehome", b"/usr/bin")


class Clock:
    def __init__(self, now: float = T0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def status(at: float, apps: dict[str, AppStatus], state: str = CONNECTED) -> ServerStatus:
    return ServerStatus("u", state, taken_at=at, apps=apps)


def app(name: str, memory: int = 100, cpu: float = 1.0, restarts: int = 0,
        uptime: float | None = 10.0, state: str = "online") -> AppStatus:  # fmt: skip
    return AppStatus(name, state, memory_bytes=memory, cpu_percent=cpu, restarts=restarts,
                     uptime_s=uptime)  # fmt: skip


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(tmp_path: Path, clock: Clock) -> MetricsStore:
    return MetricsStore.open(tmp_path / "metrics.sqlite3", clock=clock)


def table_count(path: Path, table: str) -> int:
    with sqlite3.connect(path) as conn:
        return int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])


def test_a_new_database_is_at_the_current_schema_in_wal(store: MetricsStore) -> None:
    with sqlite3.connect(store.path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == metrics_schema.SCHEMA_VERSION
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"samples", "samples_1m", "samples_10m", "events"} <= tables
    assert store.enabled and store.take_warnings() == []


def test_a_version_1_database_is_migrated_and_keeps_its_samples(tmp_path: Path) -> None:
    path = tmp_path / "metrics.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.executescript(metrics_schema.MIGRATIONS[0] + "PRAGMA user_version = 1;")
        conn.execute("INSERT INTO samples VALUES ('u', 'els', ?, 'online', 5, 0.5, 2, 9.0)", (T0,))
    store = MetricsStore.open(path, clock=Clock(T0 + 10))
    assert store.take_warnings() == []
    [kept] = store.samples("u", "els", T0 - 60)
    assert (kept.at, kept.memory_bytes, kept.restarts, kept.resolution_s) == (T0, 5, 2, RAW)
    store.add_event("u", "els", T0 + 5, "deploy", "abc -> def")  # a table of version 2
    assert [e.kind for e in store.events("u", "els", T0)] == ["deploy"]
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == metrics_schema.SCHEMA_VERSION


def test_a_sample_holds_the_status_fields(store: MetricsStore, clock: Clock) -> None:
    stored = store.record("u", status(T0, {"els": app("els", 7, 2.5, 3, 42.0),
                                             "gt": app("gt", uptime=None, state="stopped")}))  # fmt: skip
    assert stored == 2
    [els] = store.samples("u", "els", T0 - 1, T0 + 1)
    assert (els.status, els.memory_bytes, els.cpu_percent, els.restarts, els.uptime_s) == (
        "online", 7, 2.5, 3, 42.0)  # fmt: skip
    [gt] = store.samples("u", "gt", T0 - 1, T0 + 1)
    assert (gt.status, gt.uptime_s) == ("stopped", None)


def test_an_unreachable_server_or_pm2_down_records_nothing(store: MetricsStore) -> None:
    assert store.record("u", status(T0, {}, state=UNREACHABLE)) == 0
    down = ServerStatus("u", CONNECTED, taken_at=T0, pm2_running=False, apps={"a": app("a")})
    assert store.record("u", down) == 0
    assert table_count(store.path, "samples") == 0


def test_a_refresh_of_50_apps_is_one_commit(store: MetricsStore) -> None:
    apps = {f"app{i}": app(f"app{i}", memory=i) for i in range(50)}
    assert store.record("u", status(T0 - 10, apps)) == 50  # (and the first compaction)
    commits: list[str] = []
    assert store._conn is not None
    store._conn.set_trace_callback(lambda sql: commits.append(sql) if sql == "COMMIT" else None)
    assert store.record("u", status(T0, apps)) == 50  # the same minute: no compaction
    assert commits == ["COMMIT"]
    assert table_count(store.path, "samples") == 100


def fill(store: MetricsStore, clock: Clock, start: float, end: float, step: float = 10.0) -> None:
    """One app, a sample every ``step`` s; memory = seconds since T0, restarts every 10 min."""
    t = start
    while t < end:
        clock.now = t
        store.record("u", status(t, {"a": app("a", memory=int(t - T0), cpu=2.0,
                                                restarts=int((t - T0) // 600), uptime=t - T0)}))  # fmt: skip
        t += step


def test_a_minute_is_compacted_to_avg_max_last_and_min(store: MetricsStore, clock: Clock) -> None:
    fill(store, clock, T0, T0 + 120)
    clock.now = T0 + 120 + metrics_compaction.SETTLE_S
    store.downsample()
    first, second = store.samples("u", "a", T0, T0 + 120, resolution=MINUTE)
    assert (first.at, first.resolution_s) == (T0, MINUTE)
    assert first.memory_bytes == 25 and first.memory_max_bytes == 50  # avg of 0..50, max 50
    assert first.uptime_s == 0.0 and first.cpu_percent == 2.0
    assert second.at == T0 + 60 and second.memory_bytes == 85 and second.uptime_s == 60.0


def test_the_last_restarts_and_status_of_a_bucket(store: MetricsStore, clock: Clock) -> None:
    for i, (restarts, state) in enumerate([(5, "online"), (7, "errored"), (6, "online")]):
        store.record("u", status(T0 + i, {"a": app("a", restarts=restarts, state=state)}))
    clock.now = T0 + 60 + metrics_compaction.SETTLE_S
    store.downsample()
    [bucket] = store.samples("u", "a", T0, T0 + 60, resolution=MINUTE)
    assert (bucket.restarts, bucket.status) == (6, "online")  # the last, not the highest


def test_raw_samples_are_kept_for_a_day_then_only_the_minutes(
    store: MetricsStore, clock: Clock
) -> None:
    fill(store, clock, T0, T0 + 600)
    clock.now = (
        T0 + metrics_compaction.DAY + 585
    )  # the raw samples are over a day old, but the last
    store.downsample()
    raw = store.samples("u", "a", T0, resolution=RAW)
    assert [s.at for s in raw] == [T0 + 590]  # the one raw sample under a day old
    minutes = store.samples("u", "a", T0, T0 + 600, resolution=MINUTE)
    assert [s.at for s in minutes] == [T0 + 60 * i for i in range(10)]


def test_minutes_are_kept_for_a_week_then_only_ten_minutes(
    store: MetricsStore, clock: Clock
) -> None:
    fill(store, clock, T0, T0 + 1200, step=60)
    clock.now = T0 + 7 * metrics_compaction.DAY + 601  # the first ten minutes are over a week old
    store.downsample()
    minutes = store.samples("u", "a", T0, T0 + 1200, resolution=MINUTE)
    assert [s.at for s in minutes] == [T0 + 60 * i for i in range(11, 20)]
    tens = store.samples("u", "a", T0, T0 + 1200, resolution=TEN_MINUTES)
    assert [(s.at, s.memory_bytes, s.memory_max_bytes) for s in tens] == [
        (T0, 270, 540), (T0 + 600, 870, 1140)]  # fmt: skip


def test_ten_minutes_are_deleted_after_three_months(store: MetricsStore, clock: Clock) -> None:
    fill(store, clock, T0, T0 + 1200, step=60)
    store.add_event("u", "a", T0, "deploy", "old")
    clock.now = T0 + 90 * metrics_compaction.DAY + 599  # the first ten minutes are three months old
    store.downsample()
    tens = store.samples("u", "a", T0, T0 + 1200, resolution=TEN_MINUTES)
    assert [s.at for s in tens] == [T0 + 600]
    assert store.events("u", "a", T0 - 1) == []


def test_the_resolution_follows_the_age_of_the_span(store: MetricsStore, clock: Clock) -> None:
    assert metrics_reading.resolution_for(T0 - 3600, T0) == RAW
    assert metrics_reading.resolution_for(T0 - 3 * metrics_compaction.DAY, T0) == MINUTE
    assert metrics_reading.resolution_for(T0 - 30 * metrics_compaction.DAY, T0) == TEN_MINUTES
    fill(store, clock, T0, T0 + 3 * metrics_compaction.DAY, step=300)
    week = store.samples("u", "a", clock.now - 2 * metrics_compaction.DAY)
    assert {s.resolution_s for s in week[:-20]} == {MINUTE}
    assert week[-1].resolution_s == RAW  # the minutes not compacted yet come raw
    assert [s.at for s in week] == sorted(s.at for s in week)
    assert len({s.at for s in week}) == len(week)  # no time twice across resolutions
    day = store.samples("u", "a", clock.now - 3600)
    assert {s.resolution_s for s in day} == {RAW} and len(day) == 13  # both ends


def test_samples_of_every_server_and_of_one(store: MetricsStore) -> None:
    store.record("u", ServerStatus("u", CONNECTED, taken_at=T0, apps={"a": app("a", 1)}))
    store.record("v", ServerStatus("v", CONNECTED, taken_at=T0 + 1, apps={"a": app("a", 2)}))
    assert [s.server for s in store.samples(None, "a", T0 - 1, T0 + 2)] == ["u", "v"]
    assert [s.memory_bytes for s in store.samples("v", "a", T0 - 1, T0 + 2)] == [2]


def test_events_beside_the_samples(store: MetricsStore) -> None:
    store.add_event("u", "els", T0 + 2, "crash", "exit code 1")
    store.add_event("u", "els", T0 + 1, "deploy", "abc -> def")
    store.add_event("u", "gt", T0 + 1, "restart", "")
    assert [(e.kind, e.text) for e in store.events("u", "els", T0, T0 + 9)] == [
        ("deploy", "abc -> def"), ("crash", "exit code 1")]  # fmt: skip
    assert len(store.events(None, None, T0, T0 + 9)) == 3


@pytest.mark.parametrize("name", sorted(p.name for p in DATA.glob("jlist-*.json")))
def test_no_secret_of_the_recorded_pm2_output_reaches_the_file(
    tmp_path: Path, clock: Clock, name: str
) -> None:
    stdout = (DATA / name).read_text()
    assert b"FAKE" in stdout.encode() or name != "jlist-errored.json"  # the recording plants them
    snapshot = parse_jlist(stdout, "u", T0)
    store = MetricsStore.open(tmp_path / "metrics.sqlite3", clock=clock)
    for i in range(30):
        clock.now = T0 + i * 10
        assert store.record("u", ServerStatus("u", CONNECTED, taken_at=clock.now,
                                              apps=snapshot.apps)) == len(snapshot.apps)  # fmt: skip
    clock.now = T0 + 400
    store.downsample()
    store.add_event("u", "els", T0, "restart", "by the operator")
    written = b"".join(p.read_bytes() for p in tmp_path.iterdir())
    store.close()
    written += b"".join(p.read_bytes() for p in tmp_path.iterdir())
    assert any(a.encode() in written for a in snapshot.apps)  # the samples are in there
    for mark in SECRET_MARKS:
        assert mark not in written, mark


def cli_config(tmp_path: Path) -> Path:
    cfg = tmp_path / "cfg"
    (cfg / "data").mkdir(parents=True)
    (cfg / "inventory.toml").write_text('[[servers]]\nid = "u"\nhost = "h.example"\n')
    return cfg


def test_cli_history_metrics_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import time

    cfg = cli_config(tmp_path)
    now = time.time()
    store = MetricsStore.open(cfg / "data" / "metrics.sqlite3")
    store.record("u", status(now - 120, {"els": app("els", 2, restarts=4), "gt": app("gt", 3)}))
    store.record("u", status(now - 60, {"els": app("els", 5, uptime=None, state="errored")}))
    store.record(
        "u", status(now - 2 * metrics_compaction.DAY, {"els": app("els", 1)})
    )  # outside 1d
    store.close()
    assert main(["--config-dir", str(cfg), "history", "els", "--metrics", "--since", "1d",
                 "--json"]) == 0  # fmt: skip
    rows = json.loads(capsys.readouterr().out)
    assert [(r["memory_bytes"], r["status"], r["restarts"]) for r in rows] == [
        (2, "online", 4), (5, "errored", 0)]  # fmt: skip
    assert rows[0]["server"] == "u" and rows[0]["resolution_s"] == 0
    assert rows[1]["uptime_s"] is None and rows[0]["at"].endswith("Z")
    assert main(["--config-dir", str(cfg), "history", "els", "--metrics", "--since", "90s"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 2 and "errored" in out[1] and out[0].startswith("time (UTC)")


def test_cli_history_metrics_without_a_database(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = cli_config(tmp_path)
    assert main(["--config-dir", str(cfg), "history", "els", "--metrics"]) == 0
    assert "No samples of els" in capsys.readouterr().out
    assert not (cfg / "data" / "metrics.sqlite3").exists()  # reading made no database


@pytest.mark.parametrize("span", ["1x", "-1d", "d", "0", "nan", "inf"])
def test_cli_a_span_that_is_not_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], span: str
) -> None:
    cfg = cli_config(tmp_path)
    with pytest.raises(SystemExit) as stop:
        main(["--config-dir", str(cfg), "history", "els", "--metrics", f"--since={span}"])
    assert stop.value.code == 2 and "is not a span" in capsys.readouterr().err


def test_history_spans() -> None:
    from ereg_desktop.commands.history import span_seconds

    assert [span_seconds(t) for t in ("30s", "90m", "12h", "1d", "2w", "45")] == [
        30, 5400, 43200, 86400, 1209600, 45]  # fmt: skip


def test_a_late_sample_has_its_minute_compacted_again(store: MetricsStore, clock: Clock) -> None:
    fill(store, clock, T0, T0 + 50)  # memory 0..40
    clock.now = T0 + 60 + metrics_compaction.SETTLE_S
    store.downsample()
    [before] = store.samples("u", "a", T0, T0 + 60, resolution=MINUTE)
    assert before.memory_max_bytes == 40
    store.record("u", status(T0 + 55, {"a": app("a", memory=1000)}))  # a slow poll's sample
    clock.now += 60
    store.downsample()
    [after] = store.samples("u", "a", T0, T0 + 60, resolution=MINUTE)
    assert after.memory_max_bytes == 1000


def test_the_contexts_monitor_records_every_poll_in_the_data_dir(tmp_path: Path) -> None:
    from ereg_desktop.context import AppContext
    from ereg_desktop.remote.command import Result
    from ereg_desktop.store.inventory import Server
    from ereg_desktop.store.paths import AppPaths

    class CannedPool:
        def run_raw(self, server: Server, command: str, timeout: float | None = None) -> Result:
            return Result(0, (DATA / "jlist-errored.json").read_text(), "", 0.01)

    paths = AppPaths.resolve(config_dir=tmp_path / "config")
    base = AppContext.for_gui(paths)
    ctx = AppContext(paths, base.inventory_file, base.loaded, pool=CannedPool())  # type: ignore[arg-type]
    polled = ctx.monitor.poll(Server(id="u", host="h.example"))
    assert polled.state == CONNECTED and polled.apps
    assert paths.metrics_db == paths.data_dir / "metrics.sqlite3"
    assert table_count(paths.metrics_db, "samples") == len(polled.apps)
    [els] = ctx.metrics.samples("u", "els", (polled.taken_at or 0) - 1)
    assert els.memory_bytes == polled.apps["els"].memory_bytes
    ctx.metrics.close()
    written = b"".join(p.read_bytes() for p in paths.data_dir.iterdir())
    assert b"FAKE" not in written and b"s3cret" not in written


def test_series_are_the_samples_as_columns(store: MetricsStore, clock: Clock) -> None:
    fill(store, clock, T0, T0 + 600)
    store.record("u", status(T0 + 600, {"a": app("a", memory=9, uptime=None, state="errored")}))
    clock.now = T0 + 600
    rows = store.samples("u", "a", T0, resolution=MINUTE)
    cols = store.series("u", "a", T0, resolution=MINUTE)
    assert len(cols) == len(rows) > 10 and {r.resolution_s for r in rows} == {MINUTE, RAW}
    assert list(cols.at) == [r.at for r in rows]
    assert list(cols.memory_max_bytes) == [r.memory_max_bytes for r in rows]
    assert list(cols.restarts) == [r.restarts for r in rows]
    assert cols.status[-1] == "errored" and cols.uptime_s[-1] != cols.uptime_s[-1]  # NaN
    assert list(cols.resolution_s) == [r.resolution_s for r in rows]
    assert len(store.series("u", "nothing", T0)) == 0


def test_points_are_what_a_chart_reads_of_the_samples(store: MetricsStore, clock: Clock) -> None:
    fill(store, clock, T0, T0 + 600)
    store.record("u", status(T0 + 600, {"a": app("a", memory=9, uptime=None, state="errored")}))
    clock.now = T0 + 600
    rows = store.samples("u", "a", T0, resolution=MINUTE)
    memory = store.points("u", "a", T0, resolution=MINUTE)
    cpu = store.points("u", "a", T0, value=CPU, resolution=MINUTE)
    assert len(memory) == len(rows) > 10 and {r.resolution_s for r in rows} == {MINUTE, RAW}
    assert list(memory.at) == list(cpu.at) == [r.at for r in rows]
    assert list(memory.values) == [r.memory_max_bytes for r in rows]
    assert list(cpu.values) == [r.cpu_percent for r in rows]
    assert memory.status == [r.status for r in rows] and memory.status[-1] == "errored"
    assert len(store.points("u", "nothing", T0)) == 0
    with pytest.raises(ValueError, match="uptime"):
        store.points("u", "a", T0, value="uptime")
