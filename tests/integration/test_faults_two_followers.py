"""Two desktops re-attach to one finished server job (defect 9 of issue 8: "the lock had already
been removed (broken?)"): one records it, and only that one releases the lock, exactly once."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from deploy_helpers import FAST, Recorder, make_pool, make_ref, server_audit, shell, wait_until

from ereg_desktop.services.deploy.actions import WriteGuard
from ereg_desktop.services.deploy.events import JobStarted
from ereg_desktop.services.deploy.workflow import DeployRun, Outcome
from ereg_desktop.store.history import History

APP = "proto"


class HoldsTheRelease:
    """A desktop whose lock release waits until the test lets it go (a slow link)."""

    def __init__(self, real: Any) -> None:
        self.real = real
        self.at_release = threading.Event()
        self.go = threading.Event()

    def run(self, argv: Any, *, timeout: float) -> Any:
        if (
            len(argv) > 2
            and argv[0] == "bash"
            and argv[2].startswith("cd ||")
            and ("unlock" in argv[2] or "released" in argv[2])
            and 'grep -qF "$2"' in argv[2]
            and "echo bound" not in argv[2]
        ):
            self.at_release.set()
            assert self.go.wait(60)
        return self.real.run(argv, timeout=timeout)


@pytest.mark.hostile(
    area="deploy: re-attach",
    tried="two desktops re-attach to the same finished job; the one "
    "that records it releases the lock after the other has finished",
    outcome='one audit line; the lock is released once, by the recorder; no "already removed"',
)
def test_two_followers_of_one_job_record_it_once_and_release_the_lock_once(
    sandbox: Any, tmp_path: Path
) -> None:
    sandbox.set_setup(APP, seconds=1, fail=False)
    sandbox.push_commit(APP, {"two.txt": "2\n"}, "followed by two desktops")
    ref = make_ref(sandbox, APP)
    for n in ("a", "b", "c"):
        (tmp_path / n).mkdir()
    pools = [make_pool(sandbox, tmp_path / n) for n in ("a", "b", "c")]
    try:
        events = Recorder()
        first = DeployRun(ref, shell(pools[0], ref), operator="Tester", guard=WriteGuard(),
                          settings=FAST)  # fmt: skip
        out: dict[str, Any] = {}
        worker = threading.Thread(target=lambda: out.setdefault("r", first.run(events)))
        worker.start()
        wait_until(lambda: any(isinstance(e, JobStarted) for e in events.snapshot()), 30,
                   "the server job to start")  # fmt: skip
        first.detach()
        worker.join(60)
        assert out["r"].outcome == Outcome.DETACHED, out["r"].message
        job_id = out["r"].job_id
        exit_file = Path(sandbox.home) / ".ereg-desktop/jobs" / job_id / "exit"
        wait_until(exit_file.exists, 60, "the job to finish")

        slow = HoldsTheRelease(shell(pools[1], ref))
        [job] = DeployRun.find_jobs(shell(pools[1], ref), APP)
        a = DeployRun.reattach(ref, slow, job, guard=WriteGuard(), settings=FAST,
                               history=History(tmp_path / "a.sqlite3"))  # fmt: skip
        got: dict[str, Any] = {}
        ta = threading.Thread(target=lambda: got.setdefault("a", a.run()))
        ta.start()
        try:
            assert slow.at_release.wait(60), "A never came to its release"
            b = DeployRun.reattach(ref, shell(pools[2], ref), job, guard=WriteGuard(),
                                   settings=FAST, history=History(tmp_path / "b.sqlite3"))  # fmt: skip
            rb = b.run()
        finally:
            slow.go.set()
            ta.join(60)
        ra = got["a"]
    finally:
        for p in pools:
            p.close()
    assert ra.outcome == Outcome.DEPLOYED and rb.outcome == Outcome.DEPLOYED, (ra, rb)
    assert "already been removed" not in ra.message + rb.message, (ra.message, rb.message)
    assert "already recorded by another desktop" in rb.message
    assert len([r for r in server_audit(sandbox, APP) if r["job"] == job_id]) == 1
    assert not (Path(sandbox.home) / ".ereg-desktop/locks" / APP).exists()
