"""One refresh of 10 servers with 50 apps each, against the slowest single server.

Run as root (it builds a fleet on this machine: one test user, N sshd on loopback ports, each
with a pm2 daemon of its own running plain ``sleep`` apps; ``tests/integration/sandbox/fleet.py``):
``.venv/bin/python tests/bench/bench_fleet.py [--servers 10] [--apps 50] [--runs 15] [--json]``.
Side by side, in one run, over one connection per server already open:

(a) the window's refresh: ``AgentMonitor.poll`` of every server at once on a thread pool (as
    ``ui/live_status`` does on its POLL pool), the agents running: the time until the last
    status arrived, against each server's own poll alone; the slowest server's median is the
    reference;
(b) the same with ``pm2 jlist`` polls (``Monitor.poll``: the fall back when the agent cannot run);
(c) the cold start: connecting (TCP, key exchange, the key's authentication) to every server at
    once, against one server alone.

Each run measures (a) and (b), alternating which goes first; (c) comes last (it ends the
connections, and so the agents). Every status is checked: connected, all
apps online. A measurement, not a pass/fail test. Target: (a) within 1.2x.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
for extra in (ROOT, ROOT / "tests" / "integration"):
    if str(extra) not in sys.path:
        sys.path.insert(0, str(extra))

TARGET_RATIO = 1.2
CORES = os.cpu_count() or 1
TICK = os.sysconf("SC_CLK_TCK")
KINDS = ("agent", "jlist", "connect")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--servers", type=int, default=10, help="servers (default 10)")
    parser.add_argument("--apps", type=int, default=50, help="sleep apps per server (50)")
    parser.add_argument("--runs", type=int, default=15, help="runs of each kind (default 15)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    if os.geteuid() != 0:
        print("bench_fleet: needs root (it builds N sshd and pm2 daemons)", file=sys.stderr)
        return 2
    from sandbox.fleet import Fleet

    built = time.perf_counter()
    with Fleet(args.servers, args.apps) as fleet, tempfile.TemporaryDirectory() as tmp:
        setup_s = time.perf_counter() - built
        figures = measure(fleet, Path(tmp), args.runs)
    figures["setup_s"] = setup_s
    report(figures, args.json)
    return 0


def measure(fleet: Any, tmp: Path, runs: int) -> dict[str, Any]:
    import paramiko

    from ereg_desktop.remote.connection import ConnectionPool
    from ereg_desktop.remote.hostkeys import KnownHosts
    from ereg_desktop.services.agent_monitor import AgentMonitor
    from ereg_desktop.services.monitor import Monitor
    from ereg_desktop.services.pm2_agent import AGENT
    from ereg_desktop.services.status import CONNECTED, ServerStatus
    from ereg_desktop.store.inventory import Server

    kh = tmp / "known_hosts"
    kh.write_text("\n".join(fleet.known_hosts_lines()) + "\n")
    key = paramiko.Ed25519Key.from_private_key(io.StringIO(fleet.client_key_text))
    pool = ConnectionPool(KnownHosts(kh), lambda _s: key)
    servers = [
        Server(f"s{i:02d}", fleet.host, port, fleet.user) for i, port in enumerate(fleet.ports)
    ]
    jlist = Monitor(pool)
    agents = AgentMonitor(Monitor(pool), lambda _e: None, interval_s=60.0)
    workers = ThreadPoolExecutor(max_workers=len(servers))  # the window's POLL pool grows so
    apps = set(fleet.app_names)

    def checked(status: ServerStatus) -> None:
        assert status.state == CONNECTED, status.reason
        assert set(status.apps) == apps, sorted(status.apps)[:5]
        assert all(a.status == "online" for a in status.apps.values())

    def one(poll: Callable[[Server], ServerStatus], server: Server) -> float:
        start = time.perf_counter()
        checked(poll(server))
        return (time.perf_counter() - start) * 1000

    cpu: dict[str, dict[str, list[float]]] = {
        k: {"client_ms": [], "servers_ms": []} for k in ("agent", "jlist")
    }

    def fleet_refresh(poll: Callable[[Server], ServerStatus], kind: str = "") -> float:
        client, served = time.process_time(), servers_cpu(fleet.uid)
        start = time.perf_counter()
        for status in workers.map(poll, servers):  # until the last status arrived
            checked(status)
        took = (time.perf_counter() - start) * 1000
        if kind:
            cpu[kind]["client_ms"].append((time.process_time() - client) * 1000)
            cpu[kind]["servers_ms"].append((servers_cpu(fleet.uid) - served) * 1000)
        return took

    try:
        # the connections, the agents (started by a first poll), warm caches
        fleet_refresh(agents.poll)
        deadline = time.monotonic() + 120
        while not all(agents.mode(s.id) == AGENT for s in servers):
            assert time.monotonic() < deadline, [agents.mode_text(s.id) for s in servers]
            time.sleep(0.1)  # a benchmark's warm-up, not a test: the agents say hello
        fleet_refresh(agents.poll), fleet_refresh(jlist.poll)
        single: dict[str, dict[str, list[float]]] = {k: {s.id: [] for s in servers} for k in KINDS}
        together: dict[str, list[float]] = {k: [] for k in KINDS}
        polls = {"agent": agents.poll, "jlist": jlist.poll}
        for number in range(runs):
            for kind in ("agent", "jlist") if number % 2 == 0 else ("jlist", "agent"):
                for s in servers:
                    single[kind][s.id].append(one(polls[kind], s))
                together[kind].append(fleet_refresh(polls[kind], kind))
            assert all(agents.mode(s.id) == AGENT for s in servers)  # no fall back meanwhile
        # last, as they end the connections (and so the agents): new connections
        for _ in range(runs):
            for s in servers:
                single["connect"][s.id].append(_cold(pool, s))
            start = time.perf_counter()
            list(workers.map(lambda s: _cold(pool, s), servers))
            together["connect"].append((time.perf_counter() - start) * 1000)
    finally:
        agents.stop()
        workers.shutdown()
        pool.close()
    out: dict[str, Any] = {"servers": len(servers), "apps": len(apps), "runs": runs}
    for kind in KINDS:
        medians = {sid: statistics.median(v) for sid, v in single[kind].items()}
        slowest = max(medians, key=lambda sid: medians[sid])
        fleet_median = statistics.median(together[kind])
        out[kind] = {
            "fleet_ms": together[kind],
            "fleet_median_ms": fleet_median,
            "single_median_ms": medians,
            "slowest_single_ms": medians[slowest],
            "slowest_server": slowest,
            "fastest_single_ms": min(medians.values()),
            "ratio": fleet_median / medians[slowest],
        }
    for kind, parts in cpu.items():
        # what one refresh of the fleet costs in CPU, this process and the servers' processes:
        # over the machine's cores, the least time it can take here whatever the parallelism
        client, served = (statistics.median(parts[p]) for p in ("client_ms", "servers_ms"))
        out[kind] |= {"client_cpu_ms": client, "servers_cpu_ms": served,
                      "cpu_floor_ms": (client + served) / CORES}  # fmt: skip
        out[kind]["ratio_to_cpu_floor"] = out[kind]["fleet_median_ms"] / out[kind]["cpu_floor_ms"]
    out["cores"] = CORES
    out["load_average"] = os.getloadavg()
    out["target_ratio"] = TARGET_RATIO
    return out


def servers_cpu(uid: int) -> float:
    """CPU seconds of the servers' processes (every process of the fleet's user, its ended
    children included: a jlist poll's pm2 CLI is counted in its shell's sshd)."""
    total = 0
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            if os.stat(f"/proc/{name}").st_uid != uid:
                continue
            stat = Path(f"/proc/{name}/stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        total += sum(int(f) for f in fields[11:15])  # utime stime cutime cstime
    return total / TICK


def _cold(pool: Any, server: Any) -> float:
    """A new connection to ``server``: TCP, key exchange, host key check, authentication."""
    pool.drop(server.id)
    start = time.perf_counter()
    pool.transport(server)
    return (time.perf_counter() - start) * 1000


def report(f: dict[str, Any], as_json: bool) -> None:
    if as_json:
        print(json.dumps(f, indent=2))
        return
    names = {
        "agent": "(a) refresh, agent (the window)",
        "jlist": "(b) refresh, pm2 jlist polls",
        "connect": "(c) cold connect",
    }
    print(f"{f['servers']} servers x {f['apps']} sleep apps, {f['runs']} runs "
          f"(fleet built in {f['setup_s']:.1f} s)")  # fmt: skip
    for kind in KINDS:
        k = f[kind]
        verdict = ""
        if kind == "agent":
            ok = k["ratio"] <= f["target_ratio"]
            verdict = f"  ({'within' if ok else 'OVER'} target {f['target_ratio']})"
        print(f"{names[kind]:<34} all at once median {k['fleet_median_ms']:8.1f} ms; one server "
              f"alone: slowest ({k['slowest_server']}) {k['slowest_single_ms']:7.1f} ms, fastest "
              f"{k['fastest_single_ms']:7.1f} ms; ratio {k['ratio']:.2f}{verdict}")  # fmt: skip
        if "cpu_floor_ms" in k:
            print(f"{'':<34} CPU of one refresh: this process {k['client_cpu_ms']:.1f} ms, the "
                  f"servers {k['servers_cpu_ms']:.1f} ms: at least {k['cpu_floor_ms']:.1f} ms "
                  f"on {f['cores']} cores; the refresh took {k['ratio_to_cpu_floor']:.2f}x that")  # fmt: skip
    load = ", ".join(f"{x:.1f}" for x in f["load_average"])
    print(f"load average at the end: {load}")


if __name__ == "__main__":
    sys.exit(main())
