"""A word-level diff of two translations, for the highlight of what changed.

Tokens are whole ``${ ... }`` substitutions (as the runtime scans them), words, runs of spaces and
single punctuation marks; a token never splits a character from its combining marks, a
variation selector or a zero-width-joiner sequence (an emoji family stays one token).
"""

from __future__ import annotations

import enum
import unicodedata
from difflib import SequenceMatcher

from ereg_desktop.services.i18n.template import scan

ZWJ = "\u200d"


class Op(enum.StrEnum):
    EQUAL = "equal"
    INSERT = "insert"
    DELETE = "delete"


def _joins_previous(ch: str) -> bool:
    """Whether ``ch`` belongs to the character before it (a mark, a selector, a skin tone)."""
    o = ord(ch)
    if 0xFE00 <= o <= 0xFE0F or 0xE0100 <= o <= 0xE01EF or 0x1F3FB <= o <= 0x1F3FF:
        return True
    if o < 0x300:
        return False
    return unicodedata.combining(ch) != 0 or unicodedata.category(ch) in ("Mn", "Me", "Mc")


def _clusters(text: str) -> list[str]:
    clusters: list[str] = []
    glue = False  # the previous character was a ZWJ: this one joins the cluster
    for ch in text:
        if clusters and (glue or ch == ZWJ or _joins_previous(ch)):
            clusters[-1] += ch
        else:
            clusters.append(ch)
        glue = ch == ZWJ
    return clusters


def _kind(cluster: str) -> int:
    base = cluster[0]
    if base.isalnum() or base == "_":
        return 1  # word
    if base.isspace() and len(cluster) == 1:
        return 2  # spaces
    return 0  # punctuation, symbols, invisibles: one token each


def _text_tokens(text: str, out: list[str]) -> None:
    if text.isascii():
        clusters: list[str] = list(text)
    else:
        clusters = _clusters(text)
    current = ""
    current_kind = -1
    for cl in clusters:
        kind = _kind(cl)
        if kind and kind == current_kind:
            current += cl
            continue
        if current:
            out.append(current)
        current, current_kind = cl, kind
    if current:
        out.append(current)


def tokens(text: str) -> list[str]:
    """The tokens of ``text``; they concatenate back to ``text``."""
    out: list[str] = []
    for piece in scan(text):
        if piece.kind == "sub":
            out.append(piece.text)
        else:
            _text_tokens(piece.text, out)
    return out


def word_diff(old: str, new: str) -> list[tuple[Op, str]]:
    """``old`` -> ``new`` as runs of kept, deleted and inserted text (a deletion before its
    insertion); the EQUAL and DELETE runs spell ``old``, the EQUAL and INSERT runs ``new``."""
    a, b = tokens(old), tokens(new)
    result: list[tuple[Op, str]] = []

    def emit(op: Op, parts: list[str]) -> None:
        text = "".join(parts)
        if not text:
            return
        if result and result[-1][0] == op:
            result[-1] = (op, result[-1][1] + text)
        else:
            result.append((op, text))

    matcher = SequenceMatcher(None, a, b, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            emit(Op.EQUAL, a[i1:i2])
        else:
            emit(Op.DELETE, a[i1:i2])
            emit(Op.INSERT, b[j1:j2])
    return result
