"""The update dialog's bottom row: the connection note and the buttons, shown as the presenter
(:class:`~ereg_desktop.presenters.deploy_progress.DeployProgress`) says. Which buttons exist and
what they mean is here; what they do is the dialog's."""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QWidget

from ereg_desktop.presenters.deploy_progress import CANCEL, DETACH, STOP_WAITING, DeployProgress

# Said beside Cancel, so which side of the point of no return the run is on is read, not guessed
BEFORE_NO_RETURN = "Nothing has been stopped yet: Cancel leaves the app running as it is."
PAST_NO_RETURN = (
    "Past the point of no return: the update continues on the server. "
    "Detach only stops following it here."
)
WAITING_DOWN = (
    "The app is stopped while the pull request waits for a merge on GitHub. Stop waiting "
    "leaves it down (Start it again is offered)."
)


class DeployButtons(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        self.connection_note = QLabel()
        self.connection_note.setStyleSheet("color: #ef6c00;")
        self.connection_note.setWordWrap(True)
        row.addWidget(self.connection_note, 1)
        self.stage_note = QLabel()
        self.stage_note.setObjectName("pointOfNoReturn")
        self.stage_note.setWordWrap(True)
        row.addWidget(self.stage_note, 2)
        self.start_again_button = QPushButton("Start it again")
        self.start_again_button.setToolTip("pm2 start with the code now on disk, in one click")
        self.restart_button = QPushButton("Restart instead")
        self.restart_button.setToolTip("Nothing is pending: a plain pm2 restart (asks first)")
        self.break_lock_button = QPushButton("Break the lock\u2026")
        self.cancel_button = QPushButton("Cancel")
        self.close_button = QPushButton("Close")
        for b in (self.start_again_button, self.restart_button, self.break_lock_button):
            b.hide()
            row.addWidget(b)
        row.addWidget(self.cancel_button)
        row.addWidget(self.close_button)

    def show_running(self, state: DeployProgress) -> None:
        """The connection note and Cancel (it reads "Detach" past the point of no return)."""
        self.connection_note.setText(state.connection_note)
        asking = state.running and state.cancel_pressed is None
        notes = {CANCEL: BEFORE_NO_RETURN, DETACH: PAST_NO_RETURN, STOP_WAITING: WAITING_DOWN}
        note = notes.get(state.cancel_mode, "")
        self.stage_note.setText(note if asking else "")
        down = state.cancel_mode in (DETACH, STOP_WAITING)
        self.stage_note.setStyleSheet("color: #c62828;" if down else "color: #555;")
        button = state.cancel_button()
        self.cancel_button.setText(button.text)
        self.cancel_button.setToolTip(button.tip)
        self.cancel_button.setEnabled(button.enabled)
        self.cancel_button.setVisible(button.visible)

    def show_outcome(self, state: DeployProgress) -> None:
        """What the ended run offers: start the app again, a plain restart, breaking a lock."""
        self.start_again_button.setVisible(state.offers_start_again)
        self.start_again_button.setDefault(state.offers_start_again)
        self.restart_button.setVisible(state.offers_restart)
        self.break_lock_button.setVisible(state.offers_lock_break)
        self.break_lock_button.setToolTip(state.lock_break_tip)

    def starting_again(self) -> None:
        self.start_again_button.setEnabled(False)
        self.start_again_button.setText("Starting\u2026")

    def started_again(self, state: DeployProgress) -> None:
        if state.offers_start_again:  # it failed: the app is still down
            self.start_again_button.setEnabled(True)
            self.start_again_button.setText("Start it again")
        else:
            self.start_again_button.hide()
