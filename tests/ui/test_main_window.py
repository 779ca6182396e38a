from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtGui import QImage

from ereg_desktop.context import AppContext
from ereg_desktop.services.status import CONNECTED, AppStatus, ServerStatus
from ereg_desktop.store.inventory_toml import parse_inventory
from ereg_desktop.ui.main_window import MainWindow
from ereg_desktop.ui.systems_model import APP, OWNER, STATUS, SYSTEM

DEFAULT_GROUPS = {
    "Production": [
        ("Guatemala", "gt", "Marek Tuchowski"),
        ("Salvador", "els", "Marek Tuchowski"),
        ("Lomas", "ldz", "Kamil Gruca"),
        ("Tanzania", "tz", "Kamil Gruca"),
    ],
    "Development": [
        ("Guatemala", "gt-dev", "Marek Tuchowski"),
        ("Salvador", "els-dev", "Marek Tuchowski"),
        ("Lomas", "ldz-dev", "Kamil Gruca"),
        ("Tanzania", "tz-dev", "Kamil Gruca"),
    ],
    "Other processes": [],
}


def tree_rows(window):
    """What the tree shows, read from the view's own model: {category: [(system, app, owner)]}."""
    model = window.tree.model()
    out = {}
    for c in range(model.rowCount()):
        parent = model.index(c, 0)
        assert window.tree.isExpanded(parent) or model.rowCount(parent) == 0
        out[parent.data()] = [
            (
                model.index(r, SYSTEM, parent).data().removesuffix(" \u2605"),
                model.index(r, APP, parent).data().split(" [tag")[0],
                model.index(r, OWNER, parent).data(),
            )
            for r in range(model.rowCount(parent))
        ]
    return out


def find(window, app):
    model = window.tree.model()
    for c in range(model.rowCount()):
        parent = model.index(c, 0)
        for r in range(model.rowCount(parent)):
            if model.index(r, APP, parent).data().split(" [")[0] == app:
                return model.index(r, 0, parent)
    raise AssertionError(f"{app} not shown")


def test_tree_shows_the_default_inventory_grouped_with_owners(window):
    assert tree_rows(window) == DEFAULT_GROUPS
    assert not window.problem_bar.isVisible()
    assert "unctad: not connected yet" in [
        w.text() for w in window.statusBar().findChildren(type(window.problem_bar.message))
    ]


def test_operators_systems_marked_once_the_name_is_set(qtbot, paths):
    text = paths.inventory_file
    AppContext.for_gui(paths)  # writes the default file
    text.write_text(text.read_text().replace('name = ""', 'name = "Marek Tuchowski"', 1))
    w = MainWindow(AppContext.for_gui(paths), open_url=lambda url: None)
    qtbot.addWidget(w)
    marked = [
        find(w, app).siblingAtColumn(SYSTEM).data()
        for app in ("gt", "els", "ldz", "tz", "gt-dev", "ldz-dev")
    ]
    assert marked == ["Guatemala \u2605", "Salvador \u2605", "Lomas", "Tanzania"] + [
        "Guatemala \u2605",
        "Lomas",
    ]
    assert find(w, "gt").data(Qt.ItemDataRole.FontRole).bold()


def test_filter_box_filters_and_keeps_groups_open(qtbot, window):
    qtbot.keyClicks(window.filter_box, "tanzania")
    rows = tree_rows(window)
    assert rows == {
        "Production": [("Tanzania", "tz", "Kamil Gruca")],
        "Development": [("Tanzania", "tz-dev", "Kamil Gruca")],
    }
    window.filter_box.clear()
    assert tree_rows(window) == DEFAULT_GROUPS


def test_live_status_updates_in_place_and_keeps_the_selection(qtbot, window):
    els = find(window, "els")
    window.tree.selectionModel().select(
        els,
        QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows,
    )
    status = ServerStatus(
        "unctad",
        CONNECTED,
        taken_at=1.0,
        apps={
            "els": AppStatus("els", "online", 321, 0, 0, 60.0, 10 << 20, 1.0),
            "legacy-api": AppStatus("legacy-api", "stopped"),
        },
    )
    window.apply_status(status)
    assert window.selected_row().app == "els"
    assert find(window, "els").siblingAtColumn(STATUS).data() == "online"
    assert tree_rows(window)["Other processes"] == [("on unctad", "legacy-api", "")]
    window.apply_status(ServerStatus("unctad", CONNECTED, taken_at=2.0, apps={}))
    assert tree_rows(window)["Other processes"] == []
    assert window.selected_row().app == "els"
    assert find(window, "els").siblingAtColumn(STATUS).data() == "missing"


def test_double_click_opens_the_rows_url(qtbot, window, opened_urls):
    index = find(window, "tz-dev")
    window.tree.scrollTo(index)
    point = window.tree.visualRect(index).center()
    qtbot.mouseClick(window.tree.viewport(), Qt.MouseButton.LeftButton, pos=point)
    qtbot.mouseDClick(window.tree.viewport(), Qt.MouseButton.LeftButton, pos=point)
    assert opened_urls == ["https://tanzania.eregistrations.org/"]
    window.open_url_action.trigger()  # the toolbar action opens the selected row's URL too
    assert opened_urls[-1] == "https://tanzania.eregistrations.org/"


def test_monitoring_panel_opens_the_servers_monitoring_url(window, opened_urls):
    assert window.monitoring_action.isEnabled()
    window.monitoring_action.trigger()
    assert opened_urls == [window.ctx.inventory.server("unctad").monitoring_url]
    assert opened_urls[0].startswith("https://app.keymetrics.io/")


def test_set_server_state_shows_in_the_status_bar(window):
    window.set_server_state("unctad", "connected")
    labels = [w.text() for w in window.statusBar().findChildren(type(window.problem_bar.message))]
    assert "unctad: connected" in labels


def test_screenshot_offscreen(window, tmp_path):
    window.resize(1180, 520)
    target = tmp_path / "main.png"
    assert window.grab().save(str(target))
    assert target.stat().st_size > 0
    image = QImage(str(target))
    assert image.width() >= 1000 and image.height() >= 400
    assert tree_rows(window) == DEFAULT_GROUPS


def test_reload_picks_up_the_changed_file(qtbot, window):
    path = window.ctx.paths.inventory_file
    path.write_text(path.read_text().replace('name = "Salvador"', 'name = "El Salvador"'))
    with qtbot.waitSignal(window.inventory_reloaded):
        window.reload_action.trigger()
    assert tree_rows(window)["Production"][1] == ("El Salvador", "els", "Marek Tuchowski")
    assert parse_inventory(path.read_text(), str(path)).systems[1].name == "El Salvador"


def test_first_start_asks_who_the_operator_is(qtbot, window):
    from ereg_desktop.ui.main_window import NO_OPERATOR_HINT

    assert window.ctx.inventory.operator.name == ""
    assert window.statusBar().currentMessage() == NO_OPERATOR_HINT
    path = window.ctx.paths.inventory_file
    path.write_text(path.read_text().replace('name = ""', 'name = "Kamil Gruca"', 1))
    with qtbot.waitSignal(window.inventory_reloaded):
        window.reload_action.trigger()
    assert window.statusBar().currentMessage() != NO_OPERATOR_HINT
    lomas = next(r for r in window.model.rows(0) if r.app == "ldz")
    assert lomas.operators
