"""The offline checks of a translation against its English key (the source).

Each finding names what is wrong in the words a translator uses and what the source has. A
translation is compared with its key, not with the previous translation: a problem the key
itself has (a line break in an e-mail body, a double space) is not the translator's.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

from ereg_desktop.services.i18n.changes import Change, ChangeStatus, Messages, Value
from ereg_desktop.services.i18n.findings import CheckId, Finding, Severity
from ereg_desktop.services.i18n.invisibles import BIDI_CONTROLS, HIDDEN, char_name
from ereg_desktop.services.i18n.messages_file import (
    display_key,
    plural_parts,
    serialize_messages,
)
from ereg_desktop.services.i18n.scan_map import ScanMap
from ereg_desktop.services.i18n.template import scan, substitutions

# dbjs-ext StringLine accepts ^[\u0009 -\u2027\u2030-\uffff]*$ (UTF-16: emoji pass)
_STRINGLINE_FORBIDDEN = re.compile("[\x00-\x08\x0a-\x1f\u2028\u2029]")
_HIDDEN = re.compile("[" + "".join(sorted(HIDDEN)) + "]")
_MD_LINK = re.compile(r"\]\(\s*<?([^)\s>]*)")
_SPACE_RUN = re.compile(r"[^\S\n\r\u2028\u2029]{2,}")
_NEEDS_LOOK = re.compile(
    r"[\x00-\x1f\u2028\u2029\\$\]\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060\u2066-\u2069"
    r"\ufeff]|\s\s|^\s|\s$"
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


class _Context:
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


def _check_substitutions(ctx: _Context, source: str, text: str, item: int | None) -> None:
    label = _item_label(item)
    src_subs = substitutions(source)
    src = Counter(p.expr for p in src_subs)
    allowed = set(src)
    seen: Counter[str] = Counter()
    for piece in substitutions(text):
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


def _check_lines(ctx: _Context, source: str, text: str, item: int | None) -> None:
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


def _check_links(ctx: _Context, source: str, text: str, item: int | None) -> None:
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


def _check_hidden(ctx: _Context, source: str, text: str, item: int | None) -> None:
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


def _outside_substitutions(text: str) -> str:
    """``text`` with each ``${ }`` as one letter: spacing inside a substitution is not shown."""
    if "${" not in text:
        return text
    return "".join(p.text if p.kind == "text" else "x" for p in scan(text))


def _check_spaces(ctx: _Context, source: str, text: str, item: int | None) -> None:
    label = _item_label(item)
    source, text = _outside_substitutions(source), _outside_substitutions(text)
    if _SPACE_RUN.search(text) and not _SPACE_RUN.search(source):
        ctx.add(CheckId.DOUBLE_SPACE, Severity.INFO, f"{label}a double space", item)
    if text[:1].isspace() and not source[:1].isspace():
        ctx.add(CheckId.BEGIN_SPACE, Severity.INFO, f"{label}starts with a space", item)
    if text[-1:].isspace() and not source[-1:].isspace():
        ctx.add(CheckId.END_SPACE, Severity.INFO, f"{label}ends with a space", item)


def _check_text(ctx: _Context, source: str, text: str, item: int | None) -> None:
    if text == source:
        return
    if _NEEDS_LOOK.search(text) is None and _NEEDS_LOOK.search(source) is None:
        return  # nothing any check looks at (the common case: plain words)
    if "${" in text or "${" in source:
        _check_substitutions(ctx, source, text, item)
    _check_lines(ctx, source, text, item)
    if "](" in text or "](" in source:
        _check_links(ctx, source, text, item)
    _check_hidden(ctx, source, text, item)
    _check_spaces(ctx, source, text, item)


def _type_name(value: object) -> str:
    if isinstance(value, str):
        return "a text"
    if isinstance(value, list):
        return f"a list of {len(value)}"
    if isinstance(value, dict):
        return "an object"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    return "a number"


def check_value(key: str, value: Value, scan_map: ScanMap | None = None) -> list[Finding]:
    """The findings of one translation of ``key`` (what the viewer re-checks after an edit)."""
    ctx = _Context(key, scan_map)
    plural = plural_parts(key)
    obj: object = value
    if plural is not None:
        if not (
            isinstance(obj, list)
            and len(obj) == 2
            and all(isinstance(v, str) and v.strip() for v in obj)
        ):
            ctx.add(
                CheckId.VALUE_TYPE,
                Severity.ERROR,
                f"“{display_key(key)}” is a plural: its translation must be a list of two "
                f"non-empty texts [singular, plural], not {_type_name(obj)}"
                + (" with an empty text" if isinstance(obj, list) and len(obj) == 2 else ""),
            )
            return ctx.findings
        if obj == [plural[0], plural[1]]:
            ctx.add(CheckId.SAME, Severity.INFO, "the translation is the same as the source", None)
            return ctx.findings
        for item, (source, text) in enumerate(zip(plural, obj, strict=True)):
            _check_text(ctx, source, text, item)
        return ctx.findings
    if not isinstance(obj, str):
        ctx.add(
            CheckId.VALUE_TYPE,
            Severity.ERROR,
            f"a translation must be a text, not {_type_name(obj)}"
            + (" (only plural keys have a list)" if isinstance(obj, list) else ""),
        )
        return ctx.findings
    if obj == key:
        ctx.add(CheckId.SAME, Severity.INFO, "the translation is the same as the source", None)
        return ctx.findings
    _check_text(ctx, key, obj, None)
    return ctx.findings


def check_changes(changes: Sequence[Change], scan_map: ScanMap | None = None) -> list[Finding]:
    """The findings of every added or changed pair (a removed pair shows the English again)."""
    findings: list[Finding] = []
    for change in changes:
        if change.status is ChangeStatus.REMOVED or change.new is None:
            continue
        findings.extend(check_value(change.key, change.new, scan_map))
    return findings


def _first_difference(expected: bytes, found: bytes) -> str:
    if found.startswith(b"\xef\xbb\xbf"):
        return "it starts with a byte-order mark"
    if b"\r\n" in found:
        return "its lines end with CR LF"
    exp_lines = expected.split(b"\n")
    got_lines = found.split(b"\n")
    for n, (e, g) in enumerate(zip(exp_lines, got_lines, strict=False), 1):
        if e != g:
            if n > 1 and e.strip().rstrip(b",") in found and g.strip().rstrip(b","):
                return f"line {n} is out of the panel's order or spacing"
            return f"line {n} differs from how the panel writes it"
    if len(got_lines) > len(exp_lines):
        return "there is more after the closing brace"
    return "its end differs (the panel ends the file with a line break)"


def check_layout(data: bytes, messages: Messages) -> Finding | None:
    """A LAYOUT warning when the file is not byte-for-byte what the panel would write."""
    expected = serialize_messages(messages)
    if expected == data:
        return None
    return Finding(
        None,
        CheckId.LAYOUT,
        Severity.WARNING,
        f"The file is not in the translations panel's layout ({_first_difference(expected, data)}); "
        "the pull request will show more lines as changed than the translations that changed",
    )
