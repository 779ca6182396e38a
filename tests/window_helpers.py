"""What tests do to the main window the way a user would."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QItemSelectionModel

from ereg_desktop.ui.systems_model import APP


def select(window: Any, app: str) -> None:
    """Select the row of ``app`` in the window's tree (its App cell may read "tz [tag 2015]")."""
    model = window.tree.model()
    for c in range(model.rowCount()):
        parent = model.index(c, 0)
        for r in range(model.rowCount(parent)):
            if model.index(r, APP, parent).data().split(" [")[0] == app:
                flags = QItemSelectionModel.SelectionFlag.ClearAndSelect
                flags |= QItemSelectionModel.SelectionFlag.Rows
                window.tree.selectionModel().select(model.index(r, 0, parent), flags)
                return
    raise AssertionError(f"{app} not in the window")
