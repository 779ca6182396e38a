"""The inventory file: default on first start, validation with file and line, atomic saves."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ereg_desktop.errors import InventoryError
from ereg_desktop.store.default_inventory import DEFAULT_INVENTORY_TOML
from ereg_desktop.store.inventory import APP_NAME_RE
from ereg_desktop.store.inventory_file import InventoryFile
from ereg_desktop.store.inventory_toml import dump_inventory, parse_inventory
from ereg_desktop.store.traffic_window import TrafficWindow


def line_of(text: str, needle: str) -> int:
    """The last line holding ``needle`` (a duplicate is reported where it is repeated)."""
    return [i for i, line in enumerate(text.splitlines(), 1) if needle in line][-1]


def test_default_inventory_has_the_four_systems() -> None:
    inv = parse_inventory(DEFAULT_INVENTORY_TOML, "default")
    apps = {(r.system.name, r.deployment.environment): r.app for r in inv.deployments()}
    assert apps == {
        ("Guatemala", "production"): "gt",
        ("Guatemala", "development"): "gt-dev",
        ("Salvador", "production"): "els",
        ("Salvador", "development"): "els-dev",
        ("Lomas", "production"): "ldz",
        ("Lomas", "development"): "ldz-dev",
        ("Tanzania", "production"): "tz",
        ("Tanzania", "development"): "tz-dev",
    }
    owners = {s.name: s.owner for s in inv.systems}
    assert owners == {
        "Guatemala": "Marek Tuchowski",
        "Salvador": "Marek Tuchowski",
        "Lomas": "Kamil Gruca",
        "Tanzania": "Kamil Gruca",
    }
    (server,) = inv.servers
    assert (server.host, server.user, server.admin) == (
        "eregistrations.org",
        "eregistrations",
        "Mariusz Nowak",
    )
    tz = inv.find_app("tz")[0].deployment
    assert tz.pinned and tz.track == "2015"
    assert not any(r.deployment.pinned for r in inv.deployments() if r.app != "tz")


def test_round_trip_keeps_unknown_fields() -> None:
    text = DEFAULT_INVENTORY_TOML.replace(
        'admin = "Mariusz Nowak"', 'admin = "Mariusz Nowak"\nnote = "keep me"'
    ).replace('app = "gt"\n', 'app = "gt"\n  weight = 3\n')
    inv = parse_inventory(text, "x")
    again = parse_inventory(dump_inventory(inv), "x")
    assert again == inv
    assert again.servers[0].extra == {"note": "keep me"}
    assert again.find_app("gt")[0].deployment.extra == {"weight": 3}


@pytest.mark.parametrize(
    ("old", "new", "needle", "message"),
    [
        ('app = "gt-dev"', 'app = "gt-dev; rm -rf ~"', "rm -rf", "app name 'gt-dev; rm -rf ~'"),
        ('app = "gt-dev"', 'app = "$(reboot)"', "$(reboot)", "goes into shell commands"),
        ('app = "gt-dev"', 'app = "-rf"', '"-rf"', "may not start with '.' or '-'"),
        ('app = "els-dev"', 'app = "gt"', 'app = "gt"', "listed twice"),
        (
            'server = "unctad"\n  app = "ldz"',
            'server = "nowhere"\n  app = "ldz"',
            "nowhere",
            "unknown server 'nowhere'",
        ),
        (
            'environment = "development"\n  server = "unctad"\n  app = "tz-dev"',
            'environment = "staging"\n  server = "unctad"\n  app = "tz-dev"',
            "staging",
            'must be "production" or "development"',
        ),
        (
            'low_traffic = "08:00-14:00 Europe/Paris"',
            'low_traffic = "8 to 2"',
            "8 to 2",
            "is not a window",
        ),
        (
            'low_traffic = "08:00-14:00 Europe/Paris"',
            'low_traffic = "08:00-25:00 Europe/Paris"',
            "25:00",
            "out of range",
        ),
        (
            'low_traffic = "08:00-14:00 Europe/Paris"',
            'low_traffic = "08:00-14:00 Mars/Olympus"',
            "Mars",
            "unknown time zone",
        ),
        ("port = 22", 'port = "22"', 'port = "22"', "port must be a number"),
        ('host = "eregistrations.org"', f'host = "{"a" * 64}.org"', "a" * 64, "not a host name"),
        ('host = "eregistrations.org"', 'host = "-oProxyCommand=x"', "ProxyCommand", "not a host"),
    ],
)
def test_each_problem_names_file_and_line(old: str, new: str, needle: str, message: str) -> None:
    assert old in DEFAULT_INVENTORY_TOML
    text = DEFAULT_INVENTORY_TOML.replace(old, new, 1)
    with pytest.raises(InventoryError) as caught:
        parse_inventory(text, "/cfg/inventory.toml")
    expected_line = line_of(text, needle)
    assert (expected_line, message) in [(ln, m) for ln, m in caught.value.problems] or any(
        ln == expected_line and message in m for ln, m in caught.value.problems
    ), caught.value.problems
    assert f"/cfg/inventory.toml:{expected_line}:" in str(caught.value)


def test_syntax_error_names_the_line() -> None:
    text = DEFAULT_INVENTORY_TOML.replace('eregistrations-lomas"', "eregistrations-lomas", 1)
    with pytest.raises(InventoryError) as caught:
        parse_inventory(text, "inv.toml")
    assert caught.value.problems[0][0] == line_of(text, "eregistrations-lomas")
    assert "not valid TOML" in str(caught.value)


def test_missing_required_fields_are_named() -> None:
    with pytest.raises(InventoryError) as caught:
        parse_inventory('[[servers]]\nhost = "h"\n\n[[systems]]\nowner = "x"\n', "i.toml")
    text = str(caught.value)
    assert "i.toml:1: servers[1]: missing 'id'" in text
    assert "i.toml:4: systems[2]: missing 'name'" in text or "missing 'name'" in text


@given(st.text(max_size=200))
def test_garbage_never_escapes_as_another_exception(text: str) -> None:
    try:
        parse_inventory(text, "g.toml")
    except InventoryError as exc:
        assert str(exc).startswith("g.toml")


@given(st.text(min_size=1, max_size=30))
def test_valid_app_names_are_safe_in_a_shell(name: str) -> None:
    if APP_NAME_RE.match(name):
        assert not set(name) & set(" \t\n'\"$`;&|<>(){}[]*?!~\\#")
        assert name[0] not in "-."


def test_first_start_writes_default(tmp_path: Path) -> None:
    f = InventoryFile(tmp_path / "cfg" / "inventory.toml")
    inv = f.load()
    assert f.path.read_text() == DEFAULT_INVENTORY_TOML
    assert len(inv.systems) == 4
    assert f.last_good_path.read_text() == DEFAULT_INVENTORY_TOML


@pytest.mark.hostile(
    area="inventory file",
    tried="an app name with shell characters (`els;reboot`) in inventory.toml",
    outcome="refused with file and line; the window runs on the last good copy; the file is "
    "left as it is",
)
def test_broken_file_keeps_last_good_copy_and_is_not_touched(tmp_path: Path) -> None:
    f = InventoryFile(tmp_path / "inventory.toml")
    f.load()
    broken = DEFAULT_INVENTORY_TOML.replace('app = "els"', 'app = "els;reboot"')
    f.path.write_text(broken)
    with pytest.raises(InventoryError):
        f.load()
    loaded = f.load_for_gui()
    assert loaded.problem is not None and loaded.source == f.last_good_path
    assert loaded.inventory.find_app("els")
    assert f.path.read_text() == broken
    assert f.last_good_path.read_text() == DEFAULT_INVENTORY_TOML


def test_save_is_atomic_and_refuses_invalid(tmp_path: Path) -> None:
    f = InventoryFile(tmp_path / "inventory.toml")
    inv = f.load()
    before = f.path.read_bytes()
    inv.systems[0].deployments[0].app = "gt dev"
    with pytest.raises(InventoryError):
        f.save(inv)
    assert f.path.read_bytes() == before
    inv.systems[0].deployments[0].app = "gt2"
    f.save(inv)
    assert f.load().find_app("gt2")
    assert sorted(os.listdir(tmp_path)) == ["inventory.toml", "inventory.toml.last-good"]


@pytest.mark.parametrize(
    ("window", "utc_hour", "inside"),
    [
        ("08:00-14:00 UTC", 9, True),
        ("08:00-14:00 UTC", 14, False),
        ("22:00-05:00 UTC", 23, True),
        ("22:00-05:00 UTC", 4, True),
        ("22:00-05:00 UTC", 12, False),
    ],
)
def test_traffic_window(window: str, utc_hour: int, inside: bool) -> None:
    from datetime import UTC, datetime

    w = TrafficWindow.parse(window)
    assert w.contains(datetime(2026, 11, 26, utc_hour, 30, tzinfo=UTC)) is inside


@pytest.mark.hostile(
    area="inventory file",
    tried="arrays nested 5,000 deep in inventory.toml",
    outcome="a clear 'nested too deeply' error, no RecursionError",
)
def test_hostile_nesting_is_a_clear_error_not_a_crash() -> None:
    text = DEFAULT_INVENTORY_TOML + "deep = " + "[" * 5000 + "]" * 5000 + "\n"
    with pytest.raises(InventoryError) as caught:
        parse_inventory(text, "i.toml")
    assert "nested too deeply" in str(caught.value)
