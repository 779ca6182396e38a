"""View > Today: every deployment with what is due (computed on a worker), what is due first,
overdue marked, only what is due if asked; a double-click selects the app in the window's tree."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from PySide6.QtCore import Qt

from ereg_desktop.services.deploy.inspect import Commit
from ereg_desktop.services.due import LastRestart, Pending
from ereg_desktop.store.inventory import Deployment, DeploymentRef, Server, System
from ereg_desktop.ui.today_view import DUE_COLOUR, TodayView

PARIS = ZoneInfo("Europe/Paris")
NOW = datetime(2026, 3, 2, 13, 0, tzinfo=PARIS).timestamp()


def refs() -> list[DeploymentRef]:
    server = Server("unctad", "h")
    out = []
    for system, env, app, low in (("GT", "production", "gt", "12:00-14:00 Europe/Paris"),
                                  ("GT", "development", "gt-dev", ""),
                                  ("ELS", "production", "els", "20:00-23:00 Europe/Paris"),
                                  ("LDZ", "production", "ldz", "")):  # fmt: skip
        dep = Deployment(env, "unctad", app)
        out.append(DeploymentRef(System(system, low_traffic=low, deployments=[dep]), dep, server))
    return out


class Source:
    def __init__(self) -> None:
        self.asked: list[tuple[int, bool]] = []

    def pending_all(self, refs: list[DeploymentRef], force: bool = False) -> dict:
        self.asked.append((len(refs), force))
        one = (Commit("a" * 40, "Ana", "2026-03-02T08:00:00+01:00", "Fix the payment form"),)
        return {("unctad", "gt"): Pending(one, NOW), ("unctad", "gt-dev"): Pending(one, NOW),
                ("unctad", "els"): Pending(one * 3, NOW),
                ("unctad", "ldz"): Pending((), NOW, "git fetch: connection refused")}  # fmt: skip


def restarts() -> dict:
    return {("unctad", "gt-dev"): LastRestart(datetime(2026, 3, 1, 18, tzinfo=PARIS), 2)}


def test_what_is_due_first_overdue_marked_filtered(qtbot, tmp_path) -> None:
    source = Source()
    view = TodayView(source, refs, restarts, lambda: PARIS, clock=lambda: NOW)
    qtbot.addWidget(view)
    view.resize(1000, 260)
    view.show()
    qtbot.waitUntil(lambda: view.model.rowCount() == 4, timeout=5000)
    assert source.asked == [(4, False)]
    apps = [view.model.rows[r].app for r in range(4)]
    assert apps == ["gt", "gt-dev", "els", "ldz"]
    cell = lambda r, c: view.model.index(r, c).data()  # noqa: E731
    assert cell(0, 3) == "due now" and cell(1, 3) == "overdue" and cell(2, 3) == "due"
    assert cell(3, 2) == "not known" and "connection refused" in cell(3, 4)
    assert "before the end of the day" in cell(1, 4)
    assert view.model.index(1, 0).data(Qt.ItemDataRole.ForegroundRole) == DUE_COLOUR
    assert "Fix the payment form" in view.model.index(2, 0).data(Qt.ItemDataRole.ToolTipRole)
    assert "3 restarts due, 1 now, 1 overdue, 1 not known" in view.summary.text()
    folder = Path(os.environ.get("EREG_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    assert view.grab().save(str(folder / "today-view.png"))
    view.check_button.click()
    qtbot.waitUntil(lambda: source.asked[-1] == (4, True), timeout=5000)
    view.only_due.setChecked(True)
    assert [r.app for r in view.model.rows] == ["gt", "gt-dev", "els", "ldz"]
    with qtbot.waitSignal(view.app_chosen, timeout=2000) as chosen:
        view._double_clicked(view.model.index(2, 1))
    assert chosen.args == ["unctad", "els"]


def test_the_window_shows_today_with_ctrl_t_and_a_double_click_selects(window, qtbot) -> None:
    today = window.add_today_view()
    assert window.add_today_view() is today
    action = next(a for a in window.view_menu.actions() if a.text() == "&Today")
    assert action.shortcut().toString() == "Ctrl+T"
    source = Source()
    today.source = source  # no server of the default inventory is reached
    today.refs = lambda: [r for r in window.ctx.inventory.deployments() if r.app == "els"]
    window.filter_box.setText("nothing matches this")
    action.trigger()
    qtbot.waitUntil(lambda: today.isVisible() and today.model.rowCount() >= 1, timeout=5000)
    assert window.select_app(today.model.rows[0].server_id, "els")
    assert window.selected_row() is not None and window.selected_row().app == "els"
    assert window.filter_box.text() == ""
