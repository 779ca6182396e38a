"""The Deployment menu: Restart, Stop, Start, Update… and History on the selected deployment.

Every remote call runs on a worker. The flow of each write: confirmation (production unmistakable)
→ preflight reasons (update) → the work on a worker → the outcome shown and the status refreshed.
Server jobs nobody has recorded yet are re-attached by ``ui/deploy_reattach.py``, in dialogs
opened here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMessageBox

from ereg_desktop.context import AppContext
from ereg_desktop.store.inventory import DeploymentRef, Server
from ereg_desktop.ui.deploy_reattach import JobFollower
from ereg_desktop.ui.tasks import LONG, POLL, run_task
from ereg_desktop.ui.window_api import WindowApi

if TYPE_CHECKING:
    from ereg_desktop.services.deploy.actions import ActionResult
    from ereg_desktop.services.deploy.audit import ServerAudit
    from ereg_desktop.services.deploy.connect import ServerShell
    from ereg_desktop.services.deploy.decisions import DecisionChannel
    from ereg_desktop.services.deploy.lock import LockOwner
    from ereg_desktop.services.deploy.preflight import Concern, ConcernNote
    from ereg_desktop.services.deploy.workflow import DeployResult
    from ereg_desktop.ui.deploy_dialog import DeployDialog, RunLike
    from ereg_desktop.ui.history_view import HistoryView
    from ereg_desktop.ui.notify import Notifier

VERBS = ("restart", "stop", "start")


class DeploymentActions(QObject):
    """Owns the Deployment actions of ``window`` (a MainWindow) and the dialogs they open."""

    # (server id, app, running): an update (or its "Start it again") of this window started
    # (True) or ended (False, emitted on its worker): live status expects the app's restarts
    update_running = Signal(str, str, bool)

    def __init__(self, window: WindowApi, ctx: AppContext) -> None:
        super().__init__(window.as_widget())
        self.window = window
        self.ctx = ctx
        self.dialogs: list[DeployDialog] = []  # open, or hidden while their run goes on
        self.history_view: HistoryView | None = None
        self.pending: QObject | None = None  # the open confirmation/prompt/message (tests)
        self.last_action: ActionResult | BaseException | None = None
        self.jobs = JobFollower(self)  # re-attaches to unrecorded server jobs on (re)connect
        self._notifier: Notifier | None = None
        # The actions live in the window (its menu and toolbar are complete at the first paint);
        # this object, built after it, gives them their behaviour.
        self.restart_action: QAction = window.restart_action
        self.stop_action: QAction = window.stop_action
        self.start_action: QAction = window.start_action
        self.update_action: QAction = window.update_action
        self.history_action: QAction = window.history_action
        self.restart_action.triggered.connect(lambda: self.confirm_action("restart"))
        self.stop_action.triggered.connect(lambda: self.confirm_action("stop"))
        self.start_action.triggered.connect(lambda: self.confirm_action("start"))
        self.update_action.triggered.connect(lambda: self.update_selected())
        self.history_action.triggered.connect(self.show_history)
        self.history_action.setEnabled(True)
        self.selection_changed(None)

    # --- services ---------------------------------------------------------------------------

    @property
    def notifier(self) -> Notifier:
        """Tells the operator an app was left down while the window is not in front (Qt: it
        lives here, not in the context). Tests set their own."""
        if self._notifier is None:
            from ereg_desktop.ui.notify import DesktopNotifier

            self._notifier = DesktopNotifier(self.window.as_widget())
        return self._notifier

    @notifier.setter
    def notifier(self, notifier: Notifier) -> None:
        self._notifier = notifier

    def operator(self) -> str:
        return self.ctx.inventory.operator.name

    def shell(self, server: Server) -> ServerShell:
        """A shell on the context's pool, the one live status polls with. The pool is reached
        on the shell's first run, on a worker: an action clicked before live status built the
        pool never builds it (paramiko) on the GUI thread."""
        from ereg_desktop.services.deploy.connect import ServerShell

        ctx = self.ctx
        return ServerShell(lambda: ctx.pool, server)

    def selected_ref(self) -> DeploymentRef | None:
        row = self.window.selected_row()
        return row.ref if row is not None else None

    # --- selection --------------------------------------------------------------------------

    def selection_changed(self, ref: DeploymentRef | None = None) -> None:
        if ref is None:
            ref = self.selected_ref()
        for a in (self.restart_action, self.stop_action, self.start_action, self.update_action):
            a.setEnabled(ref is not None)
            a.setToolTip(str(a.property("normal_tip")))
        if ref is None:
            tip = "Select a deployment of the inventory (not an Other process)"
            for a in (self.restart_action, self.stop_action, self.start_action):
                a.setToolTip(tip)
            self.update_action.setToolTip(tip)
        elif ref.deployment.pinned:
            self.update_action.setEnabled(False)
            self.update_action.setToolTip(
                f"{ref.app} runs the tag {ref.deployment.track!r} and must never be moved: it "
                "can be restarted, not updated."
            )

    # --- simple actions ---------------------------------------------------------------------

    def confirm_action(self, verb: str, ref: DeploymentRef | None = None) -> None:
        from ereg_desktop.ui.action_confirm import ActionConfirm

        ref = ref or self.selected_ref()
        if ref is None:
            return
        dialog = ActionConfirm(ref, verb, self.window.as_widget())
        dialog.accepted.connect(lambda: self.run_action(ref, verb))
        dialog.finished.connect(dialog.deleteLater)
        self.pending = dialog
        dialog.open()

    def run_action(self, ref: DeploymentRef, verb: str) -> None:
        from ereg_desktop.services.deploy.actions import run_action

        shell, ctx, operator = self.shell(ref.server), self.ctx, self.operator()
        self._status(f"{ref.app}: {verb} running\u2026")
        self._write_running(ref, verb)
        run_task(  # a restart waits until the app is stable: up to a minute
            lambda _p: run_action(
                ref, verb, shell, guard=ctx.write_guard, operator=operator, history=ctx.history
            ),  # fmt: skip
            kind=LONG,
            receiver=self,
            on_result=lambda r: self._action_done(ref, r),
            on_error=lambda e: self._action_failed(ref, verb, e),
        )

    def _write_running(self, ref: DeploymentRef, verb: str) -> None:
        signal = getattr(self.window, "deployment_write_running", None)
        if signal is not None:
            signal.emit(ref.server.id, ref.app, verb)

    def _action_done(self, ref: DeploymentRef, result: ActionResult) -> None:
        self.last_action = result
        self._write_running(ref, result.verb)
        self._status(result.message, 15_000)
        if not result.ok:
            detail = result.output[-3000:] if result.output else ""
            self._message(QMessageBox.Icon.Warning, f"{ref.app}: {result.verb} failed",
                          result.message, detail)  # fmt: skip
        self.refresh_status(ref)

    def _action_failed(self, ref: DeploymentRef, verb: str, error: BaseException) -> None:
        from ereg_desktop.services.deploy.actions import WriteRefused
        from ereg_desktop.services.deploy.lock import LockHeld

        self.last_action = error
        self._write_running(ref, verb)
        self._status(str(error), 15_000)
        if isinstance(error, LockHeld) and error.stale and error.holder is not None:
            self.offer_break_lock(ref, error.holder, str(error))
            return
        title = {
            WriteRefused: f"{ref.app}: another write is running",
            LockHeld: f"{ref.app} is locked by someone else",
        }.get(type(error), f"{ref.app}: {verb} could not run")
        self._message(QMessageBox.Icon.Warning, title, str(error))

    def refresh_status(self, ref: DeploymentRef) -> None:
        """Poll the server of ``ref`` now, if live status has built the monitor (no window
        without live status builds one just for this)."""
        monitor = self.ctx.monitor_if_built
        if monitor is None:
            return
        server = ref.server
        run_task(lambda _p: monitor.poll(server), kind=POLL, receiver=self,
                 on_result=self.window.apply_status, on_error=lambda _e: None)  # fmt: skip

    # --- the stale lock ---------------------------------------------------------------------

    def offer_break_lock(self, ref: DeploymentRef, holder: LockOwner, why: str) -> None:
        from ereg_desktop.ui.lock_break import break_lock_box

        box = break_lock_box(self.window.as_widget(), ref, holder, why,
                             lambda: self.break_lock(ref, holder))  # fmt: skip
        self.pending = box
        box.open()

    def break_lock(self, ref: DeploymentRef, holder: LockOwner) -> None:
        from ereg_desktop.services.deploy.lock import ServerLock

        lock = ServerLock(self.shell(ref.server), ref.app)
        run_task(
            lambda _p: lock.break_stale(holder),
            kind=POLL,
            receiver=self,
            on_result=lambda ok: self._status(
                f"Lock on {ref.app} broken"
                if ok
                else f"The lock on {ref.app} changed meanwhile: not broken",
                15_000,
            ),  # fmt: skip
            on_error=lambda e: self._message(QMessageBox.Icon.Warning, "Lock not broken", str(e)),
        )

    # --- update -----------------------------------------------------------------------------

    def update_selected(self, ref: DeploymentRef | None = None) -> None:
        from ereg_desktop.services.deploy.preflight import concerns, update_refusal
        from ereg_desktop.ui.action_confirm import ActionConfirm

        ref = ref or self.selected_ref()
        if ref is None:
            return
        refusal = update_refusal(ref)
        if refusal is not None:
            self._message(QMessageBox.Icon.Information, f"{ref.app} cannot be updated",
                          refusal.message)  # fmt: skip
            return
        notes = concerns(ref, self.operator())
        dialog = ActionConfirm(ref, "update", self.window.as_widget())
        dialog.accepted.connect(lambda: self._ask_reasons(ref, list(notes), {}))
        dialog.finished.connect(dialog.deleteLater)
        self.pending = dialog
        dialog.open()

    def _ask_reasons(
        self, ref: DeploymentRef, notes: list[ConcernNote], reasons: dict[Concern, str]
    ) -> None:
        from ereg_desktop.ui.reason_prompt import ReasonPrompt

        if not notes:
            self.start_update(ref, reasons)
            return
        note, rest = notes[0], notes[1:]
        prompt = ReasonPrompt(note, ref.app, self.window.as_widget())

        def answered() -> None:
            self._ask_reasons(ref, rest, {**reasons, note.concern: prompt.reason()})

        prompt.accepted.connect(answered)
        prompt.finished.connect(prompt.deleteLater)
        self.pending = prompt
        prompt.open()

    def start_update(self, ref: DeploymentRef, reasons: dict[Concern, str]) -> DeployDialog:
        """Run the update of ``ref``. ``reasons`` asked before the run answer its questions in
        advance; a concern without one is asked inline in the dialog, through the run's channel."""
        from ereg_desktop.services.deploy.decisions import DecisionChannel
        from ereg_desktop.services.deploy.workflow import DeployRun

        ctx, channel = self.ctx, DecisionChannel()
        run = DeployRun(ref, self.shell(ref.server), operator=self.operator(),
                        guard=ctx.write_guard, reasons=reasons, history=ctx.history,
                        settings=ctx.deploy_settings, decider=channel,
                        github=ctx.github_pulls)  # fmt: skip
        return self.open_dialog(ref, run, reattached=False, decisions=channel)

    def open_dialog(
        self,
        ref: DeploymentRef,
        run: RunLike,
        reattached: bool,
        decisions: DecisionChannel | None = None,  # the channel ``run`` asks through
    ) -> DeployDialog:
        from ereg_desktop.ui.deploy_dialog import DeployDialog

        dialog = DeployDialog(ref, run, notifier=self.notifier, parent=self.window.as_widget(),
                              reattached=reattached, decisions=decisions)  # fmt: skip
        dialog.tell_running = lambda running: self._update_running(ref, running)
        dialog.restart_requested.connect(lambda r: self.confirm_action("restart", r))
        dialog.break_lock_requested.connect(lambda res: self._break_from_dialog(ref, res))
        dialog.run_finished.connect(lambda _res: self._run_finished(ref, dialog))
        dialog.task_finished.connect(lambda: self._run_finished(ref, dialog))
        dialog.finished.connect(lambda _code: self._dialog_closed(dialog))
        self.dialogs.append(dialog)
        dialog.show()
        dialog.start()
        return dialog

    def _update_running(self, ref: DeploymentRef, running: bool) -> None:
        """From the GUI thread, or the run's worker (queued to the receivers)."""
        try:
            self.update_running.emit(ref.server.id, ref.app, running)
        except RuntimeError:  # the window is gone: nobody to tell
            pass

    def _run_finished(self, ref: DeploymentRef, dialog: DeployDialog) -> None:
        self.refresh_status(ref)
        if not dialog.isVisible():  # hidden while it ran (detached): nothing more to show
            self._dialog_closed(dialog)

    def _break_from_dialog(self, ref: DeploymentRef, result: DeployResult) -> None:
        if result.lock_holder is not None:
            self.offer_break_lock(ref, result.lock_holder, result.message)

    def _dialog_closed(self, dialog: DeployDialog) -> None:
        # Gone at once, even while a task of it still works: that task's outcome is delivered to
        # the dialog's own slots, which Qt drops with it (the run itself records its outcome)
        if dialog in self.dialogs:
            self.dialogs.remove(dialog)
            dialog.deleteLater()

    # --- history ----------------------------------------------------------------------------

    def show_history(self) -> None:
        from ereg_desktop.ui.history_view import HistoryView

        if self.history_view is None:
            self.history_view = HistoryView(
                self.ctx.history,
                lambda: r.app if (r := self.selected_ref()) else None,
                self.window.as_widget(),
                servers=self.audit_readers,
            )
        self.history_view.show()
        self.history_view.raise_()
        self.history_view.reload()

    def audit_readers(self) -> list[tuple[str, Callable[[str | None], ServerAudit]]]:
        """Each server's shared audit file, read over the shared pool (on the view's worker)."""
        from ereg_desktop.services.deploy.audit import read_server_audit

        def reader(server: Server) -> Callable[[str | None], ServerAudit]:
            shell = self.shell(server)
            return lambda app: read_server_audit(shell, server.id, app)

        return [(s.id, reader(s)) for s in self.ctx.inventory.servers]

    # --- feedback ---------------------------------------------------------------------------

    def _status(self, text: str, ms: int = 0) -> None:
        self.window.statusBar().showMessage(text, ms)

    def _message(self, icon: QMessageBox.Icon, title: str, text: str, detail: str = "") -> None:
        box = QMessageBox(icon, title, text, QMessageBox.StandardButton.Ok, self.window.as_widget())
        if detail:
            box.setDetailedText(detail)
        box.finished.connect(box.deleteLater)
        self.pending = box
        box.open()
