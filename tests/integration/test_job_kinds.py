"""Job records of other versions and kinds on the real server: a job.json written by a desktop of
version 1 (no version, no kind) still lists and is re-attached to; a job of another kind lists
with that kind."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from deploy_helpers import FAST, make_ref, shell, wait_until

from ereg_desktop.services.deploy.actions import WriteGuard
from ereg_desktop.services.deploy.jobs import JobContext, JobKind, ServerJobs
from ereg_desktop.services.deploy.lock import LockOwner, ServerLock
from ereg_desktop.services.deploy.workflow import DeployRun, Outcome
from ereg_desktop.store.history import History

APP = "gt-dev"


def _jobs_dir(sandbox: Any) -> Path:
    return Path(sandbox.home) / ".ereg-desktop/jobs"


def test_a_version_1_job_lists_and_is_reattached(sandbox: Any, pool: Any, tmp_path: Path) -> None:
    new = sandbox.push_commit(APP, {"v1.txt": "v1\n"}, "Deployed by an older desktop")
    ref = make_ref(sandbox, APP)
    sh = shell(pool, ref)
    owner = LockOwner.new("Olga", "old-pc", 99)
    lock = ServerLock(sh, APP)
    lock.acquire(owner)
    jobs = ServerJobs(sh)
    record = jobs.plan(APP, JobKind.PM2_DEPLOY, ("pm2-deploy", APP), JobContext())
    lock.bind_job(record.id)
    jobs.launch(record)
    d = _jobs_dir(sandbox) / record.id
    wait_until((d / "exit").exists, 60, "the server job to finish")
    # what a version-1 desktop wrote: no version, no kind, the context as plain fields
    v1 = {"id": record.id, "app": APP, "argv": ["pm2-deploy", APP], "started_at": "2026-01-01",
          "context": {"operator": "Olga", "machine": "old-pc", "reasons": {}, "server": "sandbox",
                      "started_at": "2026-01-01T00:00:00+00:00", "commit_before": "",
                      "pending_commits": 1, "lock": lock.owner.to_json() if lock.owner else ""}}  # fmt: skip
    sandbox.write_user_file(d / "job.json", json.dumps(v1) + "\n")

    found = DeployRun.find_jobs(shell(pool, ref), APP)
    assert [(j.record.id, j.record.version, j.record.kind) for j in found] == [
        (record.id, 1, JobKind.PM2_DEPLOY)
    ]
    assert found[0].record.context.operator == "Olga"
    run = DeployRun.reattach(ref, shell(pool, ref), found[0], guard=WriteGuard(), settings=FAST,
                             history=History(tmp_path / "h.sqlite3"))  # fmt: skip
    result = run.run()
    assert result.outcome == Outcome.DEPLOYED, result.message
    assert result.record.operator == "Olga" and result.job_id == record.id
    assert sandbox.head(APP) == new
    assert not (Path(sandbox.home) / ".ereg-desktop/locks" / APP).exists()  # Olga's lock released
    assert DeployRun.find_jobs(shell(pool, ref), APP) == []


def test_a_job_of_another_kind_lists_with_that_kind(sandbox: Any, pool: Any) -> None:
    ref = make_ref(sandbox, APP)
    jobs = ServerJobs(shell(pool, ref))
    ctx = JobContext(operator="Tess", machine="t-pc", extra={"review": "pr-12"})
    record = jobs.plan(APP, JobKind.UPDATE_TRANSLATIONS, ("echo", "translations 'updated'"), ctx)
    d = _jobs_dir(sandbox) / record.id
    try:
        jobs.launch(record)
        poll = wait_until(lambda: (p := jobs.poll(record.id, 0)).state.over and p, 30, "the job")
        assert poll.state.exit_code == 0 and poll.text == "translations 'updated'\n"
        listed = [j for j in jobs.listing(APP) if j.record.id == record.id]
        assert len(listed) == 1
        got = listed[0].record
        assert (
            got.kind == JobKind.UPDATE_TRANSLATIONS
            and got.known_kind is JobKind.UPDATE_TRANSLATIONS
        )
        assert got.version == 2 and got.context == ctx and got.argv == record.argv
    finally:
        sandbox.run_as_user(f"rm -rf ~/.ereg-desktop/jobs/{record.id}", login=False)
    assert not d.exists()
