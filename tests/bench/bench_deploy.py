"""Benchmark of the restart/update workflow against the real sandbox (not a pytest file).

(a) The time the app adds to a deployment over the same commands typed by hand in one SSH
    session (``git status``, ``git fetch``, ``git log``, ``pm2-deploy APP``, ``pm2 list``).
(b) The downtime of a plain restart through the app versus ``pm2 restart APP`` typed in a shell,
    both measured from the desktop by an HTTP poller (every ~5 ms): first failure to last failure.

Usage (root, like the integration tests): .venv/bin/python tests/bench/bench_deploy.py [--json]
    [--runs N] [--setup-seconds S]
"""

from __future__ import annotations

import argparse
import io
import json
import statistics
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve()
sys.path.insert(0, str(HERE.parents[2]))
sys.path.insert(0, str(HERE.parents[1] / "integration"))

import paramiko  # noqa: E402
from sandbox import Sandbox  # noqa: E402

from ereg_desktop.remote.command import remote_command  # noqa: E402
from ereg_desktop.remote.connection import ConnectionPool  # noqa: E402
from ereg_desktop.remote.hostkeys import KnownHosts  # noqa: E402
from ereg_desktop.services.deploy.actions import WriteGuard, run_action  # noqa: E402
from ereg_desktop.services.deploy.connect import ServerShell  # noqa: E402
from ereg_desktop.services.deploy.workflow import DeployRun, DeploySettings, Outcome  # noqa: E402
from ereg_desktop.store.inventory import Deployment, DeploymentRef, Server, System  # noqa: E402


class HttpDowntime:
    """Polls a URL every ~5 ms on a thread; the window is first failure to last failure."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.first_fail: float | None = None
        self.last_fail: float | None = None
        self.failures = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def _loop(self) -> None:
        while not self._stop.is_set():
            t = time.monotonic()
            try:
                with urllib.request.urlopen(self.url, timeout=1) as r:
                    r.read()
            except OSError:
                self.failures += 1
                self.first_fail = self.first_fail or t
                self.last_fail = time.monotonic()
            self._stop.wait(0.005)

    def __enter__(self) -> HttpDowntime:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    @property
    def window(self) -> float:
        if self.first_fail is None or self.last_fail is None:
            return 0.0
        return self.last_fail - self.first_fail


def wait_http(url: str, timeout: float = 30) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            with urllib.request.urlopen(url, timeout=1):
                return
        except OSError:
            time.sleep(0.02)
    raise RuntimeError(f"{url} did not answer")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--setup-seconds", type=float, default=2.0)
    ap.add_argument("--settle", type=float, default=1.0, help="the workflow's settle time")
    args = ap.parse_args()

    box = Sandbox().start()
    tmp = Path(tempfile.mkdtemp(prefix="bench-deploy-"))
    try:
        kh = tmp / "known_hosts"
        kh.write_text(box.known_hosts_line() + "\n")
        key = paramiko.Ed25519Key.from_private_key(io.StringIO(box.client_key_text))
        pool = ConnectionPool(KnownHosts(kh), lambda s: key)
        server = Server("sandbox", box.host, box.port, box.user)

        def ref_for(app: str) -> DeploymentRef:
            dep = Deployment("development", "sandbox", app, box.app_url(app))
            return DeploymentRef(System(app, owner="Bench"), dep, server)

        app = "gt-dev"
        ref = ref_for(app)
        shell = ServerShell(pool, server)
        box.set_setup(app, seconds=args.setup_seconds)
        pool.run(server, ["true"])  # connect once: both sides start on a warm connection
        settings = DeploySettings(settle_s=args.settle)

        by_hand, by_app, settle_part = [], [], []
        step_times: dict[str, list[float]] = {}
        for i in range(args.runs):
            box.push_commit(app, {f"hand-{i}.txt": "x\n"}, f"by hand {i}")
            script = " && ".join(
                [
                    f"cd ~/{app}",
                    "git status --porcelain",
                    "git fetch -q origin master",
                    "git log --oneline HEAD..origin/master",
                    f"pm2-deploy {app}",
                    "pm2 list",
                ]
            )
            t0 = time.monotonic()
            res = pool.run_raw(server, remote_command(["bash", "-c", script]), 300)
            wait_http(box.app_url(app))  # a person then checks the site answers
            by_hand.append(time.monotonic() - t0)
            assert res.exit_code == 0, res.stderr

            box.push_commit(app, {f"app-{i}.txt": "x\n"}, f"by app {i}")
            t0 = time.monotonic()
            result = DeployRun(
                ref, shell, operator="Bench", guard=WriteGuard(), settings=settings
            ).run()
            by_app.append(time.monotonic() - t0)
            assert result.outcome == Outcome.DEPLOYED, result.message
            verify = next(s for s in result.record.steps if s.step == "verify")
            settle_part.append(verify.seconds)
            for s in result.record.steps:
                step_times.setdefault(s.step, []).append(s.seconds)

        # (b) restart downtime
        app_b = "els"
        ref_b = ref_for(app_b)
        url = box.app_url(app_b)
        shell_dt, app_dt = [], []
        for _ in range(args.runs):
            with HttpDowntime(url) as probe:
                pool.run(server, ["pm2", "restart", app_b], 60)
                wait_http(url)
            shell_dt.append(probe.window)
            with HttpDowntime(url) as probe:
                r = run_action(ref_b, "restart", shell, guard=WriteGuard(), operator="Bench")
                wait_http(url)
            assert r.ok, r.message
            app_dt.append(probe.window)
        pool.close()
    finally:
        box.close()

    med = statistics.median
    overhead = med(by_app) - med(by_hand)
    out: dict[str, Any] = {
        "runs": args.runs,
        "setup_seconds": args.setup_seconds,
        "settle_seconds": args.settle,
        "update_by_hand_s": [round(x, 3) for x in by_hand],
        "update_by_app_s": [round(x, 3) for x in by_app],
        "verify_step_s": [round(x, 3) for x in settle_part],
        "update_overhead_s": round(overhead, 3),
        "update_overhead_without_settle_s": round(overhead - args.settle, 3),
        "update_ratio": round(med(by_app) / med(by_hand), 3),
        "update_steps_median_s": {k: round(med(v), 3) for k, v in step_times.items()},
        "restart_downtime_shell_s": [round(x, 3) for x in shell_dt],
        "restart_downtime_app_s": [round(x, 3) for x in app_dt],
        "restart_downtime_ratio": round(med(app_dt) / med(shell_dt), 3) if med(shell_dt) else None,
    }
    if args.json:
        print(json.dumps(out, indent=2))
        return 0
    print(f"{'measure':42} {'median':>8}  runs")
    rows = [
        ("update, by hand in one SSH session (s)", by_hand),
        ("update, through the app (s)", by_app),
        ("  of which Verify (settle + URL + HEAD) (s)", settle_part),
        ("restart downtime, `pm2 restart` in a shell (s)", shell_dt),
        ("restart downtime, through the app (s)", app_dt),
    ]
    for label, xs in rows:
        print(f"{label:42} {med(xs):8.3f}  " + " ".join(f"{x:.3f}" for x in xs))
    steps = ", ".join(f"{k} {med(v):.3f}" for k, v in step_times.items())
    print(f"  steps (median s): {steps}")
    print(f"update overhead: {overhead:+.3f} s (target < 1 s), ratio {out['update_ratio']}")
    print(
        f"update overhead without the deliberate {args.settle:g} s settle wait: "
        f"{overhead - args.settle:+.3f} s"
    )
    print(f"restart downtime ratio app/shell: {out['restart_downtime_ratio']} (target <= 1.10)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
