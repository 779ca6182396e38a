"""Server CPU per status update: the monitoring agent against ``pm2 jlist`` polling; crash to event.

Run as root (it builds the integration sandbox: sshd, a user, pm2):
``.venv/bin/python tests/bench/bench_agent_cpu.py [--updates 20] [--crashes 5] [--json]``.
Side by side, in one run, on the same server:

(a) the agent (``Pm2Agent``, one snapshot a second): its node process's utime+stime from /proc
    over M snapshots, divided by M; the pm2 daemon's own CPU over the same span, divided by M;
(b) polling: M runs of ``pm2 jlist`` over the pooled connection, each one's CPU from bash's
    ``times`` (the children's user+sys: the pm2 CLI's node); the daemon's CPU over the M runs;
(c) the time from ``kill -9`` of an app's pid to the ``ProcessEvent`` (exit, not manually) in
    the app, with the agent running.

The sandbox's crash-looping app is stopped first so the daemon's CPU is the updates' own.
A measurement, not a pass/fail test. Targets: agent CPU per update <= a tenth of jlist's;
crash to event < 2 s.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
for extra in (ROOT, ROOT / "tests" / "integration", ROOT / "tests" / "unit"):
    if str(extra) not in sys.path:
        sys.path.insert(0, str(extra))

TARGET_CPU_RATIO = 0.1
TARGET_CRASH_S = 2.0
TICK = os.sysconf("SC_CLK_TCK")


def proc_cpu(pid: int) -> float:
    """utime+stime of ``pid`` in seconds (/proc/PID/stat fields 14 and 15)."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat[stat.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def times_children(text: str) -> float:
    """The children's user+sys from bash's ``times`` (its second line: ``0m0.120s 0m0.020s``)."""
    line = text.strip().splitlines()[-1]
    total = 0.0
    for part in line.split():
        minutes, seconds = part.rstrip("s").split("m")
        total += int(minutes) * 60 + float(seconds.replace(",", "."))
    return total


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--updates", type=int, default=20, help="status updates of each kind")
    parser.add_argument("--crashes", type=int, default=5, help="crashes timed")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    if os.geteuid() != 0:
        print("bench_agent_cpu: needs root (it builds the sshd/pm2 sandbox)", file=sys.stderr)
        return 2
    from sandbox import Sandbox

    with Sandbox() as box, tempfile.TemporaryDirectory(prefix="ereg-bench-") as tmp:
        box.wait_all_online()
        box.pm2("stop", "crashy", check=True)
        figures = measure(box, Path(tmp), args.updates, args.crashes)
    report(figures, args.json)
    return 0


def measure(box: object, tmp: Path, updates: int, crashes: int) -> dict[str, float]:
    from deploy_helpers import Recorder, make_pool, wait_until

    from ereg_desktop.services.pm2_agent import Pm2Agent
    from ereg_desktop.services.pm2_events import ProcessEvent, Snapshot
    from ereg_desktop.store.inventory import Server

    sb = box  # the Sandbox
    pool = make_pool(sb, tmp)
    server = Server("sandbox", sb.host, sb.port, sb.user)  # type: ignore[attr-defined]
    daemon = int((Path(sb.pm2_home) / "pm2.pid").read_text().strip())  # type: ignore[attr-defined]
    figures: dict[str, float] = {}
    try:
        # (b) polling first: the agent is not running yet
        pool.run_raw(server, "bash -lc 'pm2 jlist >/dev/null'")  # warm the connection
        jlist_cpu = []
        d0 = proc_cpu(daemon)
        for _ in range(updates):
            res = pool.run_raw(server, "bash -lc 'pm2 jlist >/dev/null; times'")
            jlist_cpu.append(times_children(res.stdout))
        figures["jlist_cpu_ms"] = statistics.mean(jlist_cpu) * 1000
        figures["jlist_daemon_cpu_ms"] = (proc_cpu(daemon) - d0) / updates * 1000

        # (a) the agent, one snapshot a second
        rec = Recorder()
        agent = Pm2Agent(pool, server, rec, interval_s=1.0)
        agent.start()
        try:

            def snaps() -> int:
                return sum(isinstance(e, Snapshot) for e in rec.snapshot())

            wait_until(lambda: snaps() >= 2, 30, "the agent's snapshots")
            res = sb.run_as_user(f"pgrep -u {sb.user} -x ereg-agent", login=False)  # type: ignore[attr-defined]
            pid = int(res.stdout.split()[0])
            start_n, a0, d0 = snaps(), proc_cpu(pid), proc_cpu(daemon)
            wait_until(lambda: snaps() >= start_n + updates, updates * 3 + 10, "M snapshots")
            n = snaps() - start_n
            figures["agent_cpu_ms"] = (proc_cpu(pid) - a0) / n * 1000
            figures["agent_daemon_cpu_ms"] = (proc_cpu(daemon) - d0) / n * 1000

            # (c) crash to event
            latencies = []
            for _ in range(crashes):
                app_pid = sb.wait_online("els")["pid"]  # type: ignore[attr-defined]
                seen = len(rec.snapshot())
                t0 = time.time()
                os.kill(app_pid, 9)

                def exited(seen: int = seen) -> ProcessEvent | None:
                    for e in rec.snapshot()[seen:]:
                        if isinstance(e, ProcessEvent) and e.app == "els" and e.event == "exit":
                            return e
                    return None

                wait_until(exited, 10, "the exit event", interval=0.002)
                latencies.append(time.time() - t0)
            figures["crash_to_event_ms_median"] = statistics.median(latencies) * 1000
            figures["crash_to_event_ms_max"] = max(latencies) * 1000
        finally:
            agent.stop()
    finally:
        pool.close()
    figures["cpu_ratio"] = figures["agent_cpu_ms"] / figures["jlist_cpu_ms"]
    figures["updates"] = updates
    figures["crashes"] = crashes
    return figures


def report(f: dict[str, float], as_json: bool) -> None:
    if as_json:
        print(json.dumps(f, indent=2))
        return
    print(f"server CPU per status update over {int(f['updates'])} updates")
    print(
        f"  agent snapshot:   {f['agent_cpu_ms']:7.2f} ms  (daemon {f['agent_daemon_cpu_ms']:.2f} ms)"
    )
    print(
        f"  pm2 jlist poll:   {f['jlist_cpu_ms']:7.2f} ms  (daemon {f['jlist_daemon_cpu_ms']:.2f} ms)"
    )
    verdict = "ok" if f["cpu_ratio"] <= TARGET_CPU_RATIO else "MISSED"
    print(f"  ratio agent/jlist {f['cpu_ratio']:.3f} (target <= {TARGET_CPU_RATIO}: {verdict})")
    crash = f["crash_to_event_ms_max"]
    verdict = "ok" if crash < TARGET_CRASH_S * 1000 else "MISSED"
    print(
        f"crash (kill -9) to ProcessEvent over {int(f['crashes'])}: median "
        f"{f['crash_to_event_ms_median']:.0f} ms, max {crash:.0f} ms (target < 2000 ms: {verdict})"
    )


if __name__ == "__main__":
    raise SystemExit(main())
