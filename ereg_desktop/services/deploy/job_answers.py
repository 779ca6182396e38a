"""The server's answers about jobs, read strictly: a job poll's answer that is not one the poll
script prints is a :class:`GarbledAnswer` (asked again), never the job's end; a listed job folder
whose job.json fails the check is a :class:`DamagedJob`, never a job to follow."""

from __future__ import annotations

import math
from dataclasses import dataclass

from ereg_desktop.errors import ConnectionProblem
from ereg_desktop.services.deploy.job_record import JobRecord

RUNNING = "running"
FINISHED = "finished"
LOST = "lost"  # no exit file and no process: killed (reboot, kill -9) before it could say
MISSING = "missing"

# At most this much of the log per poll: the answer stays far under the connection's output cap.
POLL_MAX_BYTES = 1 << 20


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


class GarbledAnswer(ConnectionProblem):
    """The server's answer to a job poll could not be read (cut short, garbage): like a lost
    answer, the poll is asked again; it never says the job ended."""

    def __init__(self, job_id: str, why: str) -> None:
        self.reason = f"the answer to following job {job_id} could not be read ({why})"
        super().__init__(f"{self.reason}; asking again")


def parse_state(line: str) -> JobState | None:
    """A state line of the poll or the listing; None when it is not one."""
    line = line.strip()
    if line.startswith("exit "):
        code = line[5:].strip()
        # the exit file is written by the job's shell: a number, or empty when it was cut
        return JobState(FINISHED, int(code) if code.isascii() and code.isdigit() and
                        len(code) < 10 else None)  # fmt: skip
    if line in (RUNNING, MISSING, LOST):
        return JobState(line)
    return None


def parse_poll(stdout: str, offset: int, job_id: str = "") -> JobPoll:
    """The state and the log text from ``offset``; raises :class:`GarbledAnswer` when the answer
    is not one the poll script prints."""
    state_line, _, rest = stdout.partition("\n")
    state = parse_state(state_line)
    if state is None:
        raise GarbledAnswer(job_id, "no state line")
    if state.state == MISSING:
        return JobPoll(state, "", offset)
    size_line, newline, text = rest.partition("\n")
    word, _, number = size_line.partition(" ")
    if word != "size" or not (number.isascii() and number.isdigit() and len(number) < 16):
        raise GarbledAnswer(job_id, "no size line")
    size = int(number)
    if not offset <= size <= offset + POLL_MAX_BYTES:
        raise GarbledAnswer(job_id, f"a log size of {size} bytes after {offset}")
    # the text re-encoded is at least as long as the log bytes it came from (an invalid byte
    # decodes as U+FFFD, 3 bytes): shorter means the answer was cut short
    if size > offset and (
        not newline or len(text.encode("utf-8", "surrogateescape")) < size - offset
    ):
        raise GarbledAnswer(job_id, f"{size - offset} bytes of log announced, fewer sent")
    return JobPoll(state, text, size)


@dataclass(frozen=True)
class JobListing:
    record: JobRecord
    state: JobState
    audited: bool
    down_at: float | None = None  # when the app went down (epoch), noted by a desktop detaching


@dataclass(frozen=True)
class DamagedJob:
    """A job folder whose job.json fails the check: not a job this version can follow."""

    folder: str
    why: str
    running: bool


@dataclass(frozen=True)
class Listing:
    jobs: list[JobListing]
    damaged: list[DamagedJob]


def parse_list(stdout: str) -> list[JobListing]:
    """The readable jobs of a listing (see :func:`parse_listing`)."""
    return parse_listing(stdout).jobs


def parse_listing(stdout: str) -> Listing:
    """Jobs whose job.json is readable and names the folder it is in (a record copied or edited
    into another job's folder would be followed under the wrong id), and the damaged others.
    Split on "\n" only: a job.json may hold U+2028 or U+0085, which ``splitlines`` splits on."""
    out: list[JobListing] = []
    damaged: list[DamagedJob] = []
    for line in stdout.split("\n"):
        parts = line.split("\t", 4)
        if len(parts) != 5:
            continue
        state_text, audited, down, folder, text = parts
        if not _plain_folder(folder):
            continue  # not a folder name the listing prints: a garbled line
        # an unreadable state may be a running job: it is followed, and its poll decides
        state = parse_state(state_text) or JobState(RUNNING)
        got = JobRecord.read(text)
        if isinstance(got, str) or got.id != folder:
            why = got if isinstance(got, str) else f"it names job {got.id}"
            damaged.append(DamagedJob(folder, why, state.state == RUNNING))
            continue
        out.append(JobListing(got, state, audited == "audited", _epoch(down)))
    return Listing(sorted(out, key=lambda j: j.record.id), damaged)


def _plain_folder(name: str) -> bool:
    return 0 < len(name) <= 255 and not name.startswith(".") and "/" not in name


def _epoch(text: str) -> float | None:
    try:
        value = float(text) if text else None
    except ValueError:
        return None
    return value if value is not None and math.isfinite(value) and value >= 0 else None
