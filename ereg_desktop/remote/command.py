"""Remote commands: built from argument lists, run in a login shell, output collected or streamed.

The command text is data: ``remote_command(["pm2", "jlist"])`` is what the server runs, and a
test can read it. Nothing is ever pasted into a shell string unquoted.
"""

from __future__ import annotations

import codecs
import select
import shlex
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import paramiko

READ_SIZE = 65536
# Called with each complete line (without its newline; after the last '\r', so progress bars
# show their latest state) and whether it came from stderr.
LineSink = Callable[[str, bool], None]


def remote_command(argv: Sequence[str]) -> str:
    """``bash -lc '<quoted argv>'``: pm2 and the helpers are on the PATH of a login shell only.

    The account's shell and then the login bash each parse the text once; every word is quoted
    for it, so a script's positional parameters (``bash -c SCRIPT _ ARG...``) arrive byte for
    byte, whatever quotes, ``$()``, backticks, newlines or ``;`` they hold."""
    if not argv:
        raise ValueError("empty command")
    return "bash -lc " + shlex.quote(shlex.join(argv))


@dataclass(frozen=True)
class Result:
    exit_code: int  # -1 when the command ended without an exit status (killed by a signal)
    stdout: str
    stderr: str
    duration: float

    @property
    def ok(self) -> bool:
        return self.exit_code == 0


class CommandTimeout(Exception):
    """Internal: the caller turns it into NoAnswer naming the server."""


def exec_on(
    transport: paramiko.Transport,
    command: str,
    timeout: float | None,
    on_line: LineSink | None = None,
) -> Result:
    """Run ``command`` on a new channel of ``transport`` with stdin closed.

    Without ``on_line`` the whole output is collected; with it, lines go to the sink as they
    arrive and ``Result`` holds no output. Raises :class:`CommandTimeout` after ``timeout``.
    """
    start = time.monotonic()
    deadline = None if timeout is None else start + timeout
    chan = transport.open_session(timeout=timeout)
    try:
        chan.exec_command(command)
        chan.shutdown_write()  # stdin off: nothing waits for input that will never come
        out = _Sink(False, on_line)
        err = _Sink(True, on_line)
        fileno = chan.fileno()  # a pipe paramiko sets when stdout or stderr data (or EOF) arrives
        while True:
            while chan.recv_ready():
                out.feed(chan.recv(READ_SIZE))
            while chan.recv_stderr_ready():
                err.feed(chan.recv_stderr(READ_SIZE))
            if chan.eof_received or chan.closed:
                if chan.recv_ready() or chan.recv_stderr_ready():
                    continue
                remaining = None if deadline is None else max(0.0, deadline - time.monotonic())
                if not chan.status_event.wait(remaining):
                    raise CommandTimeout()
                # data may still sit in the buffers after the status arrived
                while chan.recv_ready():
                    out.feed(chan.recv(READ_SIZE))
                while chan.recv_stderr_ready():
                    err.feed(chan.recv_stderr(READ_SIZE))
                break
            remaining = None if deadline is None else deadline - time.monotonic()
            if remaining is not None and remaining <= 0:
                raise CommandTimeout()
            select.select([fileno], [], [], remaining)
        return Result(chan.recv_exit_status(), out.finish(), err.finish(), time.monotonic() - start)
    finally:
        chan.close()


class _Sink:
    def __init__(self, is_stderr: bool, on_line: LineSink | None) -> None:
        self.is_stderr = is_stderr
        self.on_line = on_line
        self.decoder = codecs.getincrementaldecoder("utf-8")("replace")
        self.parts: list[str] = []
        self.pending = ""

    def feed(self, data: bytes) -> None:
        text = self.decoder.decode(data)
        if self.on_line is None:
            self.parts.append(text)
            return
        text = self.pending + text
        *lines, self.pending = text.split("\n")
        for line in lines:
            self.on_line(line.rsplit("\r", 1)[-1], self.is_stderr)

    def finish(self) -> str:
        text = self.decoder.decode(b"", final=True)
        if self.on_line is None:
            self.parts.append(text)
            return "".join(self.parts)
        rest = self.pending + text
        if rest:
            self.on_line(rest.rsplit("\r", 1)[-1], self.is_stderr)
        return ""
