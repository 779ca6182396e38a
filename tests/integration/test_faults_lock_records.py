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

from ereg_desktop.services.deploy.lock import LockOwner, ServerLock
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
