"""The offline checks of a translation against its English key (the source).

Each finding names what is wrong in the words a translator uses and what the source has. A
translation is compared with its key, not with the previous translation: a problem the key
itself has (a line break in an e-mail body, a double space) is not the translator's.
"""

from __future__ import annotations

from collections.abc import Sequence

from ereg_desktop.services.i18n.changes import Change, ChangeStatus, Messages, Value
from ereg_desktop.services.i18n.checks_text import Context, check_text
from ereg_desktop.services.i18n.findings import CheckId, Finding, Severity
from ereg_desktop.services.i18n.messages_file import (
    display_key,
    plural_parts,
    serialize_messages,
)
from ereg_desktop.services.i18n.scan_map import ScanMap


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


_EMPTY = (
    "the translation is empty: users would see nothing where the source shows text; "
    "remove the pair to show the English"
)


def _is_removal(value: object) -> bool:
    return value == "" or (isinstance(value, list) and bool(value) and all(v == "" for v in value))


def check_value(key: str, value: Value, scan_map: ScanMap | None = None) -> list[Finding]:
    """The findings of one translation of ``key`` (what the viewer re-checks after an edit).

    An edit to "" (or a plural's ``["", ""]``) removes the pair (:func:`apply_edits`): nothing
    to find. A file that holds such a value is reported by :func:`check_changes`.
    """
    if _is_removal(value):
        return []
    ctx = Context(key, scan_map)
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
            check_text(ctx, source, text, item)
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
    if not obj.strip():
        ctx.add(CheckId.VALUE_TYPE, Severity.ERROR, _EMPTY)
        return ctx.findings
    check_text(ctx, key, obj, None)
    return ctx.findings


def check_changes(changes: Sequence[Change], scan_map: ScanMap | None = None) -> list[Finding]:
    """The findings of every added or changed pair (a removed pair shows the English again)."""
    findings: list[Finding] = []
    for change in changes:
        if change.status is ChangeStatus.REMOVED or change.new is None:
            continue
        if _is_removal(change.new):  # in the file: users would see an empty text
            findings.append(
                Finding(
                    change.key, CheckId.VALUE_TYPE, Severity.ERROR, _EMPTY[:1].upper() + _EMPTY[1:]
                )
            )
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
