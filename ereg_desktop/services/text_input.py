"""Operator text checked at the edge: reasons and names typed on a terminal, given as flags or in
a dialog, before anything runs.

Such text ends up inside remote commands (job.json, the lock's owner.json, the audit line), so it
must encode as UTF-8 and stay one line of bounded length: a byte that is not UTF-8 (``sys.argv``
keeps it as a lone surrogate) cannot be sent at all, a control character or a line separator would
break a record in two, and a very long text would push a command toward the kernel's 128 KiB limit
on one argument. Refusing it here, with a message, means the run never starts on text it cannot
send (and never takes the lock for it).
"""

from __future__ import annotations

import unicodedata

from ereg_desktop.errors import BadInputError

# A reason is a sentence or two; every value of this size in a command keeps the command (job.json
# carries the reasons, the lock and the argv) far under the kernel's 128 KiB per argument.
MAX_REASON_CHARS = 1000
MAX_NAME_CHARS = 200
# (UTF-8 takes at most 4 bytes a character: the byte bound follows from the character bound.)
# Unicode's line and paragraph separators split lines for str.splitlines() and some readers.
_REFUSED_CATEGORIES = frozenset(("Cc", "Zl", "Zp", "Cs"))


_CONTROL_NAMES = {0: "NUL", 8: "backspace", 10: "line feed", 13: "carriage return", 27: "escape"}


def text_problem(what: str, value: str, max_chars: int) -> str | None:
    """Why ``value`` cannot be used as ``what`` (e.g. "the reason"), or None when it can."""
    for i, ch in enumerate(value):  # first: what cannot be encoded at all
        if 0xDC80 <= ord(ch) <= 0xDCFF:  # how surrogateescape keeps a byte that is not UTF-8
            return (
                f"{what} holds the byte 0x{ord(ch) - 0xDC00:02x} (character {i + 1}), which is "
                "not UTF-8: type it again in a UTF-8 terminal (check the locale, e.g. "
                "LANG=C.UTF-8)."
            )
    for i, ch in enumerate(value):
        category = unicodedata.category(ch)
        if ch == "\t" or category not in _REFUSED_CATEGORIES:
            continue
        code = f"U+{ord(ch):04X}"
        name = _CONTROL_NAMES.get(ord(ch)) or unicodedata.name(ch, "")
        label = f"{name}, {code}" if name else code
        kind = "a lone surrogate" if category == "Cs" else "a control character"
        return (
            f"{what} holds {kind} ({label}, character {i + 1}): write it on one line of plain text."
        )
    if len(value) > max_chars:
        return f"{what} is {len(value)} characters long; at most {max_chars} are kept: shorten it."
    return None


def reason_problem(text: str) -> str | None:
    """Why ``text`` cannot be a reason (for a dialog to show beside its field), or None."""
    return text_problem("The reason", text, MAX_REASON_CHARS)


def check_reason(text: str) -> str:
    """``text`` when it can be a reason; :class:`BadInputError` with the problem otherwise."""
    problem = reason_problem(text)
    if problem is not None:
        raise BadInputError(problem)
    return text


def check_name(what: str, text: str) -> str:
    """``text`` when it can be a name (an operator's, a machine's); BadInputError otherwise."""
    problem = text_problem(what, text, MAX_NAME_CHARS)
    if problem is not None:
        raise BadInputError(problem)
    return text
