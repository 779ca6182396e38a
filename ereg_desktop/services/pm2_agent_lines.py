"""The server-side agent's stdout lines, read strictly as typed events (no Qt, no network).

:func:`parse_agent_line` turns one JSON line the agent (``services/pm2_agent_script.py``) writes
into its meaning: a :class:`~ereg_desktop.services.pm2_events.Snapshot` through the same
whitelisting parser as ``pm2 jlist`` (``services/pm2_parse.py``), a process event, an exception,
a log line, the agent's :class:`Hello` or its last word (:class:`AgentFailed`). Anything else, or
a line over :data:`MAX_AGENT_LINE`, raises :class:`AgentLineError`, which holds no part of it.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

from ereg_desktop.errors import OperationFailed
from ereg_desktop.services.pm2_events import (
    LogLine,
    MonitorEvent,
    ProcessEvent,
    ProcessException,
    RestartOverlimit,
    Snapshot,
)
from ereg_desktop.services.pm2_parse import Pm2OutputError, parse_processes
from ereg_desktop.services.shown_text import printable
from ereg_desktop.services.status import CONNECTED, ServerStatus

MAX_AGENT_LINE = 4 << 20  # a snapshot of thousands of apps fits; a runaway line does not
MAX_APP = 200
_MAX_EVENT = 60
_MAX_MESSAGE = 500
_MAX_LOG = 4000
_MAX_WHY = 300


class AgentLineError(OperationFailed):
    """The agent printed a line that is not one it writes. Holds no part of the line."""

    def __init__(self, server_id: str, size: int, why: str) -> None:
        self.why = why
        super().__init__(
            f"the monitoring agent on {server_id} printed an unexpected line ({why}; {size} "
            "bytes not shown); the app polls pm2 instead"
        )


@dataclass(frozen=True)
class Hello:
    """The agent is connected to the daemon."""

    pm2_version: str
    node_version: str


@dataclass(frozen=True)
class AgentFailed:
    """The agent's last word before it exits non-zero."""

    why: str


AgentLine = MonitorEvent | Hello | AgentFailed


def parse_agent_line(line: str | bytes, server_id: str, received_at: float) -> AgentLine:
    """One line of the agent's stdout as what it means. Raises :class:`AgentLineError` (and
    nothing else) for anything the agent does not write."""
    size = len(line)
    why = ""
    try:
        return _meaning(_decode(line), server_id, received_at)
    except _Bad as exc:
        why = str(exc)
    except (ValueError, RecursionError):  # not JSON, not UTF-8, a number past the digit limit
        why = "not a JSON line"
    except Pm2OutputError as exc:
        why = f"the snapshot is not a process list ({exc.short})"
    raise AgentLineError(server_id, size, why)


def log_paths(line: str | bytes) -> dict[str, tuple[str, str]]:
    """The out and err log paths per app of a snapshot line (empty for any other line)."""
    try:
        doc = _decode(line)
    except (_Bad, ValueError, RecursionError):
        return {}
    paths: dict[str, tuple[str, str]] = {}
    procs = doc.get("procs") if doc.get("t") == "snapshot" else None
    for proc in procs if isinstance(procs, list) else []:
        env = proc.get("pm2_env") if isinstance(proc, dict) else None
        name = proc.get("name") if isinstance(proc, dict) else None
        if isinstance(env, dict) and isinstance(name, str):
            out, err = env.get("pm_out_log_path"), env.get("pm_err_log_path")
            if isinstance(out, str) and isinstance(err, str):
                paths[printable(name[:MAX_APP])] = (out[:1000], err[:1000])
    return paths


class _Bad(Exception):
    """Internal: why a line is not the agent's (its words only)."""


def _decode(line: str | bytes) -> dict[str, Any]:
    if len(line) > MAX_AGENT_LINE:
        raise _Bad("too long")
    text = line.decode("utf-8") if isinstance(line, bytes) else line
    doc = json.loads(text)
    if not isinstance(doc, dict) or not isinstance(doc.get("t"), str):
        raise _Bad("not an agent record")
    return doc


def _text(doc: dict[str, Any], key: str, cap: int, *, empty: bool = False) -> str:
    value = doc.get(key)
    if not isinstance(value, str) or (not value and not empty) or len(value) > cap:
        raise _Bad(f"no readable {key}")
    return value


def _time(doc: dict[str, Any], key: str) -> float:
    value = doc.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _Bad(f"no readable {key}")
    if isinstance(value, int) and abs(value) > 2**53:
        raise _Bad(f"no readable {key}")
    seconds = float(value) / 1000.0
    if not math.isfinite(seconds) or seconds < 0:
        raise _Bad(f"no readable {key}")
    return seconds


def _meaning(doc: dict[str, Any], server_id: str, received_at: float) -> AgentLine:
    kind = doc["t"]
    if kind == "snapshot":
        now = _time(doc, "now")
        snap = parse_processes(doc.get("procs"), server_id, now)
        return Snapshot(ServerStatus(server_id, CONNECTED, taken_at=received_at, apps=snap.apps))
    if kind == "event":
        app = printable(_text(doc, "app", MAX_APP))
        event = printable(_text(doc, "event", _MAX_EVENT))
        manually = doc.get("manually")
        if not isinstance(manually, bool):
            raise _Bad("no readable manually")
        at = _time(doc, "at")
        if event == "restart overlimit":
            return RestartOverlimit(server_id, app, at)
        return ProcessEvent(server_id, app, event, manually, at)
    if kind == "exception":
        app = printable(_text(doc, "app", MAX_APP))
        message = printable(_text(doc, "message", _MAX_MESSAGE, empty=True))
        return ProcessException(server_id, app, message, _time(doc, "at"))
    if kind == "log":
        app = printable(_text(doc, "app", MAX_APP))
        stream = doc.get("stream")
        if stream not in ("out", "err"):
            raise _Bad("no readable stream")
        line = _text(doc, "line", _MAX_LOG, empty=True)
        return LogLine(server_id, app, str(stream), line, _time(doc, "at"))
    if kind == "hello":
        return Hello(printable(_text(doc, "pm2", 40)), printable(_text(doc, "node", 40)))
    if kind == "error":
        return AgentFailed(printable(_text(doc, "why", _MAX_WHY)))
    raise _Bad("an unknown record")
