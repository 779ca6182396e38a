"""What the translation viewer draws for one value: pieces of text, each marked.

Three things are layered over a value: the word diff against the other side (what was deleted
from the old value, what was inserted into the new one), the template substitutions (``${ x }``
as chips: *matched* when the key has it too, *unknown* when it does not, *missing* when the key
has it and the value does not) and the invisible characters (a glyph in place of each, named in
its tooltip). Plain Python: the delegate (``ui/translations/review_delegate.py``) paints the
segments, and only for the rows it paints.
"""

from __future__ import annotations

import bisect
import enum
import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from ereg_desktop.services.i18n.invisibles import visible_pieces
from ereg_desktop.services.i18n.template import Piece, scan
from ereg_desktop.services.i18n.word_diff import Op, word_diff


class Side(enum.StrEnum):
    OLD = "old"  # shows what was deleted
    NEW = "new"  # shows what was inserted


class Mark(enum.StrEnum):
    TEXT = "text"
    CHIP = "chip"  # a substitution ${ ... }
    INVISIBLE = "invisible"  # drawn as its glyph
    LABEL = "label"  # the viewer's own words ("singular", " | "), not part of the value


class ChipKind(enum.StrEnum):
    MATCHED = "matched"  # in the key and in the value
    UNKNOWN = "unknown"  # in the value, not in the key (or not a plain name)
    MISSING = "missing"  # in the key, not in the value


@dataclass(frozen=True)
class Segment:
    text: str  # what is drawn (the glyph for an invisible)
    mark: Mark = Mark.TEXT
    op: Op = Op.EQUAL
    chip: ChipKind | None = None
    tip: str = ""  # the tooltip: the invisible's name, what the chip means
    breaks: bool = False  # a line break follows (the value has one here)


# the characters after which the value goes on on a new line (the ↵ glyph stays visible)
_LINE_BREAKS = frozenset("\n\x0b\x0c\x85\u2028\u2029")
_SIDE_OPS = {Side.OLD: (Op.EQUAL, Op.DELETE), Side.NEW: (Op.EQUAL, Op.INSERT)}
_OP_TIPS = {Op.INSERT: "inserted", Op.DELETE: "deleted", Op.EQUAL: ""}
_PLURAL_LABELS = ("singular: ", "plural: ")


def key_substitutions(text: str) -> Counter[str]:
    """The names the key offers, as a multiset (``${fullName}`` == ``${ fullName }``)."""
    return Counter(p.expr for p in scan(text) if p.kind == "sub")


def value_segments(
    value: str,
    *,
    other: str | None = None,
    side: Side = Side.NEW,
    key: str | None = None,
    plural: bool = False,
) -> list[Segment]:
    """The segments of ``value``. ``other``: the value on the other side, to diff against
    (None: no diff). ``key``: the key's text, to classify the chips against (None: every chip
    is drawn as matched, as in the key's own column); missing chips are added on the new side.
    ``plural``: ``${ n }`` is always there."""
    ops = _side_ops(value, other, side)
    offered = key_substitutions(key) if key is not None else None
    if offered is not None and plural:
        offered["n"] += 1_000_000  # any number of ${ n } in a plural is fine, and never missing
    pieces = scan(value)
    invisible_at = _invisibles(value)
    cuts = _boundaries(value, ops, pieces, invisible_at)
    segments: list[Segment] = []
    op_at = _OpAt(ops)
    subs = [p for p in pieces if p.kind == "sub"]
    for start, end in zip(cuts, cuts[1:], strict=False):
        piece = _piece_at(subs, start)
        op = op_at(start)
        if piece is not None:
            if start == piece.start:
                segments.append(_chip(piece, offered, op))
            continue
        if start in invisible_at and end == start + len(invisible_at[start][0]):
            char, name, glyph = invisible_at[start]
            if char == " ":  # an ordinary space, shown because it ends a line
                name = "SPACE at the end of a line"
            tip = f"{name} (U+{ord(char[0]):04X})" + (f", {_OP_TIPS[op]}" if _OP_TIPS[op] else "")
            breaks = char in _LINE_BREAKS or (char == "\r" and value[end : end + 1] != "\n")
            segments.append(Segment(glyph, Mark.INVISIBLE, op, tip=tip, breaks=breaks))
            continue
        _append_text(segments, value[start:end], op)
    if offered is not None and side is Side.NEW:
        for name, count in sorted(offered.items()):
            if name != "n" or not plural:
                for _ in range(count):
                    segments.append(_missing(name))
    return segments


def display_segments(
    value: object,
    *,
    other: object = None,
    side: Side = Side.NEW,
    key: str | None = None,
) -> list[Segment]:
    """The segments of any value in the file: a string, a plural's two items (each labelled,
    each diffed against the same item of ``other``), or a value of the wrong type (its JSON)."""
    parts = _plural_key_parts(key)
    if isinstance(value, str):
        other_text = other if isinstance(other, str) else None
        return value_segments(
            value, other=other_text, side=side, key=_whole(key, parts), plural=parts is not None
        )
    if isinstance(value, list) and len(value) == 2 and all(isinstance(v, str) for v in value):
        others = other if isinstance(other, list) and len(other) == 2 else [None, None]
        segments: list[Segment] = []
        for item, text in enumerate(value):
            if item:
                segments.append(Segment("", Mark.LABEL, breaks=True))
            segments.append(Segment(_PLURAL_LABELS[item], Mark.LABEL))
            other_item = others[item] if isinstance(others[item], str) else None
            item_key = parts[item] if parts is not None else key
            segments += value_segments(
                text, other=other_item, side=side, key=item_key, plural=parts is not None
            )
        return segments
    return [Segment(json.dumps(value, ensure_ascii=False), tip="not a translation text")]


def key_segments(key: str) -> list[Segment]:
    """The key column: a plural as "singular | plural", invisibles and chips as in values."""
    parts = _plural_key_parts(key)
    if parts is None:
        return value_segments(key)
    return value_segments(parts[0]) + [Segment(" | ", Mark.LABEL)] + value_segments(parts[1])


def plain_text(segments: Sequence[Segment]) -> str:
    """What the segments say as one line of text (the model's display role, the filter)."""
    return "".join(s.text + (" " if s.breaks else "") for s in segments)


def _plural_key_parts(key: str | None) -> tuple[str, str] | None:
    if key is None or not key.startswith("n\0"):
        return None
    parts = key[2:].split("\0")
    return (parts[0], parts[1]) if len(parts) == 2 else None


def _whole(key: str | None, parts: tuple[str, str] | None) -> str | None:
    return " ".join(parts) if parts is not None else key


def _side_ops(value: str, other: str | None, side: Side) -> list[tuple[Op, str]]:
    if other is None or other == value:
        return [(Op.EQUAL, value)]
    ops = word_diff(other, value) if side is Side.NEW else word_diff(value, other)
    kept = [(op, text) for op, text in ops if op in _SIDE_OPS[side] and text]
    if "".join(text for _op, text in kept) != value:  # never draw a diff that does not add up
        return [(Op.EQUAL, value)]
    return kept


def _boundaries(
    value: str,
    ops: list[tuple[Op, str]],
    pieces: list[Piece],
    invisible_at: dict[int, tuple[str, str, str]],
) -> list[int]:
    cuts = {0, len(value)}
    at = 0
    for _op, text in ops:
        at += len(text)
        cuts.add(at)
    for piece in pieces:
        cuts.update((piece.start, piece.end))
    for start, (char, _name, _glyph) in invisible_at.items():
        cuts.update((start, start + len(char)))
    return sorted(c for c in cuts if 0 <= c <= len(value))


def _invisibles(value: str) -> dict[int, tuple[str, str, str]]:
    """Offset -> (the characters, the name, the glyph) of every invisible in ``value``."""
    found: dict[int, tuple[str, str, str]] = {}
    at = 0
    for text, invisible in visible_pieces(value):
        if invisible is not None:
            found[at] = (text, invisible.name, invisible.glyph)
        at += len(text)
    return found


class _OpAt:
    """The diff's operation at an offset of the value."""

    def __init__(self, ops: list[tuple[Op, str]]) -> None:
        self._starts: list[int] = []
        self._ops: list[Op] = []
        at = 0
        for op, text in ops:
            self._starts.append(at)
            self._ops.append(op)
            at += len(text)

    def __call__(self, offset: int) -> Op:
        where = bisect.bisect_right(self._starts, offset) - 1
        return self._ops[where] if where >= 0 else Op.EQUAL


def _piece_at(pieces: list[Piece], offset: int) -> Piece | None:
    for piece in pieces:
        if piece.start <= offset < piece.end:
            return piece
    return None


def _chip(piece: Piece, offered: Counter[str] | None, op: Op) -> Segment:
    shown = with_glyphs(piece.text)
    done = f"; {_OP_TIPS[op]}" if _OP_TIPS[op] else ""
    if offered is None:
        return Segment(shown, Mark.CHIP, op, ChipKind.MATCHED, f"substitution {shown}{done}")
    if offered[piece.expr] > 0:
        offered[piece.expr] -= 1
        return Segment(shown, Mark.CHIP, op, ChipKind.MATCHED, f"{shown} is in the key too{done}")
    if not piece.identifier:
        tip = f"{shown} is not a plain name: the server would run it as JavaScript{done}"
        return Segment(shown, Mark.CHIP, op, ChipKind.UNKNOWN, tip)
    tip = f"{shown} is not in the key: users would see it as it is{done}"
    return Segment(shown, Mark.CHIP, op, ChipKind.UNKNOWN, tip)


def _missing(name: str) -> Segment:
    shown = f"${{ {name} }}"
    tip = f"{shown} is in the key but missing from the translation"
    return Segment(shown, Mark.CHIP, Op.EQUAL, ChipKind.MISSING, tip)


def with_glyphs(text: str) -> str:
    """``text`` with each invisible character as its glyph: for text from the files shown
    anywhere else than a cell (a title, a finding, a tooltip, the raw JSON line)."""
    return "".join(
        invisible.glyph if invisible is not None else part
        for part, invisible in visible_pieces(text)
    )


def _append_text(segments: list[Segment], text: str, op: Op) -> None:
    if not text:
        return
    last = segments[-1] if segments else None
    if last is not None and last.mark is Mark.TEXT and last.op is op and not last.breaks:
        segments[-1] = Segment(last.text + text, Mark.TEXT, op, tip=last.tip)
        return
    segments.append(Segment(text, Mark.TEXT, op, tip=_OP_TIPS[op]))
