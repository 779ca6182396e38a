"""The one way the app reads pm2: ``pm2 jlist`` then the server's clock, in one round trip.

pm2's ``pm_uptime`` is the server's clock, so uptimes are computed against the server's time
printed right after the list (the daemon is asked at the end of ``pm2 jlist``, after node's
start-up, so the time is close), and are right even when the desktop's clock is off. The output
goes through the one whitelisting parser (:func:`~ereg_desktop.services.pm2_parse.parse_jlist`).
Both the status poll (:class:`~ereg_desktop.services.monitor.Monitor`) and the deploy's Verify
(:class:`~ereg_desktop.services.deploy.verify.Pm2Probe`) read pm2 through here.
"""

from __future__ import annotations

import math

from ereg_desktop.remote.command import remote_command
from ereg_desktop.services.deploy.steps import CommandKind, RemoteCommand, script
from ereg_desktop.services.pm2_parse import Pm2Snapshot, parse_jlist

# jlist ends its JSON without a newline: the mark's line starts with one.
CLOCK_MARK = "@@ereg-desktop:now "

# ``$EPOCHREALTIME`` (bash 5) costs no process; an older bash falls back to ``date``. The script
# exits with pm2's own exit code.
JLIST: RemoteCommand = script(
    "pm2 jlist",
    [
        "pm2 jlist",
        "rc=$?",
        "printf '\\n" + CLOCK_MARK + '%s\\n\' "${EPOCHREALTIME:-$(date +%s.%N)}"',
        'exit "$rc"',
    ],
    kind=CommandKind.READ,
    timeout=30,
)
# The same command as the text the connection runs, built once: a status poll is a hot path.
JLIST_TEXT = remote_command(JLIST.argv)


def server_now(stdout: str, fallback: float) -> float:
    """The server's clock printed after the list; ``fallback`` (the desktop's) when it is not
    there or unreadable. A locale may print the decimal point as a comma."""
    for line in reversed(stdout.splitlines()):
        if line.startswith(CLOCK_MARK):
            try:
                now = float(line[len(CLOCK_MARK) :].strip().replace(",", "."))
            except ValueError:
                break
            # nan, inf and 1e999 parse as floats but are no time (uptimes would be NaN)
            return now if math.isfinite(now) else fallback
    return fallback


def parse_reading(stdout: str, server_id: str, fallback_now: float) -> Pm2Snapshot:
    """The whitelisted process list, uptimes against the server's clock. Raises
    :class:`~ereg_desktop.services.pm2_parse.Pm2OutputError` when there is no list."""
    return parse_jlist(stdout, server_id, server_now(stdout, fallback_now))
