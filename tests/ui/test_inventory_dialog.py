import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox

from ereg_desktop.store.inventory_toml import parse_inventory
from ereg_desktop.ui.inventory_dialog import InventoryDialog

SAVE = QDialogButtonBox.StandardButton.Save


@pytest.fixture
def dialog(qtbot, ctx):
    d = InventoryDialog(ctx)
    qtbot.addWidget(d)
    d.show()
    qtbot.waitExposed(d)
    return d


def type_into(qtbot, widget, text):
    widget.clear()
    qtbot.keyClicks(widget, text)


def add_system(qtbot, dialog, name, app, url=""):
    qtbot.mouseClick(dialog.add_system_button, Qt.MouseButton.LeftButton)
    type_into(qtbot, dialog.name_edit, name)
    type_into(qtbot, dialog.owner_combo.lineEdit(), "Kamil Gruca")
    type_into(qtbot, dialog.repository_edit, f"egovernment/eregistrations-{name.lower()}")
    type_into(qtbot, dialog.timezone_edit, "Africa/Porto-Novo")
    qtbot.mouseClick(dialog.add_deployment_button, Qt.MouseButton.LeftButton)
    row = dialog.deployments.rowCount() - 1
    type_into(qtbot, dialog.deployments.editor(row, "app"), app)
    type_into(qtbot, dialog.deployments.editor(row, "url"), url)


def test_add_a_system_and_save_writes_toml_that_parses_back(qtbot, ctx, dialog):
    add_system(qtbot, dialog, "Benin", "bj", "https://benin.eregistrations.org/")
    type_into(qtbot, dialog.operator_github, "kgruca")
    with qtbot.waitSignal(dialog.saved):
        qtbot.mouseClick(dialog.buttons.button(SAVE), Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()
    path = ctx.inventory_file.path
    saved = parse_inventory(path.read_text(), str(path))
    benin = saved.systems[-1]
    assert (benin.name, benin.owner, benin.timezone) == (
        "Benin",
        "Kamil Gruca",
        "Africa/Porto-Novo",
    )
    assert benin.repository == "egovernment/eregistrations-benin"
    [d] = benin.deployments
    assert (d.environment, d.server, d.app, d.url) == (
        "production",
        "unctad",
        "bj",
        "https://benin.eregistrations.org/",
    )
    assert saved.operator.github == "kgruca"
    assert [s.name for s in saved.systems[:4]] == ["Guatemala", "Salvador", "Lomas", "Tanzania"]
    assert saved.systems[3].deployments[0].pinned  # Tanzania's tag survives the round trip


def test_duplicate_app_is_reported_and_nothing_is_written(qtbot, ctx, dialog):
    path = ctx.inventory_file.path
    before = path.read_bytes()
    add_system(qtbot, dialog, "Copy", "gt")
    qtbot.mouseClick(dialog.buttons.button(SAVE), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(dialog.problems_label.isVisible)  # the file is checked and written on a worker
    assert dialog.isVisible()  # stays open: nothing typed is lost
    assert dialog.isEnabled()
    problems = dialog.problems_label.text()
    assert (
        "System 'Copy', production deployment gt: app 'gt' on server 'unctad' is listed twice (Guatemala and Copy)"
        in (problems)
    )
    assert path.read_bytes() == before
    assert dialog.name_edit.text() == "Copy"
    assert dialog.deployments.editor(0, "app").text() == "gt"


def test_bad_field_names_the_system_and_selects_it(qtbot, ctx, dialog):
    dialog.system_list.setCurrentRow(1)  # Salvador
    type_into(qtbot, dialog.timezone_edit, "Mars/Olympus")
    dialog.system_list.setCurrentRow(0)
    qtbot.mouseClick(dialog.buttons.button(SAVE), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(dialog.problems_label.isVisible)
    assert "System 'Salvador': unknown time zone 'Mars/Olympus'" in dialog.problems_label.text()
    assert dialog.system_list.currentRow() == 1


def test_system_without_a_name_is_refused(qtbot, ctx, dialog):
    before = ctx.inventory_file.path.read_bytes()
    qtbot.mouseClick(dialog.add_system_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(dialog.buttons.button(SAVE), Qt.MouseButton.LeftButton)
    assert "System 5: the name is empty" in dialog.problems_label.text()
    assert ctx.inventory_file.path.read_bytes() == before


def test_remove_a_deployment_and_a_system(qtbot, ctx, dialog):
    dialog.system_list.setCurrentRow(3)  # Tanzania
    dialog.deployments.editor(1, "app").setFocus()  # tz-dev
    qtbot.waitUntil(lambda: dialog.deployments.currentRow() == 1)
    qtbot.mouseClick(dialog.remove_deployment_button, Qt.MouseButton.LeftButton)
    dialog.system_list.setCurrentRow(0)
    qtbot.mouseClick(dialog.remove_system_button, Qt.MouseButton.LeftButton)
    with qtbot.waitSignal(dialog.saved):
        dialog.buttons.button(SAVE).click()
    path = ctx.inventory_file.path
    saved = parse_inventory(path.read_text(), str(path))
    assert [s.name for s in saved.systems] == ["Salvador", "Lomas", "Tanzania"]
    assert [d.app for d in saved.systems[2].deployments] == ["tz"]


def test_saving_from_the_window_reloads_the_tree(qtbot, window):
    window.edit_inventory_action.trigger()
    dialog = window._inventory_dialog
    assert dialog is not None and dialog.isVisible()
    add_system(qtbot, dialog, "Benin", "bj")
    with qtbot.waitSignal(window.inventory_reloaded):
        dialog.buttons.button(SAVE).click()
    model = window.tree.model()
    production = model.index(0, 0)
    apps = [model.index(r, 1, production).data() for r in range(model.rowCount(production))]
    assert apps[-1] == "bj"
    assert window.ctx.inventory.systems[-1].name == "Benin"
