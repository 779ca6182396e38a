"""Which unrecorded server jobs the window follows, when, and from what downtime (no Qt)."""

from __future__ import annotations

from ereg_desktop.services.deploy.jobs import JobListing, JobRecord, JobState
from ereg_desktop.services.deploy.reattach_policy import (
    Follow,
    Followed,
    Reconnects,
    jobs_to_follow,
    unrecorded,
)
from ereg_desktop.store.inventory import Deployment, DeploymentRef, Server, System

SERVER = Server("main", "eregistrations.org")


def ref(app: str) -> DeploymentRef:
    dep = Deployment("production", "main", app)
    return DeploymentRef(System(f"System {app}", owner="Ann", deployments=[dep]), dep, SERVER)


def job(job_id: str, app: str, *, audited: bool = False, state: str = "running") -> JobListing:
    record = JobRecord(job_id, app, ("pm2-deploy", app), "2026-01-01T00:00:00Z", {})
    return JobListing(record, JobState(state), audited)


GT, ELS = ref("gt"), ref("els")
NOBODY_WRITES = lambda _ref: False  # noqa: E731


def test_a_server_is_searched_when_it_connects_and_again_after_being_away() -> None:
    seen = Reconnects()
    answers = [
        seen.just_connected("main", True),  # first connection
        seen.just_connected("main", True),  # still connected
        seen.just_connected("other", False),  # never connected
        seen.just_connected("main", False),  # away
        seen.just_connected("main", True),  # back
    ]
    assert answers == [True, False, False, False, True]


def test_only_unrecorded_jobs_of_the_servers_deployments() -> None:
    jobs = [job("a", "gt"), job("b", "gt", audited=True), job("c", "proto"), job("d", "els")]
    assert [j.record.id for j in unrecorded(jobs, {"gt", "els"})] == ["a", "d"]


def test_a_job_nobody_follows_opens_a_new_view_with_the_folder_downtime() -> None:
    found = jobs_to_follow([GT, ELS], [job("j1", "gt", state="finished")], [], NOBODY_WRITES)
    assert found == [Follow(GT, found[0].job, again=False, down_at=None)]


def test_a_job_still_followed_here_is_left_alone() -> None:
    followed = [Followed("j1", running=True, down_at=100.0)]
    assert jobs_to_follow([GT], [job("j1", "gt")], followed, NOBODY_WRITES) == []


def test_a_job_of_an_app_being_written_is_left_to_that_write() -> None:
    writing = lambda r: r.app == "gt"  # noqa: E731
    found = jobs_to_follow([GT, ELS], [job("j1", "gt"), job("j2", "els")], [], writing)
    assert [(f.ref.app, f.job.record.id) for f in found] == [("els", "j2")]


def test_the_view_that_let_go_follows_again_from_when_it_saw_the_app_go_down() -> None:
    followed = [Followed("j1", running=False, down_at=1234.5), Followed("j9", running=False)]
    found = jobs_to_follow([GT], [job("j1", "gt"), job("j2", "gt")], followed, NOBODY_WRITES)
    assert [(f.job.record.id, f.again, f.down_at) for f in found] == [
        ("j1", True, 1234.5),
        ("j2", False, None),
    ]


def test_a_job_of_an_app_not_on_this_server_is_not_followed() -> None:
    assert jobs_to_follow([GT], [job("j1", "els")], [], NOBODY_WRITES) == []
