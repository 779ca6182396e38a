"""A crash-looping or errored app stands out in the tree: its status says so in red with a
warning icon and the restarts of the last hour, not just a restart counter that grew."""

from PySide6.QtCore import Qt
from PySide6.QtGui import QIcon
from test_systems_model import NOW, cell, connected, model_for, online

from ereg_desktop.services.status import AppStatus
from ereg_desktop.ui.systems_model import PRODUCTION, RESTARTS, STATUS


def gt_row(model) -> int:
    parent = model.index(PRODUCTION, 0)
    apps = [model.index(r, 1, parent).data() for r in range(model.rowCount(parent))]
    return apps.index("gt")


def test_a_crash_loop_reads_as_one_in_red_with_the_restarts_of_the_last_hour(ctx, qapp) -> None:
    model = model_for(ctx)
    model.apply_status(connected(online("gt", restarts=9), taken_at=NOW - 20))
    row = gt_row(model)
    assert cell(model, PRODUCTION, row, STATUS) == "online"
    assert cell(model, PRODUCTION, row, STATUS, Qt.ItemDataRole.DecorationRole) is None
    model.apply_status(connected(online("gt", restarts=16), taken_at=NOW - 10))
    assert cell(model, PRODUCTION, row, STATUS) == "crash loop"
    assert cell(model, PRODUCTION, row, RESTARTS) == "16 (+7/h)"
    red = cell(model, PRODUCTION, row, STATUS, Qt.ItemDataRole.ForegroundRole)
    assert red is not None and red.red() == 200
    icon = cell(model, PRODUCTION, row, STATUS, Qt.ItemDataRole.DecorationRole)
    assert isinstance(icon, QIcon) and not icon.isNull()
    tip = cell(model, PRODUCTION, row, STATUS, Qt.ItemDataRole.ToolTipRole)
    assert "crash loop" in tip and "7 times in the last hour" in tip


def test_one_restart_is_shown_but_not_alarming_and_errored_is(ctx, qapp) -> None:
    model = model_for(ctx)
    model.apply_status(connected(online("gt", restarts=2), taken_at=NOW - 20))
    model.apply_status(connected(online("gt", restarts=3), taken_at=NOW - 10))
    row = gt_row(model)
    assert cell(model, PRODUCTION, row, STATUS) == "online"
    assert cell(model, PRODUCTION, row, RESTARTS) == "3 (+1/h)"
    assert cell(model, PRODUCTION, row, STATUS, Qt.ItemDataRole.DecorationRole) is None
    errored = AppStatus("gt", "errored", None, 15)
    model.apply_status(connected(errored, taken_at=NOW))
    assert cell(model, PRODUCTION, row, STATUS) == "errored"
    assert cell(model, PRODUCTION, row, STATUS, Qt.ItemDataRole.DecorationRole) is not None
    assert "errored" in cell(model, PRODUCTION, row, STATUS, Qt.ItemDataRole.ToolTipRole)


def test_the_window_shows_a_crash_loop_at_a_glance(window, tmp_path) -> None:
    import os
    from pathlib import Path

    from ereg_desktop.services.status import CONNECTED, ServerStatus

    server = window.ctx.inventory.servers[0].id
    apps = [r.app for r in window.model.rows(PRODUCTION)] + [r.app for r in window.model.rows(1)]

    def status(at: float, crashy_restarts: int) -> ServerStatus:
        rows = {a: online(a, pid=100 + i, restarts=1) for i, a in enumerate(apps)}
        rows["els"] = online("els", pid=777, restarts=crashy_restarts, uptime=4)
        step = int((at - NOW + 120) / 10)
        rows["gt"] = online("gt", pid=100, restarts=1, memory=(150 + 9 * step) * 2**20)  # a leak
        return ServerStatus(server, CONNECTED, taken_at=at, apps=rows)

    for i in range(12):  # two minutes of samples: the sparklines have a shape
        window.model.apply_status(status(NOW - 120 + 10 * i, 30 + (8 if i == 11 else 0)))
    window.resize(1180, 520)
    els = next(r for r in window.model.rows(PRODUCTION) if r.app == "els")
    assert els.health.state == "crash loop"
    folder = Path(os.environ.get("EREG_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    assert window.grab().save(str(folder / "main-window-crash-loop.png"))


def test_the_memory_cell_carries_its_recent_samples_for_the_sparkline(ctx, qapp) -> None:
    from ereg_desktop.ui.systems_model import MEMORY, SPARK_ROLE

    model = model_for(ctx)
    row = None
    for i, mb in enumerate((150, 160, 175)):
        model.apply_status(connected(online("gt", memory=mb * 2**20), taken_at=NOW + i))
        row = gt_row(model)
    assert cell(model, PRODUCTION, row, MEMORY, SPARK_ROLE) == tuple(
        float(mb * 2**20) for mb in (150, 160, 175)
    )
    model.apply_status(connected(online("gt", memory=175 * 2**20), taken_at=NOW + 2))  # again
    assert len(cell(model, PRODUCTION, row, MEMORY, SPARK_ROLE)) == 3
