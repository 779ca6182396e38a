"""The audit record of every write on an app: on the server for the team, and locally.

On the server it is one JSON line appended with a single ``write(2)`` to
``~/.ereg-desktop/audit.jsonl`` (O_APPEND: concurrent writers never interleave a line), read
back split on ``\n`` only (a record may hold U+2028, U+0085, ... which ``str.splitlines`` splits
on). Records
hold names, commits, times and outcomes, never logs or environment values.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from ereg_desktop.errors import OperationFailed
from ereg_desktop.services.deploy.job_record import is_job_id
from ereg_desktop.services.deploy.jobs import job_dir
from ereg_desktop.services.deploy.steps import (
    STATE_DIR,
    CommandKind,
    RemoteCommand,
    Shell,
    check_app,
    script,
)

AUDIT_FILE = f"{STATE_DIR}/audit.jsonl"
_MAX_MESSAGE = 500  # a message is a sentence or two, not a log
# Reading the team's record: at most this many lines, each cut on the server at MAX_LINE bytes
# (a line longer than that is not one of ours: skipped and counted, never parsed). A writer keeps
# each text to what a reader keeps of it, and its line to MAX_LINE bytes.
TAIL_LINES = 500
MAX_LINE = 16_384
_MAX_FIELD = 2_000
_MAX_KEY = 100
ALREADY_RECORDED = "already-recorded"  # append_command's answer when another desktop recorded


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
        """The record as written: every text valid UTF-8 and cut to what a reader keeps, and the
        whole line at most ``MAX_LINE`` bytes, so it reads back exactly as written."""
        d = asdict(self)
        for key, value in d.items():
            if isinstance(value, str):
                d[key] = _text(value, _MAX_MESSAGE if key == "message" else _MAX_FIELD)
        d["reasons"] = {_text(str(k), _MAX_KEY): _text(str(v), _MAX_FIELD)
                        for k, v in d["reasons"].items()}  # fmt: skip
        for s in d["steps"]:
            s["step"], s["state"] = _text(s["step"], _MAX_FIELD), _text(s["state"], _MAX_FIELD)
            s["message"] = _text(s["message"], _MAX_MESSAGE)
            s["seconds"] = round(s["seconds"], 3)
        if d["downtime_s"] is not None:
            d["downtime_s"] = round(d["downtime_s"], 3)
        _fit(d)
        return d

    def to_line(self) -> str:
        return _line(self.to_dict())


def _line(d: dict[str, Any]) -> str:
    # ensure_ascii=False keeps names readable in the file; JSON escapes every control character
    # (\n, \r, NUL), so the only newline is the one that ends the line
    return json.dumps(d, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


_SURROGATE = re.compile("[\ud800-\udfff]")


def _text(value: str, limit: int) -> str:
    """A lone surrogate cannot be encoded into the command that carries the line: U+FFFD."""
    return _SURROGATE.sub("\ufffd", value[:limit])


def _fit(d: dict[str, Any]) -> None:
    """Halve the longest text until the line fits in ``MAX_LINE`` bytes (a line longer than
    that is not read back, and stays far under one read of ``cat``)."""
    while len(_line(d).encode("utf-8")) > MAX_LINE:
        slots: list[tuple[dict[str, Any], str]] = [
            (d, k) for k, v in d.items() if isinstance(v, str)
        ]
        slots += [(d["reasons"], k) for k in d["reasons"]]
        slots += [(s, "message") for s in d["steps"]]
        owner, key = max(slots, key=lambda slot: len(slot[0][slot[1]]))
        owner[key] = owner[key][: len(owner[key]) // 2]


def append_command(
    record: AuditRecord,
    job_done: str | None = None,
    then: RemoteCommand | None = None,
    also_done: tuple[str, ...] = (),
) -> RemoteCommand:
    """One line appended in one write; optionally mark the job whose outcome this records (and
    the run's earlier jobs, ``also_done``: update-translations before pm2-deploy), and run
    ``then`` (housekeeping such as pruning old jobs) in the same round trip; its failure does
    not fail the record. $1 the line, $2 the job's folder (or empty), $3 the earlier jobs'
    folders (space-separated: job ids hold no spaces), then ``then``'s argv."""
    check_app(record.app)
    for job_id in also_done:
        if not is_job_id(job_id):
            raise ValueError(f"not a job id: {job_id!r}")
    return script(
        f"audit {record.app}",
        [
            "set -e",
            "cd",
            'line="$1"; d="$2"; also="$3"; shift 3',
            f"mkdir -p {STATE_DIR}; a={AUDIT_FILE}",
            # bash's printf writes a long line in pieces (one per stdio buffer), so two desktops'
            # appends could interleave. The line is prepared in a file first: cat reads it whole
            # (a line is at most MAX_LINE bytes, cat reads 128 KiB) and writes it with one
            # write(2), which O_APPEND puts at the end in one piece.
            f"t=$(mktemp {STATE_DIR}/.audit-line.XXXXXX); trap 'rm -f \"$t\"' EXIT",
            'printf \'%s\\n\' "$line" > "$t"',
            'if [ -n "$d" ]; then',
            # Two desktops may follow one job (both re-attached on reconnect): an atomic mkdir
            # claims the right to record it, so the team's audit gets exactly one line per job.
            f'  if ! mkdir "$d/recording" 2>/dev/null; then echo {ALREADY_RECORDED}; exit 0; fi',
            '  cat "$t" >> "$a" || { rmdir "$d/recording"; exit 1; }',
            '  touch "$d/audited"',
            '  for e in $also; do mkdir -p "$e/recording" && touch "$e/audited"; done',
            "else",
            '  cat "$t" >> "$a"',
            "fi",
            'if [ $# -gt 0 ]; then "$@" >/dev/null 2>&1 || true; fi',
        ],
        record.to_line(),
        job_dir(job_done) if job_done else "",
        " ".join(job_dir(j) for j in also_done),
        *(then.argv if then is not None else ()),
        kind=CommandKind.WRITE,
        timeout=30,
    )


# Only these fields of a server line are kept (anything else a line carries is dropped).
_TEXT_FIELDS = ("kind", "app", "server", "environment", "operator", "machine", "started_at",
                "ended_at", "result", "app_state", "commit_before", "commit_after", "job",
                "message")  # fmt: skip
SOURCE_LOCAL, SOURCE_SERVER, SOURCE_BOTH = "local", "server", "both"


def tail_command(lines: int = TAIL_LINES) -> RemoteCommand:
    """The last ``lines`` lines of the audit file, each cut at ``MAX_LINE + 1`` bytes (so the
    answer stays bounded even when something wrote a huge line)."""
    return script(
        "read audit",
        [
            "cd",
            f"[ -f {AUDIT_FILE} ] || exit 0",
            f'tail -n "$1" {AUDIT_FILE} | cut -b 1-"$2"',
        ],
        str(int(lines)),
        str(MAX_LINE + 1),
        kind=CommandKind.READ,
        timeout=30,
    )


@dataclass(frozen=True)
class ServerAudit:
    """What the audit file of one server says: records oldest first, and how many lines could
    not be read (broken JSON, not a record, too long, a partial last line)."""

    server: str
    records: list[dict[str, Any]]
    skipped: int = 0


def clean_record(d: dict[str, Any]) -> dict[str, Any] | None:
    """The whitelisted fields of one audit line, with their types checked; None when it is not
    an audit record (no app, kind or start time)."""
    out: dict[str, Any] = {}
    for key in _TEXT_FIELDS:
        value = d.get(key)
        if isinstance(value, str):
            out[key] = value[:_MAX_FIELD]
        elif value is not None and not isinstance(value, dict | list):
            out[key] = str(value)[:_MAX_FIELD]
    if not all(out.get(k) for k in ("app", "kind", "started_at")):
        return None
    downtime = d.get("downtime_s")
    if isinstance(downtime, int | float) and not isinstance(downtime, bool):
        out["downtime_s"] = float(downtime)
    pending = d.get("pending_commits")
    if isinstance(pending, int) and not isinstance(pending, bool):
        out["pending_commits"] = pending
    reasons = d.get("reasons")
    if isinstance(reasons, dict):
        out["reasons"] = {
            str(k)[:_MAX_KEY]: str(v)[:_MAX_FIELD]
            for k, v in reasons.items()
            if isinstance(v, str | int | float)
        }
    return out


def parse_audit(
    text: str, server: str, app: str | None = None, max_line: int = MAX_LINE
) -> ServerAudit:
    """Parse JSON lines robustly: a broken or foreign line is skipped and counted, never raised.
    A record without a server id gets ``server``'s."""
    records: list[dict[str, Any]] = []
    skipped = 0
    # "\n" only: str.splitlines() also splits on U+2028, U+2029, U+0085, \r, \v, \f, \x1c-\x1e,
    # which a record may hold (JSON escapes control characters, not those)
    for line in text.split("\n"):
        if not line.strip():
            continue
        if len(line.encode("utf-8", "surrogateescape")) > max_line:
            skipped += 1
            continue
        try:
            d = json.loads(line)
        except (ValueError, RecursionError):
            skipped += 1
            continue
        rec = clean_record(d) if isinstance(d, dict) else None
        if rec is None:
            skipped += 1
            continue
        rec.setdefault("server", server)
        if app is None or rec["app"] == app:
            records.append(rec)
    return ServerAudit(server, records, skipped)


def read_server_audit(
    shell: Shell, server: str, app: str | None = None, lines: int = TAIL_LINES
) -> ServerAudit:
    """The newest ``lines`` records of the server's audit file (``server`` is its id)."""
    cmd = tail_command(lines)
    res = cmd.run(shell)
    if res.exit_code != 0:
        raise OperationFailed(f"{cmd.title} failed (exit {res.exit_code}): {res.stderr.strip()}")
    return parse_audit(res.stdout, server, app)


def record_key(d: dict[str, Any]) -> tuple[str, ...]:
    """Who did what when: the same write recorded locally and on the server has the same key.
    A deploy's server job id is unique; other writes are told apart by their start (to the
    second), app, server, kind, operator and machine."""
    job = str(d.get("job") or "")
    if job:
        return ("job", job)
    return tuple(
        str(d.get(k) or "") for k in ("server", "app", "kind", "started_at", "operator", "machine")
    )


def merge_records(
    local: list[dict[str, Any]], servers: list[ServerAudit], limit: int | None = None
) -> list[dict[str, Any]]:
    """Local and server records as one list, newest first, each run once, with ``source``:
    ``local`` (only this computer's history), ``server`` (only the team's audit) or ``both``."""
    merged: dict[tuple[str, ...], dict[str, Any]] = {}
    for d in local:
        merged.setdefault(record_key(d), {**d, "source": SOURCE_LOCAL})
    for audit in servers:
        for d in audit.records:
            key = record_key(d)
            known = merged.get(key)
            if known is None:
                merged[key] = {**d, "source": SOURCE_SERVER}
            elif known["source"] == SOURCE_LOCAL:
                known["source"] = SOURCE_BOTH
    out = sorted(merged.values(), key=_newest_first_key, reverse=True)
    return out[:limit] if limit is not None else out


def _newest_first_key(d: dict[str, Any]) -> tuple[float, str]:
    text = str(d.get("started_at") or "")
    try:
        when = datetime.fromisoformat(text)
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        return (when.timestamp(), text)
    except ValueError:
        return (0.0, text)


def append(
    shell: Shell,
    record: AuditRecord,
    job_done: str | None = None,
    then: RemoteCommand | None = None,
    also_done: tuple[str, ...] = (),
) -> bool:
    """Append ``record``; False when ``job_done`` had already been recorded by another desktop
    (nothing appended then)."""
    cmd = append_command(record, job_done, then, also_done)
    res = cmd.run(shell)
    if res.exit_code != 0:
        raise OperationFailed(f"{cmd.title} failed (exit {res.exit_code}): {res.stderr.strip()}")
    return ALREADY_RECORDED not in res.stdout.split()
