"""The checks of one translated text against its source (the English key, or one item of a
plural): its ``${ }`` substitutions, line breaks, Markdown link targets, invisible characters and
spacing, each finding in the words a translator uses. :mod:`checks` runs them per value."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

from ereg_desktop.services.i18n.findings import CheckId, Finding, Severity
from ereg_desktop.services.i18n.invisibles import BIDI_CONTROLS, HIDDEN, char_name
from ereg_desktop.services.i18n.scan_map import ScanMap
from ereg_desktop.services.i18n.template import Piece, scan

# dbjs-ext StringLine accepts ^[\u0009 -\u2027\u2030-\uffff]*$ (UTF-16: emoji pass)
_STRINGLINE_FORBIDDEN = re.compile("[\x00-\x08\x0a-\x1f\u2028\u2029]")
_HIDDEN = re.compile("[" + "".join(sorted(HIDDEN)) + "]")
_MD_LINK = re.compile(r"\]\(\s*<?([^)\s>]*)")
_SPACE_RUN = re.compile(r"[^\S\n\r\u2028\u2029]{2,}")
# a text without any of these, without a double space and not starting or ending with a space
# gives no finding: most translations are plain words, and are let through after one search
_NOTABLE = re.compile(
    r"[\x00-\x1f\\$\]\x85\xa0\xad\u061c\u1680\u180e\u2000-\u200f\u2028-\u202f\u205f\u2060"
    r"\u2066-\u2069\u3000\ufeff]"
)
_PLURAL_ALWAYS = "n"  # ${ n } is always available in a plural

_BREAK_NAMES = {
    "\n": "a line break",
    "\r": "a carriage return",
    "\v": "a vertical tab",
    "\f": "a form feed",
    "\u2028": "a line separator",
    "\u2029": "a paragraph separator",
}
_HIDDEN_NAMES = {
    "\u200b": "a zero-width space",
    "\u200c": "a zero-width non-joiner",
    "\u200d": "a zero-width joiner",
    "\u2060": "a word joiner",
    "\ufeff": "a byte-order mark",
    "\u00ad": "a soft hyphen",
    "\u180e": "a Mongolian vowel separator",
}


def describe_char(ch: str) -> str:
    """``"a line break (U+000A)"``: a character a reader cannot see, named."""
    name = _BREAK_NAMES.get(ch) or _HIDDEN_NAMES.get(ch)
    if name is not None:
        return f"{name} (U+{ord(ch):04X})"
    kind = "a bidirectional control" if ch in BIDI_CONTROLS else "a control character"
    return f"{kind} ({char_name(ch).lower()}, U+{ord(ch):04X})"


def _chip(expr: str) -> str:
    return f"`${{ {expr} }}`" if expr else "`${}`"


def _chips(exprs: Sequence[str]) -> str:
    return ", ".join(_chip(e) for e in exprs)


def _times(n: int) -> str:
    return "once" if n == 1 else "twice" if n == 2 else f"{n} times"


class Context:
    """One value being checked: the key, which plural item, where the key is used."""

    def __init__(self, key: str, scan_map: ScanMap | None) -> None:
        self.key = key
        self.scan_map = scan_map
        self.findings: list[Finding] = []

    def add(
        self,
        check: CheckId,
        severity: Severity,
        message: str,
        item: int | None = None,
        where: str = "",
    ) -> None:
        message = message[:1].upper() + message[1:]
        self.findings.append(Finding(self.key, check, severity, message, item, where))


def _item_label(item: int | None) -> str:
    return "" if item is None else ("The singular: " if item == 0 else "The plural: ")


def _check_substitutions(
    ctx: Context, source: Sequence[Piece], text: Sequence[Piece], item: int | None
) -> None:
    label = _item_label(item)
    src = Counter(p.expr for p in source if p.kind == "sub")
    allowed = set(src)
    seen: Counter[str] = Counter()
    for piece in text:
        if piece.kind == "text":
            continue
        if piece.identifier or piece.expr in allowed:
            seen[piece.expr] += 1
            continue
        if not piece.expr:
            ctx.add(
                CheckId.ES_FORMAT,
                Severity.ERROR,
                f"{label}`{piece.text}` is empty: the server runs what is inside `${{ }}` as "
                "JavaScript; write a variable of the source or remove it",
                item,
            )
        else:
            ctx.add(
                CheckId.ES_FORMAT,
                Severity.ERROR,
                f"{label}`{piece.text}` is not a plain variable name: the server would run it as "
                f"JavaScript; only the source's names may appear in `${{ }}`"
                + (f" (the source has {_chips(list(src))})" if src else ""),
                item,
            )
    if item is not None:
        src.pop(_PLURAL_ALWAYS, None)
        seen.pop(_PLURAL_ALWAYS, None)
    has = f"the source has {_chips(list(src))}" if src else "the source has no `${ }`"
    for expr, count in seen.items():
        if expr not in src:
            ctx.add(
                CheckId.PLACEHOLDERS,
                Severity.ERROR,
                f"{label}{_chip(expr)} is not in the source; {has}. Users would see the text "
                f"`{_chip(expr)[1:-1]}` as it is",
                item,
            )
        elif count > src[expr]:
            ctx.add(
                CheckId.PLACEHOLDERS,
                Severity.ERROR,
                f"{label}{_chip(expr)} appears {_times(count)}; the source has it "
                f"{_times(src[expr])}",
                item,
            )
    for expr, count in src.items():
        if seen[expr] < count:
            gone = "is missing" if not seen[expr] else f"appears {_times(seen[expr])}"
            ctx.add(
                CheckId.PLACEHOLDERS,
                Severity.WARNING,
                f"{label}{_chip(expr)} of the source {gone}"
                + (f" (the source has it {_times(count)})" if seen[expr] else "")
                + ": users will not see that value",
                item,
            )


def _check_lines(ctx: Context, source: str, text: str, item: int | None) -> None:
    label = _item_label(item)
    forbidden = sorted(
        {m.group() for m in _STRINGLINE_FORBIDDEN.finditer(text)} - set(source),
        key=ord,
    )
    if forbidden:
        what = ", ".join(describe_char(ch) for ch in forbidden)
        usage = ctx.scan_map.model_usage(ctx.key) if ctx.scan_map is not None else None
        if usage is not None:
            where = f"{usage.file}:{usage.line}"
            ctx.add(
                CheckId.STRINGLINE,
                Severity.ERROR,
                f"{label}the translation has {what}, which the source does not have; the key "
                f"is used in the model ({where}), where such a character stops the server "
                "from starting",
                item,
                where,
            )
        else:
            ctx.add(
                CheckId.STRINGLINE,
                Severity.ERROR,
                f"{label}the translation has {what}, which the source does not have; where "
                "the key is a label of the model, the server would not start",
                item,
            )
    src_breaks = source.count("\n")
    if src_breaks:
        breaks = text.count("\n")
        if breaks != src_breaks:
            ctx.add(
                CheckId.NEWLINE_COUNT,
                Severity.WARNING,
                f"{label}the source has {src_breaks} line break{'s' * (src_breaks != 1)}, "
                f"the translation {breaks}",
                item,
            )
    if "\\n" in text and text.count("\\n") > source.count("\\n"):
        ctx.add(
            CheckId.ESCAPED_NEWLINE,
            Severity.WARNING,
            f"{label}`\\n` is typed as a backslash and an n: users see those two characters, "
            "not a line break",
            item,
        )


def _check_links(ctx: Context, source: str, text: str, item: int | None) -> None:
    src = _MD_LINK.findall(source) if "](" in source else []
    got = _MD_LINK.findall(text) if "](" in text else []
    if Counter(src) == Counter(got):
        return
    label = _item_label(item)
    extra = list((Counter(got) - Counter(src)).elements())
    lost = list((Counter(src) - Counter(got)).elements())
    if extra and lost:
        detail = f"`{lost[0]}` is now `{extra[0]}`"
    elif extra:
        detail = f"`{extra[0]}` is not a link target of the source"
    else:
        detail = f"the link to `{lost[0]}` is gone"
    has = ", ".join(f"`{t}`" for t in src) if src else "none"
    ctx.add(
        CheckId.MD_LINK,
        Severity.ERROR,
        f"{label}a link target changed: {detail} (the source's targets: {has}); translate the "
        "link text, keep the target in `( )`",
        item,
    )


def _check_hidden(ctx: Context, source: str, text: str, item: int | None) -> None:
    chars: set[str] = set()
    for m in _HIDDEN.finditer(text):
        ch = m.group()
        if ch in source:
            continue
        if ch == "\u200d":
            before = text[m.start() - 1 : m.start()]
            if before and (before > "\u2fff" and not before.isalpha()):
                continue  # inside an emoji sequence
        chars.add(ch)
    if chars:
        what = ", ".join(describe_char(ch) for ch in sorted(chars, key=ord))
        ctx.add(
            CheckId.ZERO_WIDTH,
            Severity.WARNING,
            f"{_item_label(item)}the translation has {what}, an invisible character the source "
            "does not have (often pasted in unnoticed)",
            item,
        )


def _outside_substitutions(pieces: Sequence[Piece]) -> str:
    """The text with each ``${ }`` as one letter: spacing inside a substitution is not shown."""
    return "".join(p.text if p.kind == "text" else "x" for p in pieces)


def _check_spaces(ctx: Context, source: str, text: str, item: int | None) -> None:
    label = _item_label(item)
    if _SPACE_RUN.search(text) and not _SPACE_RUN.search(source):
        ctx.add(CheckId.DOUBLE_SPACE, Severity.INFO, f"{label}a double space", item)
    if text[:1].isspace() and not source[:1].isspace():
        ctx.add(CheckId.BEGIN_SPACE, Severity.INFO, f"{label}starts with a space", item)
    if text[-1:].isspace() and not source[-1:].isspace():
        ctx.add(CheckId.END_SPACE, Severity.INFO, f"{label}ends with a space", item)


def _plain(text: str) -> bool:
    return (
        _NOTABLE.search(text) is None
        and "  " not in text
        and not text[:1].isspace()
        and not text[-1:].isspace()
    )


def check_text(ctx: Context, source: str, text: str, item: int | None) -> None:
    """Add to ``ctx`` what is wrong in ``text`` (item ``item`` of a plural, or None) against its
    ``source``: substitutions, line breaks, link targets, invisible characters, spacing."""
    if text == source:
        return
    if _plain(text) and _plain(source):
        return
    shown_source, shown_text = source, text
    if "${" in text or "${" in source:
        src_pieces, pieces = scan(source), scan(text)
        _check_substitutions(ctx, src_pieces, pieces, item)
        shown_source, shown_text = (
            _outside_substitutions(src_pieces),
            _outside_substitutions(pieces),
        )
    _check_lines(ctx, source, text, item)
    if "](" in text or "](" in source:
        _check_links(ctx, source, text, item)
    _check_hidden(ctx, source, text, item)
    _check_spaces(ctx, shown_source, shown_text, item)
