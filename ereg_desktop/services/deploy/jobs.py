"""A detached job on the server: ``pm2-deploy`` must survive the desktop closing or the network
dropping, so it runs under ``setsid nohup`` with its output in a log file and its exit code in a
file. The job directory is the durable state; any desktop can find it and follow it again.

    ~/.ereg-desktop/jobs/ID/job.json   what, who, and the context the audit record needs
    ~/.ereg-desktop/jobs/ID/pid        the detached shell's pid
    ~/.ereg-desktop/jobs/ID/log        stdout and stderr of the command
    ~/.ereg-desktop/jobs/ID/exit       its exit code, written (atomically) once it ended
    ~/.ereg-desktop/jobs/ID/audited    present once a desktop recorded the outcome
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from ereg_desktop.errors import ConnectionProblem, OperationFailed
from ereg_desktop.services.deploy.steps import (
    STATE_DIR,
    RemoteCommand,
    Shell,
    check_app,
    script,
    sh,
)

JOBS_DIR = f"{STATE_DIR}/jobs"
_JOB_ID_RE = re.compile(r"^[0-9TZ]+-[A-Za-z0-9._-]+-[0-9a-f]+\Z")

RUNNING = "running"
FINISHED = "finished"
LOST = "lost"  # no exit file and no process: killed (reboot, kill -9) before it could say
MISSING = "missing"


def new_job_id(app: str, now: datetime | None = None) -> str:
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    return f"{stamp}-{check_app(app)}-{secrets.token_hex(3)}"


def job_dir(job_id: str) -> str:
    """The job's folder, relative to the home directory (checks the id)."""
    return _job_dir(job_id)


def _job_dir(job_id: str) -> str:
    if not _JOB_ID_RE.match(job_id):
        raise ValueError(f"{job_id!r} is not a job id")
    return f"{JOBS_DIR}/{job_id}"


@dataclass(frozen=True)
class JobRecord:
    """job.json. ``context`` carries what the run knew before the job (operator, reason, commits
    before and after, lock token, start time) so a desktop that re-attaches can finish the audit."""

    id: str
    app: str
    argv: tuple[str, ...]
    started_at: str
    context: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> str:
        d = {
            "id": self.id,
            "app": self.app,
            "argv": list(self.argv),
            "started_at": self.started_at,
            "context": self.context,
        }
        return json.dumps(d, sort_keys=True, separators=(",", ":"), ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> JobRecord | None:
        try:
            d = json.loads(text)
            ctx = d.get("context")
            return cls(
                id=str(d["id"]),
                app=str(d["app"]),
                argv=tuple(str(a) for a in d.get("argv", [])),
                started_at=str(d.get("started_at", "")),
                context=ctx if isinstance(ctx, dict) else {},
            )
        except (ValueError, TypeError, KeyError, AttributeError):
            return None


@dataclass(frozen=True)
class JobState:
    state: str  # RUNNING, FINISHED, LOST or MISSING
    exit_code: int | None = None

    @property
    def over(self) -> bool:
        return self.state != RUNNING


@dataclass(frozen=True)
class JobPoll:
    state: JobState
    text: str  # the log bytes from the offset asked for, decoded
    offset: int  # where the next poll starts


@dataclass(frozen=True)
class JobListing:
    record: JobRecord
    state: JobState
    audited: bool
    down_at: float | None = None  # when the app went down (epoch), noted by a desktop detaching


def _alive(pid_file: str, job_id: str) -> str:
    """Shell test: the pid in ``pid_file`` is alive *and* is this job's shell (its command line
    names the job's folder), so a pid reused after a reboot is not taken for the job. An empty
    command line (no /proc, or read in the instant of an exec) proves nothing: alive counts."""
    return (
        f'{{ p=$(cat {pid_file} 2>/dev/null); j={job_id}; [ -n "$p" ] && kill -0 "$p" 2>/dev/null'
        " && { c=$(tr -d '\\000' < \"/proc/$p/cmdline\" 2>/dev/null); "
        '[ -z "$c" ] || [ "${c#*"$j"}" != "$c" ]; }; }'
    )


def _state_shell(d: str) -> str:
    """Shell text setting $s to the job's state line. Exit file first: once it exists the log is
    complete, so a poll that reports the exit code also returns the whole rest of the log."""
    job_id = d.rsplit("/", 1)[-1]
    return (
        f'if [ -f {sh(d + "/exit")} ]; then s="exit $(cat {sh(d + "/exit")})"; '
        f"elif {_alive(sh(d + '/pid'), sh(job_id))}; then s=running; "
        "else s=lost; fi"
    )


# While the job runs the log may end inside a UTF-8 character: leave its first bytes for the next
# poll (``end`` moves back to where the character starts), so it is never cut in two.
_SAFE_END = [
    'if [ "$s" = running ] && [ "$end" -gt {offset} ]; then',
    "  n=$((end - {offset})); [ $n -gt 3 ] && n=3",
    "  b=($(od -An -tu1 -j $((end - n)) -N $n {log} 2>/dev/null))",
    "  i=$((${{#b[@]}} - 1)); k=0",
    "  while [ $i -ge 0 ]; do",
    "    k=$((k + 1)); v=${{b[$i]}}",
    "    if [ $v -lt 128 ]; then break; fi",
    "    if [ $v -ge 192 ]; then",
    "      if [ $v -ge 240 ]; then need=4; elif [ $v -ge 224 ]; then need=3; else need=2; fi",
    "      [ $k -lt $need ] && end=$((end - k))",
    "      break",
    "    fi",
    "    i=$((i - 1))",
    "  done",
    "fi",
]


def start_command(record: JobRecord) -> RemoteCommand:
    d = _job_dir(record.id)
    inner = "; ".join(
        [
            sh("bash", "-lc", sh(*record.argv)),
            f"echo $? > {sh(d + '/exit.tmp')}",
            sh("mv", d + "/exit.tmp", d + "/exit"),
        ]
    )
    return script(
        f"start {sh(*record.argv)} detached",
        [
            "set -e",
            "cd",
            sh("mkdir", "-p", d),
            f"printf '%s\\n' {sh(record.to_json())} > {sh(d + '/job.json')}",
            f"setsid nohup bash -c {sh(inner)} > {sh(d + '/log')} 2>&1 < /dev/null &",
            f"echo $! > {sh(d + '/pid')}",
            "echo started $!",
        ],
        timeout=30,
    )


def poll_command(job_id: str, offset: int, wait_s: float = 0.0) -> RemoteCommand:
    """The job's state and its log from ``offset``. With ``wait_s``, first wait on the server (in
    50 ms steps) up to that long until the log grows or the job ends: a long poll, so the desktop
    learns of the end at once instead of after its own sleep."""
    d = _job_dir(job_id)
    offset = max(0, int(offset))
    steps = max(0, round(float(wait_s) / 0.05))
    wait = (
        [
            f"i=0; while [ $i -lt {steps} ] && [ ! -f {sh(d + '/exit')} ] && "
            f'[ "$(wc -c < {sh(d + "/log")} 2>/dev/null || echo 0)" -le {offset} ]; '
            "do sleep 0.05; i=$((i+1)); done"
        ]
        if steps
        else []
    )
    return script(
        f"follow job {job_id}",
        [
            "cd",
            f"if [ ! -d {sh(d)} ]; then echo missing; exit 0; fi",
            *wait,
            _state_shell(d),
            'echo "$s"',
            f"end=$(wc -c < {sh(d + '/log')} 2>/dev/null || echo 0)",
            *[ln.format(offset=offset, log=sh(d + "/log")) for ln in _SAFE_END],
            'echo "size $end"',
            f'if [ "$end" -gt {offset} ]; then '
            f"tail -c +{offset + 1} {sh(d + '/log')} | head -c $((end - {offset})); fi",
        ],
        timeout=30,
    )


def list_command() -> RemoteCommand:
    return script(
        "list jobs",
        [
            "cd",
            f"for d in {sh(JOBS_DIR)}/*; do",
            '  [ -f "$d/job.json" ] || continue',
            '  if [ -f "$d/exit" ]; then s="exit $(cat "$d/exit")"; '
            f"elif {_alive(chr(34) + '$d/pid' + chr(34), chr(34) + '${d##*/}' + chr(34))}; "
            "then s=running; else s=lost; fi",
            '  if [ -f "$d/audited" ]; then a=audited; else a=open; fi',
            "  dn=$(head -c 40 \"$d/down_at\" 2>/dev/null | tr -d '\\t\\n' || true)",
            '  printf \'%s\\t%s\\t%s\\t%s\\n\' "$s" "$a" "$dn" "$(tr -d \'\\n\' < "$d/job.json")"',
            "done",
        ],
        timeout=30,
    )


def prune_command(app: str, keep: int) -> RemoteCommand:
    """Remove all but the newest ``keep`` job folders of ``app``; only ended, recorded ones (a
    running or unrecorded job is somebody's unfinished business). Ids start with the UTC time,
    so the name order is the age order."""
    app = check_app(app)
    keep = max(1, int(keep))
    return script(
        f"prune old jobs of {app}",
        [
            "cd",
            # ID = 16-char UTC stamp, '-', APP, '-', 6 hex: the app is exactly the middle part
            f"for d in {sh(JOBS_DIR)}/*-{sh(app)}-*; do",
            '  n=${d##*/}; [ -d "$d" ] && [ "${n:17:${#n}-24}" = ' + sh(app) + ' ] && echo "$d"',
            f"done | sort | head -n -{keep} |",
            "while IFS= read -r d; do",
            '  if [ -f "$d/exit" ] && [ -f "$d/audited" ]; then rm -rf -- "$d"; fi',
            "done",
        ],
        timeout=30,
    )


def mark_audited_command(job_id: str) -> RemoteCommand:
    d = _job_dir(job_id)
    return script(f"mark job {job_id} recorded", ["cd", sh("touch", d + "/audited")])


def mark_down_command(job_id: str, down_at: float) -> RemoteCommand:
    """Note in the job's folder when the app went down, for whoever re-attaches (the downtime
    then counts from there, not from the moment they looked)."""
    d = _job_dir(job_id)
    return script(
        f"note downtime of job {job_id}",
        ["cd", f"printf '%s\\n' {float(down_at):.3f} > {sh(d + '/down_at')}"],
        timeout=15,
    )


def parse_state(line: str) -> JobState:
    line = line.strip()
    if line.startswith("exit "):
        try:
            return JobState(FINISHED, int(line[5:].strip()))
        except ValueError:
            return JobState(FINISHED, None)
    if line == RUNNING:
        return JobState(RUNNING)
    if line == MISSING:
        return JobState(MISSING)
    return JobState(LOST)


def parse_poll(stdout: str, offset: int) -> JobPoll:
    state_line, _, rest = stdout.partition("\n")
    state = parse_state(state_line)
    if state.state == MISSING:
        return JobPoll(state, "", offset)
    size_line, _, text = rest.partition("\n")
    try:
        size = int(size_line.split()[1])
    except (IndexError, ValueError):
        size = offset + len(text.encode("utf-8", "surrogateescape"))
    return JobPoll(state, text, max(size, offset))


def parse_list(stdout: str) -> list[JobListing]:
    out = []
    for line in stdout.splitlines():
        parts = line.split("\t", 3)
        if len(parts) < 3:
            continue
        down_at: float | None = None
        if len(parts) == 4:
            try:
                down_at = float(parts[2]) if parts[2] else None
            except ValueError:
                down_at = None
        record = JobRecord.from_json(parts[-1])
        if record is not None:
            audited = parts[1] == "audited"
            out.append(JobListing(record, parse_state(parts[0]), audited, down_at))
    return sorted(out, key=lambda j: j.record.id)


class ServerJobs:
    def __init__(self, shell: Shell) -> None:
        self.shell = shell

    def _run(self, cmd: RemoteCommand) -> str:
        res = cmd.run(self.shell)
        if res.exit_code != 0:
            raise OperationFailed(
                f"{cmd.title} failed (exit {res.exit_code}): {res.stderr.strip()}"
            )
        return res.stdout

    def start(self, app: str, argv: Sequence[str], context: dict[str, Any]) -> JobRecord:
        record = self.plan(app, argv, context)
        self.launch(record)
        return record

    @staticmethod
    def plan(app: str, argv: Sequence[str], context: dict[str, Any]) -> JobRecord:
        """The job's record with its id, chosen before anything runs: when the answer to the
        start is lost, the job is still found (and followed) by this id."""
        now = datetime.now(UTC)
        return JobRecord(
            new_job_id(app, now), app, tuple(argv), now.isoformat(timespec="seconds"), context
        )

    def launch(self, record: JobRecord) -> None:
        """Start the planned job on the server, detached."""
        self._run(start_command(record))

    def poll(self, job_id: str, offset: int, wait_s: float = 0.0) -> JobPoll:
        cmd = poll_command(job_id, offset, wait_s)
        res = cmd.run(self.shell)
        if res.exit_code == -1:  # no exit status: the session was cut while the poll waited
            raise ConnectionProblem(f"{cmd.title}: the connection dropped during the poll")
        if res.exit_code != 0:
            raise OperationFailed(
                f"{cmd.title} failed (exit {res.exit_code}): {res.stderr.strip()}"
            )
        return parse_poll(res.stdout, offset)

    def prune(self, app: str, keep: int) -> None:
        self._run(prune_command(app, keep))

    def listing(self, app: str | None = None) -> list[JobListing]:
        jobs = parse_list(self._run(list_command()))
        return [j for j in jobs if app is None or j.record.app == app]

    def unfinished_business(self, app: str) -> list[JobListing]:
        """Jobs to re-attach to: still running, or ended with nobody having recorded the outcome."""
        return [j for j in self.listing(app) if not j.audited]

    def mark_down(self, job_id: str, down_at: float) -> None:
        self._run(mark_down_command(job_id, down_at))

    def mark_audited(self, job_id: str) -> None:
        self._run(mark_audited_command(job_id))
