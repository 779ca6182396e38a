"""A detached job on the server: ``pm2-deploy`` (and ``update-translations``) must survive the
desktop closing or the network dropping, so it runs under ``setsid nohup`` with its output in a log
file and its exit code in a file. The job directory is the durable state; any desktop can find it
and follow it again.

    ~/.ereg-desktop/jobs/ID/job.json   what kind of job, who, and the context the audit record needs
    ~/.ereg-desktop/jobs/ID/pid        the detached shell's pid
    ~/.ereg-desktop/jobs/ID/log        stdout and stderr of the command
    ~/.ereg-desktop/jobs/ID/exit       its exit code, written (atomically) once it ended
    ~/.ereg-desktop/jobs/ID/audited    present once a desktop recorded the outcome
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from ereg_desktop.errors import ConnectionProblem, OperationFailed
from ereg_desktop.services.deploy.job_record import (
    JOB_RECORD_VERSION,
    JobContext,
    JobKind,
    JobRecord,
    is_job_id,
)
from ereg_desktop.services.deploy.steps import (
    STATE_DIR,
    CommandKind,
    RemoteCommand,
    Shell,
    check_app,
    script,
)

__all__ = [
    "JOB_RECORD_VERSION",
    "JobContext",
    "JobKind",
    "JobRecord",
]

JOBS_DIR = f"{STATE_DIR}/jobs"

RUNNING = "running"
FINISHED = "finished"
LOST = "lost"  # no exit file and no process: killed (reboot, kill -9) before it could say
MISSING = "missing"


def new_job_id(app: str, now: datetime | None = None) -> str:
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    return f"{stamp}-{check_app(app)}-{secrets.token_hex(3)}"


def job_dir(job_id: str) -> str:
    """The job's folder, relative to the home directory (checks the id)."""
    if not is_job_id(job_id):
        raise ValueError(f"{job_id!r} is not a job id")
    return f"{JOBS_DIR}/{job_id}"


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


# Shell function: `alive PIDFILE JOBID` is true when the pid is alive *and* is this job's shell
# (its command line names the job's folder), so a pid reused after a reboot is not taken for the
# job. An empty command line (no /proc, or read in the instant of an exec) proves nothing: alive.
_ALIVE = (
    'alive() { local p c; p=$(cat "$1" 2>/dev/null); [ -n "$p" ] && kill -0 "$p" 2>/dev/null'
    " && { c=$(tr -d '\\000' < \"/proc/$p/cmdline\" 2>/dev/null); "
    '[ -z "$c" ] || [ "${c#*"$2"}" != "$c" ]; }; }'
)
# Sets $s to the job's state line ($d is the job's folder). Exit file first: once it exists the
# log is complete, so a poll that reports the exit code also returns the whole rest of the log.
_STATE = (
    'if [ -f "$d/exit" ]; then s="exit $(cat "$d/exit")"; '
    'elif alive "$d/pid" "${d##*/}"; then s=running; else s=lost; fi'
)

# While the job runs the log may end inside a UTF-8 character: leave its first bytes for the next
# poll (``end`` moves back to where the character starts), so it is never cut in two.
_SAFE_END = [
    'if [ "$s" = running ] && [ "$end" -gt "$o" ]; then',
    "  n=$((end - o)); [ $n -gt 3 ] && n=3",
    '  b=($(od -An -tu1 -j $((end - n)) -N $n "$d/log" 2>/dev/null))',
    "  i=$((${#b[@]} - 1)); k=0",
    "  while [ $i -ge 0 ]; do",
    "    k=$((k + 1)); v=${b[$i]}",
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

# The detached shell: $1 the job's folder, then the job's argv, run by a login shell (pm2 and the
# helpers are on its PATH only); its exit code lands in the folder atomically.
_DETACHED = (
    'd="$1"; shift; bash -lc \'"$@"\' _ "$@"; echo $? > "$d/exit.tmp"; mv "$d/exit.tmp" "$d/exit"'
)


def start_command(record: JobRecord) -> RemoteCommand:
    """$1 the job's folder, $2 job.json, $3 the detached shell's script, then the job's argv."""
    return script(
        f"start {' '.join(record.argv)} detached",
        [
            "set -e",
            "cd",
            'd="$1"; j="$2"; inner="$3"; shift 3',
            'mkdir -p "$d"',
            'printf \'%s\\n\' "$j" > "$d/job.json"',
            'setsid nohup bash -c "$inner" _ "$d" "$@" > "$d/log" 2>&1 < /dev/null &',
            'echo $! > "$d/pid"',
            "echo started $!",
        ],
        job_dir(record.id),
        record.to_json(),
        _DETACHED,
        *record.argv,
        kind=CommandKind.JOB,
        timeout=30,
    )


_LONG_POLL = [
    'i=0; while [ $i -lt "$w" ] && [ ! -f "$d/exit" ] && '
    '[ "$(wc -c < "$d/log" 2>/dev/null || echo 0)" -le "$o" ]; '
    "do sleep 0.05; i=$((i+1)); done",
]


def poll_command(job_id: str, offset: int, wait_s: float = 0.0) -> RemoteCommand:
    """The job's state and its log from ``offset``. With ``wait_s``, first wait on the server (in
    50 ms steps) up to that long until the log grows or the job ends: a long poll, so the desktop
    learns of the end at once instead of after its own sleep."""
    offset = max(0, int(offset))
    steps = max(0, round(float(wait_s) / 0.05))
    return script(
        f"follow job {job_id}",
        [
            "cd",
            'd="$1"; o="$2"; w="$3"',
            'if [ ! -d "$d" ]; then echo missing; exit 0; fi',
            *(_LONG_POLL if steps else []),
            _ALIVE,
            _STATE,
            'echo "$s"',
            'end=$(wc -c < "$d/log" 2>/dev/null || echo 0)',
            *_SAFE_END,
            'echo "size $end"',
            'if [ "$end" -gt "$o" ]; then tail -c +$((o + 1)) "$d/log" | head -c $((end - o)); fi',
        ],
        job_dir(job_id),
        str(offset),
        str(steps),
        kind=CommandKind.READ,
        timeout=30,
    )


def list_command() -> RemoteCommand:
    """One line per job: state, audited or open, down_at, folder name, job.json."""
    return script(
        "list jobs",
        [
            "cd",
            _ALIVE,
            f"for d in {JOBS_DIR}/*; do",
            '  [ -f "$d/job.json" ] || continue',
            f"  {_STATE}",
            '  if [ -f "$d/audited" ]; then a=audited; else a=open; fi',
            "  dn=$(head -c 40 \"$d/down_at\" 2>/dev/null | tr -d '\\t\\n' || true)",
            '  printf \'%s\\t%s\\t%s\\t%s\\t%s\\n\' "$s" "$a" "$dn" "${d##*/}"'
            ' "$(tr -d \'\\n\\t\' < "$d/job.json")"',
            "done",
        ],
        kind=CommandKind.READ,
        timeout=30,
    )


def prune_command(app: str, keep: int) -> RemoteCommand:
    """Remove all but the newest ``keep`` job folders of ``app``; only ended, recorded ones (a
    running or unrecorded job is somebody's unfinished business). Ids start with the UTC time,
    so the name order is the age order."""
    return script(
        f"prune old jobs of {app}",
        [
            "cd",
            # ID = 16-char UTC stamp, '-', APP, '-', 6 hex: the app is exactly the middle part
            f'for d in {JOBS_DIR}/*-"$1"-*; do',
            '  n=${d##*/}; [ -d "$d" ] && [ "${n:17:${#n}-24}" = "$1" ] && echo "$d"',
            'done | sort | head -n -"$2" |',
            "while IFS= read -r d; do",
            '  if [ -f "$d/exit" ] && [ -f "$d/audited" ]; then rm -rf -- "$d"; fi',
            "done",
        ],
        check_app(app),
        str(max(1, int(keep))),
        kind=CommandKind.WRITE,
        timeout=30,
    )


def mark_down_command(job_id: str, down_at: float) -> RemoteCommand:
    """Note in the job's folder when the app went down, for whoever re-attaches (the downtime
    then counts from there, not from the moment they looked)."""
    return script(
        f"note downtime of job {job_id}",
        ["cd", 'printf \'%s\\n\' "$2" > "$1/down_at"'],
        job_dir(job_id),
        f"{float(down_at):.3f}",
        kind=CommandKind.WRITE,
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
    """Jobs whose job.json is readable and names the folder it is in (a record copied or edited
    into another job's folder would be followed under the wrong id: it is left out)."""
    out = []
    for line in stdout.splitlines():
        parts = line.split("\t", 4)
        if len(parts) != 5:
            continue
        state, audited, down, folder, text = parts
        try:
            down_at = float(down) if down else None
        except ValueError:
            down_at = None
        record = JobRecord.from_json(text)
        if record is not None and record.id == folder:
            out.append(JobListing(record, parse_state(state), audited == "audited", down_at))
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

    @staticmethod
    def plan(app: str, kind: JobKind, argv: Sequence[str], context: JobContext) -> JobRecord:
        """The job's record with its id, chosen before anything runs: when the answer to the
        start is lost, the job is still found (and followed) by this id."""
        now = datetime.now(UTC)
        return JobRecord(
            new_job_id(app, now),
            app,
            kind.value,
            tuple(argv),
            now.isoformat(timespec="seconds"),
            context,
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

    def listing(self, app: str | None = None) -> list[JobListing]:
        jobs = parse_list(self._run(list_command()))
        return [j for j in jobs if app is None or j.record.app == app]

    def unfinished_business(self, app: str) -> list[JobListing]:
        """Jobs to re-attach to: still running, or ended with nobody having recorded the outcome."""
        return [j for j in self.listing(app) if not j.audited]

    def mark_down(self, job_id: str, down_at: float) -> None:
        self._run(mark_down_command(job_id, down_at))
