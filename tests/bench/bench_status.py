"""Status refresh against the real sandbox server: the app's poll beside its raw parts.

Run as root (it builds the integration sandbox: sshd, a user, pm2):
``.venv/bin/python tests/bench/bench_status.py [--runs 15] [--json]``. Side by side, in one run:

(a) ``Monitor.poll``: the app's status refresh over its open connection (exec + parse);
(b) the raw ``pm2 jlist`` exec of the same command over the same connection (``pool.run_raw``);
(c) ``ssh -i KEY ... user@127.0.0.1 'bash -lc "pm2 jlist"'`` with the OpenSSH client, a new
    connection each call (what a shell script would do);
(e) ``AgentSnapshots.poll``: ``ereg-desktop status``'s read, the agent's once mode (no
    environment on the wire) over the same connection;
(d) the live-status controller refreshing the real server from a real window (offscreen), with a
    5 ms heartbeat timer on the GUI thread: the longest gap and the 99th percentile are the stalls.

Each run measures every kind once, in a rotating order, so that noise treats them alike.
A measurement, not a pass/fail test. Targets: a/b <= 1.15, a/c <= 0.6, stall <= 50 ms.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
for extra in (ROOT, ROOT / "tests" / "integration", ROOT / "tests" / "unit"):
    if str(extra) not in sys.path:
        sys.path.insert(0, str(extra))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

TARGET_EXEC_RATIO = 1.15
TARGET_OPENSSH_RATIO = 0.6
TARGET_STALL_MS = 50.0
HEARTBEAT_MS = 5
KINDS = ("poll", "raw", "openssh", "gui", "once")


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    k = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[k]


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="runs of each kind (default 15)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    if os.geteuid() != 0:
        print("bench_status: needs root (it builds the sshd/pm2 sandbox)", file=sys.stderr)
        return 2

    from sandbox import Sandbox
    from test_secrets_backends import LimitedKeyring
    from test_status_support import sandbox_server, store_sandbox_key, write_config

    with Sandbox() as box, tempfile.TemporaryDirectory(prefix="ereg-bench-") as tmp:
        box.wait_all_online()
        LimitedKeyring.reset()
        os.environ["EREG_DESKTOP_KEYRING"] = "test_secrets_backends:LimitedKeyring"
        figures = measure(
            box, Path(tmp), args.runs, sandbox_server, store_sandbox_key, write_config
        )
        LimitedKeyring.reset()
    report(figures, args.json)
    return 0


def measure(box, tmp: Path, runs: int, sandbox_server, store_sandbox_key, write_config) -> dict:
    from PySide6.QtCore import QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication

    from ereg_desktop.context import AppContext
    from ereg_desktop.remote.command import remote_command
    from ereg_desktop.remote.hostkeys import KnownHosts, fetch_host_key
    from ereg_desktop.services import monitor as monitor_service
    from ereg_desktop.services.pm2_agent import AGENT
    from ereg_desktop.services.pm2_agent_once import AgentSnapshots
    from ereg_desktop.services.status import CONNECTED
    from ereg_desktop.ui.live_status import LiveStatus
    from ereg_desktop.ui.main_window import MainWindow
    from ereg_desktop.ui.tasks import wait_for_workers

    # the raw reference: pm2's own list, without the server's clock a poll adds to it
    jlist_command = remote_command(["pm2", "jlist"])

    server = sandbox_server(box)
    paths = write_config(box, tmp / "config")
    KnownHosts(paths.known_hosts_file).trust(server.host, server.port, fetch_host_key(server))
    ctx = AppContext.for_gui(paths)
    monitor = monitor_service.attach(ctx)
    store_sandbox_key(ctx.secrets, box)
    pool = monitor.pool

    openssh_known = tmp / "openssh_known_hosts"
    openssh_known.write_text(box.known_hosts_line() + "\n")
    key = tmp / "id_client"
    key.write_text(box.client_key_text)
    key.chmod(0o600)
    ssh_argv = [
        "ssh", "-F", "/dev/null", "-i", str(key), "-o", "IdentitiesOnly=yes",
        "-o", f"UserKnownHostsFile={openssh_known}", "-o", "StrictHostKeyChecking=yes",
        "-o", "BatchMode=yes", "-p", str(box.port), f"{box.user}@{box.host}", jlist_command,
    ]  # fmt: skip

    def poll() -> None:
        status = monitor.poll(server)
        assert status.state == CONNECTED, status.reason

    reader = AgentSnapshots(monitor)

    def once() -> None:
        status = reader.poll(server)
        assert status.state == CONNECTED and reader.mode(server.id)[0] == AGENT, status.reason

    def raw() -> None:
        assert pool.run_raw(server, jlist_command, 30).exit_code == 0

    def openssh() -> None:
        done = subprocess.run(ssh_argv, capture_output=True, timeout=60, stdin=subprocess.DEVNULL)
        assert done.returncode == 0 and b"[" in done.stdout, done.stderr.decode()

    app = QApplication.instance() or QApplication([sys.argv[0]])
    window = MainWindow(ctx)
    live = LiveStatus(window, ctx, poller_factory=lambda: monitor)
    window.show()
    gaps: list[float] = []
    state = {"last": 0.0, "on": False}

    def beat() -> None:
        now = time.perf_counter()
        if state["on"]:
            gaps.append((now - state["last"]) * 1000)
        state["last"] = now

    heartbeat = QTimer()
    heartbeat.setInterval(HEARTBEAT_MS)
    heartbeat.timeout.connect(beat)
    heartbeat.start()

    def run_loop(start: Callable[[], None], until_signal, linger_ms: int = 30) -> float:
        """Run the event loop from ``start`` until ``until_signal`` plus ``linger_ms`` (the
        repaint after applying). Returns ms from start to the signal."""
        loop = QEventLoop()
        marks: dict[str, float] = {}

        def arrived(*_: object) -> None:
            if "end" not in marks:
                marks["end"] = time.perf_counter()
                QTimer.singleShot(linger_ms, loop.quit)

        until_signal.connect(arrived)
        QTimer.singleShot(60_000, loop.quit)
        state["last"], state["on"] = time.perf_counter(), True
        marks["start"] = time.perf_counter()
        QTimer.singleShot(0, start)
        loop.exec()
        state["on"] = False
        until_signal.disconnect(arrived)
        assert "end" in marks, "no status within 60 s"
        return (marks["end"] - marks["start"]) * 1000

    # warm up: the connection, the window's first status, OpenSSH's binary in the page cache
    run_loop(live.start, live.status_applied)
    poll(), raw(), openssh(), once()
    gaps.clear()

    def gui() -> float:
        return run_loop(lambda: live.refresh(), live.status_applied)  # to the applied status

    results: dict[str, list[float]] = {k: [] for k in KINDS}
    actions = {"poll": poll, "raw": raw, "openssh": openssh, "once": once}
    for number in range(runs):
        order = KINDS[number % len(KINDS) :] + KINDS[: number % len(KINDS)]
        for kind in order:
            if kind == "gui":
                results[kind].append(gui())
            else:
                results[kind].append(timed(actions[kind]))
    heartbeat.stop()
    live.shutdown()
    wait_for_workers(30_000)
    live.close_connections()
    window.close()
    app.processEvents()

    medians = {k: statistics.median(v) for k, v in results.items()}
    return {
        "runs": runs,
        "ms": results,
        "median_ms": medians,
        "ratio_poll_to_raw_exec": medians["poll"] / medians["raw"],
        "ratio_poll_to_openssh": medians["poll"] / medians["openssh"],
        "ratio_status_once_to_poll": medians["once"] / medians["poll"],
        "gui_stall_max_ms": max(gaps, default=0.0),
        "gui_stall_p99_ms": percentile(gaps, 0.99),
        "heartbeat_ms": HEARTBEAT_MS,
        "heartbeats": len(gaps),
        "targets": {
            "ratio_poll_to_raw_exec": TARGET_EXEC_RATIO,
            "ratio_poll_to_openssh": TARGET_OPENSSH_RATIO,
            "gui_stall_max_ms": TARGET_STALL_MS,
        },
    }


def report(figures: dict, as_json: bool) -> None:
    if as_json:
        print(json.dumps(figures, indent=2))
        return
    names = {
        "poll": "(a) Monitor.poll",
        "raw": "(b) raw exec",
        "openssh": "(c) OpenSSH ssh",
        "gui": "(d) window refresh",
        "once": "(e) status, agent",
    }
    print(f"{'run':>6} " + " ".join(f"{names[k]:>20}" for k in KINDS))
    ms = figures["ms"]
    for number in range(figures["runs"]):
        print(f"{number + 1:>6} " + " ".join(f"{ms[k][number]:>17.1f} ms" for k in KINDS))
    med = figures["median_ms"]
    print(f"{'median':>6} " + " ".join(f"{med[k]:>17.1f} ms" for k in KINDS))

    def verdict(ok: bool) -> str:
        return "within target" if ok else "OVER target"

    a_b, a_c = figures["ratio_poll_to_raw_exec"], figures["ratio_poll_to_openssh"]
    stall = figures["gui_stall_max_ms"]
    print(f"a/b (poll / raw exec):  {a_b:.2f}  ({verdict(a_b <= TARGET_EXEC_RATIO)} "
          f"<= {TARGET_EXEC_RATIO})")  # fmt: skip
    print(f"a/c (poll / OpenSSH):   {a_c:.2f}  ({verdict(a_c <= TARGET_OPENSSH_RATIO)} "
          f"<= {TARGET_OPENSSH_RATIO})")  # fmt: skip
    print(f"e/a (status's agent read / jlist poll): {figures['ratio_status_once_to_poll']:.2f}")
    print(
        f"GUI-thread stall during refreshes ({figures['heartbeats']} beats of "
        f"{figures['heartbeat_ms']} ms): max {stall:.1f} ms, p99 "
        f"{figures['gui_stall_p99_ms']:.1f} ms ({verdict(stall <= TARGET_STALL_MS)} "
        f"<= {TARGET_STALL_MS:.0f} ms)"
    )


if __name__ == "__main__":
    sys.exit(main())
