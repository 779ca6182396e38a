"""Preflight rules, the write guard, and the workflow's decisions on a scripted shell."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from ereg_desktop.services.deploy.actions import WriteGuard, WriteRefused, prepare
from ereg_desktop.services.deploy.preflight import Concern, concerns, update_refusal
from ereg_desktop.services.deploy.verify import wait_stable
from ereg_desktop.services.deploy.workflow import Block, DeployRun, Outcome
from ereg_desktop.services.status import AppStatus
from ereg_desktop.store.history import History
from ereg_desktop.store.inventory import Deployment, DeploymentRef, Server, System


def ref(
    env: str = "production", owner: str = "Ann", window: str = "", tag: bool = False
) -> DeploymentRef:
    dep = Deployment(env, "s", "gt", track="2015" if tag else "master",
                     track_type="tag" if tag else "branch")  # fmt: skip
    return DeploymentRef(
        System("Guatemala", owner=owner, low_traffic=window), dep, Server("s", "h")
    )


def test_concerns() -> None:
    noon = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
    assert concerns(ref(), "ann", noon) == []
    assert [n.concern for n in concerns(ref(), "Bob", noon)] == [Concern.OWNER_MISMATCH]
    outside = concerns(ref(window="06:00-08:00 UTC"), "Ann", noon)
    assert [n.concern for n in outside] == [Concern.OUTSIDE_LOW_TRAFFIC]
    assert concerns(ref(env="development", window="06:00-08:00 UTC"), "Ann", noon) == []
    assert update_refusal(ref(tag=True)) is not None and update_refusal(ref()) is None


def test_action_plan_says_production() -> None:
    plan = prepare(ref(), "restart")
    assert plan.production and "PRODUCTION" in plan.confirmation
    assert plan.command.argv == ("pm2", "restart", "gt")


def test_write_guard() -> None:
    guard = WriteGuard()
    with guard.hold("s", "gt", "an update"):
        with pytest.raises(WriteRefused, match="an update"):
            with guard.hold("s", "gt", "a restart"):
                pass
        with guard.hold("s", "els", "a restart"):
            pass
    with guard.hold("s", "gt", "a restart"):
        pass


@dataclass
class R:
    exit_code: int
    stdout: str = ""
    stderr: str = ""
    duration: float = 0.0


class AuditOnlyShell:
    """Accepts only the audit append: nothing may be locked, stopped or deployed."""

    def __init__(self) -> None:
        self.ran: list[str] = []

    def run(self, argv: list[str], *, timeout: float) -> R:
        body = argv[2]  # bash -c SCRIPT _ ARG...
        assert "a=.ereg-desktop/audit.jsonl" in body, f"unexpected remote command {argv}"
        self.ran.append(argv[4])  # the audit line: the script's "$1" (argv[3] is "_")
        return R(0)


def test_pinned_and_reason_block_before_touching_the_server(tmp_path: object) -> None:
    class Probe:
        def app_status(self, app: str) -> AppStatus | None:
            return AppStatus(app, "online")

    for r, block in ((ref(tag=True), Block.PINNED), (ref(owner="Zed"), Block.NEEDS_REASON)):
        sh = AuditOnlyShell()
        run = DeployRun(r, sh, operator="Ann", guard=WriteGuard(), probe=Probe())
        result = run.run()
        assert len(sh.ran) == 1 and '"result":"blocked"' in sh.ran[0]
        assert result.outcome == Outcome.BLOCKED and result.block == block
        assert result.record.result == "blocked"


def test_probe_uses_the_whitelisting_parser_and_the_server_clock() -> None:
    from ereg_desktop.services.deploy.verify import Pm2Probe
    from ereg_desktop.services.pm2_read import JLIST

    out = (
        "[PM2] Spawning\n"
        '[{"name":"gt","pid":5,"pm2_env":{"status":"online","restart_time":2,'
        '"pm_uptime":998000,"SECRET":"x"}}]\n@@ereg-desktop:now 1000.5\n'
    )

    class Shell:
        def run(self, argv: object, *, timeout: float) -> object:
            assert argv == JLIST.argv
            return type("R", (), {"exit_code": 0, "stdout": out, "stderr": "", "duration": 0})()

    st = Pm2Probe(Shell(), "s").app_status("gt")  # type: ignore[arg-type]
    assert st is not None and st.status == "online" and st.pid == 5 and st.restarts == 2
    assert st.uptime_s == 2.5  # from the server's clock, not the desktop's
    assert "SECRET" not in repr(st)


def test_wait_stable_counts_pm2_uptime() -> None:
    t = [0.0]

    class Probe:
        def app_status(self, app: str) -> AppStatus | None:
            return AppStatus(app, "online", restarts=3, uptime_s=2.0)

    check = wait_stable(Probe(), "gt", settle_s=1.0, deadline_s=10, clock=lambda: t[0],
                        sleep=lambda s: None)  # fmt: skip
    assert check.ok and t[0] == 0.0  # one sample: already online for longer than the settle


def test_wait_stable_resets_on_restart() -> None:
    t = [0.0]
    seq = iter([("online", 0), ("online", 1), ("online", 1), ("online", 1), ("online", 1)])

    class Probe:
        def app_status(self, app: str) -> AppStatus | None:
            status, restarts = next(seq)
            return AppStatus(app, status, restarts=restarts)

    def sleep(s: float) -> None:
        t[0] += s

    check = wait_stable(Probe(), "gt", settle_s=1.0, deadline_s=10, interval_s=0.5,
                        clock=lambda: t[0], sleep=sleep)  # fmt: skip
    # 0: online (r0) → sleeps to the settle end; 1.0: restarted (r1), counts again; 2.0: stable
    assert check.ok and check.restarts == 1 and t[0] == 2.0


def test_history_roundtrip(tmp_path: object) -> None:
    from pathlib import Path

    h = History(Path(str(tmp_path)) / "h.sqlite3")
    assert h.list() == []
    h.add({"app": "gt", "server": "s", "kind": "deploy", "started_at": "1", "result": "ok"})
    h.add({"app": "els", "server": "s", "kind": "restart", "started_at": "2", "result": "ok"})
    assert [r["app"] for r in h.list()] == ["els", "gt"]
    assert [r["kind"] for r in h.list("gt")] == ["deploy"]
