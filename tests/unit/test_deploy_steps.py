"""The remote commands are data: read them, and run the scripts in a local bash."""

from __future__ import annotations

import shlex
import subprocess
from datetime import UTC, datetime

import pytest

from ereg_desktop.errors import BadInputError
from ereg_desktop.services.deploy import audit, inspect, jobs, lock, steps
from ereg_desktop.services.deploy.log_text import LogLines, clean_line, strip_ansi


def test_pm2_action_argv() -> None:
    assert steps.pm2_action("restart", "gt-dev").argv == ("pm2", "restart", "gt-dev")
    assert steps.pm2_deploy("els") == ("pm2-deploy", "els")
    with pytest.raises(BadInputError):
        steps.pm2_action("stop", "gt; rm -rf ~")
    with pytest.raises(ValueError):
        steps.pm2_action("delete", "gt")


def test_lock_command_quotes_and_is_atomic_mkdir() -> None:
    owner = lock.LockOwner("O'Brien $(reboot)", "m", 1, "2026-01-01T00:00:00+00:00", "ab12" * 4)
    cmd = lock.acquire_command("gt", owner)
    assert cmd.argv[:2] == ("bash", "-c") and cmd.argv[3:] == ("_", "gt", owner.to_json())
    assert cmd.kind == steps.CommandKind.WRITE
    body = cmd.argv[2]
    assert 'L=.ereg-desktop/locks; d="$L/$1"' in body and 'if mkdir "$d" 2>/dev/null; then' in body
    assert "O'Brien" not in body  # values are parameters, never script text


def test_job_start_command_is_detached() -> None:
    rec = jobs.JobRecord(
        "20260101T000000Z-gt-abc123", "gt", "pm2-deploy", ("pm2-deploy", "gt"), "t"
    )
    cmd = jobs.start_command(rec)
    assert cmd.kind == steps.CommandKind.JOB
    body = cmd.argv[2]
    assert "setsid nohup bash -c" in body and "< /dev/null &" in body
    line = next(ln for ln in body.splitlines() if ln.startswith("setsid"))
    words = shlex.split(line)
    assert words[:6] == ["setsid", "nohup", "bash", "-c", "$inner", "_"]
    assert cmd.argv[3:] == ("_", ".ereg-desktop/jobs/" + rec.id, rec.to_json(), jobs._DETACHED,
                            "pm2-deploy", "gt")  # fmt: skip
    assert jobs._DETACHED.startswith('d="$1"; shift; bash -lc \'"$@"\' _ "$@"; echo $? > ')
    with pytest.raises(ValueError):
        jobs.poll_command("../../etc", 0)


def test_parse_poll_and_list() -> None:
    p = jobs.parse_poll("exit 3\nsize 12\nhello\nworld\n", 0)
    assert p.state == jobs.JobState(jobs.FINISHED, 3) and p.offset == 12 and p.text.startswith("he")
    assert jobs.parse_poll("running\nsize 5\n", 5).state.state == jobs.RUNNING
    assert jobs.parse_poll("missing\n", 7).state.state == jobs.MISSING
    ctx = jobs.JobContext(operator="Ann", extra={"a": "1"})
    rec = jobs.JobRecord("20260101T000000Z-gt-abc123", "gt", "pm2-deploy", ("pm2-deploy", "gt"),
                         "t", ctx)  # fmt: skip
    listing = jobs.parse_list(f"running\topen\t\t{rec.id}\t{rec.to_json()}\nbroken line\n")
    assert listing == [jobs.JobListing(rec, jobs.JobState(jobs.RUNNING), False)]
    # a job.json in another job's folder is not followed under that folder's id
    assert jobs.parse_list(f"running\topen\t\t20260101T000000Z-gt-ffffff\t{rec.to_json()}\n") == []


def test_inspection_parse_and_classify() -> None:
    m = "@@ereg-desktop:"
    out = (
        f"{m}head\naaa\n{m}target\nbbb\n{m}branch\nmaster\n{m}pending\n"
        f"bbb\x1fAnn\x1f2026-01-01\x1fFix it\n{m}status\n"
        " M i18n-messages.json\0?? data/x.json\0R  new.js\0old.js\0"
    )
    found = inspect.parse_inspection(out)
    assert found.head == "aaa" and found.target == "bbb" and found.pending[0].subject == "Fix it"
    assert found.changes.translations == ("i18n-messages.json",)
    assert found.changes.global_data == ("data/x.json",)
    assert found.changes.other == ("new.js", "old.js")
    cmd = inspect.inspect_command("gt", "master")
    assert 'git log --format="$3" "HEAD..origin/$2"' in cmd.argv[2]
    assert cmd.argv[3:] == ("_", "gt", "master", "%H\x1f%an\x1f%aI\x1f%s")
    assert cmd.kind == steps.CommandKind.READ


def test_log_text() -> None:
    assert strip_ansi("\x1b[32msetup\x1b[39m ok") == "setup ok"
    assert clean_line("[#...] 10%\r[##..] 50%\r[####] 100% done") == "[####] 100% done"
    lines = LogLines()
    assert lines.feed("a\nb\r") == ["a"]
    assert lines.feed("c\npart") == ["c"]
    assert lines.partial == "part" and lines.flush() == ["part"]


def test_audit_line_is_one_line_and_trimmed() -> None:
    rec = audit.AuditRecord("deploy", "gt", "s", "production", "me", "m", "t", message="x\n" * 400)
    line = rec.to_line()
    assert "\n" not in line and len(line) < 4096
    cmd = audit.append_command(rec, "20260101T000000Z-gt-abc123")
    assert cmd.argv[3:] == ("_", line, ".ereg-desktop/jobs/20260101T000000Z-gt-abc123", "")
    assert cmd.kind == steps.CommandKind.WRITE
    assert "a=.ereg-desktop/audit.jsonl" in cmd.argv[2] and 'touch "$d/audited"' in cmd.argv[2]


def _bash(cmd: steps.RemoteCommand, home: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        list(cmd.argv), capture_output=True, text=True, env={"HOME": home, "PATH": "/usr/bin:/bin"}
    )


def test_lock_scripts_in_local_bash(tmp_path: object) -> None:
    home = str(tmp_path)
    a = lock.LockOwner.new("Alice", "a", 1)
    b = lock.LockOwner.new("Bob", "b", 2)
    assert lock.parse_reply(_bash(lock.acquire_command("gt", a), home).stdout)[0] == "acquired"
    verdict, holder = lock.parse_reply(_bash(lock.acquire_command("gt", b), home).stdout)
    assert verdict == "held" and holder == a
    assert lock.parse_reply(_bash(lock.release_command("gt", b.token), home).stdout)[0] == "other"
    assert lock.parse_reply(_bash(lock.break_command("gt", a.token), home).stdout)[0] == "released"
    assert lock.parse_reply(_bash(lock.acquire_command("gt", b), home).stdout)[0] == "acquired"


def test_stale_lock() -> None:
    old = lock.LockOwner("A", "m", 1, "2020-01-01T00:00:00+00:00", "t")
    now = datetime(2020, 1, 1, 0, 5, tzinfo=UTC)
    assert not lock.is_stale(old, None, now)
    assert lock.is_stale(old, None, datetime(2020, 1, 1, 1, 0, tzinfo=UTC))
    bound = lock.LockOwner("A", "m", 1, "2020-01-01T00:00:00+00:00", "t", job="j")
    assert lock.is_stale(bound, False, now) and not lock.is_stale(bound, True, now)


def test_prune_keeps_newest_and_never_open_jobs(tmp_path: object) -> None:
    from pathlib import Path

    home = Path(str(tmp_path))
    root = home / jobs.JOBS_DIR
    ids = [f"2026010{i}T000000Z-gt-00000{i}" for i in range(1, 7)]
    for i, job_id in enumerate(ids):
        d = root / job_id
        d.mkdir(parents=True)
        (d / "exit").write_text("0\n")
        if i != 0:  # the oldest was never recorded: somebody's unfinished business
            (d / "audited").touch()
    other = root / "20260101T000000Z-gt-dev-aaaaaa"  # another app whose name starts with gt
    other.mkdir()
    (other / "exit").write_text("0\n")
    (other / "audited").touch()
    cmd = jobs.prune_command("gt", keep=2)
    assert "rm -rf" in cmd.argv[2] and "audited" in cmd.argv[2]
    assert _bash(cmd, str(home)).returncode == 0
    left = sorted(p.name for p in root.iterdir())
    assert left == sorted([ids[0], ids[4], ids[5], other.name])


def test_poll_long_waits_on_the_server_and_returns_at_the_end(tmp_path: object) -> None:
    from pathlib import Path

    home = Path(str(tmp_path))
    job_id = "20260101T000000Z-gt-abcdef"
    d = home / jobs.JOBS_DIR / job_id
    d.mkdir(parents=True)
    (d / "log").write_text("hello\n")
    (d / "exit").write_text("3\n")
    assert "sleep 0.05" in jobs.poll_command(job_id, 0, wait_s=0.5).argv[2]
    assert "sleep" not in jobs.poll_command(job_id, 0).argv[2]
    out = _bash(jobs.poll_command(job_id, 6, wait_s=5), str(home))  # ended: no wait at all
    poll = jobs.parse_poll(out.stdout, 6)
    assert poll.state == jobs.JobState(jobs.FINISHED, 3) and poll.text == ""


def test_audit_append_runs_housekeeping_in_the_same_round_trip() -> None:
    rec = audit.AuditRecord("deploy", "gt", "s", "production", "Ann", "pc", "2026-01-01")
    prune = jobs.prune_command("gt", 5)
    cmd = audit.append_command(rec, "20260101T000000Z-gt-abcdef", prune)
    assert cmd.argv[-len(prune.argv) :] == prune.argv  # the prune's own argv, run as "$@"
    body = cmd.argv[2]
    assert body.index('>> "$a"') < body.index('"$@" >/dev/null 2>&1 || true')
    assert body.rstrip().endswith("fi")  # a failed prune never fails the record


def test_a_track_that_is_an_option_never_reaches_git() -> None:
    for build in (inspect.inspect_command, inspect.head_command):
        with pytest.raises(BadInputError):
            build("gt", "--upload-pack=touch /tmp/x")
        assert build("gt", "release/2.1").argv[4:6] == ("gt", "release/2.1")
