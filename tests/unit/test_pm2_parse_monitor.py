"""Monitor state logic over canned command results (the SSH path itself is integration-tested)."""

from __future__ import annotations

from pathlib import Path

from ereg_desktop.remote.command import Result
from ereg_desktop.remote.errors import UnknownHostKey, Unreachable
from ereg_desktop.services.monitor import Monitor
from ereg_desktop.services.pm2_read import JLIST_TEXT
from ereg_desktop.services.status import CONNECTED, PM2_DOWN, UNREACHABLE
from ereg_desktop.store.inventory import Server

DATA = Path(__file__).parent / "data" / "pm2"
SERVER = Server(id="unctad", host="eregistrations.org", admin="Mariusz Nowak")
SPAWN = "[PM2] Spawning PM2 daemon with pm2_home=/h/.pm2\n[PM2] PM2 Successfully daemonized\n"


class CannedPool:
    """Answers run_raw with the next canned stdout, or raises the next canned error."""

    def __init__(self, *answers: str | Exception) -> None:
        self.answers = list(answers)
        self.commands: list[str] = []

    def run_raw(self, server: Server, command: str, timeout: float | None = None) -> Result:
        self.commands.append(command)
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return Result(0, answer, "", 0.01)


def monitor(*answers: str | Exception) -> tuple[Monitor, CannedPool]:
    pool = CannedPool(*answers)
    mon = Monitor(pool)  # type: ignore[arg-type]
    return mon, pool


def test_one_command_per_poll() -> None:
    mon, pool = monitor((DATA / "jlist-errored.json").read_text())
    st = mon.poll(SERVER)
    assert st.state == CONNECTED and st.pm2_running and "els" in st.apps
    assert pool.commands == [JLIST_TEXT]


def test_spawned_daemon_means_pm2_was_down_until_apps_appear() -> None:
    full = (DATA / "jlist-errored.json").read_text()
    mon, _ = monitor(SPAWN + "[]\n", "[]\n", full, "[]\n")
    assert mon.poll(SERVER).status_of("els") == PM2_DOWN
    assert mon.poll(SERVER).status_of("els") == PM2_DOWN  # still empty after our spawn
    assert mon.poll(SERVER).status_of("els") == "online"
    st = mon.poll(SERVER)  # running daemon, nothing in it: apps are missing, pm2 is up
    assert st.pm2_running and st.status_of("els") == "missing"


def test_connection_problems_never_raise() -> None:
    unknown = UnknownHostKey(SERVER, "ssh-ed25519", "SHA256:abc")
    mon, _ = monitor(Unreachable(SERVER, "connection refused on port 22"), unknown, "garbage")
    st = mon.poll(SERVER)
    assert st.state == UNREACHABLE and "refused" in st.reason
    st = mon.poll(SERVER)
    assert st.state == UNREACHABLE and mon.problem("unctad") is unknown
    st = mon.poll(SERVER)
    assert st.state == UNREACHABLE and "bytes" in st.reason and "garbage" not in st.reason


def test_uptime_counts_on_the_servers_clock_not_the_desktops() -> None:
    """The poll reads the server's clock with the list: a desktop clock a day off changes no
    uptime (gt started at pm_uptime 1795659717383 ms; the server says it is 100 s later)."""
    text = (DATA / "jlist-errored.json").read_text().strip()
    mon, pool = monitor(f"{text}\n@@ereg-desktop:now 1795659817.383\n")
    st = mon.poll(SERVER)
    assert pool.commands == [JLIST_TEXT]
    gt = st.apps["gt"]
    assert gt.uptime_s is not None and abs(gt.uptime_s - 100.0) < 0.01
    # a locale printing a decimal comma, and no clock at all (an old bash without date)
    mon, _ = monitor(f"{text}\n@@ereg-desktop:now 1795659817,383\n")
    uptime = mon.poll(SERVER).apps["gt"].uptime_s
    assert uptime is not None and abs(uptime - 100.0) < 0.01
    mon, _ = monitor(f"{text}\n")
    uptime = mon.poll(SERVER).apps["gt"].uptime_s
    assert uptime is not None and uptime > 100.0  # the desktop's own clock, far from that day
