"""``job.json``: what a detached server job is (its kind and argv) and what the run that started
it knew (operator, reasons, commits, the lock), so any desktop that re-attaches can finish it.

The file is shared by the team's desktops, some older or newer than this one: reading never
raises; what this version does not know is kept as text, what is damaged is noted.
"""

from __future__ import annotations

import enum
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ereg_desktop.services.deploy.lock_owner import LockOwner
from ereg_desktop.store.inventory import APP_NAME_RE

JOB_RECORD_VERSION = 2  # 1: no version and no kind (the job was always pm2-deploy)
_JOB_ID_RE = re.compile(r"\A[0-9TZ]+-[A-Za-z0-9._-]+-[0-9a-f]+\Z")


def is_job_id(text: str) -> bool:
    """True for an id :func:`jobs.new_job_id` makes: safe as a folder name, never ``..``."""
    return bool(_JOB_ID_RE.match(text))


class JobKind(enum.StrEnum):
    PM2_DEPLOY = "pm2-deploy"
    UPDATE_TRANSLATIONS = "update-translations"


def text(value: Any) -> str:
    """A job.json field as text, whatever another desktop's version wrote there."""
    if value is None:
        return ""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)


_KNOWN = frozenset(
    ("operator", "machine", "started_at", "reasons", "commit_before", "pending_commits",
     "server", "lock", "reviewed")
)  # fmt: skip


@dataclass(frozen=True)
class JobContext:
    operator: str = ""
    machine: str = ""
    started_at: str = ""
    reasons: dict[str, str] = field(default_factory=dict)  # Concern value (or unknown) -> reason
    commit_before: str = ""
    pending_commits: int = 0
    lock: LockOwner | None = None  # the lock's owner.json when the job started
    server: str = ""  # the inventory's server id
    extra: dict[str, str] = field(default_factory=dict)  # fields this version does not know
    # an update with translations: the reviewed files (path -> git blob sha, None: deleted), so
    # a desktop that re-attaches to update-translations checks the pull request against them
    reviewed: dict[str, str | None] = field(default_factory=dict)

    def to_json_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = dict(self.extra)
        d.update(
            operator=self.operator,
            machine=self.machine,
            started_at=self.started_at,
            reasons=dict(self.reasons),
            commit_before=self.commit_before,
            pending_commits=self.pending_commits,
            server=self.server,
            # owner.json's text, as version 1 wrote it: older desktops read it so
            lock=self.lock.to_json() if self.lock is not None else "",
        )
        if self.reviewed:
            d["reviewed"] = dict(self.reviewed)
        return d

    @classmethod
    def from_json_dict(cls, d: Any) -> tuple[JobContext, list[str]]:
        """The context and notes about damaged fields; never raises."""
        notes: list[str] = []
        if not isinstance(d, Mapping):
            if d is not None:
                notes.append(f"job.json has a context that is not an object: {text(d)[:80]!r}")
            return cls(), notes
        reasons: dict[str, str] = {}
        raw_reasons = d.get("reasons")
        if isinstance(raw_reasons, Mapping):
            reasons = {str(k): text(v) for k, v in raw_reasons.items()}
        elif raw_reasons is not None:
            notes.append(f"job.json has reasons {text(raw_reasons)[:80]!r}")
        pending = d.get("pending_commits", 0)
        try:
            if isinstance(pending, bool | float):
                raise TypeError(pending)
            pending_commits = int(pending)
        except (TypeError, ValueError):
            pending_commits = 0
            notes.append(f"job.json has pending_commits {text(pending)!r}")
        raw_lock = d.get("lock")  # owner.json's text
        lock = LockOwner.from_json(raw_lock) if isinstance(raw_lock, str) and raw_lock else None
        if lock is None and raw_lock:
            notes.append(f"job.json has a lock that cannot be read: {text(raw_lock)[:80]!r}")
        reviewed = _reviewed(d.get("reviewed"), notes)
        ctx = cls(
            operator=text(d.get("operator")),
            machine=text(d.get("machine")),
            started_at=text(d.get("started_at")),
            reasons=reasons,
            commit_before=text(d.get("commit_before")),
            pending_commits=pending_commits,
            lock=lock,
            server=text(d.get("server")),
            reviewed=reviewed,
            extra={str(k): text(v) for k, v in d.items() if k not in _KNOWN},
        )
        return ctx, notes


_BLOB_RE = re.compile(r"\A[0-9a-f]{40}(?:[0-9a-f]{24})?\Z")


def _reviewed(raw: Any, notes: list[str]) -> dict[str, str | None]:
    """The reviewed blobs; anything that is not a path -> blob sha (or null) map is dropped with
    a note (the pull request is then checked against nothing and refused)."""
    if raw is None:
        return {}
    ok = isinstance(raw, Mapping) and all(
        isinstance(k, str) and (v is None or (isinstance(v, str) and _BLOB_RE.match(v)))
        for k, v in raw.items()
    )
    if not ok:
        notes.append(f"job.json has reviewed files that cannot be read: {text(raw)[:80]!r}")
        return {}
    return {str(k): v for k, v in raw.items()}


@dataclass(frozen=True)
class JobRecord:
    id: str
    app: str
    kind: str  # a JobKind value; a newer desktop's kind stays as its text (the caller decides)
    argv: tuple[str, ...]
    started_at: str
    context: JobContext = field(default_factory=JobContext)
    version: int = JOB_RECORD_VERSION
    # what was damaged in the file this record was read from (never written)
    notes: tuple[str, ...] = field(default=(), compare=False)

    @property
    def known_kind(self) -> JobKind | None:
        try:
            return JobKind(self.kind)
        except ValueError:
            return None

    def to_json(self) -> str:
        d = {
            "version": self.version,
            "kind": self.kind,
            "id": self.id,
            "app": self.app,
            "argv": list(self.argv),
            "started_at": self.started_at,
            "context": self.context.to_json_dict(),
        }
        return json.dumps(d, sort_keys=True, separators=(",", ":"), ensure_ascii=False)

    @classmethod
    def from_json(cls, raw: str) -> JobRecord | None:
        """None when it is not a job record: no id that is a job id, no app name."""
        got = cls.read(raw)
        return got if isinstance(got, JobRecord) else None

    @classmethod
    def read(cls, raw: str) -> JobRecord | str:
        """The record, or why ``raw`` is not one (in words, holding no part of it)."""
        try:
            d = json.loads(raw)
        except (ValueError, RecursionError):
            return "it is not valid JSON"
        if not isinstance(d, dict):
            return "it is not a job record (not a JSON object)"
        job_id, app = d.get("id"), d.get("app")
        if not (isinstance(job_id, str) and is_job_id(job_id)):
            return "its id is not a job id"
        if not (isinstance(app, str) and APP_NAME_RE.match(app)):
            return "its app is not an app name"
        raw_argv = d.get("argv")
        argv = tuple(text(a) for a in raw_argv) if isinstance(raw_argv, list) else ()
        version = d.get("version", 1)
        if not isinstance(version, int) or isinstance(version, bool):
            version = 1
        kind = d.get("kind")
        if not isinstance(kind, str):
            # version 1 named no kind: the command tells it, when this version knows it
            kind = argv[0] if argv and argv[0] in set(JobKind) else ""
        context, notes = JobContext.from_json_dict(d.get("context"))
        return cls(
            job_id, app, kind, argv, text(d.get("started_at")), context, version, tuple(notes)
        )
