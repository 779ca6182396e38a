"""Edit the inventory: who operates this copy, the systems, and where each one is deployed.

Edits go to a copy of the inventory. Save validates it exactly as the file would be read back; any
problem is shown here, nothing is written, and the dialog stays open with everything typed.
"""

from __future__ import annotations

import copy
import re
import zoneinfo

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QCompleter,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ereg_desktop.context import AppContext
from ereg_desktop.errors import InventoryError
from ereg_desktop.store.inventory import Inventory, System
from ereg_desktop.store.inventory_toml import dump_inventory
from ereg_desktop.ui.deployments_table import DeploymentsTable
from ereg_desktop.ui.tasks import run_task

_SYSTEM_HEADER = re.compile(r"^\s*\[\[\s*systems\s*\]\]")
_DEPLOYMENT_HEADER = re.compile(r"^\s*\[\[\s*systems\.deployments\s*\]\]")


class InventoryDialog(QDialog):
    saved = Signal()

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.inventory: Inventory = copy.deepcopy(ctx.inventory)
        self._loading = False
        self.setWindowTitle("Edit inventory")
        self.resize(1080, 620)

        layout = QVBoxLayout(self)
        if ctx.loaded.problem is not None:
            note = QLabel(
                "The inventory file is broken; this is the last good copy. "
                "Saving replaces the broken file with what you see here."
            )
            note.setWordWrap(True)
            layout.addWidget(note)
        layout.addWidget(self._operator_box())
        layout.addWidget(self._systems_box(), 1)
        self.problems_label = QLabel()
        self.problems_label.setObjectName("problems")
        self.problems_label.setStyleSheet("#problems { color: #b00020; }")
        self.problems_label.setWordWrap(True)
        self.problems_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.problems_label.hide()
        layout.addWidget(self.problems_label)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)

        for system in self.inventory.systems:
            self.system_list.addItem(_list_text(system))
        if self.inventory.systems:
            self.system_list.setCurrentRow(0)
        else:
            self._show_system(-1)

    # --- building ---------------------------------------------------------------------------

    def _operator_box(self) -> QGroupBox:
        box = QGroupBox("You (the operator of this copy of the app)")
        form = QFormLayout(box)
        self.operator_name = QComboBox()
        self.operator_name.setEditable(True)
        self.operator_name.addItems(self._known_owners())
        self.operator_name.setCurrentText(self.inventory.operator.name)
        self.operator_name.setToolTip('Your name exactly as written in the systems\' "owner"')
        self.operator_name.currentTextChanged.connect(
            lambda text: setattr(self.inventory.operator, "name", text.strip())
        )
        self.operator_github = QLineEdit(self.inventory.operator.github)
        self.operator_github.textChanged.connect(
            lambda text: setattr(self.inventory.operator, "github", text.strip())
        )
        form.addRow("Name:", self.operator_name)
        form.addRow("GitHub login:", self.operator_github)
        return box

    def _systems_box(self) -> QGroupBox:
        box = QGroupBox("Systems")
        row = QHBoxLayout(box)

        left = QVBoxLayout()
        self.system_list = QListWidget()
        self.system_list.currentRowChanged.connect(self._show_system)
        self.add_system_button = QPushButton("Add system")
        self.add_system_button.clicked.connect(self.add_system)
        self.remove_system_button = QPushButton("Remove system")
        self.remove_system_button.clicked.connect(self.remove_system)
        left.addWidget(self.system_list, 1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_system_button)
        buttons.addWidget(self.remove_system_button)
        left.addLayout(buttons)
        row.addLayout(left, 1)

        self.system_form = QWidget()
        right = QVBoxLayout(self.system_form)
        right.setContentsMargins(0, 0, 0, 0)
        form = QFormLayout()
        self.name_edit = QLineEdit()
        self.owner_combo = QComboBox()
        self.owner_combo.setEditable(True)
        self.owner_combo.addItems(self._known_owners())
        self.repository_edit = QLineEdit()
        self.repository_edit.setPlaceholderText("egovernment/eregistrations-country")
        self.timezone_edit = QLineEdit()
        self.timezone_edit.setPlaceholderText("America/Guatemala")
        zones = QCompleter(sorted(zoneinfo.available_timezones()), self.timezone_edit)
        zones.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        zones.setFilterMode(Qt.MatchFlag.MatchContains)
        self.timezone_edit.setCompleter(zones)
        self.low_traffic_edit = QLineEdit()
        self.low_traffic_edit.setPlaceholderText("08:00-14:00 Europe/Paris (empty: no window)")
        form.addRow("Name:", self.name_edit)
        form.addRow("Owner:", self.owner_combo)
        form.addRow("Repository:", self.repository_edit)
        form.addRow("Time zone:", self.timezone_edit)
        form.addRow("Low traffic:", self.low_traffic_edit)
        right.addLayout(form)
        self.name_edit.textChanged.connect(lambda t: self._set_system("name", t))
        self.owner_combo.currentTextChanged.connect(lambda t: self._set_system("owner", t))
        self.repository_edit.textChanged.connect(lambda t: self._set_system("repository", t))
        self.timezone_edit.textChanged.connect(lambda t: self._set_system("timezone", t))
        self.low_traffic_edit.textChanged.connect(lambda t: self._set_system("low_traffic", t))

        right.addWidget(QLabel("Deployments:"))
        self.deployments = DeploymentsTable()
        right.addWidget(self.deployments, 1)
        buttons = QHBoxLayout()
        self.add_deployment_button = QPushButton("Add deployment")
        self.add_deployment_button.clicked.connect(self.deployments.add_deployment)
        self.remove_deployment_button = QPushButton("Remove deployment")
        self.remove_deployment_button.clicked.connect(self.deployments.remove_selected)
        buttons.addWidget(self.add_deployment_button)
        buttons.addWidget(self.remove_deployment_button)
        buttons.addStretch(1)
        right.addLayout(buttons)
        row.addWidget(self.system_form, 3)
        return box

    def _known_owners(self) -> list[str]:
        names = {s.owner for s in self.inventory.systems if s.owner}
        if self.inventory.operator.name:
            names.add(self.inventory.operator.name)
        return sorted(names)

    # --- editing ----------------------------------------------------------------------------

    def current_system(self) -> System | None:
        number = self.system_list.currentRow()
        return self.inventory.systems[number] if 0 <= number < len(self.inventory.systems) else None

    def _show_system(self, number: int) -> None:
        system = self.current_system()
        self.system_form.setEnabled(system is not None)
        self.remove_system_button.setEnabled(system is not None)
        self._loading = True
        try:
            shown = system or System(name="")
            self.name_edit.setText(shown.name)
            self.owner_combo.setCurrentText(shown.owner)
            self.repository_edit.setText(shown.repository)
            self.timezone_edit.setText(shown.timezone)
            self.low_traffic_edit.setText(shown.low_traffic)
            servers = [s.id for s in self.inventory.servers]
            self.deployments.show_deployments(shown.deployments, servers)
        finally:
            self._loading = False

    def _set_system(self, field: str, value: str) -> None:
        system = self.current_system()
        if self._loading or system is None:
            return
        setattr(system, field, value.strip())
        if field == "name":
            item = self.system_list.currentItem()
            if item is not None:
                item.setText(_list_text(system))

    def add_system(self) -> None:
        system = System(name="", owner=self.inventory.operator.name)
        self.inventory.systems.append(system)
        self.system_list.addItem(_list_text(system))
        self.system_list.setCurrentRow(len(self.inventory.systems) - 1)
        self.name_edit.setFocus()

    def remove_system(self) -> None:
        number = self.system_list.currentRow()
        if 0 <= number < len(self.inventory.systems):
            del self.inventory.systems[number]
            self.system_list.takeItem(number)
            self._show_system(self.system_list.currentRow())

    # --- saving -----------------------------------------------------------------------------

    def accept(self) -> None:
        """Validate and write on a worker (the disk is never touched on the GUI thread); the
        dialog stays open, its fields intact, until the file is written or the problem shown."""
        problems = self._blank_fields()
        if problems:
            self.show_problems(problems)
            return
        self.setEnabled(False)
        inventory, target = copy.deepcopy(self.inventory), self.ctx.inventory_file
        self._save_task = run_task(
            lambda _progress: target.save(inventory),
            receiver=self,
            on_result=self._saved,
            on_error=self._save_failed,
        )

    def _saved(self, _value: object) -> None:
        self.setEnabled(True)
        self.problems_label.hide()
        self.saved.emit()
        super().accept()

    def _save_failed(self, exc: BaseException) -> None:
        self.setEnabled(True)
        if isinstance(exc, InventoryError):
            self.show_problems(self._explain(exc))
        elif isinstance(exc, OSError):
            self.show_problems([f"Cannot write {self.ctx.inventory_file.path}: {exc.strerror}"])
        else:
            self.show_problems([f"Not saved: {exc}"])

    def show_problems(self, problems: list[str]) -> None:
        self.problems_label.setText("Not saved:\n" + "\n".join(f"\u2022 {p}" for p in problems))
        self.problems_label.show()

    def _blank_fields(self) -> list[str]:
        """What the file format allows but the app cannot use: nameless systems and apps."""
        problems = []
        for number, system in enumerate(self.inventory.systems):
            if not system.name:
                problems.append(f"System {number + 1}: the name is empty")
            for d in system.deployments:
                if not d.app:
                    problems.append(
                        f"{_label(system, number)}: a {d.environment} deployment has no app name"
                    )
                if not d.server:
                    problems.append(f"{_label(system, number)}: deployment {d.app!r} has no server")
        if problems:
            self._select_first_problem_system()
        return problems

    def _select_first_problem_system(self) -> None:
        for number, system in enumerate(self.inventory.systems):
            if not system.name or any(not d.app or not d.server for d in system.deployments):
                self.system_list.setCurrentRow(number)
                return

    def _explain(self, exc: InventoryError) -> list[str]:
        """Name the system and deployment of each problem instead of a line of the TOML text."""
        where = _where_by_line(dump_inventory(self.inventory))
        out = []
        first_system = None
        for line, message in exc.problems:
            system_no, deployment_no = where.get(line or 0, (None, None))
            if system_no is None or system_no >= len(self.inventory.systems):
                out.append(message)
                continue
            system = self.inventory.systems[system_no]
            place = _label(system, system_no)
            if deployment_no is not None and deployment_no < len(system.deployments):
                d = system.deployments[deployment_no]
                place += f", {d.environment} deployment {d.app or deployment_no + 1}"
            out.append(f"{place}: {message}")
            if first_system is None:
                first_system = (system_no, deployment_no)
        if first_system is not None:
            self.system_list.setCurrentRow(first_system[0])
            if first_system[1] is not None:
                self.deployments.selectRow(first_system[1])
        return out


def _where_by_line(text: str) -> dict[int, tuple[int | None, int | None]]:
    """For each line of the dumped inventory: which system and which of its deployments it is in."""
    out: dict[int, tuple[int | None, int | None]] = {}
    system: int | None = None
    deployment: int | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        if _SYSTEM_HEADER.match(line):
            system = -1 if system is None else system
            system, deployment = system + 1, None
        elif _DEPLOYMENT_HEADER.match(line):
            deployment = 0 if deployment is None else deployment + 1
        out[number] = (system, deployment)
    return out


def _label(system: System, number: int) -> str:
    return f"System {system.name!r}" if system.name else f"System {number + 1}"


def _list_text(system: System) -> str:
    return system.name or "(new system)"
