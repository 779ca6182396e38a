"""Remote commands: built from argument lists, run in a login shell, output collected or streamed.

The command text is data: ``remote_command(["pm2", "jlist"])`` is what the server runs, and a
test can read it. Nothing is ever pasted into a shell string unquoted.
"""

from __future__ import annotations

import codecs
import select
import shlex
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import paramiko

from ereg_desktop.errors import OperationFailed

READ_SIZE = 65536
# stdin goes out in pieces of at most this (paramiko sends what the window allows of each)
SEND_SIZE = 32768
# while stdin is being sent, how often the loop looks whether the window opened again
SEND_POLL_S = 0.01
# while a streamed command runs with a stop event, how often the loop looks at it
STOP_POLL_S = 0.2
# What one command may print on stdout (and as much on stderr) before the app stops reading: far
# beyond any answer it expects (a pm2 listing of many apps with their environments is a few MB),
# well within a desktop's memory. A line streamed to a sink reaches it in pieces of at most
# MAX_LINE characters.
MAX_OUTPUT = 32 << 20
MAX_LINE = 1 << 16
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


class OutputTooLarge(OperationFailed):
    """The command printed more than the app reads: the channel is closed, nothing is kept."""

    def __init__(self, stream: str, limit: int) -> None:
        self.reason = f"the command printed more than {limit / (1 << 20):g} MiB on its {stream}"
        super().__init__(
            f"{self.reason}; the app stopped reading it (not shown). Something on the server "
            "prints far more than the app expects: check that command in a terminal there."
        )


def exec_on(
    transport: paramiko.Transport,
    command: str,
    timeout: float | None,
    on_line: LineSink | None = None,
    max_output: int = MAX_OUTPUT,
    stdin: bytes | None = None,
    stop: threading.Event | None = None,
) -> Result:
    """Run ``command`` on a new channel of ``transport``.

    ``stdin`` (when given) is sent in pieces while the output is read, then stdin is closed;
    without it stdin is closed at once. Without ``on_line`` the output is collected, up to
    ``max_output`` bytes per stream (then :class:`OutputTooLarge`); with it, lines go to the
    sink as they arrive and ``Result`` holds no output. Raises :class:`CommandTimeout` after
    ``timeout``, which covers sending stdin too. Once ``stop`` is set (looked at every
    STOP_POLL_S), the channel is closed and ``Result`` has exit code -1 (a follow ended).
    """
    start = time.monotonic()
    deadline = None if timeout is None else start + timeout
    chan = transport.open_session(timeout=timeout)
    try:
        chan.exec_command(command)
        upload = _Upload(chan, stdin or b"")
        out = _Sink(False, on_line, max_output)
        err = _Sink(True, on_line, max_output)
        fileno = chan.fileno()  # a pipe paramiko sets when stdout or stderr data (or EOF) arrives
        while True:
            upload.send()  # stdin off once sent: nothing waits for input that will never come
            while chan.recv_ready():
                out.feed(chan.recv(READ_SIZE))
            while chan.recv_stderr_ready():
                err.feed(chan.recv_stderr(READ_SIZE))
            if (chan.eof_received and upload.done) or chan.closed:
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
            if not upload.done:  # the window may open without any output arriving
                remaining = SEND_POLL_S if remaining is None else min(remaining, SEND_POLL_S)
            if stop is not None:
                if stop.is_set():
                    return Result(-1, out.finish(), err.finish(), time.monotonic() - start)
                remaining = STOP_POLL_S if remaining is None else min(remaining, STOP_POLL_S)
            select.select([fileno], [], [], remaining)
        return Result(chan.recv_exit_status(), out.finish(), err.finish(), time.monotonic() - start)
    finally:
        chan.close()


class _Upload:
    """The bytes for a command's stdin, sent as far as the channel's window allows each time,
    then stdin closed. A command that ends without reading it all just ends: the rest is
    dropped."""

    def __init__(self, chan: paramiko.Channel, data: bytes) -> None:
        self.chan = chan
        self.data = data
        self.sent = 0
        self.done = False

    def send(self) -> None:
        if self.done:
            return
        if self.chan.status_event.is_set():  # the command ended without reading it all
            self.done = True
            return
        try:
            while self.sent < len(self.data) and not self.chan.closed and self.chan.send_ready():
                n = self.chan.send(self.data[self.sent : self.sent + SEND_SIZE])
                if n <= 0:
                    break
                self.sent += n
            if self.sent >= len(self.data) or self.chan.closed:
                self.done = True
                if not self.chan.closed:
                    self.chan.shutdown_write()
        except OSError:  # the channel closed under us (a time-out too): the command is over
            self.done = True


class _Sink:
    def __init__(self, is_stderr: bool, on_line: LineSink | None, max_output: int) -> None:
        self.is_stderr = is_stderr
        self.on_line = on_line
        self.max_output = max_output
        self.size = 0
        self.decoder = codecs.getincrementaldecoder("utf-8")("replace")
        self.parts: list[str] = []
        self.pending = ""

    def feed(self, data: bytes) -> None:
        if self.on_line is None:
            self.size += len(data)
            if self.size > self.max_output:
                self.parts.clear()
                raise OutputTooLarge("stderr" if self.is_stderr else "output", self.max_output)
            self.parts.append(self.decoder.decode(data))
            return
        text = self.pending + self.decoder.decode(data)
        *lines, self.pending = text.split("\n")
        for line in lines:
            self._emit(line)
        while len(self.pending) > MAX_LINE:  # a "line" without end: shown in pieces
            self._emit(self.pending[:MAX_LINE])
            self.pending = self.pending[MAX_LINE:]

    def _emit(self, line: str) -> None:
        assert self.on_line is not None
        line = line.rsplit("\r", 1)[-1]
        for start in range(0, max(1, len(line)), MAX_LINE):
            self.on_line(line[start : start + MAX_LINE], self.is_stderr)

    def finish(self) -> str:
        text = self.decoder.decode(b"", final=True)
        if self.on_line is None:
            self.parts.append(text)
            return "".join(self.parts)
        rest = self.pending + text
        if rest:
            self._emit(rest)
        return ""
