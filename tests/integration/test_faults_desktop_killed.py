"""The desktop killed (``kill -9`` of the real ``ereg-desktop deploy``) in the middle of an update,
then ``deploy`` run again (defect 9 of issue 8): the server job's true result, its downtime from
the server's own times, exactly one record and the lock released once."""

from __future__ import annotations

import json
import signal
from pathlib import Path
from typing import Any

import pytest
from cli_helpers import make_cli
from deploy_helpers import Recorder, make_pool, make_ref, shell, wait_until

from ereg_desktop.services.deploy.lock import ServerLock

APP = "proto"


def audit_lines(box: Any, app: str) -> list[dict[str, Any]]:
    res = box.run_as_user("cat ~/.ereg-desktop/audit.jsonl 2>/dev/null", login=False)
    return [r for r in map(json.loads, res.stdout.splitlines()) if r["app"] == app]


def app_jobs(box: Any, app: str) -> set[Path]:
    return set((Path(box.home) / ".ereg-desktop/jobs").glob(f"*-{app}-*"))


def new_job(box: Any, app: str, before: set[Path]) -> Path:
    """The one job of ``app`` started since ``before`` (names sort by second, then at random:
    the newest by name may be an older job of the same second)."""
    jobs = app_jobs(box, app) - before
    assert len(jobs) == 1, f"expected one new server job, found {sorted(jobs)}"
    return jobs.pop()


PHASES = [
    pytest.param(
        "running npm run setup",
        4.0,
        marks=pytest.mark.hostile(
            area="deploy: desktop killed",
            tried="`kill -9` of `ereg-desktop deploy` during "
            "`npm run setup` (app down), then `deploy` again",
            outcome="the job finishes on the server; the next run follows it, records it once "
            "with its downtime from the server's times, releases the lock, exits 1 (no new update)",
        ),
        id="deploy",
    ),
    pytest.param(
        "== Verify",
        0.5,
        marks=pytest.mark.hostile(
            area="deploy: desktop killed",
            tried="`kill -9` of `ereg-desktop deploy` in Verify "
            "(app back, settle wait), then `deploy` again",
            outcome="the next run verifies and records the job once, with its downtime, and "
            "releases the lock",
        ),
        id="verify",
    ),
]


@pytest.mark.parametrize(("when", "setup_s"), PHASES)
def test_desktop_killed_then_deploy_again_records_the_job_once(
    sandbox: Any, tmp_path: Path, when: str, setup_s: float
) -> None:
    cli = make_cli(sandbox, tmp_path, [APP])
    sandbox.set_setup(APP, seconds=setup_s, fail=False)
    new = sandbox.push_commit(APP, {f"killed-{when[:5]}.txt": "k\n"}, f"killed at {when}")
    log = tmp_path / "first.log"
    jobs_before = app_jobs(sandbox, APP)
    first = cli.start("deploy", APP, "--yes", log=log)
    try:
        wait_until(lambda: when in log.read_text(errors="replace") or first.poll() is not None,
                   60, f"the update to reach {when!r}")  # fmt: skip
        assert first.poll() is None, log.read_text()
        first.send_signal(signal.SIGKILL)
        assert first.wait(10) == -signal.SIGKILL
    finally:
        if first.poll() is None:
            first.kill()
    job = new_job(sandbox, APP, jobs_before)
    wait_until((job / "exit").exists, 60, "the server job to finish without its desktop")
    assert (job / "exit").read_text().strip() == "0"
    assert (Path(sandbox.home) / ".ereg-desktop/locks" / APP).exists()  # the job's until recorded

    again = cli.run("deploy", APP, "--yes")
    out = again.stdout + again.stderr
    assert again.returncode == 1, out  # it recorded the unfinished job; no new update started
    assert "Traceback" not in out and "already been removed" not in out
    assert f"server job {job.name}: deployed" in out and "No new update was started" in out
    records = [r for r in audit_lines(sandbox, APP) if r["job"] == job.name]
    assert len(records) == 1, records
    rec = records[0]
    assert rec["result"] == "deployed" and rec["commit_after"] == new, rec
    assert rec["downtime_s"] is not None and setup_s <= rec["downtime_s"] < 60, rec
    assert not (Path(sandbox.home) / ".ereg-desktop/locks" / APP).exists()
    assert sandbox.pm2_status(APP) == "online" and sandbox.head(APP) == new
    # and the next deploy finds nothing left to follow
    third = cli.run("deploy", APP, "--yes")
    assert third.returncode == 0 and "nothing-pending" in third.stdout, third.stdout + third.stderr


@pytest.mark.hostile(
    area="deploy: desktop killed",
    tried="`kill -9` of `ereg-desktop deploy` in Inspect (`git "
    "fetch` running, lock held, app untouched)",
    outcome="the app never stopped and no job started; the lock goes stale once its heartbeat "
    "is 3 minutes old, is broken after confirming, and the next update deploys",
)
def test_desktop_killed_before_the_point_of_no_return_leaves_the_app_running(
    sandbox: Any, tmp_path: Path
) -> None:
    cli = make_cli(sandbox, tmp_path, [APP])
    sandbox.set_setup(APP, seconds=0.5, fail=False)
    new = sandbox.push_commit(APP, {"killed-inspect.txt": "k\n"}, "killed in inspect")
    pid = sandbox.pm2_process(APP)["pid"]
    jobs_before = set((Path(sandbox.home) / ".ereg-desktop/jobs").glob("*"))
    # a slow `git fetch` on the server holds the update in Inspect
    sandbox.git(APP, "config", "remote.origin.uploadpack", "sleep 5; git-upload-pack")
    log = tmp_path / "first.log"
    try:
        first = cli.start("deploy", APP, "--yes", log=log)
        try:
            wait_until(lambda: "== Inspect" in log.read_text(errors="replace")
                       or first.poll() is not None, 60, "the update to reach Inspect")  # fmt: skip
            assert first.poll() is None, log.read_text()
            first.send_signal(signal.SIGKILL)
            assert first.wait(10) == -signal.SIGKILL
        finally:
            if first.poll() is None:
                first.kill()
    finally:
        sandbox.git(APP, "config", "--unset", "remote.origin.uploadpack")
    assert sandbox.pm2_process(APP)["pid"] == pid and sandbox.pm2_status(APP) == "online"
    assert set((Path(sandbox.home) / ".ereg-desktop/jobs").glob("*")) == jobs_before
    locks = Path(sandbox.home) / ".ereg-desktop/locks"
    assert (locks / APP / "heartbeat").exists()  # the dead desktop's lock, not renewed any more
    blocked = cli.run("deploy", APP, "--yes")
    assert blocked.returncode == 1 and "locked by Tester" in blocked.stdout, blocked.stdout
    assert "stale" not in blocked.stdout  # its heartbeat is fresh: it could still be alive
    sandbox.run_as_user(f"touch -d '4 minutes ago' ~/.ereg-desktop/locks/{APP}/heartbeat",
                        login=False, check=True)  # fmt: skip
    stale = cli.run("deploy", APP, "--yes")
    assert stale.returncode == 1 and "stale" in stale.stdout, stale.stdout
    pool = make_pool(sandbox, tmp_path)
    try:
        lock = ServerLock(shell(pool, make_ref(sandbox, APP)), APP)
        holder = lock.holder()
        assert holder is not None and lock.break_stale(holder)
    finally:
        pool.close()
    done = cli.run("deploy", APP, "--yes")
    assert done.returncode == 0 and sandbox.head(APP) == new, done.stdout + done.stderr
    assert not (locks / APP).exists()


@pytest.mark.hostile(
    area="deploy",
    tried="`deploy` of an app that is stopped in pm2, with nothing pending",
    outcome="exit 1: says the app is DOWN and to start it with `ereg-desktop start APP`",
)
def test_deploy_of_a_down_app_with_nothing_pending_says_it_is_down(
    sandbox: Any, tmp_path: Path
) -> None:
    cli = make_cli(sandbox, tmp_path, [APP])
    sandbox.git(APP, "pull", "-q", "--ff-only")
    sandbox.pm2("stop", APP, check=True)
    try:
        res = cli.run("deploy", APP, "--yes")
        out = res.stdout + res.stderr
        assert res.returncode == 1, out
        assert "is DOWN" in out and f"ereg-desktop start {APP}" in out, out
        assert sandbox.pm2_status(APP) == "stopped"  # nothing was started behind its back
    finally:
        sandbox.pm2("start", APP, check=True)
    assert not (Path(sandbox.home) / ".ereg-desktop/locks" / APP).exists()


@pytest.mark.hostile(
    area="deploy: desktop killed",
    tried="the desktop gone between writing a job's record and "
    "releasing its lock (the release never reached the server)",
    outcome="the record is there once; the next update releases the left-behind lock of that "
    "recorded job itself and deploys",
)
def test_a_lock_left_behind_by_a_recorded_job_is_released_by_the_next_update(
    sandbox: Any, tmp_path: Path
) -> None:
    from deploy_helpers import FAST, server_audit
    from test_deploy import new_run

    from ereg_desktop.errors import ConnectionProblem
    from ereg_desktop.services.deploy.actions import WriteGuard
    from ereg_desktop.services.deploy.workflow import DeployRun, Outcome

    sandbox.set_setup(APP, seconds=0.5, fail=False)
    sandbox.push_commit(APP, {"left-1.txt": "1\n"}, "recorded, lock left behind")
    ref = make_ref(sandbox, APP)
    pool = make_pool(sandbox, tmp_path)
    real = shell(pool, ref)

    class LosesTheRelease:
        def run(self, argv: Any, *, timeout: float) -> Any:
            if "echo released" in argv[2] and 'grep -qF "$2"' in argv[2]:
                raise ConnectionProblem("connection lost (the desktop went away)")
            return real.run(argv, timeout=timeout)

    try:
        first = DeployRun(ref, LosesTheRelease(), operator="Tester", guard=WriteGuard(),
                          settings=FAST).run()  # fmt: skip
        assert first.outcome == Outcome.DEPLOYED and "could not be released" in first.message
        locks = Path(sandbox.home) / ".ereg-desktop/locks"
        assert (locks / APP).exists()
        assert len([r for r in server_audit(sandbox, APP) if r["job"] == first.job_id]) == 1
        new = sandbox.push_commit(APP, {"left-2.txt": "2\n"}, "the next update")
        events = Recorder()
        second = new_run(pool, ref, tmp_path).run(events)
    finally:
        pool.close()
    assert second.outcome == Outcome.DEPLOYED, second.message
    assert any(f"left behind by server job {first.job_id}" in ln for ln in events.lines())
    assert sandbox.head(APP) == new and not (locks / APP).exists()
    assert len([r for r in server_audit(sandbox, APP) if r["job"] == first.job_id]) == 1
