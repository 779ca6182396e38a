"""The lines the Logs tab shows: a bounded buffer of an app's out and error log lines, filtered
by a search, with the matches to highlight; plain Python (the widget renders it).

A log line is the server's text, so it is made safe before it is kept: terminal escapes (colours,
title changes, screen clears) are removed, every other control or unprintable character becomes a
space (``services/shown_text``), tabs become spaces and a very long line is cut with a note of what
was left out.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from ereg_desktop.services.app_logs import LogRead
from ereg_desktop.services.shown_text import printable

MAX_KEPT = 5000  # lines kept, out and err together; the oldest go first
MAX_CHARS = 2000  # of one line; the rest is counted, not kept
OUT, ERR = "out", "err"

# CSI (colours, cursor moves), OSC (titles, links) ended by BEL or ST, and two-character escapes
_ESCAPES = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]|\x9b[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"
    r"|\x1b[PX^_][^\x1b]*(?:\x1b\\)?|\x1b[ -/]*[0-~]"
)


def safe_text(text: str) -> str:
    """``text`` as it may be shown: no escapes, no control characters, at most MAX_CHARS."""
    plain = printable(_ESCAPES.sub("", text).expandtabs(4))
    if len(plain) > MAX_CHARS:
        more = len(plain) - MAX_CHARS
        plain = f"{plain[:MAX_CHARS]} \u2026 ({more:,} more characters)"
    return plain


@dataclass(frozen=True)
class Line:
    seq: int  # arrival order, unique in a buffer
    stream: str  # OUT or ERR
    text: str  # already safe to show

    @property
    def is_err(self) -> bool:
        return self.stream == ERR


class Change(NamedTuple):
    """What an addition did to the shown lines: ``removed`` from the front (the oldest, pushed
    out of the buffer), then ``added`` at the end."""

    removed: int
    added: int


class LogLines:
    """The kept lines and the shown ones (those that match the search, all without one)."""

    def __init__(self, limit: int = MAX_KEPT) -> None:
        self.limit = limit
        self.kept: deque[Line] = deque()
        self.shown: list[Line] = []
        self.query = ""
        self._seq = 0

    # --- filling ----------------------------------------------------------------------------

    def clear(self) -> None:
        self.kept.clear()
        self.shown = []

    def replace(self, read: LogRead) -> None:
        """A fresh read: the out log's last lines, then the error log's."""
        self.clear()
        self.add([(OUT, t) for t in read.out] + [(ERR, t) for t in read.err])

    def add(self, lines: Iterable[tuple[str, str]]) -> Change:
        """Append ``(stream, raw text)`` lines; the oldest beyond the limit are dropped."""
        added = removed = 0
        first_new = self._seq + 1
        for stream, raw in lines:
            self._seq += 1
            line = Line(self._seq, ERR if stream == ERR else OUT, safe_text(raw))
            self.kept.append(line)
            if self.matches(line):
                self.shown.append(line)
                added += 1
            if len(self.kept) > self.limit:
                gone = self.kept.popleft()
                if self.shown and self.shown[0].seq == gone.seq:
                    if gone.seq >= first_new:
                        added -= 1  # shown and dropped in this very call: never reported
                    else:
                        removed += 1
                    self.shown.pop(0)
        return Change(removed, added)

    # --- the search -------------------------------------------------------------------------

    def set_query(self, query: str) -> None:
        self.query = query.strip()
        self.shown = [line for line in self.kept if self.matches(line)]

    def matches(self, line: Line) -> bool:
        return not self.query or self.query.casefold() in line.text.casefold()

    def spans(self, text: str) -> list[tuple[int, int]]:
        """Where the search matches ``text``: (start, end) pairs, left to right."""
        if not self.query:
            return []
        needle, hay, out, at = self.query.casefold(), text.casefold(), [], 0
        if len(hay) != len(text):  # casefold changed lengths (ß): match the text itself
            needle, hay = self.query.lower(), text.lower()
            if len(hay) != len(text):
                return []
        while (found := hay.find(needle, at)) >= 0:
            out.append((found, found + len(needle)))
            at = found + max(1, len(needle))
        return out

    # --- what is said -----------------------------------------------------------------------

    def summary(self) -> str:
        total = len(self.kept)
        errs = sum(1 for line in self.kept if line.is_err)
        lines = "1 line" if total == 1 else f"{total:,} lines"
        if not self.query:
            return f"{lines} ({errs:,} from the error log)" if errs else lines
        shown = len(self.shown)
        return f"{shown:,} of {lines} match \u201c{self.query}\u201d"

    def copy_text(self, rows: Sequence[int] = ()) -> str:
        """The shown lines at ``rows`` (all shown lines without any), one per line, error lines
        marked."""
        picked = [self.shown[r] for r in sorted(set(rows)) if 0 <= r < len(self.shown)]
        chosen = picked if rows else self.shown
        return "".join(f"{'err| ' if line.is_err else ''}{line.text}\n" for line in chosen)
