"""Turn a job's raw output into text a person reads: npm's ``\\r`` progress and ANSI colours."""

from __future__ import annotations

import re

# CSI sequences (colours, cursor moves, erase line) and OSC titles.
_ANSI_RE = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]")


def strip_ansi(text: str) -> str:
    return _ANSI_RE.sub("", text)


def clean_line(raw: str) -> str:
    """One line as a terminal would show it at the end: the text after the last ``\\r``."""
    raw = strip_ansi(raw.rstrip("\r"))
    if "\r" in raw:
        raw = raw.rsplit("\r", 1)[1]
    return raw


class LogLines:
    """Feed chunks of output as they arrive; get back the complete lines, cleaned.

    A partial last line is held until its newline comes (or :meth:`flush` at the end).
    """

    def __init__(self) -> None:
        self._pending = ""

    def feed(self, chunk: str) -> list[str]:
        text = self._pending + chunk
        *complete, self._pending = text.split("\n")
        return [clean_line(line) for line in complete]

    def flush(self) -> list[str]:
        rest, self._pending = self._pending, ""
        return [clean_line(rest)] if rest else []

    @property
    def partial(self) -> str:
        """The line being written now (an npm progress bar), cleaned, for a live display."""
        return clean_line(self._pending)
