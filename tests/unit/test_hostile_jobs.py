"""Server jobs against damaged records and hostile answers: a job.json that fails the check is set
aside (named in a message) instead of blocking the app; a garbled answer to a job poll is asked
again (a connection problem), never taken for the job's end; the jobs' scripts run in a real local
bash (a stand-in for the server's account)."""

from __future__ import annotations

import json
import logging
import subprocess
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ereg_desktop.errors import ConnectionProblem
from ereg_desktop.remote.command import Result
from ereg_desktop.services.deploy import jobs
from ereg_desktop.services.deploy.jobs import DAMAGED_DIR, JobRecord, ServerJobs

GOOD = "20260101T000000Z-gt-abc123"
pytestmark = pytest.mark.allow_warning_logs


class LocalShell:
    """The account's shell, as a local bash with HOME at ``home``."""

    def __init__(self, home: Path) -> None:
        self.home = home
        self.ran: list[str] = []

    def run(self, argv: Any, *, timeout: float) -> Result:
        self.ran.append(argv[2].split("\n", 1)[0] if argv[0] == "bash" else argv[0])
        out = subprocess.run(list(argv), capture_output=True, cwd=self.home, timeout=timeout,
                             env={"HOME": str(self.home), "PATH": "/usr/bin:/bin"})  # fmt: skip
        dec = out.stdout.decode("utf-8", "replace"), out.stderr.decode("utf-8", "replace")
        return Result(out.returncode, dec[0], dec[1], 0.0)


def job_folder(home: Path, name: str, job_json: str | None, ended: bool = True) -> Path:
    d = home / jobs.JOBS_DIR / name
    d.mkdir(parents=True)
    if job_json is not None:
        (d / "job.json").write_text(job_json)
    if ended:
        (d / "exit").write_text("0\n")
    return d


def good_json(**change: Any) -> str:
    d = json.loads(JobRecord(GOOD, "gt", "pm2-deploy", ("pm2-deploy", "gt"), "t").to_json())
    d.update(change)
    return json.dumps(d) + "\n"


DAMAGED = [
    ("bad-id", "20260102T000000Z-gt-bad1", good_json(id="../../x"), "its id is not a job id",
     "a job.json whose id is ../../x"),
    ("bad-app", "20260102T000000Z-gt-bad2", good_json(id="20260102T000000Z-gt-bad2", app="a b"),
     "its app is not an app name", "a job.json whose app is 'a b'"),
    ("broken-json", "20260102T000000Z-gt-bad3", '{"id": "20260102T000000Z-gt-bad3", "app"',
     "it is not valid JSON", "a job.json cut in the middle"),
    ("other-folder", "20260102T000000Z-gt-bad4", good_json(), f"it names job {GOOD}",
     "a job.json copied into another job's folder"),
    ("not-an-object", "20260102T000000Z-gt-bad5", "[1, 2]\n", "it is not a job record",
     "a job.json that is a JSON list"),
    ("nul-bytes", "20260102T000000Z-gt-bad6", "\x00" * 10 + "\n", "it is not valid JSON",
     "a job.json of NUL bytes (a crash while writing)"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("folder", "text", "why"),
    [pytest.param(f, t, w, id=i, marks=pytest.mark.hostile(
        area="server jobs", tried=tried,
        outcome="set aside as ~/.ereg-desktop/jobs/.damaged/ID-TIME with a message naming it; "
                "no longer unfinished work, the next deploy is not blocked"))
     for i, f, t, w, tried in DAMAGED],
)  # fmt: skip
def test_a_damaged_job_record_is_set_aside_and_named(
    tmp_path: Path, folder: str, text: str, why: str, caplog: pytest.LogCaptureFixture
) -> None:
    job_folder(tmp_path, GOOD, good_json())
    d = job_folder(tmp_path, folder, text)
    server = ServerJobs(LocalShell(tmp_path))
    with caplog.at_level(logging.WARNING):
        listed = server.unfinished_business("gt")
    assert [j.record.id for j in listed] == [GOOD]
    assert not d.exists()
    moved = list((tmp_path / DAMAGED_DIR).iterdir())
    assert len(moved) == 1 and moved[0].name.startswith(folder + "-")
    assert (moved[0] / "job.json").read_bytes() == text.encode()  # kept as it was, for a look
    [notice] = server.set_aside
    assert folder in notice and why in notice and moved[0].name in notice
    assert notice in caplog.text
    assert ServerJobs(LocalShell(tmp_path)).unfinished_business("gt") == listed  # and it stays so


@pytest.mark.hostile(area="server jobs", tried="a damaged job.json of a job still running",
                     outcome="left where it is (its shell still writes there), named in a "
                             "message, not followed")  # fmt: skip
def test_a_damaged_record_of_a_running_job_is_named_but_left(tmp_path: Path) -> None:
    name = "20260102T000000Z-gt-run1"
    d = job_folder(tmp_path, name, "{broken", ended=False)
    with subprocess.Popen(["bash", "-c", f"sleep 30; : {name}"]) as proc:
        try:
            (d / "pid").write_text(f"{proc.pid}\n")
            server = ServerJobs(LocalShell(tmp_path))
            assert server.unfinished_business("gt") == []
            assert d.exists() and not (tmp_path / DAMAGED_DIR).exists()
            [notice] = server.set_aside
            assert name in notice and "still running" in notice
        finally:
            proc.kill()


@pytest.mark.hostile(area="server jobs", tried="a job.json holding U+2028, U+0085 and \\r in "
                     "the operator's name", outcome="the job is listed and followed (the "
                     "listing is split on \\n only)")  # fmt: skip
def test_a_record_holding_line_separators_is_listed(tmp_path: Path) -> None:
    raw = json.loads(good_json())
    raw["context"]["operator"] = "Ann\u2028\u0085\rLee"
    job_folder(tmp_path, GOOD, json.dumps(raw, ensure_ascii=False) + "\n")
    listed = ServerJobs(LocalShell(tmp_path)).unfinished_business("gt")
    assert [j.record.context.operator for j in listed] == ["Ann\u2028\u0085\rLee"]


class Answering:
    def __init__(self, res: Result) -> None:
        self.res = res

    def run(self, argv: Any, *, timeout: float) -> Result:
        return self.res


POLLS = [
    ("empty", "the poll answers nothing", Result(0, "", "", 0.0)),
    ("truncated", "the poll's answer stops after the state line", Result(0, "running\n", "", 0.0)),
    ("garbage-state", "the poll's state line is garbage", Result(0, "\ufffd\x00zz\nsize 3\nabc", "", 0.0)),
    ("huge-size", "the poll says the log is a 400-digit number of bytes long",
     Result(0, "running\nsize " + "9" * 400 + "\nabc", "", 0.0)),
    ("size-backwards", "the poll says the log shrank", Result(0, "running\nsize 2\n", "", 0.0)),
    ("short-text", "the poll says 100 bytes follow and sends 3",
     Result(0, "exit 0\nsize 110\nabc", "", 0.0)),
    ("exit-1-with-state", "the poll exits 1 after a good answer",
     Result(1, "exit 0\nsize 10\n", "", 0.0)),
]  # fmt: skip


@pytest.mark.parametrize(
    "res",
    [pytest.param(r, id=i, marks=pytest.mark.hostile(
        area="server jobs", tried=t, outcome="'the answer could not be read; asking again' (a "
        "connection problem: retried, then detached with the job going on), never taken for "
        "the job's end")) for i, t, r in POLLS],
)  # fmt: skip
def test_a_garbled_poll_is_asked_again_never_the_end_of_the_job(res: Result) -> None:
    with pytest.raises(ConnectionProblem, match="could not be read|failed"):
        ServerJobs(Answering(res)).poll(GOOD, 10)


def test_a_good_poll_still_reads() -> None:
    poll = ServerJobs(Answering(Result(0, "exit 3\nsize 15\nhello\n", "", 0.0))).poll(GOOD, 9)
    assert poll.state == jobs.JobState(jobs.FINISHED, 3) and poll.text == "hello\n"
    assert poll.offset == 15


@pytest.mark.hostile(area="server jobs", tried="the job's log grows by 5 MB between two polls",
                     outcome="read in pieces of at most 1 MiB, in order, the job's end only "
                             "after its last piece")  # fmt: skip
def test_a_huge_log_is_read_in_bounded_pieces(tmp_path: Path) -> None:
    d = job_folder(tmp_path, GOOD, good_json())
    log = b"".join(b"line %07d \xe2\x9c\x93\n" % i for i in range(400_000))
    (d / "log").write_bytes(log)
    server = ServerJobs(LocalShell(tmp_path))
    offset, got, polls = 0, [], []
    while True:
        poll = server.poll(GOOD, offset)
        polls.append(len(poll.text.encode()))
        got.append(poll.text)
        offset = poll.offset
        if poll.state.over:
            break
    assert "".join(got).encode() == log and max(polls) <= jobs.POLL_MAX_BYTES
    assert len(polls) >= len(log) // jobs.POLL_MAX_BYTES


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200), st.integers(min_value=0, max_value=10**6))
def test_any_poll_answer_reads_or_is_asked_again(text: str, offset: int) -> None:
    try:
        poll = jobs.parse_poll(text, offset)
    except ConnectionProblem:
        return
    assert poll.offset >= offset


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.text(max_size=40), max_size=6).map("\t".join), max_size=6))
def test_any_listing_parses_into_jobs_and_damaged_folders(lines: list[str]) -> None:
    listing = jobs.parse_listing("\n".join(lines))
    for j in listing.jobs:
        assert jobs.is_job_id(j.record.id)
    for bad in listing.damaged:
        assert bad.folder and "/" not in bad.folder and not bad.folder.startswith(".")


@pytest.mark.hostile(area="deploy follow", tried="the first answers to the deploy's job poll "
                     "are empty, garbage and cut short, then the job's end", outcome="the run "
                     "keeps following and ends 'deployed' with the whole log; never 'ended "
                     "without an exit code'")  # fmt: skip
def test_a_deploy_follows_through_garbled_polls() -> None:
    from dataclasses import replace

    from deploy_fakes import FAST, FakeServer, new_run

    from ereg_desktop.services.deploy.workflow import Outcome

    server = FakeServer(polls=["", "\x00garbage\n", "running\nsize 90\nabc",
                               "exit 0\nsize 6\ndone!\n"])  # fmt: skip
    run = new_run(server, settings=replace(FAST, reconnect_for_s=30.0))
    result = run.run()
    assert result.outcome == Outcome.DEPLOYED, result.message
    assert server.ran.count("poll") == 4 and server.ran.count("audit") == 1
    assert any("done!" in line for line in result.log_tail)


@pytest.mark.hostile(area="server jobs", tried="a damaged job.json whose folder cannot be moved "
                     "(the set-aside command fails)", outcome="the other jobs are listed; the "
                     "message says it could not be moved aside and is not followed")  # fmt: skip
def test_a_damaged_record_that_cannot_be_moved_is_named(tmp_path: Path) -> None:
    job_folder(tmp_path, GOOD, good_json())
    job_folder(tmp_path, "20260102T000000Z-gt-bad7", "{")

    class Refusing(LocalShell):
        def run(self, argv: Any, *, timeout: float) -> Result:
            if ".damaged" in argv[2]:
                return Result(1, "", "mkdir: Permission denied", 0.0)
            return super().run(argv, timeout=timeout)

    server = ServerJobs(Refusing(tmp_path))
    assert [j.record.id for j in server.unfinished_business("gt")] == [GOOD]
    [notice] = server.set_aside
    assert "could not be moved aside" in notice and "Permission denied" in notice
    assert (tmp_path / jobs.JOBS_DIR / "20260102T000000Z-gt-bad7").exists()
