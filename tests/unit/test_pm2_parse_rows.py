"""`ereg-desktop status` rows from a parsed snapshot: deployments, other processes, states."""

from __future__ import annotations

from pathlib import Path

from ereg_desktop.commands.status import FIELDS, rows_text, status_rows
from ereg_desktop.services.pm2_parse import parse_jlist
from ereg_desktop.services.status import CONNECTED, UNREACHABLE, ServerStatus
from ereg_desktop.store.default_inventory import DEFAULT_INVENTORY_TOML
from ereg_desktop.store.inventory_toml import parse_inventory

DATA = Path(__file__).parent / "data" / "pm2"
NOW = 1795661500.0


def test_rows_for_deployments_and_other_processes() -> None:
    inv = parse_inventory(DEFAULT_INVENTORY_TOML, "default")
    snap = parse_jlist((DATA / "jlist-errored.json").read_text(), "unctad", NOW)
    st = ServerStatus("unctad", CONNECTED, taken_at=NOW, apps=snap.apps)
    rows = status_rows(inv, {"unctad": st})
    by_app = {r["app"]: r for r in rows}
    assert all(tuple(r) == FIELDS for r in rows)
    assert by_app["gt"]["status"] == "online" and by_app["gt"]["system"] == "Guatemala"
    assert by_app["els-dev"]["status"] == "missing" and by_app["els-dev"]["pid"] is None
    other = by_app["notify-on-crash"]
    assert other["environment"] == "other" and other["system"] is None
    assert other["status"] == "errored" and other["restarts"] == 15
    text = rows_text(rows)
    assert text.splitlines()[0].split()[:4] == ["SERVER", "SYSTEM", "ENV", "APP"]
    assert "notify-on-crash" in text


def test_rows_when_unreachable_or_pm2_down() -> None:
    inv = parse_inventory(DEFAULT_INVENTORY_TOML, "default")
    down = ServerStatus("unctad", UNREACHABLE, reason="connection refused")
    rows = status_rows(inv, {"unctad": down})
    assert rows and {r["status"] for r in rows} == {"unreachable"}
    assert all(r["environment"] != "other" for r in rows)
    no_pm2 = ServerStatus("unctad", CONNECTED, pm2_running=False)
    assert {r["status"] for r in status_rows(inv, {"unctad": no_pm2})} == {"pm2-down"}
