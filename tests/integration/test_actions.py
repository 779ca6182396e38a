"""Restart, stop and start against the real sandbox, and the write guards."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from deploy_helpers import make_ref, shell

from ereg_desktop.services.deploy.actions import WriteGuard, WriteRefused, run_action
from ereg_desktop.services.deploy.lock import LockHeld, LockOwner, ServerLock
from ereg_desktop.store.history import History


def test_restart_stop_start(sandbox: Any, pool: Any, tmp_path: Path) -> None:
    app = "els"
    ref = make_ref(sandbox, app)
    history = History(tmp_path / "h.sqlite3")
    guard = WriteGuard()
    pid = sandbox.pm2_process(app)["pid"]
    r = run_action(ref, "restart", shell(pool, ref), guard=guard, operator="T", history=history)
    assert r.ok and r.status == "online", r.message
    assert sandbox.pm2_process(app)["pid"] != pid
    r = run_action(ref, "stop", shell(pool, ref), guard=guard, operator="T", history=history)
    assert r.ok and sandbox.pm2_status(app) == "stopped"
    r = run_action(ref, "start", shell(pool, ref), guard=guard, operator="T", history=history)
    assert r.ok and sandbox.pm2_status(app) == "online"
    assert [h["kind"] for h in history.list(app)] == ["start", "stop", "restart"]


def test_refused_while_another_write_runs(sandbox: Any, pool: Any) -> None:
    ref = make_ref(sandbox, "els")
    guard = WriteGuard()
    with guard.hold("sandbox", "els", "an update"), pytest.raises(WriteRefused, match="update"):
        run_action(ref, "restart", shell(pool, ref), guard=guard, operator="T")
    lock = ServerLock(shell(pool, ref), "els")
    lock.acquire(LockOwner.new("Alice", "laptop", 1))
    try:
        with pytest.raises(LockHeld, match="Alice"):
            run_action(ref, "stop", shell(pool, ref), guard=guard, operator="T")
    finally:
        lock.release()
    assert sandbox.pm2_status("els") == "online"


def test_tag_deployment_may_restart(sandbox: Any, pool: Any) -> None:
    ref = make_ref(sandbox, "gt", track="2015", track_type="tag", environment="production")
    r = run_action(ref, "restart", shell(pool, ref), guard=WriteGuard(), operator="T")
    assert r.ok, r.message
