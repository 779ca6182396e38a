from PySide6.QtCore import QItemSelectionModel, Qt

from ereg_desktop.services.status import CONNECTED, UNREACHABLE, AppStatus, ServerStatus
from ereg_desktop.ui.systems_model import (
    APP,
    CPU,
    MEMORY,
    OTHER,
    PID,
    PRODUCTION,
    RESTARTS,
    STATUS,
    SYSTEM,
    UPTIME,
    SystemsFilter,
    SystemsModel,
)

NOW = 1_800_000_000.0


def online(app, pid=100, restarts=0, memory=150 * 1024 * 1024, cpu=2.5, uptime=3 * 3600 + 720):
    return AppStatus(app, "online", pid, restarts, 0, uptime, memory, cpu)


def connected(*apps, taken_at=NOW):
    return ServerStatus("unctad", CONNECTED, taken_at=taken_at, apps={a.app: a for a in apps})


def model_for(ctx, parent=None):
    return SystemsModel(ctx.inventory, clock=lambda: NOW, parent=parent)


def cell(model, category, row, column, role=Qt.ItemDataRole.DisplayRole):
    return model.index(row, column, model.index(category, 0)).data(role)


def child_texts(model, category, column):
    parent = model.index(category, 0)
    return [model.index(r, column, parent).data() for r in range(model.rowCount(parent))]


def test_model_passes_qt_model_tester(qtmodeltester, ctx):
    model = model_for(ctx)
    qtmodeltester.check(model)


def test_model_tester_through_other_rows_coming_and_going(qtmodeltester, ctx):
    model = model_for(ctx)
    qtmodeltester.check(model, force_py=True)  # keeps checking on every signal from here on
    model.apply_status(connected(online("gt"), online("legacy-api"), online("backup")))
    assert child_texts(model, OTHER, APP) == ["backup", "legacy-api"]
    model.apply_status(connected(online("gt"), online("legacy-api"), online("aaa")))
    assert child_texts(model, OTHER, APP) == ["aaa", "legacy-api"]
    model.apply_status(connected(online("gt")))
    assert child_texts(model, OTHER, APP) == []
    qtmodeltester.check(model)


def test_status_columns_read_like_figures(ctx):
    model = model_for(ctx)
    assert cell(model, PRODUCTION, 0, STATUS) == "not connected"
    model.apply_status(connected(online("gt", pid=4242, restarts=3)))
    assert [cell(model, PRODUCTION, 0, c) for c in range(STATUS, CPU + 1)] == [
        "online",
        "4242",
        "3",
        "3h 12m",
        "150 MiB",
        "2.5 %",
    ]
    assert cell(model, PRODUCTION, 1, STATUS) == "missing"  # els is not on the server
    align = cell(model, PRODUCTION, 0, MEMORY, Qt.ItemDataRole.TextAlignmentRole)
    assert align & Qt.AlignmentFlag.AlignRight


def test_apply_status_changes_only_the_cells_that_differ(qtbot, ctx):
    model = model_for(ctx)
    model.apply_status(connected(online("gt"), online("els")))
    changed = []
    model.dataChanged.connect(lambda a, b, roles: changed.append((a.row(), a.column(), b.column())))
    model.apply_status(connected(online("gt", restarts=1), online("els")))
    assert changed == [(0, RESTARTS, RESTARTS)]


def test_stale_data_is_grey_with_its_age(ctx):
    model = model_for(ctx)
    model.apply_status(connected(online("gt"), taken_at=NOW - 120))
    stale = ServerStatus(
        "unctad", UNREACHABLE, reason="connection refused", taken_at=NOW - 120, apps={}
    )
    model.apply_status(
        ServerStatus(stale.server_id, stale.state, stale.reason, stale.taken_at, True,
                     {"gt": online("gt")})
    )  # fmt: skip
    assert cell(model, PRODUCTION, 0, STATUS) == "unreachable"
    assert cell(model, PRODUCTION, 0, PID) == "100"  # the last known figures stay visible...
    tip = cell(model, PRODUCTION, 0, UPTIME, Qt.ItemDataRole.ToolTipRole)
    assert tip.startswith("stale: 2 min old")  # ...marked stale, with their age
    assert "connection refused" in tip
    grey = cell(model, PRODUCTION, 0, PID, Qt.ItemDataRole.ForegroundRole)
    assert grey is not None and grey.red() == grey.green() == grey.blue()


def test_operators_systems_are_marked(ctx):
    ctx.inventory.operator.name = "kamil gruca"  # matched regardless of case
    model = model_for(ctx)
    systems = child_texts(model, PRODUCTION, SYSTEM)
    assert systems == ["Guatemala", "Salvador", "Lomas \u2605", "Tanzania \u2605"]
    assert cell(model, PRODUCTION, 2, SYSTEM, Qt.ItemDataRole.FontRole).bold()
    assert cell(model, PRODUCTION, 0, SYSTEM, Qt.ItemDataRole.FontRole) is None
    assert "your system" in cell(model, PRODUCTION, 2, SYSTEM, Qt.ItemDataRole.ToolTipRole)


def test_pinned_deployment_shows_its_tag(ctx):
    model = model_for(ctx)
    assert cell(model, PRODUCTION, 3, APP) == "tz [tag 2015]"
    assert "tag 2015" in cell(model, PRODUCTION, 3, APP, Qt.ItemDataRole.ToolTipRole)
    assert cell(model, PRODUCTION, 0, APP) == "gt"


def test_selection_survives_status_updates_and_other_rows(qtbot, ctx):
    model = model_for(ctx)
    selection = QItemSelectionModel(model)
    tz_dev = model.index(3, 0, model.index(1, 0))
    selection.select(tz_dev, QItemSelectionModel.SelectionFlag.ClearAndSelect)
    model.apply_status(connected(online("tz-dev"), online("zzz")))
    model.apply_status(connected(online("tz-dev", restarts=5)))
    assert [model.row_at(i).app for i in selection.selectedIndexes()] == ["tz-dev"]


def test_filter_keeps_groups_and_matches_owner_url_case_insensitively(ctx):
    model = model_for(ctx)
    proxy = SystemsFilter()
    proxy.setSourceModel(model)

    def visible():
        out = {}
        for c in range(proxy.rowCount()):
            parent = proxy.index(c, 0)
            out[parent.data()] = [
                proxy.index(r, APP, parent).data() for r in range(proxy.rowCount(parent))
            ]
        return out

    proxy.setFilterFixedString("KAMIL")
    assert visible() == {
        "Production": ["ldz", "tz [tag 2015]"],
        "Development": ["ldz-dev", "tz-dev"],
    }
    proxy.setFilterFixedString("minegocio.gt")
    assert visible() == {"Production": ["gt"]}
    proxy.setFilterFixedString("salvador")
    assert visible() == {"Production": ["els"], "Development": ["els-dev"]}
    proxy.setFilterFixedString("")
    assert len(visible()) == 3


def test_uptime_moves_on_between_polls_but_not_when_stale(qtbot, qtmodeltester) -> None:
    from ereg_desktop.services.status import CONNECTED, UNREACHABLE, AppStatus, ServerStatus
    from ereg_desktop.store.default_inventory import DEFAULT_INVENTORY_TOML
    from ereg_desktop.store.inventory_toml import parse_inventory
    from ereg_desktop.ui.systems_model import UPTIME, SystemsModel

    now = [1000.0]
    model = SystemsModel(parse_inventory(DEFAULT_INVENTORY_TOML, "x"), clock=lambda: now[0])
    gt = AppStatus("gt", "online", pid=7, uptime_s=60.0)
    model.apply_status(ServerStatus("unctad", CONNECTED, taken_at=1000.0, apps={"gt": gt}))
    cell = model.index(0, UPTIME, model.index(0, 0))
    assert cell.data() == "1m 0s"
    now[0] = 1125.0
    with qtbot.waitSignal(model.dataChanged) as changed:
        model.tick()
    assert changed.args[0] == cell
    assert cell.data() == "3m 5s"
    model.apply_status(
        ServerStatus("unctad", UNREACHABLE, reason="x", taken_at=1000.0, apps={"gt": gt})
    )
    now[0] = 5000.0
    assert cell.data() == "1m 0s"  # stale: the last known figure, not a guess
    qtmodeltester.check(model)
