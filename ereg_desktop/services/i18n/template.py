"""The runtime's template scanner (es6-template-strings 2 over esniff 1), ported to find ``${ }``.

The server EVALUATES the text inside ``${ }`` as JavaScript, so which characters end a
substitution must be decided exactly as there: ``\\$`` is a literal ``$``, ``\\\\`` a literal
backslash, ``$${x}`` a literal ``$`` then a substitution, and the closing ``}`` is the first one
outside nested brackets, quoted strings, comments and regular-expression literals. A ``${``
that never closes is plain text. A regular expression is fine for highlighting, not for this.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

# esniff's whitespace (lib/ws-eol.js + lib/ws-inline.js) and the ones that end a line comment
_EOL = frozenset("\n\r\u2028\u2029")
_WS = _EOL | frozenset(
    " \f\t\v\u200b\u00a0\u1680\u180e\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008"
    "\u2009\u200a\u202f\u205f\u3000"
)
# after one of these, a "/" starts a regular-expression literal
_PRE_REGEXP = frozenset(";{=([,<>+-*/%&|^!~?:}")
# what JavaScript ignores around an expression (WhiteSpace and LineTerminator)
_JS_SPACE = (
    "\t\n\v\f\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009"
    "\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
)
_IDENTIFIER = re.compile(r"[A-Za-z_$][\w$]*", re.ASCII)


@dataclass(frozen=True)
class Piece:
    """A slice of a template: plain text, or one ``${ }`` substitution (``text`` is the raw slice)."""

    kind: Literal["text", "sub"]
    text: str
    start: int
    end: int
    expr: str = ""  # inside the braces, without the surrounding whitespace

    @property
    def identifier(self) -> bool:
        """A plain variable name: the only thing a translation may put in ``${ }``."""
        return self.kind == "sub" and _IDENTIFIER.fullmatch(self.expr) is not None


def _closing_brace(s: str, i: int) -> int | None:
    """Index of the ``}`` closing the substitution whose body starts at ``i`` (esniff's walk)."""
    n = len(s)
    nest = 0
    prev = ""  # the last significant character (esniff's previousChar)
    while True:
        # whitespace and comments
        while i < n:
            c = s[i]
            if c in _WS:
                i += 1
                continue
            if c == "/" and i + 1 < n and s[i + 1] in "/*":
                if s[i + 1] == "/":
                    i += 2
                    while i < n and s[i] not in _EOL:
                        i += 1
                else:
                    i += 2
                    while i < n:
                        if s[i] == "*":
                            i += 1
                            if i < n and s[i] == "/":
                                break
                            continue
                        i += 1
                i += 1
                continue
            break
        if i >= n:
            return None
        c = s[i]
        if c == "'" or c == '"':
            i += 1
            while i < n:
                ch = s[i]
                if ch == c:
                    break
                if ch == "\\":
                    i += 1
                i += 1
            else:
                return None
            prev = c
            i += 1
            continue
        if c in "([{":
            nest += 1
        elif c in ")]}":
            nest -= 1
            if c == "}" and nest < 0:
                return i
        elif c == "/" and prev in _PRE_REGEXP:
            i += 1
            while i < n:
                ch = s[i]
                if ch == "/":
                    break
                if ch == "\\":
                    i += 1
                i += 1
            else:
                return None
            prev = "/"
            i += 1
            continue
        prev = c
        i += 1


def scan(text: str) -> list[Piece]:
    """The text and substitution pieces of ``text``, in order; they concatenate back to ``text``.

    Never raises: anything the runtime would not treat as a substitution is text.
    """
    if "${" not in text:
        return [Piece("text", text, 0, len(text))] if text else []
    pieces: list[Piece] = []
    n = len(text)
    i = seg = 0
    while i < n:
        c = text[i]
        if c == "\\":
            i += 2  # \$ and \\ are literal; any other escaped character too
            continue
        if c != "$":
            i += 1
            continue
        j = i + 1
        while j < n and text[j] == "$":
            j += 1  # $$ is a literal $ (the last $ may still open a substitution)
        if j >= n:
            break
        if text[j] != "{":
            i = j + 1  # the runtime takes the character after a $ literally, even a backslash
            continue
        close = _closing_brace(text, j + 1)
        if close is None:
            break  # an unclosed ${ is text to the end
        start = j - 1
        if start > seg:
            pieces.append(Piece("text", text[seg:start], seg, start))
        body = text[j + 1 : close]
        pieces.append(
            Piece("sub", text[start : close + 1], start, close + 1, body.strip(_JS_SPACE))
        )
        i = seg = close + 1
    if seg < n:
        pieces.append(Piece("text", text[seg:], seg, n))
    return pieces


def substitutions(text: str) -> list[Piece]:
    """The ``${ }`` pieces of ``text``."""
    if "${" not in text:
        return []
    return [p for p in scan(text) if p.kind == "sub"]
