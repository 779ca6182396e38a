"""The host-key questions of live status: one non-modal dialog per server whose key is unknown or
changed. Polls of that server pause while its dialog is open or declined (``ServerStates``); a
trusted key resumes them. Pinning runs on the dialog's worker, never on the GUI thread."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from ereg_desktop.presenters.server_state import ServerStates
from ereg_desktop.remote.errors import HostKeyProblem
from ereg_desktop.store.inventory import Server
from ereg_desktop.ui.window_api import WindowApi

if TYPE_CHECKING:
    from ereg_desktop.remote.connection import ConnectionPool
    from ereg_desktop.ui.host_key_dialog import HostKeyDialog

PinHostKey = Callable[[Server, str], object]  # worker thread: fetch, compare, pin


def pin_with_pool(pool: ConnectionPool | None, server: Server, expected: str) -> object:
    """Pin the key ``server`` offers now if its fingerprint is ``expected`` (on a worker)."""
    from ereg_desktop.remote.hostkeys import trust_offered_key

    if pool is None:  # only a real monitor reports host-key problems
        raise RuntimeError(f"no connection pool to pin the host key of {server.id} with")
    offered = trust_offered_key(pool.known_hosts, server, expected)
    pool.drop(server.id)  # here on the worker: drop takes the server's lock
    return offered


class HostKeyPrompts(QObject):
    asked = Signal(object)  # the HostKeyDialog shown
    trusted = Signal(object)  # the Server whose key was pinned: poll it again
    changed = Signal(str)  # the server id whose state text changed

    def __init__(self, window: WindowApi, states: ServerStates) -> None:
        super().__init__(window.as_widget())
        self.window = window
        self.states = states
        self._dialogs: dict[str, HostKeyDialog] = {}

    def is_open(self, server_id: str) -> bool:
        return server_id in self._dialogs

    def dialog(self, server_id: str) -> HostKeyDialog | None:
        return self._dialogs.get(server_id)

    def ask(self, server: Server, problem: HostKeyProblem, pin: PinHostKey) -> None:
        """Show the dialog for ``problem`` unless one is open or the operator declined it (a
        manual refresh asks again)."""
        self.states.host_key_asked(server.id)
        self.changed.emit(server.id)
        if server.id in self._dialogs or self.states[server.id].declined:
            return
        from ereg_desktop.ui.host_key_dialog import HostKeyDialog

        dialog = HostKeyDialog(server, problem, lambda fp: pin(server, fp),
                               self.window.as_widget())  # fmt: skip
        self._dialogs[server.id] = dialog
        dialog.trusted.connect(lambda _fp: self._trusted(server))
        dialog.finished.connect(lambda _result: self._closed(server.id))
        dialog.show()
        self.asked.emit(dialog)

    def close_all(self) -> None:
        for dialog in list(self._dialogs.values()):
            dialog.close()

    def _trusted(self, server: Server) -> None:
        self.states.host_key_trusted(server.id)
        self.window.statusBar().showMessage(f"Host key of {server.id} trusted", 5000)
        self.trusted.emit(server)

    def _closed(self, server_id: str) -> None:
        dialog = self._dialogs.pop(server_id, None)
        if dialog is not None:
            dialog.deleteLater()
        if self.states[server_id].paused:
            self.states.host_key_declined(server_id)
            self.changed.emit(server_id)
