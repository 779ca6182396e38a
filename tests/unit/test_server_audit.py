"""Reading the team's audit file (``~/.ereg-desktop/audit.jsonl``): robust parsing, whitelisted
fields, and the merge with this computer's history (one row per run)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

from ereg_desktop.remote.command import Result
from ereg_desktop.services.deploy import audit
from ereg_desktop.services.deploy.audit import (
    MAX_LINE,
    SOURCE_BOTH,
    SOURCE_LOCAL,
    SOURCE_SERVER,
    AuditRecord,
    ServerAudit,
    merge_records,
    parse_audit,
    read_server_audit,
)


def rec(**kw: Any) -> dict[str, Any]:
    base = AuditRecord("deploy", "gt", "s1", "production", "Ann", "laptop", "2026-01-02T10:00:00+00:00",
                       result="deployed", app_state="up", job="20260102T100000Z-gt-abc123",
                       commit_before="a" * 40, commit_after="b" * 40, downtime_s=12.3456,
                       reasons={"owner-mismatch": "hotfix"})  # fmt: skip
    d = base.to_dict()
    d.update(kw)
    return d


def test_good_lines_keep_only_whitelisted_fields() -> None:
    line = json.dumps({**rec(), "env": {"SECRET": "x"}, "password": "p", "log": "lots"})
    got = parse_audit(line + "\n", "s1")
    assert got.skipped == 0 and len(got.records) == 1
    r = got.records[0]
    assert "env" not in r and "password" not in r and "log" not in r and "steps" not in r
    assert r["operator"] == "Ann" and r["downtime_s"] == 12.346
    assert r["reasons"] == {"owner-mismatch": "hotfix"} and r["job"].endswith("abc123")


def test_garbage_lines_are_skipped_and_counted() -> None:
    lines = [
        "not json at all",
        "[1, 2, 3]",
        '"a string"',
        "{}",  # not a record: no app, kind or start
        json.dumps({"app": {"nested": 1}, "kind": "deploy", "started_at": "t"}),
        "\x00\x01\x02 binary",
        "{" * 100_00,  # deep nesting / broken
        json.dumps(rec(app="els")),
        "",
        "   ",
    ]
    got = parse_audit("\n".join(lines), "s1")
    assert [r["app"] for r in got.records] == ["els"]
    assert got.skipped == 7


def test_wrong_types_are_dropped_not_raised() -> None:
    d = rec(downtime_s="long", pending_commits=True, reasons=["x"], operator=42, message=None)
    got = parse_audit(json.dumps(d), "s1")
    r = got.records[0]
    assert "downtime_s" not in r and "pending_commits" not in r and "reasons" not in r
    assert r["operator"] == "42" and "message" not in r


def test_partial_last_line_is_skipped() -> None:
    whole = json.dumps(rec())
    cut = json.dumps(rec(job="20260102T110000Z-gt-def456"))[:50]  # a writer mid-append
    got = parse_audit(f"{whole}\n{cut}", "s1")
    assert len(got.records) == 1 and got.skipped == 1


def test_huge_line_is_skipped_without_parsing() -> None:
    huge = json.dumps(rec(message="x" * (MAX_LINE * 4)))
    got = parse_audit(f"{huge}\n{json.dumps(rec(app='els'))}\n", "s1")
    assert [r["app"] for r in got.records] == ["els"] and got.skipped == 1


def test_long_fields_are_trimmed_and_server_filled_in() -> None:
    d = rec(reasons={"x": "r" * 5000})
    del d["server"]
    got = parse_audit(json.dumps(d), "srv")
    assert got.records[0]["server"] == "srv" and len(got.records[0]["reasons"]["x"]) == 2000


def test_app_filter() -> None:
    text = "\n".join(json.dumps(rec(app=a)) for a in ("gt", "els", "gt"))
    assert len(parse_audit(text, "s1", app="gt").records) == 2


def test_merge_deduplicates_and_marks_the_source() -> None:
    mine = rec()  # recorded here and on the server
    only_here = rec(kind="restart", job=None, started_at="2026-01-03T09:00:00+00:00")
    theirs = rec(operator="Bob", machine="bob-pc", job="20260104T100000Z-gt-000001",
                 started_at="2026-01-04T10:00:00+00:00")  # fmt: skip
    restart_both = rec(kind="restart", job=None, started_at="2026-01-01T08:00:00+00:00")
    server = ServerAudit("s1", [parse_audit(json.dumps(x), "s1").records[0]
                                for x in (mine, theirs, restart_both)])  # fmt: skip
    merged = merge_records([mine, only_here, restart_both], [server])
    assert [(m["operator"], m["kind"], m["source"]) for m in merged] == [
        ("Bob", "deploy", SOURCE_SERVER),
        ("Ann", "restart", SOURCE_LOCAL),
        ("Ann", "deploy", SOURCE_BOTH),
        ("Ann", "restart", SOURCE_BOTH),
    ]
    assert len(merge_records([mine], [server, server], limit=2)) == 2


def test_merge_orders_mixed_time_formats() -> None:
    a = rec(job="j1", started_at="2026-01-02T10:00:00+00:00")
    b = rec(job="j2", started_at="2026-01-02T11:30:00+01:00")  # 10:30 UTC
    c = rec(job="j3", started_at="garbage")
    assert [m["job"] for m in merge_records([a, b, c], [])] == ["j2", "j1", "j3"]


class FakeShell:
    def __init__(self, stdout: str, code: int = 0) -> None:
        self.stdout, self.code = stdout, code
        self.argv: list[str] = []

    def run(self, argv: Any, *, timeout: float) -> Result:
        self.argv = list(argv)
        return Result(self.code, self.stdout, "", 0.0)


def test_read_server_audit_over_a_shell() -> None:
    sh = FakeShell(json.dumps(rec()) + "\nbroken\n")
    got = read_server_audit(sh, "s1")
    assert len(got.records) == 1 and got.skipped == 1 and got.server == "s1"
    assert 'tail -n "$1" .ereg-desktop/audit.jsonl | cut -b 1-"$2"' in sh.argv[2]
    assert sh.argv[3:] == ["_", "500", str(MAX_LINE + 1)]


def _bash(cmd: Any, home: Path) -> subprocess.CompletedProcess[str]:
    env = {"HOME": str(home), "PATH": "/usr/bin:/bin"}
    return subprocess.run(list(cmd.argv), capture_output=True, text=True, env=env, check=False)


def test_tail_command_bounds_a_huge_line_in_local_bash(tmp_path: Path) -> None:
    f = tmp_path / ".ereg-desktop/audit.jsonl"
    assert _bash(audit.tail_command(), tmp_path).stdout == ""  # no file yet: nothing, no error
    f.parent.mkdir()
    f.write_text(json.dumps(rec()) + "\n" + "y" * 1_000_000 + "\n" + json.dumps(rec(app="els")))
    res = _bash(audit.tail_command(), tmp_path)
    assert res.returncode == 0 and len(res.stdout) < 3 * MAX_LINE
    got = parse_audit(res.stdout, "s1")
    assert [r["app"] for r in got.records] == ["gt", "els"] and got.skipped == 1


def test_one_record_per_job_even_with_two_recorders_in_local_bash(tmp_path: Path) -> None:
    job = "20260102T100000Z-gt-abc123"
    (tmp_path / ".ereg-desktop/jobs" / job).mkdir(parents=True)
    first = _bash(audit.append_command(AuditRecord(**{**rec(), "steps": []}), job), tmp_path)
    second = _bash(audit.append_command(AuditRecord(**{**rec(), "steps": []}), job), tmp_path)
    assert first.returncode == 0 and second.returncode == 0
    assert audit.ALREADY_RECORDED not in first.stdout
    assert audit.ALREADY_RECORDED in second.stdout
    lines = (tmp_path / ".ereg-desktop/audit.jsonl").read_text().splitlines()
    assert len(lines) == 1
    assert (tmp_path / ".ereg-desktop/jobs" / job / "audited").exists()


def test_job_listing_carries_the_noted_downtime_start(tmp_path: Path) -> None:
    from ereg_desktop.services.deploy import jobs

    job = "20260102T100000Z-gt-abc123"
    d = tmp_path / ".ereg-desktop/jobs" / job
    d.mkdir(parents=True)
    rec = jobs.JobRecord(job, "gt", "pm2-deploy", ("pm2-deploy", "gt"), "t")
    (d / "job.json").write_text(rec.to_json() + "\n")
    (d / "exit").write_text("0\n")
    listed = jobs.parse_list(_bash(jobs.list_command(), tmp_path).stdout)
    assert listed == [jobs.JobListing(rec, jobs.JobState(jobs.FINISHED, 0), False, None)]
    assert _bash(jobs.mark_down_command(job, 1767348000.25), tmp_path).returncode == 0
    listed = jobs.parse_list(_bash(jobs.list_command(), tmp_path).stdout)
    assert listed[0].down_at == 1767348000.25
    (d / "down_at").write_text("garbage\n")
    assert jobs.parse_list(_bash(jobs.list_command(), tmp_path).stdout)[0].down_at is None
