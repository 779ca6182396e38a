"""The team's audit records read back exactly as written, whatever they hold (line and paragraph
separators, NUL, astral characters, very long values), and one record is one line of at most
MAX_LINE bytes, appended by one write(2) (a prepared file ``cat`` with ``>>``)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ereg_desktop.services.deploy.audit import (
    MAX_LINE,
    AuditRecord,
    StepRecord,
    append_command,
    parse_audit,
)

KEPT = ("kind", "app", "server", "environment", "operator", "machine", "started_at", "ended_at",
        "result", "app_state", "commit_before", "commit_after", "job", "message", "reasons",
        "pending_commits", "downtime_s")  # fmt: skip


def record(**kw: Any) -> AuditRecord:
    base: dict[str, Any] = dict(kind="restart", app="gt", server="s1", environment="production",
                                operator="Ann", machine="pc", started_at="2026-01-02T10:00:00+00:00",
                                result="ok", app_state="up")  # fmt: skip
    base.update(kw)
    return AuditRecord(**base)


def read_back(*records: AuditRecord) -> list[dict[str, Any]]:
    text = "".join(r.to_line() + "\n" for r in records)
    got = parse_audit(text, "s1")
    assert got.skipped == 0
    return got.records


def written(r: AuditRecord) -> dict[str, Any]:
    d = r.to_dict()
    return {k: d[k] for k in KEPT if d.get(k) is not None}


SEPARATORS = ["\u2028", "\u2029", "\u0085", "\r", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x00",
              "\r\n"]  # fmt: skip


def _name(sep: str) -> str:
    return "CR LF" if sep == "\r\n" else f"U+{ord(sep):04X}"


@pytest.mark.parametrize(
    "sep",
    [pytest.param(s, id=_name(s), marks=pytest.mark.hostile(
        area="audit", tried=f"an operator name and a reason holding {_name(s)}",
        outcome="the record reads back whole and exactly as written; the records around it "
                "too")) for s in SEPARATORS],
)  # fmt: skip
def test_records_holding_line_separators_read_back_exactly(sep: str) -> None:
    odd = record(operator=f"Ann{sep}Lee", reasons={"owner-mismatch": f"hot{sep}fix"},
                 message=f"done{sep}now")  # fmt: skip
    before, after = record(operator="Bob"), record(operator="Cy")
    got = read_back(before, odd, after)
    assert [r["operator"] for r in got] == ["Bob", f"Ann{sep}Lee", "Cy"]
    assert got[1] == written(odd)


@pytest.mark.hostile(area="audit", tried="a reason of 1 MB of astral characters (4 UTF-8 bytes "
                     "each) and a 1 MB operator name", outcome="the line is cut to at most "
                     "16 KiB and reads back exactly as it was written")  # fmt: skip
def test_a_huge_record_is_cut_to_one_readable_line() -> None:
    huge = record(operator="\U0001f600" * 250_000, reasons={"owner-mismatch": "\U00010348" * 250_000},
                  message="m" * 1_000_000,
                  steps=[StepRecord("pm2 restart gt", "ok", 1.0, "\U0001f600" * 100_000)])  # fmt: skip
    line = huge.to_line()
    assert "\n" not in line and len(line.encode("utf-8")) <= MAX_LINE
    assert read_back(huge) == [written(huge)]
    assert written(huge)["operator"].startswith("\U0001f600" * 100)


@pytest.mark.hostile(area="audit", tried="a name holding a lone surrogate (not encodable as UTF-8)",
                     outcome="written with U+FFFD in its place; reads back as written")  # fmt: skip
def test_a_lone_surrogate_becomes_a_replacement_character() -> None:
    r = record(operator="Ann\udcff")
    line = r.to_line()
    line.encode("utf-8")  # it can be sent
    assert read_back(r)[0]["operator"] == "Ann\ufffd"


_TEXT = st.text(max_size=300)


@settings(max_examples=200, deadline=None)
@given(
    st.fixed_dictionaries(
        {
            k: _TEXT
            for k in ("operator", "machine", "message", "environment", "commit_before", "job")
        }
    ),  # fmt: skip
    st.dictionaries(st.text(max_size=30), _TEXT, max_size=4),
    st.none() | st.floats(allow_nan=False, allow_infinity=False, width=32),
)
def test_any_unicode_reads_back_exactly_as_written(
    fields: dict[str, str], reasons: dict[str, str], downtime: float | None
) -> None:
    r = record(reasons=reasons, downtime_s=downtime, **fields)
    line = r.to_line()
    assert "\n" not in line and len(line.encode("utf-8")) <= MAX_LINE
    got = read_back(record(operator="before"), r, record(operator="after"))
    assert [g["operator"] for g in (got[0], got[2])] == ["before", "after"]
    assert got[1] == written(r)


def _run_append(home: Path, r: AuditRecord) -> subprocess.CompletedProcess[bytes]:
    cmd = append_command(r)
    return subprocess.run(list(cmd.argv), cwd=home, env={"HOME": str(home), "PATH": "/usr/bin:/bin"},
                          capture_output=True, check=False, timeout=30)  # fmt: skip


@pytest.mark.hostile(area="audit", tried="a 16 KiB record appended (bash printf writes it in "
                     "two write()s)", outcome="appended with a single write(2) of the whole line "
                     "(a prepared file cat >> the audit); no temporary file left")  # fmt: skip
def test_an_append_is_one_write_of_the_whole_line(tmp_path: Path) -> None:
    r = record(reasons={f"concern-{i}": "r" * 2000 for i in range(7)})
    line = r.to_line().encode("utf-8") + b"\n"
    assert len(line) > 8192
    trace = tmp_path / "trace"
    cmd = append_command(r)
    res = subprocess.run(["strace", "-f", "-qq", "-y", "-e", "trace=write", "-o", str(trace), *cmd.argv],
                         cwd=tmp_path, env={"HOME": str(tmp_path), "PATH": "/usr/bin:/bin"},
                         capture_output=True, check=False, timeout=30)  # fmt: skip
    assert res.returncode == 0, res.stderr
    audit = tmp_path / ".ereg-desktop/audit.jsonl"
    assert audit.read_bytes() == line
    # -y names each write's file: the writes to the audit file are one, of the whole line
    to_audit = [ln for ln in trace.read_text().splitlines() if "audit.jsonl>" in ln]
    assert len(to_audit) == 1 and to_audit[0].endswith(f"= {len(line)}"), to_audit
    assert sorted(p.name for p in (tmp_path / ".ereg-desktop").iterdir()) == ["audit.jsonl"]
    assert json.loads(line) == r.to_dict()


def test_two_appends_are_two_whole_lines(tmp_path: Path) -> None:
    a, b = record(operator="A" * 9000), record(operator="B" * 9000)
    assert _run_append(tmp_path, a).returncode == 0 and _run_append(tmp_path, b).returncode == 0
    got = parse_audit((tmp_path / ".ereg-desktop/audit.jsonl").read_text(), "s1")
    assert [g["operator"][0] for g in got.records] == ["A", "B"] and got.skipped == 0
