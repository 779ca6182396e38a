"""Characters a reviewer cannot see, made visible: line breaks, tabs, no-break and other special
spaces, soft hyphens, zero-width characters, bidirectional controls, byte-order marks."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

LINE_BREAKS = frozenset("\n\r\v\f\x85\u2028\u2029")
NO_BREAK_SPACES = frozenset("\u00a0\u202f")
SPECIAL_SPACES = frozenset("\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a")
SPECIAL_SPACES |= frozenset("\u205f\u3000\u1680")
ZERO_WIDTH = frozenset("\u200b\u200c\u200d\u2060\ufeff\u180e")
SOFT_HYPHEN = "\u00ad"
BIDI_CONTROLS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)
# the ones a translation should not bring in unnoticed (the zero-width-space check)
HIDDEN = ZERO_WIDTH | BIDI_CONTROLS | {SOFT_HYPHEN}

_CONTROL_NAMES = {
    "\t": "CHARACTER TABULATION",
    "\n": "LINE FEED",
    "\v": "LINE TABULATION",
    "\f": "FORM FEED",
    "\r": "CARRIAGE RETURN",
    "\x85": "NEXT LINE",
    "\x00": "NULL",
    "\x1b": "ESCAPE",
    "\x7f": "DELETE",
}


@dataclass(frozen=True)
class Invisible:
    char: str
    name: str  # Unicode's name, e.g. "NO-BREAK SPACE"
    glyph: str  # what to draw in its place: "↵", "⇥", "⍽", "·" or "[U+200B]"

    @property
    def code(self) -> str:
        return f"U+{ord(self.char):04X}"


def char_name(ch: str) -> str:
    return _CONTROL_NAMES.get(ch) or unicodedata.name(ch, "") or f"CONTROL U+{ord(ch):04X}"


@lru_cache(maxsize=512)
def invisible(ch: str) -> Invisible | None:
    """How to show ``ch`` if a reviewer could not see it, else None (an ordinary space is seen)."""
    if ch in LINE_BREAKS:
        return Invisible(ch, char_name(ch), "↵")
    if ch == "\t":
        return Invisible(ch, char_name(ch), "⇥")
    if ch in NO_BREAK_SPACES:
        return Invisible(ch, char_name(ch), "⍽")
    if (
        ch in SPECIAL_SPACES
        or ch in HIDDEN
        or unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp")
    ):
        return Invisible(ch, char_name(ch), f"[U+{ord(ch):04X}]")
    return None


TRAILING_SPACE = Invisible(" ", "SPACE", "·")
_TRAILING = re.compile(r" +(?=[\n\r\v\f\x85\u2028\u2029]|\Z)")


def visible_pieces(text: str) -> list[tuple[str, Invisible | None]]:
    """``text`` as runs of plain text and single invisible characters, in order.

    Spaces at the end of the text or of a line are invisible too (each its own piece).
    """
    pieces: list[tuple[str, Invisible | None]] = []
    run: list[str] = []
    trailing = {i for m in _TRAILING.finditer(text) for i in range(m.start(), m.end())}
    for i, ch in enumerate(text):
        found = invisible(ch) if not ch.isascii() or not ch.isprintable() else None
        if found is None and i in trailing:
            found = TRAILING_SPACE
        if found is None:
            run.append(ch)
            continue
        if run:
            pieces.append(("".join(run), None))
            run = []
        pieces.append((ch, found))
    if run:
        pieces.append(("".join(run), None))
    return pieces
