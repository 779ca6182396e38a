"""The workflow under faults, on a scripted server: each remote script is answered by what it does
(lock, inspect, start, poll, audit, ...), so a test can lose an answer, refuse a step or click
Cancel at an exact point, and then read what the run did to the server."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
from deploy_fakes import (
    FAST,
    INSPECTION,
    ONLINE,
    STOPPED,
    Answer,
    FakeServer,
    Probe,
    R,
    holder,
    listing,
    new_run,
    ref,
)

from ereg_desktop.errors import ConnectionProblem, OperationFailed
from ereg_desktop.services.deploy import jobs, lock
from ereg_desktop.services.deploy.actions import WriteGuard, run_action
from ereg_desktop.services.deploy.downtime import Downtime
from ereg_desktop.services.deploy.events import Finished
from ereg_desktop.services.deploy.jobs import JobRecord
from ereg_desktop.services.deploy.lock import LockOwner
from ereg_desktop.services.deploy.verify import Pm2Probe, Pm2Unavailable, wait_stable
from ereg_desktop.services.deploy.workflow import AppState, DeployRun, Outcome
from ereg_desktop.services.pm2_read import JLIST
from ereg_desktop.services.status import AppStatus
from ereg_desktop.store.history import History

# ---- 1: a re-attach refused by the write guard keeps the running job's lock ---------------------


def test_reattach_refused_here_does_not_release_the_jobs_lock() -> None:
    server = FakeServer()
    guard = WriteGuard()
    run = DeployRun.reattach(ref(), server, listing({"lock": holder().to_json()}), guard=guard,
                             probe=Probe(), settings=FAST)  # fmt: skip
    with guard.hold("s", "gt", "an update"):  # this desktop already follows it
        result = run.run()
    assert result.outcome == Outcome.BLOCKED
    assert server.ran == []  # above all no release of the job's lock, and no record


def test_reattach_releases_the_lock_once_the_job_is_over_and_recorded() -> None:
    server = FakeServer(["exit 0\nsize 0\n"])
    run = DeployRun.reattach(ref(), server, listing({"lock": holder().to_json()}),
                             guard=WriteGuard(), probe=Probe(), settings=FAST)  # fmt: skip
    result = run.run()
    assert result.outcome == Outcome.DEPLOYED, result.message
    assert server.ran.index("audit") < server.ran.index("release")


# ---- 2: any error while the job may still run: detached, lock kept, nothing recorded ------------


def _bind_refused(body: str) -> R:
    return R(0, f"other\n{holder().to_json()}\n")


def _poll_fails(body: str) -> R:
    return R(2, "", "tail: cannot open log")


@pytest.mark.parametrize(("kind", "answer"), [("bind", _bind_refused), ("poll", _poll_fails)])
def test_error_after_the_job_started_detaches_and_keeps_the_lock(kind: str, answer: Answer) -> None:
    server = FakeServer(["running\nsize 0\n"])
    server.answers[kind] = answer
    events: list[Any] = []
    result = new_run(server).run(events.append)
    assert result.outcome == Outcome.DETACHED, result.message
    assert result.app_state == AppState.UNKNOWN and result.job_id
    assert "release" not in server.ran and "audit" not in server.ran
    assert isinstance(events[-1], Finished)


@pytest.mark.allow_warning_logs
def test_unexpected_error_while_following_detaches() -> None:
    server = FakeServer(["running\nsize 0\n"])
    result = new_run(server, Probe(RuntimeError("bug"))).run()
    assert result.outcome == Outcome.DETACHED and "bug" in result.message
    assert "release" not in server.ran and "audit" not in server.ran


# ---- 3: Cancel while the job starts -------------------------------------------------------------


def test_cancel_while_the_job_starts_becomes_detach() -> None:
    server = FakeServer(["exit 0\nsize 0\n"])
    run = new_run(server)
    said: list[str] = []

    def start(body: str) -> R:
        said.append(run.cancel())  # clicked while the start command is on its way
        return R(0, "started 42\n")

    server.answers["start"] = start
    result = run.run()
    assert said == ["detach"]
    assert result.outcome == Outcome.DETACHED, result.message
    assert "nothing changed" not in result.message
    assert "release" not in server.ran and "audit" not in server.ran


def test_cancel_before_the_job_stops_before_any_start() -> None:
    server = FakeServer()
    run = new_run(server)

    def inspect(body: str) -> R:
        assert run.cancel() == "cancel"
        return R(0, INSPECTION)

    server.answers["inspect"] = inspect
    result = run.run()
    assert result.outcome == Outcome.CANCELLED
    assert "start" not in server.ran and "release" in server.ran


def test_cancel_after_the_job_ended_never_says_nothing_changed() -> None:
    server = FakeServer()
    run = new_run(server)

    def poll(body: str) -> R:
        run.cancel()  # the job ended with this poll: Verify still runs and records
        return R(0, "exit 0\nsize 0\n")

    server.answers["poll"] = poll
    result = run.run()
    assert result.outcome == Outcome.DEPLOYED, result.message
    assert "audit" in server.ran


# ---- 4: the answer to the job's start is lost ----------------------------------------------------


def _lost(body: str) -> R:
    raise ConnectionProblem("no answer from h within 30 s")


def test_lost_start_answer_follows_the_job_by_its_id() -> None:
    server = FakeServer(["running\nsize 0\n", "exit 0\nsize 0\n"])
    server.answers["start"] = _lost
    result = new_run(server).run()
    assert result.outcome == Outcome.DEPLOYED, result.message
    assert result.job_id and result.record.job == result.job_id
    assert server.ran.index("poll") < server.ran.index("bind")  # bound once it is known to exist


def test_lost_start_answer_and_no_connection_detaches_keeping_the_lock() -> None:
    server = FakeServer()
    server.answers["start"] = _lost
    server.answers["poll"] = _lost
    result = new_run(server).run()
    assert result.outcome == Outcome.DETACHED, result.message
    assert result.job_id is not None
    assert "release" not in server.ran and "audit" not in server.ran


def test_start_that_never_happened_fails_and_releases() -> None:
    server = FakeServer(["missing\n"])
    server.answers["start"] = _lost
    result = new_run(server).run()
    assert result.outcome == Outcome.FAILED and "did not start" in result.message
    assert result.app_state == AppState.UP and "release" in server.ran


# ---- 5: downtime periods and the settle time ----------------------------------------------------


def test_downtime_counts_every_period_and_a_crash_after_coming_back() -> None:
    dt = Downtime(lambda e: None)
    for t, st in ((0, ONLINE), (10, STOPPED), (20, ONLINE), (30, ONLINE), (40, STOPPED)):
        dt.sample(st, t)
    assert dt.down_now and dt.online_since is None
    dt.sample(ONLINE, 50)
    assert not dt.down_now and dt.seconds == pytest.approx(10 + 10)
    assert dt.down_at == 35  # the latest period: between the samples at 30 and 40


def test_stale_online_sighting_does_not_skip_the_settle_time() -> None:
    t = [100.0]

    def sleep(s: float) -> None:
        t[0] += s

    class Started:  # a process pm2 started at 99.9 (the sighting at 0.0 was an older one)
        def app_status(self, app: str) -> AppStatus:
            return AppStatus(app, "online", uptime_s=t[0] - 99.9)

    check = wait_stable(Started(), "gt", settle_s=3.0, deadline_s=10, clock=lambda: t[0], sleep=sleep,
                        online_since=(0.0, 0))  # fmt: skip
    assert check.ok and t[0] == pytest.approx(
        102.9
    )  # waited for the new process, not the old sighting


# ---- 6: pm2 that cannot be read is "unknown", not "not in pm2" ----------------------------------


def _probe_answering(res: R) -> Pm2Probe:
    class Shell:
        def run(self, argv: Any, *, timeout: float) -> R:
            return res

    return Pm2Probe(Shell(), "s")  # type: ignore[arg-type]


def test_failed_or_garbled_jlist_is_unknown() -> None:
    with pytest.raises(Pm2Unavailable):
        _probe_answering(R(1, "", "pm2: daemon not responding")).app_status("gt")
    with pytest.raises(Pm2Unavailable):
        _probe_answering(R(0, "<html>not json")).app_status("gt")
    assert _probe_answering(R(0, "[]\n@@ereg-desktop:now 5\n")).app_status("gt") is None


def test_jlist_script_keeps_pm2s_exit_code(tmp_path: Path) -> None:
    fake = tmp_path / "pm2"
    fake.write_text("#!/bin/sh\necho '[]'\nexit 3\n")
    fake.chmod(0o755)
    env = {"PATH": f"{tmp_path}:/usr/bin:/bin", "HOME": str(tmp_path)}
    res = subprocess.run(list(JLIST.argv), capture_output=True, text=True, env=env)
    assert res.returncode == 3 and "@@ereg-desktop:now" in res.stdout


def test_failed_update_with_pm2_unreadable_is_not_called_down() -> None:
    server = FakeServer(["exit 1\nsize 0\n"])
    result = new_run(server, Probe(Pm2Unavailable("pm2 jlist failed (exit 1)"))).run()
    assert result.outcome == Outcome.FAILED
    assert result.app_state == AppState.UNKNOWN and not result.can_start_again
    assert result.downtime_s is None  # no false downtime from unreadable samples


def test_wait_stable_with_pm2_unreadable_reports_unknown() -> None:
    t = [0.0]

    def sleep(s: float) -> None:
        t[0] += s

    check = wait_stable(Probe(Pm2Unavailable("garbled")), "gt", settle_s=1, deadline_s=2,
                        clock=lambda: t[0], sleep=sleep)  # fmt: skip
    assert not check.ok and check.status == "unknown" and "garbled" in check.message


def test_action_with_pm2_unreadable_afterwards_is_not_a_failure() -> None:
    server = FakeServer()
    server.answers["audit"] = lambda body: R(0)

    class Shell:
        def run(self, argv: Any, *, timeout: float) -> R:
            if argv[0] == "pm2":
                return R(0, "[PM2] restarted\n")
            return server.run(argv, timeout=timeout)

    server.answers["release"] = lambda body: R(0, "free\n")
    result = run_action(ref(), "restart", Shell(), guard=WriteGuard(), operator="Ann",  # type: ignore[arg-type]
                        probe=Probe(Pm2Unavailable("garbled")), check_server_lock=False)  # fmt: skip
    assert result.ok and result.status == "unknown" and "unknown" in result.message


# ---- 7: the local history cannot be written -----------------------------------------------------


def test_history_failure_still_finishes_with_the_true_app_state(tmp_path: Path) -> None:
    broken = History(tmp_path)  # a folder, not a database file: sqlite cannot open it
    server = FakeServer(["exit 1\nsize 0\n"])
    events: list[Any] = []
    result = new_run(server, Probe(STOPPED), history=broken).run(events.append)
    assert isinstance(events[-1], Finished) and events[-1].result is result
    assert result.outcome == Outcome.FAILED and result.can_start_again
    assert "local history" in result.message and "release" in server.ran


def test_action_history_failure_is_reported_not_raised(tmp_path: Path) -> None:
    class Shell:
        def run(self, argv: Any, *, timeout: float) -> R:
            return R(0)

    result = run_action(ref(), "restart", Shell(), guard=WriteGuard(), operator="Ann",  # type: ignore[arg-type]
                        probe=Probe(), history=History(tmp_path),
                        check_server_lock=False)  # fmt: skip
    assert result.ok and "local history" in result.message


# ---- 8: job.json written by another version of the app --------------------------------------------


def test_reattach_tolerates_unknown_fields() -> None:
    ctx = {
        "reasons": {"owner-mismatch": "covering for Bob", "moon-phase": "full", "n": 3},
        "pending_commits": "many",
        "operator": {"name": "Bob"},
        "lock": {"not": "a string"},
        "started_at": None,
    }
    server = FakeServer()
    run = DeployRun.reattach(ref(), server, listing(ctx), guard=WriteGuard(), probe=Probe(),
                             settings=FAST)  # fmt: skip
    assert run.record.reasons["moon-phase"] == "full"
    assert run.record.reasons["owner-mismatch"] == "covering for Bob"
    result = run.run()
    assert result.outcome == Outcome.DEPLOYED, result.message
    assert "many" in result.record.message


# ---- 9: the lock script checks its steps; ownerless locks can be broken ---------------------------


def _bash(cmd: Any, home: Path, path: str = "/usr/bin:/bin") -> str:
    env = {"HOME": str(home), "PATH": path}
    return subprocess.run(list(cmd.argv), capture_output=True, text=True, env=env).stdout


def test_lock_not_acquired_when_owner_json_cannot_be_written(tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "mv").write_text("#!/bin/sh\nexit 1\n")  # the disk is full
    (bin_dir / "mv").chmod(0o755)
    owner = LockOwner.new("Ann", "pc", 1)
    out = _bash(lock.acquire_command("gt", owner), tmp_path, f"{bin_dir}:/usr/bin:/bin")
    assert lock.parse_reply(out)[0] == "failed"
    assert not (tmp_path / lock.LOCKS_DIR / "gt").exists()  # no lock left without its owner

    class Shell:
        def run(self, argv: Any, *, timeout: float) -> R:
            return R(0, "failed\n")

    with pytest.raises(OperationFailed, match="could not write"):
        lock.ServerLock(Shell(), "gt").acquire(owner)  # type: ignore[arg-type]


def test_ownerless_lock_turns_stale_and_can_be_broken(tmp_path: Path) -> None:
    d = tmp_path / lock.LOCKS_DIR / "gt"
    d.mkdir(parents=True)
    verdict, who = lock.parse_reply(_bash(lock.read_command("gt"), tmp_path))
    assert verdict == "held" and who is not None and who.ownerless
    assert not lock.is_stale(who, None)  # just made: perhaps being taken right now
    subprocess.run(["touch", "-d", "10 minutes ago", str(d)], check=True)
    verdict, who = lock.parse_reply(_bash(lock.acquire_command("gt", LockOwner.new("A", "p", 1)),
                                          tmp_path))  # fmt: skip
    assert verdict == "held" and who is not None and lock.is_stale(who, None)
    assert "no owner.json" in lock.LockHeld("gt", who, True).args[0]
    assert who.ownerless_mtime is not None
    out = _bash(lock.break_ownerless_command("gt", who.ownerless_mtime + 1), tmp_path)
    assert lock.parse_reply(out)[0] == "other" and d.exists()  # not the one confirmed
    out = _bash(lock.break_ownerless_command("gt", who.ownerless_mtime), tmp_path)
    assert lock.parse_reply(out)[0] == "released" and not d.exists()


def test_release_that_did_not_happen_is_reported() -> None:
    server = FakeServer(["exit 0\nsize 0\n"])
    server.answers["release"] = lambda body: R(0, f"other\n{holder().to_json()}\n")
    result = new_run(server).run()
    assert result.outcome == Outcome.DEPLOYED
    assert "lock was not released" in result.message


# ---- 10c/10d: the job's state and its log, by the real scripts in a local bash -------------------

JOB = "20260101T000000Z-gt-abcdef"


def _job_folder(home: Path) -> Path:
    d = home / jobs.JOBS_DIR / JOB
    d.mkdir(parents=True)
    return d


def test_a_reused_pid_is_not_the_job_running(tmp_path: Path) -> None:
    d = _job_folder(tmp_path)
    (d / "pid").write_text(f"{os.getpid()}\n")  # alive, but pytest, not the job (a reboot)
    poll = jobs.parse_poll(_bash(jobs.poll_command(JOB, 0), tmp_path), 0)
    assert poll.state.state == jobs.LOST
    (d / "job.json").write_text(JobRecord(JOB, "gt", "", ("x",), "t").to_json() + "\n")
    assert jobs.parse_list(_bash(jobs.list_command(), tmp_path))[0].state.state == jobs.LOST


def test_the_log_is_never_cut_inside_a_character(tmp_path: Path) -> None:
    d = _job_folder(tmp_path)
    with subprocess.Popen(["bash", "-c", f"sleep 30; : {JOB}"]) as job:
        try:
            (d / "pid").write_text(f"{job.pid}\n")
            text = "héllo ✓\n".encode()
            (d / "log").write_bytes(text[:2])  # 'h' and the first byte of 'é'
            first = jobs.parse_poll(_bash(jobs.poll_command(JOB, 0), tmp_path), 0)
            assert first.state.state == jobs.RUNNING
            assert first.text == "h" and first.offset == 1
            (d / "log").write_bytes(text[:-3])  # now it ends inside '✓'
            second = jobs.parse_poll(_bash(jobs.poll_command(JOB, 1), tmp_path), 1)
            assert second.text == "éllo " and "\ufffd" not in second.text
            (d / "log").write_bytes(text)
            third = jobs.parse_poll(_bash(jobs.poll_command(JOB, second.offset), tmp_path),
                                    second.offset)  # fmt: skip
            assert third.text == "✓\n"
        finally:
            job.kill()
