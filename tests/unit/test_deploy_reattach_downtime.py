"""The downtime of a job re-attached to after it ended unseen (defect 9 of issue 8), from the
server's own times: when the job started (or the app went down, if noted) to pm2's start of the
app. Whatever the server answers, the run never fails for it: an unreadable time is no downtime."""

from __future__ import annotations

import pytest
from deploy_fakes import FAST, FakeServer, Probe, R, holder, listing, ref

from ereg_desktop.services.deploy.actions import WriteGuard
from ereg_desktop.services.deploy.workflow import DeployRun, Outcome
from ereg_desktop.services.status import AppStatus


def _reattach(times: str, uptime_s: float | None = 5.0) -> tuple[DeployRun, FakeServer]:
    server = FakeServer(["exit 0\nsize 0\n"])
    server.answers["times"] = lambda body: R(0, times)
    probe = Probe(AppStatus("gt", "online", uptime_s=uptime_s))
    run = DeployRun.reattach(ref(), server, listing({"lock": holder().to_json()}, state="finished"),
                             guard=WriteGuard(), probe=probe, settings=FAST)  # fmt: skip
    return run, server


def test_the_downtime_comes_from_the_servers_times() -> None:
    run, server = _reattach("now 1000\nstart 900\ndown \n")
    result = run.run()
    assert result.outcome == Outcome.DEPLOYED, result.message
    assert result.downtime_s == pytest.approx(95.0, abs=0.5)  # 1000 - 5 s up - 900
    assert result.record.downtime_s == result.downtime_s


def test_a_noted_down_time_wins_over_the_jobs_start() -> None:
    run, _ = _reattach("now 1000\nstart 900\ndown 950.5\n")
    assert run.run().downtime_s == pytest.approx(44.5, abs=0.5)


@pytest.mark.parametrize(
    "times",
    [
        pytest.param(
            f"now {'9' * 400}\nstart 900\ndown \n",
            marks=pytest.mark.hostile(
                area="deploy: re-attach",
                tried="the server's clock answered as a 400-digit number",
                outcome="the downtime is unknown (null); deployed and recorded all the same",
            ),
        ),
        pytest.param(
            "now nan\nstart inf\ndown -5\n",
            marks=pytest.mark.hostile(
                area="deploy: re-attach",
                tried="the job's times answered as nan, inf and a negative number",
                outcome="the downtime is unknown (null); never a crash",
            ),
        ),
        pytest.param(
            "now 100\nstart 900\ndown \n",
            marks=pytest.mark.hostile(
                area="deploy: re-attach",
                tried='the job started after "now" (a clock that went back)',
                outcome="no negative downtime: unknown (null)",
            ),
        ),
        pytest.param("\x00\xff garbage", id="garbage"),
        pytest.param("", id="empty"),
    ],
)
def test_times_the_server_cannot_mean_are_no_downtime(times: str) -> None:
    run, _ = _reattach(times)
    result = run.run()
    assert result.outcome == Outcome.DEPLOYED, result.message
    assert result.downtime_s is None and result.record.downtime_s is None
