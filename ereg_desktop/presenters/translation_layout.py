"""Where each segment of a value goes in a cell of a given width: wrapped at spaces, chips and
glyphs kept whole, a new line after each line break of the value. Plain Python with a measuring
function, so the delegate's painting, its size hint and its tooltips agree on one layout."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ereg_desktop.presenters.translation_segments import Mark, Segment

Measure = Callable[[str, Segment], float]  # the width of some text drawn as that segment

_WORDS = re.compile(r"\S+\s*|\s+")


@dataclass(frozen=True)
class Placed:
    segment: int  # index into the segments
    text: str  # the part of the segment's text on this line
    x: float
    width: float
    line: int


@dataclass(frozen=True)
class Layout:
    placed: tuple[Placed, ...]
    lines: int  # lines used, at least 1
    clipped: bool  # more lines than allowed: the rest is not placed

    def at(self, x: float, line: int) -> Placed | None:
        """The piece drawn at ``x`` on ``line`` (a tooltip's target)."""
        for p in self.placed:
            if p.line == line and p.x <= x < p.x + p.width:
                return p
        return None


def lay_out(
    segments: Sequence[Segment],
    width: float,
    measure: Measure,
    *,
    max_lines: int = 1_000_000,
    gap: float = 0.0,
) -> Layout:
    """Place ``segments`` on lines at most ``width`` wide (a piece wider than a line gets a
    line of its own, text split by character). ``gap``: the room around a chip or glyph box."""
    placed: list[Placed] = []
    x, line = 0.0, 0
    width = max(width, 1.0)

    def newline() -> bool:
        nonlocal x, line
        x, line = 0.0, line + 1
        return line < max_lines

    for index, segment in enumerate(segments):
        boxed = segment.mark in (Mark.CHIP, Mark.INVISIBLE)
        parts = [segment.text] if boxed else _WORDS.findall(segment.text)
        for part in parts:
            w = measure(part, segment) + (2 * gap if boxed else 0.0)
            # a word fits when its letters do: the space after it may hang over the edge
            fit = w if boxed or part == part.rstrip() else measure(part.rstrip(), segment)
            if x > 0 and x + fit > width and not part.isspace():
                if not newline():
                    return Layout(tuple(placed), max_lines, True)
            if fit > width and not boxed:
                for chunk, cw in _split(part, width - x, width, segment, measure):
                    if cw > width - x and x > 0 and not newline():
                        return Layout(tuple(placed), max_lines, True)
                    placed.append(Placed(index, chunk, x, cw, line))
                    x += cw
                continue
            last = placed[-1] if placed else None
            if last is not None and last.segment == index and last.line == line and not boxed:
                # the words of one segment on one line are drawn as one piece
                placed[-1] = Placed(index, last.text + part, last.x, last.width + w, line)
            else:
                placed.append(Placed(index, part, x, w, line))
            x += w
        if segment.breaks and not newline():
            return Layout(tuple(placed), max_lines, True)
    return Layout(tuple(placed), line + 1, False)


def _split(
    text: str, first: float, width: float, segment: Segment, measure: Measure
) -> list[tuple[str, float]]:
    """A word wider than a line, cut into chunks that fit (the first one in ``first``)."""
    chunks: list[tuple[str, float]] = []
    room, start = max(first, 1.0), 0
    while start < len(text):
        end = start + 1
        while end < len(text) and measure(text[start : end + 1], segment) <= room:
            end += 1
        chunks.append((text[start:end], measure(text[start:end], segment)))
        start, room = end, width
    return chunks
