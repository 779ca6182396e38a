"""The lock's heartbeat and its token against the real sshd: a lock renewed by a live run stays
valid however old, one whose holder stopped renewing goes stale in minutes, and a token read back
from the server is checked before it reaches a command. Ages are set with ``touch -d`` on the
server (as the test user), never waited for."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from deploy_helpers import make_ref, shell

from ereg_desktop.errors import OperationFailed
from ereg_desktop.services.deploy.lock import (
    HEARTBEAT_STALE_AFTER,
    LockHeld,
    LockLost,
    LockOwner,
    LockPurpose,
    ServerLock,
)

APP = "gt-dev"


@pytest.fixture
def locks(sandbox: Any) -> Any:
    """The locks folder, emptied of this app's lock after the test whatever happened."""
    yield Path(sandbox.home) / ".ereg-desktop/locks"
    sandbox.run_as_user(f"rm -rf ~/.ereg-desktop/locks/{APP}", login=False)


def _age(sandbox: Any, rel: str, ago: str) -> None:
    sandbox.run_as_user(f"touch -d '{ago}' ~/.ereg-desktop/locks/{APP}/{rel}", login=False,
                        check=True)  # fmt: skip


def _reviewer() -> LockOwner:
    """A review lock taken 20 minutes ago (longer than the 15 minutes of an unbound lock)."""
    owner = LockOwner.new("Alice", "alice-pc", 4242, LockPurpose.REVIEW)
    since = (datetime.now(UTC) - timedelta(minutes=20)).isoformat(timespec="seconds")
    return replace(owner, since=since)


def test_a_lock_renewed_by_a_live_run_is_not_stale_however_old(
    sandbox: Any, pool: Any, locks: Path
) -> None:
    ref = make_ref(sandbox, APP)
    held = ServerLock(shell(pool, ref), APP)
    held.acquire(_reviewer())
    assert (locks / APP / "heartbeat").exists()
    _age(sandbox, "heartbeat", "20 minutes ago")
    _age(sandbox, "owner.json", "20 minutes ago")
    held.renew()  # the live run's beat
    other = ServerLock(shell(pool, ref), APP)
    with pytest.raises(LockHeld) as caught:
        other.check_free()
    holder = caught.value.holder
    assert holder is not None and holder.purpose == "review" and holder.operator == "Alice"
    assert holder.heartbeat_age_s is not None and holder.heartbeat_age_s < 60
    assert not caught.value.stale  # held for 20 minutes, renewed: valid
    assert not other.break_stale(replace(holder, token="0" * 16))  # not the confirmed holder
    assert (locks / APP / "owner.json").exists()
    held.release()
    assert not (locks / APP).exists()


def test_a_lock_whose_holder_stopped_renewing_is_stale_and_can_be_broken(
    sandbox: Any, pool: Any, locks: Path
) -> None:
    ref = make_ref(sandbox, APP)
    dead = ServerLock(shell(pool, ref), APP)
    dead.acquire(LockOwner.new("Bob", "bob-pc", 7))
    _age(sandbox, "heartbeat", "4 minutes ago")  # past HEARTBEAT_STALE_AFTER (3 min)
    other = ServerLock(shell(pool, ref), APP)
    with pytest.raises(LockHeld) as caught:
        other.check_free()
    holder = caught.value.holder
    assert holder is not None and holder.heartbeat_age_s is not None
    assert holder.heartbeat_age_s > HEARTBEAT_STALE_AFTER.total_seconds()
    assert caught.value.stale and "stale" in str(caught.value)
    assert other.break_stale(holder)
    assert not (locks / APP).exists()
    # Bob's desktop wakes up: its beat finds the lock gone and says so
    with pytest.raises(LockLost, match="no longer this run's"):
        dead.renew()


def test_renew_after_someone_broke_and_took_the_lock_raises_lock_held(
    sandbox: Any, pool: Any, locks: Path
) -> None:
    ref = make_ref(sandbox, APP)
    first = ServerLock(shell(pool, ref), APP)
    first.acquire(LockOwner.new("Bob", "bob-pc", 7))
    _age(sandbox, "heartbeat", "10 minutes ago")
    second = ServerLock(shell(pool, ref), APP)
    with pytest.raises(LockHeld) as caught:
        second.check_free()
    assert caught.value.stale and caught.value.holder is not None
    assert second.break_stale(caught.value.holder)
    second.acquire(LockOwner.new("Carol", "carol-pc", 8))
    with pytest.raises(LockHeld, match="Carol") as lost:  # LockLost is a LockHeld
        first.renew()
    assert isinstance(lost.value, LockLost)
    assert "Carol" in (locks / APP / "owner.json").read_text()  # Carol's lock untouched
    assert first.release() == "other" and (locks / APP).exists()
    second.release()


@pytest.mark.hostile(
    area="lock: damaged record",
    tried="owner.json naming the token `../../victim` (a break once removed ~/victim)",
    outcome="break and release refuse the token before any command; nothing outside the locks "
    "folder is touched; the message says to remove the lock by hand",
)
def test_a_token_with_dot_dot_read_back_is_refused_and_nothing_outside_is_touched(
    sandbox: Any, pool: Any, locks: Path
) -> None:
    ref = make_ref(sandbox, APP)
    victim = "victim-of-a-bad-token"
    evil = LockOwner("Mallory", "m", 1, "2020-01-01T00:00:00+00:00", f"../../{victim}")
    sandbox.run_as_user(
        f"mkdir -p ~/{victim}/keep ~/.ereg-desktop/locks/{APP} && "
        f"printf '%s\\n' '{evil.to_json()}' > ~/.ereg-desktop/locks/{APP}/owner.json && "
        f"touch -d '1 hour ago' ~/.ereg-desktop/locks/{APP}/owner.json",
        login=False, check=True,
    )  # fmt: skip
    try:
        lock = ServerLock(shell(pool, ref), APP)
        with pytest.raises(LockHeld) as caught:
            lock.check_free()
        holder = caught.value.holder
        assert holder is not None and holder.token == f"../../{victim}"
        with pytest.raises(OperationFailed, match="no ereg-desktop writes"):
            lock.break_stale(holder)
        lock.adopt(holder)
        with pytest.raises(OperationFailed, match="altered"):
            lock.release()
        home = Path(sandbox.home)
        assert (home / victim / "keep").is_dir()
        assert (locks / APP / "owner.json").exists()
        assert sorted(p.name for p in locks.iterdir() if p.name.startswith(".broken")) == []
    finally:
        sandbox.run_as_user(f"rm -rf ~/{victim}", login=False)
