"""The phase machine against the real sshd, pm2 and git of the sandbox: cancel on each side of the
point of no return, a question nobody answers, the lock's heartbeat, re-attach by job kind."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from deploy_helpers import FAST, Recorder, lock_dir, make_ref, shell, wait_until

from ereg_desktop.remote.connection import ConnectionPool
from ereg_desktop.services.deploy.actions import WriteGuard
from ereg_desktop.services.deploy.decisions import (
    AnswerSource,
    DecisionChannel,
    QuestionAsked,
    QuestionSettled,
)
from ereg_desktop.services.deploy.events import JobStarted
from ereg_desktop.services.deploy.jobs import JobContext, JobKind, ServerJobs
from ereg_desktop.services.deploy.lock import LockOwner, ServerLock
from ereg_desktop.services.deploy.workflow import (
    AppState,
    Block,
    DeployRun,
    DeploySettings,
    Outcome,
    Step,
)
from ereg_desktop.store.history import History


class Watched:
    """The real shell, with a hook called before each remote script of a given kind."""

    def __init__(self, real: Any, needle: str, before: Any) -> None:
        self.real, self.needle, self.before = real, needle, before

    def run(self, argv: Any, *, timeout: float) -> Any:
        if self.needle in argv[2]:
            self.before()
        return self.real.run(argv, timeout=timeout)


def new_run(pool: ConnectionPool, ref: Any, tmp_path: Path, sh: Any = None, **kw: Any) -> DeployRun:
    kw.setdefault("settings", FAST)
    return DeployRun(ref, sh or shell(pool, ref), operator="Tester", guard=WriteGuard(),
                     history=History(tmp_path / "h.sqlite3"), **kw)  # fmt: skip


def test_cancel_before_the_point_of_no_return_leaves_the_app_running_and_no_lock(
    sandbox: Any, pool: ConnectionPool, tmp_path: Path
) -> None:
    app = "els"
    ref = make_ref(sandbox, app)
    head = sandbox.head(app)
    sandbox.push_commit(app, {"c.txt": "c\n"}, "pending, then cancelled")
    pid = sandbox.pm2_process(app)["pid"]
    said: list[str] = []
    holder: dict[str, DeployRun] = {}

    def cancel_during_inspect() -> None:
        assert lock_dir(sandbox, app).exists()  # the run holds the lock by now
        said.append(holder["run"].cancel())

    sh = Watched(shell(pool, ref), "@@ereg-desktop:head", cancel_during_inspect)
    run = holder["run"] = new_run(pool, ref, tmp_path, sh)
    result = run.run()
    assert said == ["cancel"] and not run.past_point_of_no_return
    assert result.outcome == Outcome.CANCELLED and result.app_state == AppState.UP
    assert sandbox.pm2_process(app)["pid"] == pid and sandbox.head(app) == head
    assert not lock_dir(sandbox, app).exists()


def test_cancel_after_the_point_of_no_return_detaches_and_the_job_starts_the_app_again(
    sandbox: Any, pool: ConnectionPool, tmp_path: Path
) -> None:
    app = "gt-dev"
    sandbox.set_setup(app, seconds=2, fail=False)
    new = sandbox.push_commit(app, {"d.txt": "d\n"}, "Detached mid-setup")
    ref = make_ref(sandbox, app)
    events = Recorder()
    run = new_run(pool, ref, tmp_path)
    outcome: dict[str, Any] = {}
    worker = threading.Thread(target=lambda: outcome.setdefault("r", run.run(events)))
    worker.start()
    wait_until(lambda: any(isinstance(e, JobStarted) for e in events.snapshot()), 30,
               "the server job to start")  # fmt: skip
    assert run.past_point_of_no_return and run.cancel() == "detach"
    worker.join(60)
    first = outcome["r"]
    assert first.outcome == Outcome.DETACHED and "goes on" in first.message
    assert first.app_state == AppState.UNKNOWN  # not claimed up or down: the job owns it
    assert lock_dir(sandbox, app).exists()  # the job keeps the lock until it is recorded
    exit_file = Path(sandbox.home) / ".ereg-desktop/jobs" / str(first.job_id) / "exit"
    wait_until(exit_file.exists, 60, "the server job to finish")
    assert exit_file.read_text().strip() == "0"
    wait_until(lambda: sandbox.pm2_status(app) == "online", 30, "the job to start the app again")
    assert sandbox.head(app) == new
    # a re-attach records it and frees the lock
    (job,) = DeployRun.find_jobs(shell(pool, ref), app)
    again = DeployRun.reattach(ref, shell(pool, ref), job, guard=WriteGuard(), settings=FAST,
                               history=History(tmp_path / "h.sqlite3")).run()  # fmt: skip
    assert again.outcome == Outcome.DEPLOYED, again.message
    assert not lock_dir(sandbox, app).exists()


def test_an_unanswered_question_times_out_with_the_app_running_and_no_lock(
    sandbox: Any, pool: ConnectionPool, tmp_path: Path
) -> None:
    app = "els"
    ref = make_ref(sandbox, app, owner="Marek")
    sandbox.push_commit(app, {"q.txt": "q\n"}, "pending, nobody says why")
    pid = sandbox.pm2_process(app)["pid"]
    settings = DeploySettings(settle_s=1.0, verify_deadline_s=30, poll_interval_s=0.2,
                              question_timeout_s=0.5)  # fmt: skip
    events = Recorder()
    result = new_run(pool, ref, tmp_path, decider=DecisionChannel(), settings=settings).run(events)
    assert result.outcome == Outcome.BLOCKED and result.block == Block.NEEDS_REASON
    assert "no answer within 0.5 s" in result.message and "Marek" in result.message
    asked = [e for e in events.snapshot() if isinstance(e, QuestionAsked)]
    settled = [e.answer for e in events.snapshot() if isinstance(e, QuestionSettled)]
    assert len(asked) == 1 and [a.source for a in settled] == [AnswerSource.TIMED_OUT]
    assert result.app_state == AppState.UP and sandbox.pm2_process(app)["pid"] == pid
    assert not lock_dir(sandbox, app).exists()


def test_a_live_run_renews_the_lock_it_holds(
    sandbox: Any, pool: ConnectionPool, tmp_path: Path
) -> None:
    app = "els"
    ref = make_ref(sandbox, app)
    sandbox.git(app, "pull", "-q", "--ff-only")  # nothing pending: the run ends after Inspect
    beat = lock_dir(sandbox, app) / "heartbeat"
    renewed: list[bool] = []

    def hold_inspect_until_renewed() -> None:
        first = beat.stat().st_mtime_ns  # touched when the lock was taken
        wait_until(lambda: beat.stat().st_mtime_ns > first, 10, "the heartbeat to be touched")
        holder = ServerLock(shell(pool, ref), app).holder()
        renewed.append(holder is not None and holder.operator == "Tester")

    settings = DeploySettings(settle_s=1.0, verify_deadline_s=30, poll_interval_s=0.2,
                              heartbeat_s=0.2)  # fmt: skip
    sh = Watched(shell(pool, ref), "@@ereg-desktop:head", hold_inspect_until_renewed)
    result = new_run(pool, ref, tmp_path, sh, settings=settings).run()
    assert renewed == [True]
    assert result.outcome == Outcome.NOTHING_PENDING, result.message
    assert not lock_dir(sandbox, app).exists()


def test_reattach_to_an_update_translations_job(
    sandbox: Any, pool: ConnectionPool, tmp_path: Path
) -> None:
    """A job of the translation flow's kind, planted as that flow starts it (lock bound to the
    job): the re-attach follows it and goes on with the pull request; without GitHub access it
    says so, records it and frees the lock (the full flow: test_translations_flow.py)."""
    app = "proto"
    ref = make_ref(sandbox, app)
    sh = shell(pool, ref)
    lock = ServerLock(sh, app)
    lock.acquire(LockOwner.new("Alice", "alice-laptop", 4242))
    record = ServerJobs.plan(app, JobKind.UPDATE_TRANSLATIONS,
                             ("bash", "-c", f"cd {app} && update-translations"),
                             JobContext(operator="Alice", machine="alice-laptop", lock=lock.owner,
                                        server=ref.server.id))  # fmt: skip
    lock.bind_job(record.id)
    ServerJobs(sh).launch(record)
    (job,) = DeployRun.find_jobs(sh, app)
    assert job.record.kind == JobKind.UPDATE_TRANSLATIONS
    events = Recorder()
    run = DeployRun.reattach(ref, sh, job, guard=WriteGuard(), settings=FAST,
                             history=History(tmp_path / "h.sqlite3"))  # fmt: skip
    assert [p.step for p in run.phases] == [Step.SUBMIT, Step.PULL_REQUEST, Step.DEPLOY,
                                            Step.VERIFY]  # fmt: skip
    result = run.run(events)
    assert any(isinstance(e, JobStarted) and e.reattached for e in events.snapshot())
    assert any("update-translations: nothing to commit" in ln for ln in events.lines())
    assert result.outcome == Outcome.FAILED and "No GitHub access" in result.message
    assert result.app_state == AppState.UP and result.record.operator == "Alice"
    assert not lock_dir(sandbox, app).exists()
    assert DeployRun.find_jobs(sh, app) == []  # recorded: nobody's unfinished business
