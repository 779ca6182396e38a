"""What a hostile or damaged server answers to the lock's scripts: never a traceback; a value
that is not what a server writes is no value; an unreadable owner is a damaged lock."""

from __future__ import annotations

import pytest

from ereg_desktop.errors import OperationFailed
from ereg_desktop.services.deploy import lock

GOOD = lock.LockOwner.new("Bob", "b", 7)


@pytest.mark.parametrize(
    ("reply", "holder_ok"),
    [
        pytest.param(
            f"held\nheartbeat {'9' * 400}\n{GOOD.to_json()}\n",
            True,
            marks=pytest.mark.hostile(
                area="lock: server reply",
                tried="a 400-digit heartbeat age",
                outcome="the age is ignored; the holder is shown",
            ),
        ),
        pytest.param(
            'held\nfolder 5 100\n{"operator":"x","pid":Infinity,"token":"0123456789abcdef"}\n',
            False,
            marks=pytest.mark.hostile(
                area="lock: server reply",
                tried="owner.json with a pid of Infinity",
                outcome="a damaged lock, held by unknown",
            ),
        ),
        pytest.param(
            "held\nfolder 5 100\n" + "[" * 100_000 + "\n",
            False,
            marks=pytest.mark.hostile(
                area="lock: server reply",
                tried="owner.json nested 100 000 deep",
                outcome="a damaged lock, held by unknown",
            ),
        ),
        pytest.param(
            f"held\nownerless {'9' * 5000} 1\n",
            None,
            marks=pytest.mark.hostile(
                area="lock: server reply",
                tried="a 5000-digit age of an ownerless lock",
                outcome="no holder read: the lock is shown as being taken",
            ),
        ),
        pytest.param("held\nnotafolder 400 100\n", False),
        pytest.param("held\ndamaged 400 100\n", False),
    ],
)
def test_hostile_lock_replies_never_raise(reply: str, holder_ok: bool | None) -> None:
    verdict, holder = lock.parse_reply(reply)
    assert verdict == "held"
    if holder_ok is None:
        assert holder is None
    elif holder_ok:
        assert holder == GOOD and holder.heartbeat_age_s is None
    else:
        assert holder is not None and holder.ownerless and holder.damage
        assert "unknown" in holder.describe()


class _Says:
    def __init__(self, stdout: str) -> None:
        self.stdout = stdout

    def run(self, argv: object, *, timeout: float) -> object:
        from ereg_desktop.remote.command import Result

        return Result(0, self.stdout, "", 0.0)


@pytest.mark.parametrize(
    ("verdict", "said"),
    [
        pytest.param(
            "busy",
            "another desktop",
            marks=pytest.mark.hostile(
                area="lock",
                tried="the lock guard held by another desktop's script for over 20 s",
                outcome="release not done and said so; the lock stays "
                "this run's (a later release may do it)",
            ),
        ),
        pytest.param(
            "noflock",
            "no `flock`",
            marks=pytest.mark.hostile(
                area="lock",
                tried="a server without `flock`",
                outcome="release not done: says to install util-linux's flock",
            ),
        ),
        pytest.param(
            "failed",
            "disk full",
            marks=pytest.mark.hostile(
                area="lock",
                tried="the lock folder cannot be moved (read-only disk)",
                outcome='never "released": the failure is said',
            ),
        ),
        pytest.param("", "no answer"),
    ],
)
def test_a_release_that_did_not_happen_is_never_released(verdict: str, said: str) -> None:
    held = lock.ServerLock(_Says(f"{verdict}\n"), "gt")
    held.adopt(GOOD)
    with pytest.raises(OperationFailed, match=said):
        held.release()
    assert held.owner == GOOD
    with pytest.raises(OperationFailed, match="Breaking the lock of gt did not happen"):
        held.break_stale(GOOD)
