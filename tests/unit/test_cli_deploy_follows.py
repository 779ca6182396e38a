"""``ereg-desktop deploy APP`` with unfinished jobs on the server: it says so, follows every one
(oldest first), and never passes that off as the update asked for."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import pytest

from ereg_desktop.commands import deploy as deploy_cmd
from ereg_desktop.context import AppContext
from ereg_desktop.errors import EXIT_FAILED
from ereg_desktop.services.deploy.audit import AuditRecord
from ereg_desktop.services.deploy.jobs import JobContext, JobListing, JobRecord, JobState
from ereg_desktop.services.deploy.workflow import AppState, DeployResult, DeployRun, Outcome
from ereg_desktop.store.paths import AppPaths


def test_deploy_follows_unfinished_jobs_and_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    paths = AppPaths.resolve(config_dir=tmp_path / "config")
    ref = next(iter(AppContext.for_cli(paths).inventory.deployments()))
    ids = ["20260101T000000Z-x-aaaaaa", "20260102T000000Z-x-bbbbbb"]
    jobs = [JobListing(JobRecord(i, ref.app, "pm2-deploy", ("pm2-deploy", ref.app),
                                 f"2026-01-0{n + 1}", JobContext(operator="Bob", machine="bob-pc")),
                       JobState("finished", 0), False) for n, i in enumerate(ids)]  # fmt: skip

    class Pool:
        def close(self) -> None:
            pass

    followed: list[str] = []

    class Run:
        def __init__(self, job: JobListing) -> None:
            self.job = job

        def run(self, on_event: Any = None) -> DeployResult:
            followed.append(self.job.record.id)
            rec = AuditRecord("deploy", ref.app, "s", "production", "Bob", "bob-pc", "t")
            return DeployResult(Outcome.DEPLOYED, AppState.UP, "online", rec,
                                job_id=self.job.record.id)  # fmt: skip

    def new_run(*a: Any, **kw: Any) -> Any:
        raise AssertionError("no new update may start while a job is unrecorded")

    monkeypatch.setattr(deploy_cmd, "open_shell", lambda ctx, r: (Pool(), object()))
    monkeypatch.setattr(DeployRun, "find_jobs", staticmethod(lambda shell, app: jobs))
    monkeypatch.setattr(DeployRun, "reattach", classmethod(lambda cls, r, s, job, **kw: Run(job)))
    monkeypatch.setattr(deploy_cmd, "DeployRun", type("NoNew", (), {
        "find_jobs": DeployRun.find_jobs, "reattach": DeployRun.reattach, "__init__": new_run}))  # fmt: skip
    args = argparse.Namespace(
        app=ref.app,
        server=ref.server.id,
        yes=True,
        reason="",
        json=False,
        accept_warnings=False,
        wait_for_merge=False,
    )
    code = deploy_cmd.run(args, paths)
    out = capsys.readouterr().out
    assert followed == ids  # the older one too
    assert code == EXIT_FAILED
    assert f"server job {ids[0]}, started by Bob on bob-pc at 2026-01-01" in out
    assert f"Run `ereg-desktop deploy {ref.app}` again" in out
