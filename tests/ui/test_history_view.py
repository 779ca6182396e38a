"""Deployment > History: the local SQLite records in a table, read on a worker."""

from __future__ import annotations

from ereg_desktop.store.history import History
from ereg_desktop.ui.history_view import COLUMNS, HistoryView


def test_history_table_and_app_filter(qtbot, tmp_path, qtmodeltester) -> None:
    h = History(tmp_path / "h.sqlite3")
    h.add({"app": "gt", "server": "s", "kind": "deploy", "started_at": "2026-01-02T10:00:00+00:00",
           "result": "deployed", "operator": "Ann", "app_state": "up", "downtime_s": 42.5,
           "commit_before": "a" * 40, "commit_after": "b" * 40,
           "reasons": {"owner-mismatch": "hotfix"}, "message": "ok"})  # fmt: skip
    h.add({"app": "els", "server": "s", "kind": "restart", "started_at": "2026-01-03T10:00:00+00:00",
           "result": "failed", "operator": "Bob", "app_state": "down"})  # fmt: skip
    selected = ["gt"]
    v = HistoryView(h, lambda: selected[0])
    qtbot.addWidget(v)
    v.show()
    v.reload()
    qtbot.waitUntil(lambda: v.loaded == 1)
    m = v.model
    assert m.rowCount() == 2 and m.columnCount() == len(COLUMNS)
    row = [m.index(1, c).data() for c in range(len(COLUMNS))]
    assert row[1:] == ["gt", "Ann", "deploy", "deployed", "up", "42.5 s",
                       "aaaaaaaa \u2192 bbbbbbbb", "hotfix"]  # fmt: skip
    assert m.index(0, 1).data() == "els"  # newest first
    qtmodeltester.check(m)
    v.only_selected.setChecked(True)
    qtbot.waitUntil(lambda: v.loaded == 2)
    assert m.rowCount() == 1 and m.index(0, 1).data() == "gt"
    assert "for gt" in v.status.text()


def test_history_empty_file_missing(qtbot, tmp_path) -> None:
    v = HistoryView(History(tmp_path / "none.sqlite3"), lambda: None)
    qtbot.addWidget(v)
    v.reload()
    qtbot.waitUntil(lambda: v.loaded == 1)
    assert v.model.rowCount() == 0 and v.status.text().startswith("0 record")
