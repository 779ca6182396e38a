"""The audit record of every write on an app: on the server for the team, and locally.

On the server it is one JSON line appended with a single ``>>`` write to
``~/.ereg-desktop/audit.jsonl`` (O_APPEND: concurrent writers never interleave a line). Records
hold names, commits, times and outcomes, never logs or environment values.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

from ereg_desktop.errors import OperationFailed
from ereg_desktop.services.deploy.jobs import mark_audited_command
from ereg_desktop.services.deploy.steps import (
    STATE_DIR,
    RemoteCommand,
    Shell,
    check_app,
    script,
    sh,
)

AUDIT_FILE = f"{STATE_DIR}/audit.jsonl"
_MAX_MESSAGE = 500  # keep one line well under a single write()


@dataclass(frozen=True)
class StepRecord:
    step: str
    state: str
    seconds: float
    message: str = ""


@dataclass
class AuditRecord:
    kind: str  # deploy, restart, stop, start, start-again
    app: str
    server: str
    environment: str
    operator: str
    machine: str
    started_at: str
    ended_at: str = ""
    result: str = ""  # see workflow.Outcome / actions
    app_state: str = ""  # up, down or unknown at the end
    reasons: dict[str, str] = field(default_factory=dict)
    commit_before: str = ""
    commit_after: str = ""
    pending_commits: int = 0
    downtime_s: float | None = None
    job: str | None = None
    message: str = ""
    steps: list[StepRecord] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["message"] = d["message"][:_MAX_MESSAGE]
        for s in d["steps"]:
            s["message"] = s["message"][:_MAX_MESSAGE]
            s["seconds"] = round(s["seconds"], 3)
        if d["downtime_s"] is not None:
            d["downtime_s"] = round(d["downtime_s"], 3)
        return d

    def to_line(self) -> str:
        return json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def append_command(
    record: AuditRecord, job_done: str | None = None, then: RemoteCommand | None = None
) -> RemoteCommand:
    """One ``printf >>`` of one line; optionally mark the job whose outcome this records, and
    run ``then`` (housekeeping such as pruning old jobs) in the same round trip; its failure does
    not fail the record."""
    check_app(record.app)
    lines = [
        "set -e",
        "cd",
        sh("mkdir", "-p", STATE_DIR),
        f"printf '%s\\n' {sh(record.to_line())} >> {sh(AUDIT_FILE)}",
    ]
    if job_done:
        lines.append(mark_audited_command(job_done).argv[2])
    if then is not None:
        lines.append(f"{sh(*then.argv)} >/dev/null 2>&1 || true")
    return script(f"audit {record.app}", lines, timeout=30)


def tail_command(lines: int = 200) -> RemoteCommand:
    return script(
        "read audit", ["cd", f"tail -n {int(lines)} {sh(AUDIT_FILE)} 2>/dev/null || true"]
    )


def append(
    shell: Shell,
    record: AuditRecord,
    job_done: str | None = None,
    then: RemoteCommand | None = None,
) -> None:
    cmd = append_command(record, job_done, then)
    res = cmd.run(shell)
    if res.exit_code != 0:
        raise OperationFailed(f"{cmd.title} failed (exit {res.exit_code}): {res.stderr.strip()}")


def read_server(shell: Shell, app: str | None = None, lines: int = 200) -> list[dict[str, Any]]:
    res = tail_command(lines).run(shell)
    out = []
    for line in res.stdout.splitlines():
        try:
            d = json.loads(line)
        except ValueError:
            continue
        if isinstance(d, dict) and (app is None or d.get("app") == app):
            out.append(d)
    return out
