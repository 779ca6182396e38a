"""When the window follows server jobs nobody has recorded, which ones, and from what downtime.

Plain Python (the window's Deployment actions apply it): a server that (re)connects is searched
for unrecorded jobs of its deployments (:class:`Reconnects`, :func:`unrecorded`); each job found is
followed unless something here follows it already (:func:`jobs_to_follow`). A view that let go of
a job (the connection stayed away too long) follows it again itself, from the moment it saw the
app go down: the job folder may not know it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from ereg_desktop.services.deploy.jobs import JobListing
from ereg_desktop.store.inventory import DeploymentRef


class Reconnects:
    """Tells when a server becomes connected (the first time, or again after being away)."""

    def __init__(self) -> None:
        self._connected: dict[str, bool] = {}

    def just_connected(self, server_id: str, connected: bool) -> bool:
        was = self._connected.get(server_id, False)
        self._connected[server_id] = connected
        return connected and not was


def unrecorded(jobs: Iterable[JobListing], apps: set[str]) -> list[JobListing]:
    """The jobs of these apps whose outcome no desktop has recorded yet."""
    return [j for j in jobs if j.record.app in apps and not j.audited]


@dataclass(frozen=True)
class Followed:
    """A job this window shows. ``running``: its run still follows it; otherwise the run let go
    and ``down_at`` is when it last saw the app go down (None: up, or not known)."""

    job_id: str
    running: bool
    down_at: float | None = None


@dataclass(frozen=True)
class Follow:
    """Follow ``job`` of ``ref``. ``again``: in the view that let go of it (else a new one);
    ``down_at``: the downtime to count from (None: what the job folder says)."""

    ref: DeploymentRef
    job: JobListing
    again: bool
    down_at: float | None


def jobs_to_follow(
    refs: Sequence[DeploymentRef],
    jobs: Iterable[JobListing],
    followed: Iterable[Followed],
    writing: Callable[[DeploymentRef], bool],
) -> list[Follow]:
    """What to follow of ``jobs`` (found on the server of ``refs``): not a job a run here still
    follows, nor one of an app this process is writing to now (``writing``: the write guard; that
    write started the job or will find it)."""
    seen = list(followed)
    following = {f.job_id for f in seen if f.running}
    let_go = {f.job_id: f for f in seen if not f.running}
    by_app = {r.app: r for r in refs}
    out: list[Follow] = []
    for job in jobs:
        ref = by_app.get(job.record.app)
        if ref is None or job.record.id in following or writing(ref):
            continue
        waiting = let_go.get(job.record.id)
        down_at = waiting.down_at if waiting is not None else None
        out.append(Follow(ref, job, again=waiting is not None, down_at=down_at))
    return out
