"""Re-attach: when a server (re)connects, look there for server jobs nobody has recorded (started
before this app closed, or by a desktop that let go) and follow each in an update dialog of its
own, which verifies and records the outcome. Which jobs to follow is decided in
``services/deploy/reattach_policy.py``; this side runs the listing on a worker and opens the
dialogs through the Deployment actions."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject

from ereg_desktop.services.deploy.reattach_policy import Reconnects
from ereg_desktop.store.inventory import DeploymentRef
from ereg_desktop.ui.tasks import POLL, run_task

if TYPE_CHECKING:
    from ereg_desktop.services.deploy.jobs import JobListing
    from ereg_desktop.services.deploy.reattach_policy import Follow
    from ereg_desktop.services.status import ServerStatus
    from ereg_desktop.ui.deploy_actions import DeploymentActions

log = logging.getLogger(__name__)


class JobFollower(QObject):
    def __init__(self, actions: DeploymentActions) -> None:
        super().__init__(actions)
        self.actions = actions
        self.reconnects = Reconnects()

    def status_applied(self, status: ServerStatus) -> None:
        """Called with every status the window shows: a server that (re)connects is searched
        for jobs nobody has recorded."""
        from ereg_desktop.services.status import CONNECTED

        if self.reconnects.just_connected(status.server_id, status.state == CONNECTED):
            self.look_for_jobs(status.server_id)

    def look_for_jobs(self, server_id: str) -> None:
        from ereg_desktop.services.deploy.jobs import ServerJobs
        from ereg_desktop.services.deploy.reattach_policy import unrecorded

        refs = [r for r in self.actions.ctx.inventory.deployments() if r.server.id == server_id]
        if not refs:
            return
        shell = self.actions.shell(refs[0].server)
        apps = {r.app for r in refs}
        run_task(
            lambda _p: unrecorded(ServerJobs(shell).listing(), apps),
            kind=POLL,
            receiver=self,
            on_result=lambda jobs: self.jobs_found(refs, jobs),
            on_error=lambda _e: None,  # the status poll reports the connection itself
        )

    def jobs_found(self, refs: list[DeploymentRef], jobs: list[JobListing]) -> None:
        from ereg_desktop.services.deploy.reattach_policy import Followed, jobs_to_follow

        guard, dialogs = self.actions.ctx.write_guard, self.actions.dialogs
        followed = [Followed(d.job_id, d.running, d.deploy_run.down_since)
                    for d in dialogs if d.job_id]  # fmt: skip
        for follow in jobs_to_follow(refs, jobs, followed,
                                     lambda r: guard.running(r.server.id, r.app) is not None):  # fmt: skip
            self._follow(follow)

    def _follow(self, follow: Follow) -> None:
        from ereg_desktop.services.deploy.decisions import DecisionChannel
        from ereg_desktop.services.deploy.workflow import DeployRun

        ref, job, ctx = follow.ref, follow.job, self.actions.ctx
        # a re-attached run resumes after its job: later phases (the review) may still ask
        channel = DecisionChannel()
        try:
            run = DeployRun.reattach(
                ref, self.actions.shell(ref.server), job, guard=ctx.write_guard,
                history=ctx.history, settings=ctx.deploy_settings, down_at=follow.down_at,
                decider=channel, github=ctx.github_pulls,
            )  # fmt: skip
        except Exception:  # one job this version cannot follow must not stop the others
            log.error("cannot follow server job %s of %s", job.record.id, ref.app, exc_info=True)
            self._status(f"Server job {job.record.id} of {ref.app} cannot be followed "
                         "by this version: see the log")  # fmt: skip
            return
        if follow.again:
            waiting = next(d for d in self.actions.dialogs if d.job_id == job.record.id)
            self._status(f"Following server job {job.record.id} of {ref.app} again")
            waiting.follow_again(run, channel)
            return
        who = job.record.context.operator or "someone"
        self._status(f"Following server job {job.record.id} of {ref.app} (started by {who}, "
                     f"{job.state.state}) to record its outcome")  # fmt: skip
        dialog = self.actions.open_dialog(ref, run, reattached=True, decisions=channel)
        dialog.job_id = job.record.id

    def _status(self, text: str) -> None:
        self.actions.window.statusBar().showMessage(text, 20_000)
