"""The Deployment menu's dialogs and re-attach under faults (no server)."""

from __future__ import annotations

import threading
from types import SimpleNamespace
from typing import Any

import pytest
from deploy_fixtures import FakeNotifier, ScriptedRun, make_ref, result

from ereg_desktop.services.deploy import workflow
from ereg_desktop.services.deploy.actions import ActionResult
from ereg_desktop.services.deploy.jobs import JobListing, JobRecord, JobState
from ereg_desktop.services.deploy.workflow import AppState, Outcome
from ereg_desktop.ui.tasks import run_task, wait_for_workers


@pytest.mark.allow_warning_logs
def test_a_job_this_version_cannot_follow_does_not_stop_the_others(
    window, monkeypatch, caplog
) -> None:
    actions = window.deployment
    ref = next(iter(actions.ctx.inventory.deployments()))
    bad, good = "20260101T000000Z-x-aaaaaa", "20260101T000001Z-x-bbbbbb"
    jobs = [JobListing(JobRecord(i, ref.app, "pm2-deploy", ("pm2-deploy", ref.app), "t"),
                       JobState("running"), False) for i in (bad, good)]  # fmt: skip

    def reattach(cls: Any, r: Any, shell: Any, job: JobListing, **kw: Any) -> Any:
        if job.record.id == bad:
            raise ValueError("job.json from a newer version")
        return f"run of {job.record.id}"

    monkeypatch.setattr(workflow.DeployRun, "reattach", classmethod(reattach))
    opened: list[Any] = []
    monkeypatch.setattr(actions, "open_dialog",
                        lambda r, run, reattached, decisions: opened.append(run) or SimpleNamespace())  # fmt: skip
    actions.jobs.jobs_found([ref], jobs)
    assert opened == [f"run of {good}"]
    assert any(bad in r.getMessage() for r in caplog.records)
    caplog.clear()  # the error was expected


class SlowStartAgain(ScriptedRun):
    def __init__(self) -> None:
        again = ActionResult("start", "gt", True, "online", 0.3, "gt: start done", "")
        super().__init__([], result(Outcome.FAILED, AppState.DOWN, "failed", downtime_s=1.0),
                         again=again)  # fmt: skip
        self.release = threading.Event()

    def start_again(self, on_event: Any = None) -> ActionResult:
        self.release.wait(10)
        return super().start_again(on_event)


def test_closing_while_start_again_runs_drops_the_dialog_and_its_late_outcome(
    window, qtbot
) -> None:
    """No Python list keeps a closed dialog alive: Qt deletes it at once, and the outcome of
    its "Start it again" (still running) is delivered nowhere, without an error or a warning."""
    actions = window.deployment
    actions.notifier = FakeNotifier()
    run = SlowStartAgain()
    d = actions.open_dialog(make_ref("production"), run, reattached=False)
    qtbot.waitUntil(lambda: d.deploy_result is not None)
    assert d.start_again_button.isVisible()
    d.start_again()
    assert d.busy
    gone: list[bool] = []
    d.destroyed.connect(lambda: gone.append(True))
    d.close()
    assert d not in actions.dialogs
    qtbot.waitUntil(lambda: gone == [True])
    run.release.set()
    assert wait_for_workers(10_000)
    flushed: list[str] = []  # a later task's answer: whatever was queued before it is out
    run_task(lambda _p: "flush", receiver=actions, on_result=flushed.append, on_error=print)
    qtbot.waitUntil(lambda: flushed == ["flush"])
    assert actions.dialogs == []
