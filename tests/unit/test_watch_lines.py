"""``ereg-desktop watch`` output: one JSON object a line, or one readable line; the command is
in the CLI's table."""

from __future__ import annotations

import json

import pytest

from ereg_desktop.cli import COMMANDS, build_parser
from ereg_desktop.commands.watch import Printer
from ereg_desktop.services.alerts import CRASH, Alert
from ereg_desktop.services.status_changes import StatusChange

ALERT = Alert("s1", "gt", CRASH, "gt on s1 crashed: restarted (restarts 1 \u2192 2)", 1.0)
CHANGE = StatusChange("s1", "els", "online", "stopped", 2.0)


def test_json_lines(capsys: pytest.CaptureFixture[str]) -> None:
    p = Printer(as_json=True)
    p.line(ALERT)
    p.line(CHANGE)
    out = capsys.readouterr().out.splitlines()
    assert [json.loads(x)["type"] for x in out] == ["alert", "status"]
    assert json.loads(out[0])["message"] == ALERT.message


def test_human_lines(capsys: pytest.CaptureFixture[str]) -> None:
    p = Printer(as_json=False)
    p.line(ALERT)
    p.line(CHANGE)
    out = capsys.readouterr().out.splitlines()
    assert out[0].endswith("ALERT crash: gt on s1 crashed: restarted (restarts 1 \u2192 2)")
    assert out[1].endswith("els on s1: online \u2192 stopped")


def test_registered_with_its_options() -> None:
    assert COMMANDS["watch"][0] == "watch"
    args = build_parser("watch").parse_args(["watch", "--json", "--interval", "3"])
    assert (args.command, args.json, args.interval) == ("watch", True, 3.0)
