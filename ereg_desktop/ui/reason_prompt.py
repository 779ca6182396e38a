"""Ask for the reason a preflight concern needs (the system is not yours; production outside its
low-traffic window). The reason goes into the audit record, so it cannot be left empty."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from ereg_desktop.services.deploy.preflight import Concern, ConcernNote
from ereg_desktop.services.text_input import reason_problem

_TITLES = {
    Concern.OWNER_MISMATCH: "This system is assigned to someone else",
    Concern.OUTSIDE_LOW_TRAFFIC: "Production is outside its low-traffic window",
}


class ReasonPrompt(QDialog):
    """One concern, one reason. OK stays disabled until something is typed."""

    def __init__(self, note: ConcernNote, app: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.note = note
        self.setWindowTitle(f"A reason is needed to update {app}")
        self.setMinimumWidth(460)
        layout = QVBoxLayout(self)
        title = QLabel(f"<b>{_TITLES.get(note.concern, str(note.concern))}</b>")
        explain = QLabel(note.message)
        explain.setWordWrap(True)
        why = QLabel(
            "Type why this update cannot wait or be left to its owner. The reason is recorded "
            "with the update, on the server (shared with the team) and in your local history."
        )
        why.setWordWrap(True)
        self.reason_edit = QPlainTextEdit()
        self.reason_edit.setPlaceholderText("e.g. urgent fix agreed with the owner by phone")
        self.reason_edit.setTabChangesFocus(True)
        self.reason_edit.setFixedHeight(80)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("Continue with this reason")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.reason_edit.textChanged.connect(self._text_changed)
        # text that cannot be sent (a control character, too long) is said here, before OK
        self.problem = QLabel()
        self.problem.setStyleSheet("color: #c62828;")
        self.problem.setWordWrap(True)
        self.problem.hide()
        for w in (title, explain, why, self.reason_edit, self.problem, self.buttons):
            layout.addWidget(w)
        self._text_changed()

    def _text_changed(self) -> None:
        problem = self.problem_text()
        self.problem.setText(problem or "")
        self.problem.setVisible(problem is not None)
        self.ok_button.setEnabled(bool(self.reason()) and problem is None)

    def reason(self) -> str:
        """The reason as one line: the lines typed in the box joined by spaces (a record holds
        one line)."""
        return " ".join(
            line.strip() for line in self.reason_edit.toPlainText().splitlines()
        ).strip()

    def problem_text(self) -> str | None:
        reason = self.reason()
        return reason_problem(reason) if reason else None

    def accept(self) -> None:
        if self.reason() and self.problem_text() is None:  # Enter must not pass a bad reason
            super().accept()
