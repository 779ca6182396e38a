"""The lock scripts' replies, whatever the server prints: the parser returns a verdict and an
owner (or None), never raises."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ereg_desktop.services.deploy.lock import LockOwner, parse_reply

_VALUE = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=10)
_HUGE = st.integers(min_value=-(10**400), max_value=10**400)
_OWNER = st.fixed_dictionaries(
    {},
    optional={k: _VALUE | _HUGE | st.lists(_VALUE, max_size=2) for k in
              ("operator", "machine", "pid", "since", "token", "purpose", "job")},
)  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from(["held", "acquired", "released", "free", "", "\x00"]),
    st.none() | st.text(max_size=12) | _HUGE.map(str),
    st.one_of(_OWNER.map(json.dumps), st.text(max_size=60)),
)
def test_any_reply_parses_into_a_verdict(verdict: str, heartbeat: str | None, body: str) -> None:
    beat = f"heartbeat {heartbeat}\n" if heartbeat is not None else ""
    got, owner = parse_reply(f"{verdict}\n{beat}{body}\n")
    assert isinstance(got, str)
    assert owner is None or isinstance(owner, LockOwner)


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=12) | _HUGE.map(str), st.text(max_size=12) | _HUGE.map(str))
def test_any_ownerless_reply_parses(age: str, mtime: str) -> None:
    _, owner = parse_reply(f"held\nownerless {age} {mtime}\n")
    assert owner is None or owner.ownerless


@pytest.mark.parametrize(
    "reply",
    [
        pytest.param("held\nheartbeat " + "9" * 400 + "\n{}", id="heartbeat",
                     marks=pytest.mark.hostile(area="lock", tried="a 400-digit heartbeat age",
                                               outcome="the lock is read; the age is unknown")),
        pytest.param("held\nownerless " + "9" * 400 + " 5", id="ownerless",
                     marks=pytest.mark.hostile(area="lock",
                                               tried="a 400-digit age of an ownerless lock",
                                               outcome="the lock is read as held, owner unknown")),
        pytest.param('held\n{"pid": 1e400, "token": "x"}', id="pid",
                     marks=pytest.mark.hostile(area="lock", tried="owner.json with pid 1e400",
                                               outcome="the lock is read as held, owner unknown")),
    ],
)  # fmt: skip
def test_huge_numbers_in_a_lock_reply_do_not_raise(reply: str) -> None:
    verdict, _ = parse_reply(reply)
    assert verdict == "held"
