"""Damaged lock records on the real server: owner.json truncated or not JSON, an empty lock
folder, owner.json that is a folder, a file where the lock folder should be. Each is a lock held by
"unknown", stale once it is old, broken (after confirming) by its modification time, never a
traceback or a lock that blocks the app for ever."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from deploy_helpers import make_pool, make_ref, shell
from test_deploy import new_run

from ereg_desktop.services.deploy.lock import LockHeld, LockOwner, ServerLock
from ereg_desktop.services.deploy.workflow import AppState, Block, Outcome

APP = "els"
GOOD = LockOwner.new("Bob", "bob-pc", 7).to_json()


def _case(setup: str, said: str, tried: str, id: str) -> Any:
    return pytest.param(
        setup, said,
        marks=pytest.mark.hostile(
            area="lock: damaged record", tried=tried,
            outcome=f"the update is refused before any downtime naming the lock as {said!r}; "
            "stale after 3 minutes; broken after confirming; the next update takes the lock",
        ),
        id=id,
    )  # fmt: skip


CASES = [
    _case(
        f"mkdir L && printf '%s' '{GOOD[:25]}' > L/owner.json",
        "cannot be read",
        "owner.json cut in the middle (a full disk, a crash while writing)",
        "truncated",
    ),
    _case(
        "mkdir L && head -c 300 /dev/urandom > L/owner.json",
        "cannot be read",
        "owner.json full of binary garbage",
        "garbage",
    ),
    _case(
        "mkdir L && printf '[[[[[[[[[[' > L/owner.json",
        "cannot be read",
        "owner.json holding JSON that is not an object",
        "not-an-object",
    ),
    _case(
        "mkdir L && printf '%s' '{\"pid\": 1e999, \"token\": 7}' > L/owner.json",
        "cannot be read",
        "owner.json with a pid of 1e999 (infinity) and a numeric token",
        "huge-number",
    ),
    _case(
        "mkdir L",
        "no owner.json",
        "an empty lock folder (a desktop cut off while taking it)",
        "empty-folder",
    ),
    _case("mkdir -p L/owner.json", "not a file", "owner.json that is a folder", "owner-folder"),
    _case(
        "printf 'x' > L",
        "a file, not a lock folder",
        "a plain file where the app's lock folder should be",
        "file-not-folder",
    ),
]


@pytest.mark.parametrize(("setup", "said"), CASES)
def test_a_damaged_lock_record_blocks_cleanly_and_can_be_broken(
    sandbox: Any, tmp_path: Path, setup: str, said: str
) -> None:
    locks = Path(sandbox.home) / ".ereg-desktop/locks"
    sandbox.run_as_user(
        f"mkdir -p ~/.ereg-desktop/locks && cd ~/.ereg-desktop/locks && rm -rf {APP} && "
        + setup.replace("L", APP) + f" && touch -h -d '10 minutes ago' {APP}",
        login=False, check=True,
    )  # fmt: skip
    pool = make_pool(sandbox, tmp_path)
    try:
        pid = sandbox.pm2_process(APP)["pid"]
        result = new_run(pool, make_ref(sandbox, APP), tmp_path).run()
        assert result.outcome == Outcome.BLOCKED and result.block == Block.LOCK_HELD
        assert said in result.message and "unknown" in result.message, result.message
        assert result.lock_stale and result.lock_holder is not None, result.message
        assert result.app_state == AppState.UP and sandbox.pm2_process(APP)["pid"] == pid
        lock = ServerLock(shell(pool, make_ref(sandbox, APP)), APP)
        assert lock.break_stale(result.lock_holder)
        assert not (locks / APP).exists() and not (locks / APP).is_symlink()
        assert [p.name for p in locks.iterdir() if p.name.startswith(".")] == []  # nothing aside
        lock.acquire(LockOwner.new("Tester", "here", 1))
        assert lock.release() == "released"
    finally:
        pool.close()
        sandbox.run_as_user(f"rm -rf ~/.ereg-desktop/locks/{APP}", login=False)


@pytest.mark.hostile(
    area="lock: damaged record",
    tried="a damaged lock re-taken by another desktop after the operator confirmed breaking it",
    outcome="the break is refused (not the lock confirmed); the new holder's lock is untouched",
)
def test_breaking_a_damaged_lock_never_removes_the_one_taken_since(
    sandbox: Any, tmp_path: Path
) -> None:
    sandbox.run_as_user(
        f"mkdir -p ~/.ereg-desktop/locks/{APP} && printf 'garbage' > "
        f"~/.ereg-desktop/locks/{APP}/owner.json && touch -d '10 minutes ago' "
        f"~/.ereg-desktop/locks/{APP}",
        login=False, check=True,
    )  # fmt: skip
    pool = make_pool(sandbox, tmp_path)
    try:
        lock = ServerLock(shell(pool, make_ref(sandbox, APP)), APP)
        confirmed = lock.holder()
        assert confirmed is not None and confirmed.damage
        sandbox.run_as_user(f"rm -rf ~/.ereg-desktop/locks/{APP}", login=False, check=True)
        carol = ServerLock(shell(pool, make_ref(sandbox, APP)), APP)
        carol.acquire(LockOwner.new("Carol", "c", 3))
        assert not lock.break_stale(confirmed)
        holder = lock.holder()
        assert holder is not None and holder.operator == "Carol"
        assert carol.release() == "released"
    finally:
        pool.close()
        sandbox.run_as_user(f"rm -rf ~/.ereg-desktop/locks/{APP}", login=False)


class PausesAfterTheCheck:
    """The real shell; the release script waits on the server right after its token check
    until ``~/go`` exists (a slow server between two lines of the script)."""

    def __init__(self, real: Any) -> None:
        self.real = real

    def run(self, argv: Any, *, timeout: float) -> Any:
        if len(argv) > 2 and argv[0] == "bash":
            lines = argv[2].split("\n")
            at = [i for i, ln in enumerate(lines) if 'grep -qF "$2"' in ln]
            if at and any("echo released" in ln for ln in lines):
                hook = "touch ~/paused; while [ ! -e ~/go ]; do sleep 0.01; done"
                body = "\n".join([*lines[: at[0] + 1], hook, *lines[at[0] + 1 :]])
                argv = [*argv[:2], body, *argv[3:]]
        return self.real.run(argv, timeout=timeout)


@pytest.mark.hostile(
    area="lock",
    tried="on the real sshd: another desktop breaks the lock and takes it while "
    "this desktop's release is between its token check and its remove",
    outcome='the other desktop waits for the release; its new lock survives; "released" once',
)
def test_on_the_server_a_lock_retaken_between_check_and_remove_survives(
    sandbox: Any, tmp_path: Path
) -> None:
    import threading

    from deploy_helpers import wait_until

    home = Path(sandbox.home)
    (home / "go").unlink(missing_ok=True)
    (home / "paused").unlink(missing_ok=True)
    pools = [make_pool(sandbox, tmp_path)]
    (tmp_path / "b").mkdir()
    pools.append(make_pool(sandbox, tmp_path / "b"))
    ref = make_ref(sandbox, APP)
    try:
        mine = ServerLock(PausesAfterTheCheck(shell(pools[0], ref)), APP)
        mine.acquire(LockOwner.new("Tester", "here", 1))
        got: dict[str, Any] = {}
        releasing = threading.Thread(target=lambda: got.setdefault("r", mine.release()))
        releasing.start()
        wait_until((home / "paused").exists, 30, "the release to pass its check")
        other = ServerLock(shell(pools[1], ref), APP)
        holder = other.holder()
        assert holder is not None
        breaking = threading.Thread(target=lambda: got.setdefault("b", other.break_stale(holder)))
        breaking.start()
        wait_until(lambda: not breaking.is_alive() or _waits_on_a_file_lock(sandbox), 30,
                   "the other desktop's break to end or wait")  # fmt: skip
        carol = LockOwner.new("Carol", "c", 3)
        try:  # at once if the break did not wait for the release
            other.acquire(carol)
        except LockHeld:
            pass
        sandbox.run_as_user("touch ~/go", login=False, check=True)
        releasing.join(30)
        breaking.join(30)
        if other.owner is None:  # the break waited for the release: Carol takes it now
            other.acquire(carol)
        held = other.holder()
        assert held is not None and held.operator == "Carol"  # the new lock survived
        assert got["r"] == "released" and got["b"] is True  # it found the lock gone: free
        assert other.release() == "released"
    finally:
        for p in pools:
            p.close()
        sandbox.run_as_user(f"rm -rf ~/.ereg-desktop/locks/{APP} ~/go ~/paused", login=False)


def _waits_on_a_file_lock(box: Any) -> bool:
    """A process of the test user waits for a file lock (a ``->`` line of /proc/locks)."""
    from sandbox.procs import user_processes

    pids = {str(p.pid) for p in user_processes(box.uid)}
    waiting = [ln.split() for ln in Path("/proc/locks").read_text().splitlines() if "->" in ln]
    return any(len(w) > 5 and w[5] in pids for w in waiting)
