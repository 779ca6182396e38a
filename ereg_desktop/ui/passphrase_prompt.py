"""Ask for an SSH key's passphrase from a worker thread, with the dialog on the GUI thread.

The connection pool loads the key on the worker that connects (``load_pkey(..., ask_passphrase)``).
That worker may wait; the GUI thread must not. So the worker posts a request to this object (a
queued signal), the GUI thread shows a non-modal password dialog, and the answer comes back
through a ``threading.Event``. :meth:`release_all` answers every open request with None (the
window closes), so no worker waits forever; nor does an unanswered prompt: after ``timeout_s``
(5 minutes) the worker gets None (the pool then reports the key as unusable and backs off), and
the dialog closes. The worker holds the pool's lock of that server while it waits.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from PySide6.QtCore import QObject, Qt, QThread, Signal, Slot
from PySide6.QtWidgets import QInputDialog, QLineEdit, QWidget

PROMPT_TIMEOUT_S = 300.0


@dataclass(eq=False)
class _Request:
    server_id: str
    answered: threading.Event = field(default_factory=threading.Event)
    answer: str | None = None
    dialog: QInputDialog | None = None  # GUI thread only


class PassphrasePrompt(QObject):
    """Callable from any thread: ``prompt(server_id) -> passphrase or None``."""

    _asked = Signal(object)
    _expired = Signal(object)
    dialog_shown = Signal(object)  # the QInputDialog, for tests

    def __init__(
        self, parent_widget: QWidget | None = None, timeout_s: float = PROMPT_TIMEOUT_S
    ) -> None:
        super().__init__()
        self._parent_widget = parent_widget
        self.timeout_s = timeout_s
        self._open: list[_Request] = []
        self._lock = threading.Lock()
        self._closed = False
        self._asked.connect(self._show, Qt.ConnectionType.QueuedConnection)
        self._expired.connect(self._close, Qt.ConnectionType.QueuedConnection)

    def __call__(self, server_id: str) -> str | None:
        if QThread.currentThread() is self.thread():
            return None  # never block the GUI thread on itself
        request = _Request(server_id)
        with self._lock:
            if self._closed:
                return None
            self._open.append(request)
        self._asked.emit(request)
        if not request.answered.wait(self.timeout_s):
            self._answer(request, None)  # nobody answered: the connection attempt fails
            self._expired.emit(request)
        return request.answer

    @Slot(object)
    def _show(self, request: _Request) -> None:
        if request.answered.is_set():
            return
        dialog = QInputDialog(self._parent_widget)
        dialog.setWindowTitle(f"SSH key passphrase \u2014 {request.server_id}")
        dialog.setLabelText(
            f"The SSH key for server {request.server_id} is protected by a passphrase.\n"
            "Passphrase (kept in memory only for this connection):"
        )
        dialog.setTextEchoMode(QLineEdit.EchoMode.Password)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.textValueSelected.connect(lambda text: self._answer(request, text or None))
        dialog.rejected.connect(lambda: self._answer(request, None))
        request.dialog = dialog
        dialog.finished.connect(lambda _code: setattr(request, "dialog", None))
        dialog.open()
        self.dialog_shown.emit(dialog)

    @Slot(object)
    def _close(self, request: _Request) -> None:
        if request.dialog is not None:
            request.dialog.reject()

    def _answer(self, request: _Request, answer: str | None) -> None:
        with self._lock:
            if request in self._open:
                self._open.remove(request)
        if not request.answered.is_set():
            request.answer = answer
            request.answered.set()

    def release_all(self) -> None:
        """Answer every waiting worker with None; later requests get None at once."""
        with self._lock:
            self._closed = True
            waiting, self._open = self._open, []
        for request in waiting:
            request.answer = None
            request.answered.set()
