"""The details pane's Updates tab: for the selected deployment, the commits pending on its tracked
branch (checked in the background every few minutes and on "Check now", never per sample), its
last restart, its last deploy from this computer's history, and whether a restart is due by the
procedure's rhythm and in which slot (``services/due``)."""

from __future__ import annotations

import html
import time
from collections.abc import Callable
from datetime import UTC, datetime, tzinfo
from typing import Any, Protocol

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QFormLayout, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from ereg_desktop.presenters.today import TodayRow, today_row
from ereg_desktop.services.due import PENDING_CHECK_INTERVAL_S, Pending, last_restart
from ereg_desktop.services.shown_text import printable
from ereg_desktop.store.inventory import DeploymentRef
from ereg_desktop.ui.systems_model import ProcessRow
from ereg_desktop.ui.tasks import POLL, SHORT, LatestRequest, run_task

RowLookup = Callable[[str, str], ProcessRow | None]
SUBJECTS_SHOWN = 5


class UpdatesSource(Protocol):
    """Runs on a worker."""

    def pending(self, ref: DeploymentRef, force: bool = False) -> Pending: ...
    def last_deploy(self, server_id: str, app: str) -> dict[str, Any] | None: ...


def when(moment: datetime | None, now: float) -> str:
    if moment is None:
        return ""
    ago = max(0, int(now - moment.timestamp()))
    span = f"{ago // 60} min" if ago < 3600 else f"{ago // 3600} h {ago % 3600 // 60} min"
    if ago >= 86400:
        span = f"{ago // 86400} d {ago % 86400 // 3600} h"
    return f"{moment.astimezone():%Y-%m-%d %H:%M} ({span} ago)"


def deploy_text(record: dict[str, Any] | None, now: float) -> str:
    if record is None:
        return "none recorded on this computer"
    try:
        at = datetime.fromisoformat(str(record.get("started_at", "")))
        if at.tzinfo is None:
            at = at.replace(tzinfo=UTC)
        start = when(at, now)
    except ValueError:
        start = printable(str(record.get("started_at", "")))
    who = printable(str(record.get("operator") or "?"))
    result = printable(str(record.get("result") or "?"))
    before, after = str(record.get("commit_before") or ""), str(record.get("commit_after") or "")
    commits = f", {before[:8]} \u2192 {after[:8]}" if before and after and before != after else ""
    return f"{start} by {who}: {result}{commits}"


class UpdatesTab(QWidget):
    def __init__(
        self,
        source: UpdatesSource | None,
        row_of: RowLookup,
        zone: Callable[[], tzinfo],
        parent: QWidget | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(parent)
        self.source, self.row_of, self.zone, self.clock = source, row_of, zone, clock
        self.server_id = self.app = ""
        self.pending: Pending | None = None
        self.deploy: dict[str, Any] | None = None
        self.checking = False
        self.stale = False
        self.shown: TodayRow | None = None
        self._latest = LatestRequest()
        self._deploy_latest = LatestRequest()

        self.title = QLabel("Select a deployment in the tree to see its updates.")
        self.check_button = QPushButton("Check now")
        self.check_button.setToolTip("Fetch the tracked branch on the server and list what waits")
        self.check_button.clicked.connect(lambda: self.load(force=True))
        head = QHBoxLayout()
        head.addWidget(self.title, 1)
        head.addWidget(self.check_button)
        self.fields: dict[str, QLabel] = {}
        form = QFormLayout()
        for name in ("Tracks", "Pending", "Newest", "Checked", "Last restart", "Last deploy",
                     "Restart"):  # fmt: skip
            label = QLabel("")
            label.setWordWrap(True)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            label.setTextFormat(Qt.TextFormat.RichText)
            self.fields[name] = label
            form.addRow(f"{name}:", label)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(head)
        layout.addLayout(form)
        layout.addStretch(1)

        self.check_timer = QTimer(self)  # the background check: every few minutes
        self.check_timer.setInterval(int(PENDING_CHECK_INTERVAL_S * 1000))
        self.check_timer.timeout.connect(self._timed_check)
        self.check_timer.start()
        self.clock_timer = QTimer(self)  # the slot and the ages move on with the clock
        self.clock_timer.setInterval(60_000)
        self.clock_timer.timeout.connect(self.show_state)
        self.clock_timer.start()
        self.show_state()

    def ref(self) -> DeploymentRef | None:
        row = self.row_of(self.server_id, self.app) if self.app else None
        return row.ref if row is not None else None

    def show_app(self, server_id: str, app: str) -> None:
        if (server_id, app) == (self.server_id, self.app):
            self.show_state()
            return
        self.server_id, self.app = server_id, app
        self.pending, self.deploy, self.checking = None, None, False
        self._latest.next_token()  # an answer for the app before is dropped
        self._deploy_latest.next_token()
        self.stale = bool(app)
        if app and self.isVisible():
            self.load()
        self.show_state()

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        if self.stale:
            self.load()

    def _timed_check(self) -> None:
        if self.isVisible() and self.app:
            self.load()

    def load(self, force: bool = False) -> None:
        """The pending commits (from the last check unless it is old, or ``force``) and the last
        deploy, on workers."""
        ref, source = self.ref(), self.source
        self.stale = False
        if ref is None or source is None:
            self.show_state()
            return
        self.checking = True
        run_task(lambda _p: source.pending(ref, force), receiver=self, on_result=self._pending,
                 on_error=self._pending_failed, latest=self._latest, kind=POLL)  # fmt: skip
        server_id, app = self.server_id, self.app
        run_task(lambda _p: source.last_deploy(server_id, app), receiver=self,
                 on_result=self._deployed, on_error=lambda _e: None,
                 latest=self._deploy_latest, kind=SHORT)  # fmt: skip
        self.show_state()

    def _pending(self, pending: Pending) -> None:
        self.pending, self.checking = pending, False
        self.show_state()

    def _pending_failed(self, exc: BaseException) -> None:
        self.pending, self.checking = Pending((), self.clock(), printable(str(exc))[:500]), False
        self.show_state()

    def _deployed(self, record: dict[str, Any] | None) -> None:
        self.deploy = record
        self.show_state()

    # --- what is shown --------------------------------------------------------------------

    def _set(self, name: str, text: str) -> None:
        self.fields[name].setText(text)

    def show_state(self) -> None:
        row = self.row_of(self.server_id, self.app) if self.app else None
        ref = row.ref if row is not None else None
        self.check_button.setEnabled(ref is not None and self.source is not None
                                     and not ref.deployment.pinned)  # fmt: skip
        if not self.app or ref is None:
            self.shown = None
            self.title.setText(f"<b>{self.app}</b> on {self.server_id} is not a deployment of the "
                               "inventory: nothing is tracked." if self.app else
                               "Select a deployment in the tree to see its updates.")  # fmt: skip
            for name in self.fields:
                self._set(name, "")
            return
        now = self.clock()
        status = row.process if row is not None else None
        taken = row.server_status.taken_at if row is not None and row.server_status else None
        restart = last_restart(status, taken or now)
        shown = self.shown = today_row(ref, self.pending, restart, datetime.fromtimestamp(now, UTC),
                                       self.zone())  # fmt: skip
        esc = html.escape
        self.title.setText(f"<b>{esc(ref.app)}</b> on {esc(ref.server.id)} \u2014 "
                           f"{esc(shown.label)}")  # fmt: skip
        kind = "tag" if ref.deployment.pinned else "branch"
        self._set("Tracks", f"{kind} {esc(ref.deployment.track)}")
        p = self.pending
        if ref.deployment.pinned:
            pend = "never updated (it follows a tag)"
        elif p is None:
            pend = "checking\u2026" if self.checking else "not checked yet"
        elif p.error:
            pend = f"not known: {esc(p.error)}"
        elif p.count == 0:
            pend = f"none: up to date with origin/{esc(ref.deployment.track)}"
        else:
            pend = f"<b>{p.count} commit{'s' if p.count != 1 else ''}</b> waiting"
        self._set("Pending", pend)
        newest = []
        for c in p.commits[:SUBJECTS_SHOWN] if p is not None else ():
            newest.append(f"<tt>{esc(c.short)}</tt> {esc(printable(c.subject)[:200])} "
                          f"<i>({esc(printable(c.author)[:80])})</i>")  # fmt: skip
        if p is not None and p.count > SUBJECTS_SHOWN:
            newest.append(f"\u2026 and {p.count - SUBJECTS_SHOWN} more")
        self._set("Newest", "<br>".join(newest))
        checked = ""
        if p is not None:
            checked = f"{datetime.fromtimestamp(p.checked_at):%H:%M:%S}"
            checked += " (again every few minutes while this tab is shown)"
        self._set("Checked", "checking\u2026" if self.checking else checked)
        restarted = when(restart.at, now) or "not running"
        if restart.restarts is not None:
            restarted += f" \u00b7 pm2 restarts: {restart.restarts}"
        self._set("Last restart", esc(restarted))
        self._set("Last deploy", esc(deploy_text(self.deploy, now)))
        text = esc(shown.reason)
        if shown.due_now or shown.overdue:
            text = f"<b><span style='color:#b41e1e'>{text}</span></b>"
        elif shown.due:
            text = f"<b>{text}</b>"
        self._set("Restart", text)
