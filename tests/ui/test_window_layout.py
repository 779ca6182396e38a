"""The window opens as the operator left it: size, the details dock, column widths, collapsed
groups; the file lives in the config dir, is read on a worker and written atomically on close; a
damaged one is ignored with a warning and the default layout used."""

from __future__ import annotations

import json
import logging
import threading

import pytest
from PySide6.QtCore import Qt

from ereg_desktop.ui.main_window import MainWindow
from ereg_desktop.ui.systems_model import APP, DEVELOPMENT, PRODUCTION
from ereg_desktop.ui.window_layout import (
    LAYOUT_FILE,
    PendingLayout,
    SavedLayout,
    WindowLayout,
    read_layout,
)


def open_window(qtbot, ctx, *, wait_read: bool = True) -> tuple[MainWindow, WindowLayout]:
    pending = PendingLayout(ctx.paths.window_layout_file)
    if wait_read:  # the test waits; the app does not (it applies on arrival)
        qtbot.waitUntil(lambda: pending.done)
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    layout = WindowLayout(window, pending)
    window.show()
    qtbot.waitExposed(window)
    qtbot.waitUntil(lambda: layout.applied)
    return window, layout


def group(window: MainWindow, category: int):  # type: ignore[no-untyped-def]
    return window.tree.model().index(category, 0)


def close_and_wait_saved(qtbot, window: MainWindow, layout: WindowLayout) -> None:
    with qtbot.waitSignal(layout.saved, timeout=10_000):
        window.close()


def test_the_file_is_in_the_config_dir(paths) -> None:
    assert paths.window_layout_file == paths.config_dir / LAYOUT_FILE


def test_the_window_opens_as_it_was_left(qtbot, ctx) -> None:
    first, layout = open_window(qtbot, ctx)
    assert first.tree.isExpanded(group(first, DEVELOPMENT))  # no file yet: the defaults
    first.resize(700, 420)
    first.tree.header().resizeSection(APP, 211)
    first.tree.collapse(group(first, DEVELOPMENT))
    dock_pane = first.add_details_pane()
    dock = dock_pane.parentWidget()
    dock.hide()  # the operator closed the details pane
    close_and_wait_saved(qtbot, first, layout)
    saved = json.loads(ctx.paths.window_layout_file.read_text())
    assert saved["columns"]["App"] == 211 and saved["collapsed"] == ["Development"]

    again, _ = open_window(qtbot, ctx)
    assert (again.width(), again.height()) == (700, 420)
    assert again.tree.header().sectionSize(APP) == 211
    assert not again.tree.isExpanded(group(again, DEVELOPMENT))
    assert again.tree.isExpanded(group(again, PRODUCTION))
    pane = again.add_details_pane()  # after the first paint, as the app does
    assert pane.parentWidget().isHidden()  # where it was left: closed


def test_collapsed_groups_stay_so_when_rows_change_and_open_while_filtering(qtbot, ctx) -> None:
    first, layout = open_window(qtbot, ctx)
    first.tree.collapse(group(first, DEVELOPMENT))
    close_and_wait_saved(qtbot, first, layout)
    window, _ = open_window(qtbot, ctx)
    window.model.set_inventory(ctx.inventory)  # a reload: the model is reset, expandAll runs
    assert not window.tree.isExpanded(group(window, DEVELOPMENT))
    window.filter_box.setText("gt-dev")
    assert window.tree.isExpanded(group(window, 0))  # the match is shown
    window.filter_box.setText("")
    assert not window.tree.isExpanded(group(window, DEVELOPMENT))
    window.tree.setFocus()
    window.tree.setCurrentIndex(group(window, DEVELOPMENT))
    qtbot.keyClick(window.tree, Qt.Key.Key_Plus)  # the operator opens it again
    assert window.tree.isExpanded(group(window, DEVELOPMENT))
    window.model.set_inventory(ctx.inventory)
    assert window.tree.isExpanded(group(window, DEVELOPMENT))


def test_it_is_read_off_the_gui_thread_and_applied_when_it_arrives(qtbot, ctx, monkeypatch) -> None:
    first, layout = open_window(qtbot, ctx)
    first.resize(640, 400)
    close_and_wait_saved(qtbot, first, layout)
    threads: list[threading.Thread] = []
    release = threading.Event()
    import ereg_desktop.ui.window_layout as module

    def slow_read(path):  # type: ignore[no-untyped-def]
        threads.append(threading.current_thread())
        assert release.wait(10)
        return read_layout(path)

    monkeypatch.setattr(module, "read_layout", slow_read)
    pending = PendingLayout(ctx.paths.window_layout_file)
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    later = WindowLayout(window, pending)
    window.show()  # painted before the file is read: the GUI thread did not wait
    qtbot.waitExposed(window)
    assert not later.applied
    release.set()
    qtbot.waitUntil(lambda: later.applied)
    assert threads and threads[0] is not threading.main_thread()
    assert (window.width(), window.height()) == (640, 400)


@pytest.mark.allow_warning_logs
def test_a_damaged_file_is_ignored_with_a_warning_and_replaced_at_close(qtbot, ctx, caplog) -> None:
    path = ctx.paths.window_layout_file
    path.parent.mkdir(parents=True, exist_ok=True)
    for damage in (b"{not json", b'{"format": 1, "columns": {"App": -5}}', b"\xff\xfe",
                   b'{"format": 99}', b'{"format": 1, "geometry": "###"}'):  # fmt: skip
        path.write_bytes(damage)
        caplog.clear()
        assert read_layout(path) is None
        warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
        assert len(warnings) == 1 and str(path) in warnings[0].getMessage()
        assert "using the default layout" in warnings[0].getMessage()
    window, layout = open_window(qtbot, ctx)
    assert window.tree.isExpanded(group(window, DEVELOPMENT))  # the defaults
    caplog.clear()  # the warnings were expected
    close_and_wait_saved(qtbot, window, layout)
    assert isinstance(read_layout(path), SavedLayout)


def test_a_layout_round_trips_through_its_bytes() -> None:
    layout = SavedLayout(b"\x01geo", b"\x02state", {"App": 120}, frozenset({"Other processes"}))
    assert SavedLayout.from_bytes(layout.to_bytes()) == layout
