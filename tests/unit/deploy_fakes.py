"""A scripted server for the workflow's unit tests: each remote script is answered by what it does
(lock, inspect, start, poll, audit, ...), so a test can lose an answer, refuse a step or click
Cancel at an exact point, and then read what the run did to the server."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ereg_desktop.services.deploy import jobs
from ereg_desktop.services.deploy.actions import WriteGuard
from ereg_desktop.services.deploy.jobs import JobListing, JobRecord, JobState
from ereg_desktop.services.deploy.lock import LockOwner
from ereg_desktop.services.deploy.workflow import DeployRun, DeploySettings
from ereg_desktop.services.status import AppStatus
from ereg_desktop.store.inventory import Deployment, DeploymentRef, Server, System

FAST = DeploySettings(settle_s=0.0, verify_deadline_s=0.5, poll_interval_s=0.0, check_url=False,
                      reconnect_for_s=0.0)  # fmt: skip
HEAD, TARGET = "a" * 40, "b" * 40


def ref(app: str = "gt", owner: str = "Ann") -> DeploymentRef:
    dep = Deployment("development", "s", app, "", "master")
    return DeploymentRef(System("Guatemala", owner=owner), dep, Server("s", "h"))


@dataclass
class R:
    exit_code: int
    stdout: str = ""
    stderr: str = ""
    duration: float = 0.0


INSPECTION = (
    f"@@ereg-desktop:head\n{HEAD}\n@@ereg-desktop:target\n{TARGET}\n@@ereg-desktop:branch\n"
    f"master\n@@ereg-desktop:pending\n{TARGET}\x1fBob\x1f2026-01-01\x1fFix\n@@ereg-desktop:status\n"
)


def kind_of(body: str) -> str:
    for needle, kind in (
        ("setsid nohup", "start"),
        ('echo "size $', "poll"),
        ("@@ereg-desktop:head", "inspect"),
        ('git rev-parse HEAD "origin/', "head"),
        ("a=.ereg-desktop/audit.jsonl", "audit"),
        ("echo acquired", "acquire"),
        ("touch heartbeat", "renew"),
        ("echo bound", "bind"),
        ("echo released", "release"),
        ('> "$1/down_at"', "mark_down"),
        ("for d in .ereg-desktop/jobs/*;", "list"),
        ("pm2 jlist", "jlist"),
        ("echo now $(date +%s.%N)", "times"),
    ):
        if needle in body:
            return kind
    raise AssertionError(f"unexpected remote script:\n{body}")


Answer = Callable[[str], R]


class FakeServer:
    """Answers by kind; ``answers[kind]`` overrides one (a callable of the script's body, which
    may raise); ``polls`` are the job poll answers in order (the last one repeats)."""

    def __init__(self, polls: list[str] | None = None) -> None:
        self.ran: list[str] = []
        self.argvs: list[tuple[str, ...]] = []
        self.polls = list(polls or ["exit 0\nsize 0\n"])
        self.answers: dict[str, Answer] = {}

    def run(self, argv: Any, *, timeout: float) -> R:
        body = argv[2]  # bash -c SCRIPT _ ARG...
        kind = kind_of(body)
        self.ran.append(kind)
        self.argvs.append(tuple(argv))
        if kind in self.answers:
            return self.answers[kind](body)
        if kind == "poll":
            return R(0, self.polls.pop(0) if len(self.polls) > 1 else self.polls[0])
        return R(0, {
            "start": "started 42\n", "inspect": INSPECTION, "head": f"{TARGET}\n{TARGET}\n",
            "acquire": "acquired\n", "bind": "bound\n", "release": "released\n",
            "renew": "renewed\n",
            "jlist": JLIST_ONLINE,
        }.get(kind, ""))  # fmt: skip


JLIST_ONLINE = (
    '[{"name":"gt","pid":5,"pm2_env":{"status":"online","restart_time":0,"pm_uptime":0}}]'
    "\n@@ereg-desktop:now 1000\n"
)


class Probe:
    """pm2 as scripted: each read takes the next answer (the last repeats); an exception raises."""

    def __init__(self, *answers: AppStatus | None | BaseException) -> None:
        self.answers = list(answers) or [AppStatus("gt", "online", uptime_s=100.0)]

    def app_status(self, app: str) -> AppStatus | None:
        a = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(a, BaseException):
            raise a
        return a


ONLINE = AppStatus("gt", "online", uptime_s=100.0)
STOPPED = AppStatus("gt", "stopped")


def new_run(server: FakeServer, probe: Probe | None = None, **kw: Any) -> DeployRun:
    kw.setdefault("guard", WriteGuard())
    kw.setdefault("operator", "Ann")
    kw.setdefault("settings", FAST)
    return DeployRun(kw.pop("ref", None) or ref(), server, probe=probe or Probe(), **kw)


def listing(context: dict[str, Any], state: str = jobs.RUNNING, kind: str | None = None,
            argv: tuple[str, ...] = ("pm2-deploy", "gt")) -> JobListing:  # fmt: skip
    """A job.json as a desktop wrote it (version 1 without ``kind``), read back as a re-attach
    reads it."""
    raw = {"id": "20260101T000000Z-gt-abc123", "app": "gt", "argv": list(argv),
           "started_at": "t", "context": context}  # fmt: skip
    if kind is not None:
        raw.update(version=2, kind=kind)
    rec = JobRecord.from_json(json.dumps(raw))
    assert rec is not None
    return JobListing(rec, JobState(state), False)


def holder() -> LockOwner:
    return LockOwner("Bob", "bob-pc", 7, "2026-01-01T00:00:00+00:00", "0123456789abcdef", job=None)
