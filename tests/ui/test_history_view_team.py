"""Deployment > History with the team's records: this computer's history and each server's
shared audit file in one table, a run recorded in both shown once, with its source."""

from __future__ import annotations

from ereg_desktop.errors import ConnectionProblem
from ereg_desktop.services.deploy.audit import ServerAudit
from ereg_desktop.store.history import History
from ereg_desktop.ui.history_view import TEAM_COLUMNS, HistoryView

MINE = {"app": "gt", "server": "s1", "kind": "deploy", "started_at": "2026-01-02T10:00:00+00:00",
        "result": "deployed", "operator": "Ann", "machine": "ann-pc", "app_state": "up",
        "downtime_s": 42.5, "commit_before": "a" * 40, "commit_after": "b" * 40,
        "job": "20260102T100000Z-gt-abc123", "message": "ok"}  # fmt: skip
BOBS = {**MINE, "operator": "Bob", "machine": "bob-pc", "job": "20260105T100000Z-gt-000001",
        "started_at": "2026-01-05T10:00:00+00:00", "result": "failed", "app_state": "down",
        "message": "setup failed"}  # fmt: skip
RESTART = {"app": "els", "server": "s1", "kind": "restart", "result": "ok", "app_state": "up",
           "started_at": "2026-01-03T10:00:00+00:00", "operator": "Ann", "machine": "ann-pc"}  # fmt: skip


def test_team_records_merged_with_source_and_operator(
    qtbot, tmp_path, qtmodeltester, screenshot
) -> None:
    h = History(tmp_path / "h.sqlite3")
    h.add(MINE)
    h.add(RESTART)
    asked: list[str | None] = []

    def s1(app: str | None) -> ServerAudit:
        asked.append(app)
        return ServerAudit("s1", [MINE, BOBS], skipped=2)

    def s2(app: str | None) -> ServerAudit:
        raise ConnectionProblem("s2 unreachable: connection refused")

    selected = ["gt"]
    v = HistoryView(h, lambda: selected[0], servers=lambda: [("s1", s1), ("s2", s2)])
    qtbot.addWidget(v)
    v.show()
    v.reload()
    qtbot.waitUntil(lambda: v.loaded == 1)
    m = v.model
    assert m.columnCount() == len(TEAM_COLUMNS) and "Source" in TEAM_COLUMNS
    col = {name: i for i, name in enumerate(TEAM_COLUMNS)}
    rows = [[m.index(r, c).data() for c in range(m.columnCount())] for r in range(m.rowCount())]
    assert [(r[col["Operator"]], r[col["App"]], r[col["Source"]]) for r in rows] == [
        ("Bob", "gt", "server (team)"),
        ("Ann", "els", "this computer"),
        ("Ann", "gt", "this computer + server"),
    ]
    assert "bob-pc" in m.index(0, 0).data(3)  # tooltip: who, from which machine
    text = v.status.text()
    assert "3 record(s)" in text and "1 done from other computers (servers read: s1)" in text
    problems = v.problems.text()
    assert v.problems.isVisible()
    assert "s1: 2 unreadable line(s)" in problems and "not read: s2: s2 unreachable" in problems
    qtmodeltester.check(m)
    v.resize(1250, 300)
    screenshot(v, "history")
    v.only_selected.setChecked(True)
    qtbot.waitUntil(lambda: v.loaded == 2)
    assert asked == [None, "gt"]
