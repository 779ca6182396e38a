"""The app's own log: ``ereg-desktop.log`` in the log dir (platformdirs', or ``--config-dir``'s
``logs/``), rotated at 1 MB with five old files kept, and never a secret in it.

What an operator attaches to a problem report: start and stop, connects and disconnects per server,
the actions run (with their argv), errors with their tracebacks. Every record's text is made final
on the thread that logs it and copied; a writer thread of its own redacts it (:func:`redact`) and
opens, writes and rotates the file, so a thread that logs (the GUI's) never waits on the disk, and
the window's start-up pays neither the file nor ``logging.handlers`` (the writer starts after the
first paint). A warning is also printed on stderr, as Python does when
no logging is set up.

Redacted: private key blocks (PEM and OpenSSH, a cut one too), GitHub tokens (``ghp_``,
``github_pat_`` and the other ``gh?_`` kinds), ``Authorization`` headers' values, and every secret
this process has come to know (:func:`remember_secret`: the secret store and the key loader add the
values and passphrases they handle; of four characters or more).
"""

from __future__ import annotations

import copy
import logging
import queue
import re
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ereg_desktop.store.paths import AppPaths

LOG_FILE = "ereg-desktop.log"
MAX_BYTES = 1_000_000
BACKUPS = 5
REDACTED = "[redacted]"
FORMAT = "%(asctime)s.%(msecs)03d %(levelname)s [%(threadName)s] %(name)s: %(message)s"
DATE_FORMAT = "%Y-%m-%d %H:%M:%S"

# The app's loggers only: a library's chatter (paramiko's tracebacks of each failed connect) stays
# out; the app says once what matters of it (remote/connection.py).
LOGGER = "ereg_desktop"
log = logging.getLogger(f"{LOGGER}.app")

_PRIVATE_KEY = re.compile(
    r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----.*?(?:-----END [A-Z0-9 ]*-----|\Z)", re.S
)
_PUTTY_KEY = re.compile(r"(Private-Lines: *\d+\s*\n)(?:[A-Za-z0-9+/=]+\n?)+")
_GITHUB_TOKEN = re.compile(r"\b(?:github_pat_[A-Za-z0-9_]{20,}|gh[pousr]_[A-Za-z0-9]{20,})")
# "Authorization: token X", "'Authorization': 'Bearer X'", "authorization=Basic X"
_AUTHORIZATION = re.compile(
    r"""(?i)(\bauthorization['"]?\s*[:=]\s*['"]?)(?:(?:bearer|token|basic)\s+)?[^\s'",}]+"""
)


class _KnownSecrets:
    """The secret values this process has seen (longest first, so a longer one that holds a
    shorter one is redacted whole)."""

    MIN_CHARS = 4  # shorter values would blank half the log, and are no secret anyway
    MIN_LINE = 16  # a multi-line secret's lines are secrets on their own from this length

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._values: set[str] = set()
        self._ordered: tuple[str, ...] = ()

    def add(self, value: str) -> None:
        parts = {value.strip()}
        if "\n" in value:
            parts |= {ln.strip() for ln in value.splitlines() if len(ln.strip()) >= self.MIN_LINE}
        parts = {p for p in parts if len(p) >= self.MIN_CHARS}
        with self._lock:
            if parts <= self._values:
                return
            self._values |= parts
            self._ordered = tuple(sorted(self._values, key=len, reverse=True))

    def clear(self) -> None:
        with self._lock:
            self._values, self._ordered = set(), ()

    def redact(self, text: str) -> str:
        for value in self._ordered:
            if value in text:
                text = text.replace(value, REDACTED)
        return text


_known = _KnownSecrets()


def remember_secret(value: str | None) -> None:
    """``value`` (a passphrase, a token, a key) is never written to the log from now on."""
    if value:
        _known.add(value)


def forget_secrets() -> None:
    """Tests: start again from no known secret."""
    _known.clear()


def redact(text: str) -> str:
    """``text`` without anything that is, or looks like, a secret."""
    text = _known.redact(text)
    text = _PRIVATE_KEY.sub(f"[private key {REDACTED}]", text)
    text = _PUTTY_KEY.sub(rf"\1{REDACTED}\n", text)
    text = _GITHUB_TOKEN.sub(REDACTED, text)
    return _AUTHORIZATION.sub(rf"\1{REDACTED}", text)


_plain = logging.Formatter()


def redacted(record: logging.LogRecord) -> logging.LogRecord:
    """A copy of ``record`` whose text is final (message, traceback, stack) and redacted: the
    app's handlers write only these. The record itself is left alone for other handlers."""
    clean = final(record)
    clean.msg = redact(clean.msg)
    return clean


def final(record: logging.LogRecord) -> logging.LogRecord:
    """A copy of ``record`` with its whole text in ``msg`` (the arguments formatted now, as they
    are: they may change later), not yet redacted."""
    text = record.getMessage()
    if record.exc_info and not record.exc_text:
        text = f"{text}\n{_plain.formatException(record.exc_info)}"
    elif record.exc_text:
        text = f"{text}\n{record.exc_text}"
    if record.stack_info:
        text = f"{text}\n{record.stack_info}"
    clean = copy.copy(record)
    clean.msg, clean.args = text, ()
    clean.exc_info, clean.exc_text, clean.stack_info = None, None, None
    return clean


class _FileWriter(threading.Thread):
    """Redacts the queued records and writes them to the rotated file; opens it (and imports
    ``logging.handlers``) on its own thread."""

    def __init__(self, path: Path, say_problems: bool = True) -> None:
        super().__init__(name="ereg-log-writer", daemon=True)
        self.path = path
        self.say_problems = say_problems
        self.queue: queue.SimpleQueue[logging.LogRecord | threading.Event | None] = (
            queue.SimpleQueue()
        )

    def run(self) -> None:
        handler = self._open()
        while True:
            item = self.queue.get()
            if item is None:
                break
            if isinstance(item, threading.Event):
                if handler is not None:
                    handler.flush()
                item.set()
            elif handler is not None:
                item.msg = redact(item.msg)
                handler.handle(item)
        if handler is not None:
            handler.close()

    def _open(self) -> logging.Handler | None:
        from logging.handlers import RotatingFileHandler

        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            handler = RotatingFileHandler(
                self.path, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8"
            )
        except OSError as exc:
            if self.say_problems:
                print(f"ereg-desktop: no log file ({self.path}: {exc})", file=sys.stderr)
            return None
        handler.setFormatter(logging.Formatter(FORMAT, DATE_FORMAT))
        return handler


class _ToWriter(logging.Handler):
    def __init__(self, writer: _FileWriter) -> None:
        super().__init__(logging.INFO)
        self.writer = writer

    def emit(self, record: logging.LogRecord) -> None:
        self.writer.queue.put(final(record))  # redacted by the writer


class _Stderr(logging.StreamHandler):  # type: ignore[type-arg]
    """Warnings on stderr, as Python's own last resort prints them, redacted."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)
        self.setLevel(logging.WARNING)

    def emit(self, record: logging.LogRecord) -> None:
        super().emit(redacted(record))


class AppLog:
    """The log set up for this process (one at a time: a new :func:`setup` replaces it)."""

    def __init__(self, path: Path, *, write_now: bool = True, say_problems: bool = True) -> None:
        self.path = path
        self._writer = _FileWriter(path, say_problems)
        self._start = threading.Lock()
        self.handler = _ToWriter(self._writer)
        self.stderr = _Stderr()
        if write_now:
            self.start_writing()

    def start_writing(self) -> None:
        """Start the writer (the window: after its first paint; what came before is queued)."""
        with self._start:
            if not self._writer.is_alive() and self._writer.ident is None:
                self._writer.start()

    def flush(self, timeout: float = 5.0) -> bool:
        """Wait until what was logged so far is in the file (tests, problem reports)."""
        self.start_writing()
        done = threading.Event()
        self._writer.queue.put(done)
        return done.wait(timeout)

    def close(self, timeout: float = 5.0) -> None:
        ours = logging.getLogger(LOGGER)
        ours.removeHandler(self.handler)
        ours.removeHandler(self.stderr)
        self.start_writing()
        self._writer.queue.put(None)
        self._writer.join(timeout)


_current: AppLog | None = None
_hooks_installed = False


def setup(
    paths: AppPaths, what: str, *, write_now: bool = True, say_problems: bool = True
) -> AppLog:
    """Log to ``paths.log_dir`` from now on; ``what`` runs (``window``, ``command status``).
    ``say_problems=False``: a log file that cannot be opened is not said on stderr (a command's
    output is what its caller reads; a read-only config folder must not add a line to it).
    ``write_now=False``: the file waits for :func:`start_writing` (the window's start-up pays
    neither the writer thread nor its imports before the first paint)."""
    global _current
    from ereg_desktop import __version__

    if _current is not None:
        _current.close()
    current = _current = AppLog(
        paths.log_dir / LOG_FILE, write_now=write_now, say_problems=say_problems
    )
    ours = logging.getLogger(LOGGER)
    ours.addHandler(current.handler)
    ours.addHandler(current.stderr)
    ours.setLevel(logging.INFO)
    _install_hooks()
    log.info(
        "ereg-desktop %s started (%s), pid %d, Python %s on %s; config %s",
        __version__, what, _pid(), sys.version.split()[0], sys.platform, paths.config_dir,
    )  # fmt: skip
    return current


def current() -> AppLog | None:
    return _current


def start_writing() -> None:
    if _current is not None:
        _current.start_writing()


def _pid() -> int:
    import os

    return os.getpid()


def _install_hooks() -> None:
    """Uncaught exceptions (any thread, Qt's slots too) go to the log, then where they went."""
    global _hooks_installed
    if _hooks_installed:
        return
    _hooks_installed = True
    import atexit

    atexit.register(_at_exit)
    before: Callable[..., object] = sys.excepthook

    def excepthook(
        kind: type[BaseException], value: BaseException, tb: TracebackType | None
    ) -> None:
        if not issubclass(kind, KeyboardInterrupt):
            log.error("uncaught exception", exc_info=(kind, value, tb))
        before(kind, value, tb)

    sys.excepthook = excepthook
    thread_before = threading.excepthook

    def thread_hook(args: threading.ExceptHookArgs) -> None:
        if args.exc_value is not None:
            name = args.thread.name if args.thread is not None else "?"
            log.error("uncaught exception in thread %s", name,
                      exc_info=(args.exc_type, args.exc_value, args.exc_traceback))  # fmt: skip
        thread_before(args)

    threading.excepthook = thread_hook


def _at_exit() -> None:
    if _current is not None:
        log.info("ereg-desktop stopped")
        _current.close(timeout=2.0)
