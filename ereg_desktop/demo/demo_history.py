"""A few days of history for a new demo profile: memory and CPU samples of every demo app (a
daily rhythm, a slow leak on one, restarts), and the deploys, restarts and crashes marked on
the chart. Plain rows in the metrics store's shapes; the caller stores them."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

from ereg_desktop.demo import demo_content as content

DAYS = 3
STEP_S = 300  # one sample every 5 minutes: the chart's week and day views have enough

# (server, app, at, status, memory bytes, cpu percent, restarts, uptime s)
SampleRow = tuple[str, str, float, str, int, float, int, float | None]


@dataclass(frozen=True)
class EventRow:
    server: str
    app: str
    at: float
    kind: str
    text: str


def history(now: float, seed: int = 11) -> tuple[list[SampleRow], list[EventRow]]:
    """The samples and events of the ``DAYS`` days before ``now`` (the same for one seed)."""
    rnd = random.Random(seed)
    samples: list[SampleRow] = []
    events: list[EventRow] = []
    start = now - DAYS * 86400
    gt_restart = now - 20 * 3600  # someone restarted gt for its memory
    for app in content.APPS:
        base = (app.hold_mb + 20) * (1 << 20)  # what the live app holds, with its runtime
        restarts, up_since = 0, start - rnd.uniform(3600, 86400)
        deploy_at = start + rnd.uniform(0.3, 0.9) * 86400
        crash_every = app.crash_s * 300 if app.crash_s else 0.0  # a few a day in the past
        next_crash = start + crash_every if crash_every else math.inf
        leak = 0.0
        at = start
        while at < now - STEP_S:
            day = math.sin((at % 86400) / 86400 * 2 * math.pi)  # busy in the day, quiet at night
            if deploy_at <= at < deploy_at + STEP_S:
                events.append(EventRow(content.SERVER_ID, app.name, at, "deploy",
                                       f"{content.OPERATOR}: update of {app.name}"))  # fmt: skip
                up_since, leak = at, 0.0
            if at >= next_crash:
                restarts += 1
                events.append(EventRow(content.SERVER_ID, app.name, at, "crash",
                                       f"{app.name} crashed and pm2 restarted it"))  # fmt: skip
                up_since, leak = at, 0.0
                next_crash = at + crash_every * rnd.uniform(0.5, 1.5)
            if app.name == "gt" and gt_restart <= at < gt_restart + STEP_S:
                restarts += 1
                events.append(EventRow(content.SERVER_ID, "gt", at, "restart",
                                       f"{content.OPERATOR}: restart of gt (memory)"))  # fmt: skip
                up_since, leak = at, 0.0
            if app.name == "gt":
                leak += STEP_S / 86400 * 15 * (1 << 20)  # gt grows 15 MiB a day until restarted
            memory = int(base * (1 + 0.15 * day + rnd.uniform(-0.04, 0.04)) + leak)
            cpu = round(max(0.0, 3 + 4 * day + rnd.uniform(-1.5, 3)), 1)
            samples.append((content.SERVER_ID, app.name, at, "online", memory, cpu, restarts,
                            at - up_since))  # fmt: skip
            at += STEP_S
    return samples, events
