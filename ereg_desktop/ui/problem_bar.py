"""A non-modal warning strip at the top of the window: the inventory file could not be used."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QWidget

from ereg_desktop.store.inventory_file import LoadedInventory


def inventory_problem_text(loaded: LoadedInventory) -> str:
    """Every problem as ``file:line: message``, then which copy the app is running with."""
    if loaded.problem is None:
        return ""
    if loaded.source is not None:
        using = f"The last good copy is in use: {loaded.source}"
    else:
        using = "No good copy was found: the built-in default inventory is in use."
    return (
        f"The inventory file cannot be used:\n{loaded.problem}\n{using}\n"
        "Fix the file and choose Reload inventory; the broken file has not been changed."
    )


class ProblemBar(QFrame):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("problemBar")
        self.setStyleSheet(
            "#problemBar { background: #fff3cd; border: 1px solid #e0b252; border-radius: 3px; }"
            " #problemBar QLabel { color: #533f03; }"
        )
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        icon = QLabel("\u26a0")
        icon.setStyleSheet("font-size: 18px;")
        icon.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.reload = QPushButton("Reload inventory")
        self.dismiss = QPushButton("Dismiss")
        self.dismiss.clicked.connect(self.hide)
        layout.addWidget(icon)
        layout.addWidget(self.message, 1)
        layout.addWidget(self.reload, 0, Qt.AlignmentFlag.AlignTop)
        layout.addWidget(self.dismiss, 0, Qt.AlignmentFlag.AlignTop)
        self.hide()

    def show_inventory(self, loaded: LoadedInventory) -> None:
        text = inventory_problem_text(loaded)
        self.message.setText(text)
        self.setVisible(bool(text))
