"""An app's pm2 logs: the last lines of its out and error logs, and following them live.

The paths come from ``pm2 jlist`` for that app (only the two paths are read from it, through
:func:`~ereg_desktop.services.pm2_parse.parse_log_paths`, which refuses any path that is not
absolute and printable). The lines are read with ``tail`` (never ``pm2 logs``: for an unknown
app it prints an unrelated empty log and exits 0), the paths always as positional parameters of
a constant script. Following is ``tail -n 0 -F`` over a streamed channel; setting the stop event
closes the channel. The lines are the server's text: show them through :func:`printable`.
"""

from __future__ import annotations

import enum
import threading
from collections.abc import Callable
from dataclasses import dataclass

from ereg_desktop.errors import BadInputError, ConnectionProblem, EregError, OperationFailed
from ereg_desktop.services.deploy.steps import (
    CommandKind,
    RemoteCommand,
    Shell,
    check_app,
    script,
)
from ereg_desktop.services.pm2_parse import LogPaths, parse_log_paths
from ereg_desktop.services.pm2_read import JLIST
from ereg_desktop.services.shown_text import printable

DEFAULT_LINES = 100
MAX_LINES = 10000
# what one read may bring per log, whatever the lines' length (the newest bytes are kept)
MAX_BYTES = 1 << 20
_MARK = "@@ereg-desktop:log "
_PID_MARK = "@@ereg-desktop:follow-pid "


class Which(enum.StrEnum):
    OUT = "out"
    ERR = "err"
    BOTH = "both"


class LogsUnavailable(OperationFailed):
    """pm2 names no usable log for the app (not running there, or paths that are refused)."""


@dataclass(frozen=True)
class LogLine:
    stream: str  # "out" or "err"
    text: str  # as the server wrote it: pass it through shown() before printing

    @property
    def shown(self) -> str:
        return printable(self.text, keep="\t")


@dataclass(frozen=True)
class LogRead:
    paths: LogPaths
    out: tuple[str, ...] = ()
    err: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()  # "out"/"err": the file is not there or not readable


def check_lines(n: int) -> int:
    if not 0 < n <= MAX_LINES:
        raise BadInputError(f"{n} lines: ask for 1 to {MAX_LINES}")
    return n


def _selected(paths: LogPaths, which: Which) -> tuple[str, str]:
    out = paths.out or "" if which != Which.ERR else ""
    err = paths.err or "" if which != Which.OUT else ""
    return out, err


def tail_command(paths: LogPaths, n: int, which: Which = Which.BOTH) -> RemoteCommand:
    """$1 lines, $2 byte cap, $3 the out log ("" = not asked), $4 the error log."""
    out, err = _selected(paths, which)
    return script(
        "read logs",
        [
            "show() {",
            '  [ -n "$3" ] || return 0',
            f"  printf '\\n{_MARK}%s\\n' \"$1\"",
            '  if [ -f "$3" ] && [ -r "$3" ]; then',
            '    tail -n "$2" -- "$3" | tail -c "$4"',
            "  else",
            f"    printf '\\n{_MARK}missing\\n'",
            "  fi",
            "}",
            'show out "$1" "$3" "$2"',
            'show err "$1" "$4" "$2"',
        ],
        str(check_lines(n)),
        str(MAX_BYTES),
        out,
        err,
        kind=CommandKind.READ,
        timeout=30,
    )


def follow_command(paths: LogPaths, which: Which = Which.BOTH) -> RemoteCommand:
    """$1 the out log, $2 the error log ("" = not followed), $3 the mark: first its own process
    id after the mark, then new out lines on stdout and new error lines on stderr from the moment
    it starts. ``-F`` follows a log that pm2 rotates or recreates. A TERM (from
    :func:`stop_command`) or its end takes the tails with it."""
    out, err = _selected(paths, which)
    return script(
        "follow logs",
        [
            'printf \'%s%s\\n\' "$3" "$$"',
            "pids=",
            "trap 'kill $pids 2>/dev/null' EXIT",
            "trap 'exit 0' TERM HUP",
            'if [ -n "$1" ]; then tail -n 0 -F -- "$1" 2>/dev/null & pids="$pids $!"; fi',
            'if [ -n "$2" ]; then tail -n 0 -F -- "$2" >&2 2>/dev/null & pids="$pids $!"; fi',
            "wait",
        ],
        out,
        err,
        _PID_MARK,
        kind=CommandKind.READ,
        timeout=0,
    )


def stop_command(pid: int) -> RemoteCommand:
    """End a follow whose channel was closed (its tails would otherwise wait for the next log
    line to notice): TERM to the follow script, only if that pid still is one."""
    return script(
        "stop following logs",
        [
            'grep -qa -- "tail -n 0 -F" "/proc/$1/cmdline" 2>/dev/null && kill -TERM -- "$1"',
            "exit 0",
        ],
        str(int(pid)),
        kind=CommandKind.READ,
        timeout=15,
    )


def parse_tail(stdout: str, paths: LogPaths) -> LogRead:
    sections: dict[str, list[str]] = {}
    missing: list[str] = []
    current: str | None = None
    for line in stdout.split("\n"):
        if line.startswith(_MARK):
            name = line[len(_MARK) :].strip()
            if name == "missing" and current is not None:
                missing.append(current)
            else:
                current = name
                sections[current] = []
        elif current is not None:
            sections[current].append(line)
    for lines in sections.values():
        while lines and lines[-1] == "":
            lines.pop()  # the newline before the next mark, or the file's last one
        if lines and lines[0] == "":
            del lines[0]
    return LogRead(
        paths,
        tuple(sections.get("out", ())),
        tuple(sections.get("err", ())),
        tuple(missing),
    )


def log_paths(shell: Shell, server_id: str, app: str) -> LogPaths:
    """The app's log paths from ``pm2 jlist`` (raises :class:`LogsUnavailable`)."""
    check_app(app)
    res = JLIST.run(shell)
    if res.exit_code == -1:
        raise ConnectionProblem("pm2 jlist: the connection dropped while it ran")
    paths = parse_log_paths(res.stdout, server_id, app)
    if paths is None:
        raise LogsUnavailable(f"pm2 on {server_id} lists no app {app!r}: it has no logs there")
    if paths.out is None and paths.err is None:
        raise LogsUnavailable(
            f"pm2 on {server_id} gives no usable log path for {app!r} (not absolute or not "
            "printable): not read"
        )
    return paths


def read_logs(
    shell: Shell, server_id: str, app: str, n: int = DEFAULT_LINES, which: Which = Which.BOTH
) -> LogRead:
    """The last ``n`` lines of the app's logs (two round trips: jlist, then one tail script)."""
    check_lines(n)
    paths = log_paths(shell, server_id, app)
    cmd = tail_command(paths, n, which)
    res = cmd.run(shell)
    if res.exit_code == -1:
        raise ConnectionProblem(f"{cmd.title}: the connection dropped while it ran")
    if res.exit_code != 0:
        raise OperationFailed(
            f"reading the logs of {app} failed (exit {res.exit_code}): "
            f"{printable(res.stderr.strip()[-500:])}"
        )
    return parse_tail(res.stdout, paths)


# ``lambda argv, sink, stop: pool.stream(server, argv, sink, stop=stop)``
Stream = Callable[[tuple[str, ...], Callable[[str, bool], None], threading.Event], object]


def follow(
    stream: Stream,
    paths: LogPaths,
    on_line: Callable[[LogLine], None],
    stop: threading.Event,
    which: Which = Which.BOTH,
    shell: Shell | None = None,
) -> None:
    """Hand each new log line to ``on_line`` until ``stop`` is set (then the channel closes, and
    with ``shell`` the script on the server is ended at once). Blocks: run it on a worker."""
    cmd = follow_command(paths, which)
    pid: list[int] = []

    def sink(text: str, is_err: bool) -> None:
        if not pid and not is_err and text.startswith(_PID_MARK):
            number = text[len(_PID_MARK) :].strip()
            if number.isdigit() and 1 < int(number) < 1 << 22:
                pid.append(int(number))
                return
        on_line(LogLine("err" if is_err else "out", text))

    try:
        stream(cmd.argv, sink, stop)
    finally:
        if shell is not None and pid and stop.is_set():
            try:
                stop_command(pid[0]).run(shell)
            except EregError:
                pass  # the server is gone: so is the follow
