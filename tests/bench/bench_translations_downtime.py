"""Benchmark: the downtime of an update with translations pending, through the app against the
hand procedure, on the real sandbox and the GitHub stand-in (not a pytest file).

By hand (the procedure's order, typed without pause in one SSH session, the merge clicked at
once): ``pm2 stop APP``, ``update-translations``, the pull request opened and merged on GitHub,
``pm2-deploy APP`` (which starts the app). Through the app: the same update as the window runs it,
the review answered at once. The review itself runs while the app is up (its time is reported
beside, outside the downtime). Downtime is measured from the desktop by an HTTP poller (every
~5 ms): first failure to last failure.

Usage (root, like the integration tests): .venv/bin/python tests/bench/bench_translations_downtime.py
    [--json] [--runs N] [--setup-seconds S]
"""

from __future__ import annotations

import argparse
import io
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve()
sys.path.insert(0, str(HERE.parents[2]))
sys.path.insert(0, str(HERE.parents[1] / "integration"))
sys.path.insert(0, str(HERE.parent))

import paramiko  # noqa: E402
from bench_deploy import HttpDowntime, wait_http  # noqa: E402
from sandbox import Sandbox  # noqa: E402

from ereg_desktop.demo.github_standin import GitHubStandIn  # noqa: E402
from ereg_desktop.remote.command import remote_command  # noqa: E402
from ereg_desktop.remote.connection import ConnectionPool  # noqa: E402
from ereg_desktop.remote.hostkeys import KnownHosts  # noqa: E402
from ereg_desktop.services.deploy.actions import WriteGuard  # noqa: E402
from ereg_desktop.services.deploy.connect import ServerShell  # noqa: E402
from ereg_desktop.services.deploy.decisions import (  # noqa: E402
    Answer,
    AnswerSource,
    MergeChoice,
    Question,
    ReviewVerdict,
)
from ereg_desktop.services.deploy.workflow import DeployRun, DeploySettings, Outcome  # noqa: E402
from ereg_desktop.services.github.pulls import TranslationPulls  # noqa: E402
from ereg_desktop.services.i18n.messages_file import parse_messages, serialize_messages  # noqa: E402
from ereg_desktop.store.inventory import Deployment, DeploymentRef, Server, System  # noqa: E402

TOKEN = "ghp_FAKE_bench_token"


class AtOnce:
    """The operator approves the review and chooses to merge at once."""

    def decide(self, question: Question) -> Answer:
        value: Any = {
            "review": ReviewVerdict(approved=True, acknowledged_warnings=True),
            "merge-or-wait": str(MergeChoice.MERGE),
        }.get(question.kind)
        return Answer(question.id, value, AnswerSource.OPERATOR)


def change_translation(box: Any, app: str, i: int) -> None:
    path = box.app_dir(app) / "i18n-messages.json"
    messages = parse_messages(path.read_bytes())
    messages["Submit"] = f"Enviar {i}"
    box.write_user_file(path, serialize_messages(messages).decode("utf-8"))


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--setup-seconds", type=float, default=2.0)
    ap.add_argument("--settle", type=float, default=1.0, help="the workflow's settle time")
    args = ap.parse_args()

    box = Sandbox().start()
    tmp = Path(tempfile.mkdtemp(prefix="bench-translations-"))
    app = "gt-dev"
    repo = f"egov/{app}"
    standin = GitHubStandIn({repo: box.bare_repo(app)}, {TOKEN}, git_user=box.user).start()
    try:
        kh = tmp / "known_hosts"
        kh.write_text(box.known_hosts_line() + "\n")
        key = paramiko.Ed25519Key.from_private_key(io.StringIO(box.client_key_text))
        pool = ConnectionPool(KnownHosts(kh), lambda s: key)
        server = Server("sandbox", box.host, box.port, box.user)
        dep = Deployment("development", "sandbox", app, box.app_url(app))
        ref = DeploymentRef(System(app, owner="Bench", repository=repo, deployments=[dep]), dep,
                            server)  # fmt: skip
        shell = ServerShell(pool, server)
        pulls = TranslationPulls(repo, TOKEN, api_url=standin.url, timeout_s=10, retries=0)
        box.set_setup(app, seconds=args.setup_seconds)
        pool.run(server, ["true"])  # both sides start on a warm connection
        settings = DeploySettings(settle_s=args.settle, merge_poll_s=0.2)
        url = box.app_url(app)

        by_hand, by_app, review_s, machine_s = [], [], [], []
        step_times: dict[str, list[float]] = {}
        for i in range(args.runs):
            change_translation(box, app, 2 * i)
            with HttpDowntime(url) as probe:
                stop_submit = f"pm2 stop {app} && cd ~/{app} && update-translations"
                res = pool.run_raw(server, remote_command(["bash", "-lc", stop_submit]), 300)
                assert res.exit_code == 0, res.stderr
                pr = pulls.find_or_open(title="translations", body="by hand")
                assert pr is not None
                pulls.merge(pulls.wait_mergeable(pr, deadline_s=30))
                res = pool.run_raw(server, remote_command(["bash", "-lc", f"pm2-deploy {app}"]),
                                   300)  # fmt: skip
                assert res.exit_code == 0, res.stderr
                wait_http(url)
            by_hand.append(probe.window)

            change_translation(box, app, 2 * i + 1)
            t0 = time.monotonic()
            with HttpDowntime(url) as probe:
                result = DeployRun(
                    ref, shell, operator="Bench", guard=WriteGuard(), settings=settings,
                    decider=AtOnce(), github=lambda r: pulls,
                ).run()  # fmt: skip
                wait_http(url)
            machine_s.append(time.monotonic() - t0)
            assert result.outcome == Outcome.DEPLOYED, result.message
            by_app.append(probe.window)
            review_s.append(next(s.seconds for s in result.record.steps if s.step == "review"))
            for s in result.record.steps:
                step_times.setdefault(s.step, []).append(s.seconds)
        pool.close()
    finally:
        standin.stop()
        box.close()

    med = statistics.median
    out: dict[str, Any] = {
        "runs": args.runs,
        "setup_seconds": args.setup_seconds,
        "downtime_by_hand_s": [round(x, 3) for x in by_hand],
        "downtime_by_app_s": [round(x, 3) for x in by_app],
        "review_step_s (app up)": [round(x, 3) for x in review_s],
        "whole_update_by_app_s": [round(x, 3) for x in machine_s],
        "downtime_ratio": round(med(by_app) / med(by_hand), 3) if med(by_hand) else None,
        "steps_median_s": {k: round(med(v), 3) for k, v in step_times.items()},
    }
    if args.json:
        print(json.dumps(out, indent=2))
        return 0
    print(f"{'measure':52} {'median':>8}  runs")
    rows = [
        ("downtime, by hand (stop, update-translations, merge, pm2-deploy) (s)", by_hand),
        ("downtime, through the app (s)", by_app),
        ("  the app's review step, while the app runs (s)", review_s),
        ("  the app's whole update (s)", machine_s),
    ]
    for label, xs in rows:
        print(f"{label:52} {med(xs):8.3f}  " + " ".join(f"{x:.3f}" for x in xs))
    steps = ", ".join(f"{k} {med(v):.3f}" for k, v in step_times.items())
    print(f"  steps (median s): {steps}")
    print(f"downtime ratio app/hand: {out['downtime_ratio']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
