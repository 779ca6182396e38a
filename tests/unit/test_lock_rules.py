"""The lock's rules as data and in a local bash: purpose, heartbeat, staleness, token checks."""

from __future__ import annotations

import os
import subprocess
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from ereg_desktop.errors import OperationFailed
from ereg_desktop.services.deploy import lock
from ereg_desktop.services.deploy.steps import CommandKind, RemoteCommand

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def owner(**kw: object) -> lock.LockOwner:
    base = lock.LockOwner("A", "m", 1, T0.isoformat(), "0123456789abcdef")
    return replace(base, **kw)  # type: ignore[arg-type]


def _bash(cmd: RemoteCommand, home: Path) -> str:
    env = {"HOME": str(home), "PATH": "/usr/bin:/bin"}
    return subprocess.run(list(cmd.argv), capture_output=True, text=True, env=env).stdout


def test_staleness_by_heartbeat_job_or_age() -> None:
    hours_later = T0 + timedelta(hours=5)
    # a live run renewing its lock: held for hours, not stale
    assert not lock.is_stale(owner(heartbeat_age_s=20.0), None, hours_later)
    # its holder stopped renewing: stale after HEARTBEAT_STALE_AFTER, however young the lock
    assert lock.is_stale(owner(heartbeat_age_s=240.0), None, T0 + timedelta(minutes=5))
    assert not lock.is_stale(owner(heartbeat_age_s=170.0), None, T0 + timedelta(minutes=5))
    # bound to a job: the job decides, whatever the heartbeat says
    assert not lock.is_stale(owner(job="j", heartbeat_age_s=9999.0), True, hours_later)
    assert lock.is_stale(owner(job="j", heartbeat_age_s=1.0), False, hours_later)
    # an older desktop's lock (no heartbeat): the 15-minute rule
    assert not lock.is_stale(owner(), None, T0 + timedelta(minutes=14))
    assert lock.is_stale(owner(), None, T0 + timedelta(minutes=16))


def test_purpose_is_text_in_json_and_unknown_purposes_survive() -> None:
    o = lock.LockOwner.new("Ann", "pc", 3, lock.LockPurpose.REVIEW)
    assert o.purpose == "review" and '"purpose":"review"' in o.to_json()
    back = lock.LockOwner.from_json(o.to_json().replace('"review"', '"translate-later"'))
    assert back is not None and back.purpose == "translate-later"
    assert "translate-later" in back.describe()
    # the heartbeat's age is what the server said when read: never written
    assert "heartbeat" not in replace(o, heartbeat_age_s=5.0).to_json()


def test_reply_carries_the_heartbeat_age() -> None:
    o = owner()
    verdict, holder = lock.parse_reply(f"held\nheartbeat 42\n{o.to_json()}\n")
    assert verdict == "held" and holder == o and holder is not None
    assert holder.heartbeat_age_s == 42.0
    _, old = lock.parse_reply(f"held\n{o.to_json()}\n")
    assert old is not None and old.heartbeat_age_s is None
    _, bad = lock.parse_reply(f"held\nheartbeat x\n{o.to_json()}\n")
    assert bad is not None and bad.heartbeat_age_s is None
    assert lock.parse_reply("held\nownerless 5 ../../x\n") == ("held", None)


@pytest.mark.parametrize("token", ["../../etc", "ab12", "0123456789ABCDEF", "0123456789abcdef\n"])
def test_a_token_not_written_by_a_desktop_never_reaches_a_command(token: str) -> None:
    for build in (lock.release_command, lock.break_command, lock.renew_command):
        with pytest.raises(OperationFailed, match="16 hex digits"):
            build("gt", token)
    with pytest.raises(OperationFailed):
        lock.bind_job_command("gt", owner(token=token, job="j"))


def test_every_lock_command_says_its_kind_and_takes_values_as_parameters() -> None:
    o = owner(operator="O'Brien $(reboot)")
    writes = [lock.acquire_command("gt", o), lock.release_command("gt", o.token),
              lock.break_command("gt", o.token), lock.bind_job_command("gt", o),
              lock.renew_command("gt", o.token), lock.break_ownerless_command("gt", 123)]  # fmt: skip
    assert {c.kind for c in writes} == {CommandKind.WRITE}
    assert lock.read_command("gt").kind == CommandKind.READ
    for c in [*writes, lock.read_command("gt")]:
        assert c.argv[:2] == ("bash", "-c") and c.argv[3:5] == ("_", "gt")
        assert "O'Brien" not in c.argv[2] and o.token not in c.argv[2] and "gt" not in c.argv[2]
    assert lock.renew_command("gt", o.token).argv[5:] == (f'"token":"{o.token}"',)


def test_renew_in_local_bash(tmp_path: Path) -> None:
    a = lock.LockOwner.new("Alice", "a", 1)
    b = lock.LockOwner.new("Bob", "b", 2)
    hb = tmp_path / lock.LOCKS_DIR / "gt" / "heartbeat"
    assert lock.parse_reply(_bash(lock.acquire_command("gt", a), tmp_path))[0] == "acquired"
    assert hb.exists()
    os.utime(hb, (0, 0))
    assert lock.parse_reply(_bash(lock.renew_command("gt", a.token), tmp_path))[0] == "renewed"
    assert hb.stat().st_mtime > 0
    os.utime(hb, (0, 0))
    verdict, holder = lock.parse_reply(_bash(lock.renew_command("gt", b.token), tmp_path))
    assert verdict == "other" and holder == a and hb.stat().st_mtime == 0  # not Bob's to renew
    assert holder is not None and holder.heartbeat_age_s is not None
    assert holder.heartbeat_age_s > 50 * 365 * 86400  # the server's clock against the epoch
    assert lock.parse_reply(_bash(lock.break_command("gt", a.token), tmp_path))[0] == "released"
    assert lock.parse_reply(_bash(lock.renew_command("gt", a.token), tmp_path))[0] == "gone"
    assert list((tmp_path / lock.LOCKS_DIR).iterdir()) == []  # nothing left aside


class _Answers:
    def __init__(self, stdout: str, code: int = 0) -> None:
        self.stdout, self.code = stdout, code

    def run(self, argv: object, *, timeout: float) -> object:
        from ereg_desktop.remote.command import Result

        return Result(self.code, self.stdout, "boom", 0.0)


@pytest.mark.parametrize(("stdout", "code"), [("failed\n", 0), ("error\n", 0), ("", 0), ("", 1)])
def test_renew_that_could_not_touch_is_a_failure_not_a_lost_lock(stdout: str, code: int) -> None:
    held = lock.ServerLock(_Answers(stdout, code), "gt")
    held.adopt(owner())
    with pytest.raises(OperationFailed) as caught:
        held.renew()
    assert not isinstance(caught.value, lock.LockHeld)
    assert held.owner == owner()  # still ours as far as anyone knows


def test_renew_of_a_lock_someone_took_is_lost() -> None:
    held = lock.ServerLock(_Answers(f"other\nheartbeat 3\n{owner(operator='Carol').to_json()}\n"),
                           "gt")  # fmt: skip
    held.adopt(owner())
    with pytest.raises(lock.LockLost, match="Carol"):
        held.renew()
