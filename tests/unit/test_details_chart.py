"""The details chart from the real local databases: samples from the metrics store, deploys and
restarts from this computer's history as markers."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from ereg_desktop.presenters.details_chart import ChartRequest, WithRecords, details_chart
from ereg_desktop.services.status import CONNECTED, AppStatus, ServerStatus
from ereg_desktop.store.history import History
from ereg_desktop.store.metrics import MetricsStore

NOW = 1_800_000_000.0


def test_samples_and_recorded_deploys_make_the_chart(tmp_path: Path) -> None:
    clock = [NOW - 600]
    metrics = MetricsStore.open(tmp_path / "metrics.sqlite3", clock=lambda: clock[0])
    for i in range(60):
        clock[0] = NOW - 600 + i * 10
        app = AppStatus("gt", "online", pid=1, memory_bytes=(150 + i) * 2**20, cpu_percent=3.0)
        metrics.record("s1", ServerStatus("s1", CONNECTED, taken_at=clock[0], apps={"gt": app}))
    history = History(tmp_path / "history.sqlite3")
    when = datetime.fromtimestamp(NOW - 300, UTC).isoformat(timespec="seconds")
    history.add({"kind": "deploy", "app": "gt", "server": "s1", "environment": "production",
                 "operator": "Ana", "machine": "pc", "started_at": when, "ended_at": when,
                 "result": "deployed"})  # fmt: skip
    both = WithRecords(metrics, history)
    data = details_chart(both, ChartRequest("s1", ("gt",), "Hour", "Memory", NOW, 600))
    assert data.has_samples and data.series[0].name == "gt"
    assert [(m.kind, m.text) for m in data.markers] == [("deploy", "deploy by Ana (deployed)")]
    assert max(c[2] for c in data.series[0].columns) >= 209 * 2**20
    cpu = details_chart(both, ChartRequest("s1", ("gt",), "Hour", "CPU", NOW, 600))
    assert {c[2] for c in cpu.series[0].columns} == {3.0}
    other = details_chart(both, ChartRequest("s2", ("gt",), "Hour", "Memory", NOW, 600))
    assert not other.has_samples and other.markers == ()  # another server's gt
