"""The update procedure against the real sshd, pm2 and git of the sandbox."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import pytest
from deploy_helpers import (
    FAST,
    Recorder,
    lock_dir,
    make_pool,
    make_ref,
    server_audit,
    shell,
    wait_until,
)

from ereg_desktop.remote.connection import ConnectionPool
from ereg_desktop.services.deploy.actions import WriteGuard
from ereg_desktop.services.deploy.events import DowntimeStarted, JobStarted, StepProgress
from ereg_desktop.services.deploy.lock import LockOwner, ServerLock
from ereg_desktop.services.deploy.workflow import (
    AppState,
    Block,
    DeployRun,
    DeploySettings,
    Outcome,
)
from ereg_desktop.store.history import History


def new_run(pool: ConnectionPool, ref: Any, tmp_path: Path, **kw: Any) -> DeployRun:
    kw.setdefault("settings", FAST)
    kw.setdefault("guard", WriteGuard())
    return DeployRun(
        ref, shell(pool, ref), operator="Tester", history=History(tmp_path / "h.sqlite3"), **kw
    )


def test_full_update(sandbox: Any, pool: ConnectionPool, tmp_path: Path) -> None:
    app = "gt-dev"
    sandbox.set_setup(app, seconds=2, fail=False)
    before = sandbox.head(app)
    new = sandbox.push_commit(app, {"feature.txt": "new feature\n"}, "Add a feature")
    events = Recorder()
    result = new_run(pool, make_ref(sandbox, app), tmp_path).run(events)

    assert result.outcome == Outcome.DEPLOYED, result.message
    assert result.app_state == AppState.UP
    assert sandbox.head(app) == new
    assert sandbox.pm2_status(app) == "online"
    assert sandbox.http_get(app)["commit"].startswith(new[:7]) or sandbox.http_get(app)
    assert result.downtime_s is not None and 0 < result.downtime_s < 30
    assert any(isinstance(e, DowntimeStarted) for e in events.snapshot())
    lines = events.lines()
    assert any("setup done" in ln for ln in lines)
    assert not any("\x1b[" in ln or "\r" in ln for ln in lines)
    # audit on the server and locally, lock released
    rec = server_audit(sandbox, app)[-1]
    assert rec["result"] == "deployed" and rec["commit_before"] == before
    assert rec["commit_after"] == new and rec["operator"] == "Tester"
    assert [s["step"] for s in rec["steps"]] == ["preflight", "inspect", "deploy", "verify"]
    local = History(tmp_path / "h.sqlite3").list(app)
    assert local[0]["commit_after"] == new and local[0]["result"] == "deployed"
    assert not lock_dir(sandbox, app).exists()
    # no secret of any app in the records or the log
    blob = json.dumps(rec) + json.dumps(local) + "\n".join(lines)
    assert not [s for s in sandbox.secrets if s in blob]


def test_nothing_pending_offers_restart(sandbox: Any, pool: ConnectionPool, tmp_path: Path) -> None:
    app = "gt-dev"
    sandbox.git(app, "pull", "-q", "--ff-only")
    result = new_run(pool, make_ref(sandbox, app), tmp_path).run()
    assert result.outcome == Outcome.NOTHING_PENDING and result.offers_restart
    assert result.app_state == AppState.UP and result.downtime_s is None
    assert not lock_dir(sandbox, app).exists()


def test_second_client_refused_while_lock_held(
    sandbox: Any, pool: ConnectionPool, tmp_path: Path
) -> None:
    app = "els"
    ref = make_ref(sandbox, app)
    other = make_pool(sandbox, tmp_path / "..")  # a second desktop: its own connection
    first = ServerLock(shell(other, ref), app)
    first.acquire(LockOwner.new("Alice", "alice-laptop", 4242))
    try:
        sandbox.push_commit(app, {"x.txt": "x\n"}, "pending")
        restarts = sandbox.pm2_process(app)["pm2_env"]["restart_time"]
        result = new_run(pool, ref, tmp_path).run()
        assert result.outcome == Outcome.BLOCKED and result.block == Block.LOCK_HELD
        assert "Alice on alice-laptop" in result.message
        assert result.lock_holder is not None and result.lock_holder.operator == "Alice"
        assert sandbox.pm2_status(app) == "online"
        assert sandbox.pm2_process(app)["pm2_env"]["restart_time"] == restarts
        # the refused run did not take the lock away from Alice
        holder = ServerLock(shell(pool, ref), app).holder()
        assert holder is not None and holder.operator == "Alice"
    finally:
        assert first.release() == "released"
        other.close()
    assert not lock_dir(sandbox, app).exists()


def test_connection_cut_during_setup_then_reattach(
    sandbox: Any, pool: ConnectionPool, tmp_path: Path
) -> None:
    app = "proto"
    sandbox.set_setup(app, seconds=3, fail=False)
    new = sandbox.push_commit(app, {"y.txt": "y\n"}, "Deploy across a network cut")
    ref = make_ref(sandbox, app)
    settings = DeploySettings(settle_s=1.0, verify_deadline_s=30, poll_interval_s=0.2,
                              reconnect_for_s=1.0, url_tries_s=10)  # fmt: skip
    events = Recorder()
    run = new_run(pool, ref, tmp_path, settings=settings)
    outcome: dict[str, Any] = {}
    worker = threading.Thread(target=lambda: outcome.setdefault("r", run.run(events)))
    worker.start()
    try:
        wait_until(
            lambda: any(isinstance(e, StepProgress) and "building" in e.text
                        for e in events.snapshot()),
            30, "npm run setup to be running",
        )  # fmt: skip
        sandbox.stop_sshd(kill_sessions=True)
        worker.join(60)
        assert not worker.is_alive()
        first = outcome["r"]
        assert first.outcome == Outcome.DETACHED, first.message
        job_id = first.job_id
        assert job_id
        # the job goes on without us and finishes on the server
        exit_file = Path(sandbox.home) / ".ereg-desktop/jobs" / job_id / "exit"
        wait_until(exit_file.exists, 60, "the server job to finish")
    finally:
        sandbox.start_sshd()
    assert exit_file.read_text().strip() == "0"
    assert lock_dir(sandbox, app).exists()  # still held by the job until someone records it

    # the desktop app restarts: a new pool finds the job and re-attaches
    pool2 = make_pool(sandbox, tmp_path)
    try:
        jobs = DeployRun.find_jobs(shell(pool2, ref), app)
        assert [j.record.id for j in jobs] == [job_id]
        events2 = Recorder()
        again = DeployRun.reattach(
            ref, shell(pool2, ref), jobs[0], guard=WriteGuard(), settings=FAST,
            history=History(tmp_path / "h.sqlite3"),
        )  # fmt: skip
        result = again.run(events2)
    finally:
        pool2.close()
    assert result.outcome == Outcome.DEPLOYED, result.message
    assert any(isinstance(e, JobStarted) and e.reattached for e in events2.snapshot())
    # the whole log is replayed from the start of the job
    assert any("setup done" in ln for ln in events2.lines())
    assert sandbox.head(app) == new and sandbox.pm2_status(app) == "online"
    assert not lock_dir(sandbox, app).exists()
    rec = server_audit(sandbox, app)[-1]
    assert rec["job"] == job_id and rec["result"] == "deployed" and rec["operator"] == "Tester"
    assert DeployRun.find_jobs(shell(pool, ref), app) == []


def test_failing_setup_leaves_app_down_and_start_again(
    sandbox: Any, pool: ConnectionPool, tmp_path: Path
) -> None:
    app = "gt-dev"
    sandbox.set_setup(app, seconds=2, fail=True)
    try:
        sandbox.push_commit(app, {"z.txt": "z\n"}, "This setup fails")
        run = new_run(pool, make_ref(sandbox, app), tmp_path)
        result = run.run()
        assert result.outcome == Outcome.FAILED
        assert result.app_state == AppState.DOWN and result.can_start_again
        assert "DOWN" in result.message and "exited with code" in result.message
        assert any("setup failed" in ln for ln in result.log_tail)
        assert sandbox.pm2_status(app) == "stopped"
        assert not lock_dir(sandbox, app).exists()
        assert server_audit(sandbox, app)[-1]["app_state"] == "down"
        again = run.start_again()
        assert again.ok, again.message
        assert sandbox.pm2_status(app) == "online"
        assert server_audit(sandbox, app)[-1]["kind"] == "start-again"
    finally:
        sandbox.set_setup(app, fail=False)


@pytest.mark.parametrize(
    ("rel", "block", "said"),
    [
        ("notes-on-server.txt", Block.LOCAL_CHANGES, "notes-on-server.txt"),
        # translations go to the review, which needs the system's GitHub repository to submit
        # them (tests/integration/test_translations_flow.py runs the whole of it)
        ("i18n-messages.json", Block.GITHUB, "no GitHub repository"),
    ],
)
def test_local_changes_block_before_downtime(
    sandbox: Any, pool: ConnectionPool, tmp_path: Path, rel: str, block: Block, said: str
) -> None:
    app = "els"
    path = Path(sandbox.app_dir(app)) / rel
    original = path.read_text() if path.exists() else None
    sandbox.push_commit(app, {"w.txt": rel}, "pending while changed")
    sandbox.write_app_file(app, rel, '{"changed": "on the server"}\n')
    pid = sandbox.pm2_process(app)["pid"]
    try:
        result = new_run(pool, make_ref(sandbox, app), tmp_path).run()
    finally:
        if original is None:
            path.unlink()
        else:
            sandbox.write_app_file(app, rel, original)
    assert result.outcome == Outcome.BLOCKED and result.block == block
    assert said in result.message and "Nothing was stopped" in result.message
    assert result.downtime_s is None and result.app_state == AppState.UP
    assert sandbox.pm2_process(app)["pid"] == pid  # never stopped
    assert not lock_dir(sandbox, app).exists()


def test_tag_deployment_refuses_update(sandbox: Any, pool: ConnectionPool, tmp_path: Path) -> None:
    app = "gt"
    ref = make_ref(sandbox, app, track="2015", track_type="tag", environment="production")
    head = sandbox.head(app)
    sandbox.push_commit(app, {"v.txt": "v\n"}, "must not arrive")
    result = new_run(pool, ref, tmp_path).run()
    assert result.outcome == Outcome.BLOCKED and result.block == Block.PINNED
    assert "only restarted" in result.message
    assert sandbox.head(app) == head
    assert not lock_dir(sandbox, app).exists()


def test_owner_mismatch_needs_reason(sandbox: Any, pool: ConnectionPool, tmp_path: Path) -> None:
    ref = make_ref(sandbox, "els", owner="Marek")
    result = new_run(pool, ref, tmp_path).run()
    assert result.outcome == Outcome.BLOCKED and result.block == Block.NEEDS_REASON
    assert "Marek" in result.message


def test_lost_answer_to_the_start_follows_the_job_by_its_id(
    sandbox: Any, pool: ConnectionPool, tmp_path: Path
) -> None:
    from ereg_desktop.errors import ConnectionProblem

    app = "gt-dev"
    sandbox.set_setup(app, seconds=1, fail=False)
    new = sandbox.push_commit(app, {"lost.txt": "x\n"}, "Start answer lost")
    ref = make_ref(sandbox, app)
    real = shell(pool, ref)

    class LosesTheStartAnswer:
        """The server runs the start; its answer never arrives (the network dropped)."""

        def run(self, argv: Any, *, timeout: float) -> Any:
            res = real.run(argv, timeout=timeout)
            if "setsid nohup" in argv[2]:
                raise ConnectionProblem("no answer from the server within 30 s")
            return res

    run = DeployRun(ref, LosesTheStartAnswer(), operator="Tester", guard=WriteGuard(),
                    settings=FAST, history=History(tmp_path / "h.sqlite3"))  # fmt: skip
    result = run.run()
    assert result.outcome == Outcome.DEPLOYED, result.message
    assert sandbox.head(app) == new and not lock_dir(sandbox, app).exists()
    assert server_audit(sandbox, app)[-1]["job"] == result.job_id


def test_ownerless_lock_is_stale_after_minutes_and_can_be_broken(
    sandbox: Any, pool: ConnectionPool, tmp_path: Path
) -> None:
    app = "els"
    ref = make_ref(sandbox, app)
    sandbox.run_as_user(
        f"mkdir -p ~/.ereg-desktop/locks/{app} && touch -d '10 minutes ago' "
        f"~/.ereg-desktop/locks/{app}",
        login=False,
    )
    try:
        sandbox.push_commit(app, {"o.txt": "o\n"}, "pending behind an ownerless lock")
        result = new_run(pool, ref, tmp_path).run()
        assert result.outcome == Outcome.BLOCKED and result.block == Block.LOCK_HELD
        assert result.lock_stale and result.lock_holder is not None
        assert result.lock_holder.ownerless and "no owner.json" in result.message
        assert ServerLock(shell(pool, ref), app).break_stale(result.lock_holder)
        assert not lock_dir(sandbox, app).exists()
    finally:
        sandbox.run_as_user(f"rm -rf ~/.ereg-desktop/locks/{app}", login=False)
