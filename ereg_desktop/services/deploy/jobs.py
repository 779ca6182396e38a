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

import logging
import secrets
from collections.abc import Sequence
from datetime import UTC, datetime

from ereg_desktop.errors import ConnectionProblem, OperationFailed
from ereg_desktop.services.deploy.job_answers import (
    FINISHED,
    LOST,
    MISSING,
    POLL_MAX_BYTES,
    RUNNING,
    DamagedJob,
    GarbledAnswer,
    JobListing,
    JobPoll,
    JobState,
    parse_list,
    parse_listing,
    parse_poll,
    parse_state,
)
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

log = logging.getLogger(__name__)

__all__ = [
    "FINISHED",
    "LOST",
    "MISSING",
    "POLL_MAX_BYTES",
    "RUNNING",
    "GarbledAnswer",
    "JobListing",
    "JobPoll",
    "JobState",
    "parse_list",
    "parse_poll",
    "parse_state",
    "JOB_RECORD_VERSION",
    "JobContext",
    "JobKind",
    "JobRecord",
]

JOBS_DIR = f"{STATE_DIR}/jobs"
DAMAGED_DIR = f"{JOBS_DIR}/.damaged"  # job folders set aside: a dot folder, so never listed


def new_job_id(app: str, now: datetime | None = None) -> str:
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    return f"{stamp}-{check_app(app)}-{secrets.token_hex(3)}"


def job_dir(job_id: str) -> str:
    """The job's folder, relative to the home directory (checks the id)."""
    if not is_job_id(job_id):
        raise ValueError(f"{job_id!r} is not a job id")
    return f"{JOBS_DIR}/{job_id}"


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
            'end=$(wc -c < "$d/log" 2>/dev/null || echo 0)',
            # a log that grew by more than a poll takes is read in pieces: the job is not over
            # for the reader before its last piece
            f"if [ $((end - o)) -gt {POLL_MAX_BYTES} ]; then end=$((o + {POLL_MAX_BYTES})); s=running; fi",
            'echo "$s"',
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


def set_aside_command(folders: Sequence[str], stamp: str) -> RemoteCommand:
    """Move ended job folders with a damaged job.json to ``jobs/.damaged/NAME-STAMP``, where
    nothing lists them; a job still running is left (its shell writes in its folder). One
    ``moved NAME`` line per folder moved. $1 the stamp, then the folders' names."""
    return script(
        "set damaged job records aside",
        [
            "cd",
            _ALIVE,
            't="$1"; shift',
            f"mkdir -p {DAMAGED_DIR}",
            'for n in "$@"; do',
            f'  d={JOBS_DIR}/"$n"',
            '  case "$n" in ""|.*|*/*) continue;; esac',
            '  [ -d "$d" ] || continue',
            '  if [ ! -f "$d/exit" ] && alive "$d/pid" "$n"; then continue; fi',
            f'  if mv -T -- "$d" {DAMAGED_DIR}/"$n-$t" 2>/dev/null; then echo "moved $n"; fi',
            "done",
        ],
        stamp,
        *folders,
        kind=CommandKind.WRITE,
        timeout=30,
    )


class ServerJobs:
    def __init__(self, shell: Shell) -> None:
        self.shell = shell
        # what the last listing set aside (or found damaged and left): one message per folder
        self.set_aside: list[str] = []

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
        log.info("server job %s of %s: %s", record.id, record.app, " ".join(record.argv))
        self._run(start_command(record))

    def poll(self, job_id: str, offset: int, wait_s: float = 0.0) -> JobPoll:
        cmd = poll_command(job_id, offset, wait_s)
        res = cmd.run(self.shell)
        if res.exit_code == -1:  # no exit status: the session was cut while the poll waited
            raise ConnectionProblem(f"{cmd.title}: the connection dropped during the poll")
        if res.exit_code != 0:  # the script always exits 0: its answer is not one it printed
            raise GarbledAnswer(job_id, f"the poll failed with exit {res.exit_code}")
        return parse_poll(res.stdout, offset, job_id)

    def listing(self, app: str | None = None) -> list[JobListing]:
        """The jobs on the server; a job folder whose job.json fails the check is set aside
        (when it ended) and named in :attr:`set_aside` and the log, so it blocks nothing."""
        found = parse_listing(self._run(list_command()))
        self.set_aside = self._set_aside(found.damaged) if found.damaged else []
        return [j for j in found.jobs if app is None or j.record.app == app]

    def _set_aside(self, damaged: list[DamagedJob]) -> list[str]:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        ended = [d.folder for d in damaged if not d.running]
        problem = ""
        try:
            answer = self._run(set_aside_command(ended, stamp)) if ended else ""
        except OperationFailed as exc:  # housekeeping: the listing stands without it
            answer, problem = "", f" ({exc})"
        moved = {line[6:] for line in answer.split("\n") if line.startswith("moved ")}
        notices = []
        for d in damaged:
            where = f"~/{JOBS_DIR}/{d.folder}"
            if d.folder in moved:
                then = (f"set aside as ~/{DAMAGED_DIR}/{d.folder}-{stamp}; it is not followed. "
                        "Look at it there, and delete it once understood.")  # fmt: skip
            elif d.running:
                then = "left where it is, since its job is still running; it is not followed."
            else:
                then = f"it could not be moved aside{problem}; it is not followed."
            notices.append(f"Server job folder {where} has a damaged job.json ({d.why}): {then}")
        for text in notices:
            log.warning("%s", text)
        return notices

    def unfinished_business(self, app: str) -> list[JobListing]:
        """Jobs to re-attach to: still running, or ended with nobody having recorded the outcome."""
        return [j for j in self.listing(app) if not j.audited]

    def mark_down(self, job_id: str, down_at: float) -> None:
        self._run(mark_down_command(job_id, down_at))
