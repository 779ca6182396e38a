"""``i18n-messages.json`` as the Meta Admin translations panel writes it: parse, write, sort.

The panel writes ``'{\\n  '`` + pairs joined by ``',\\n  '`` + ``'\\n}\\n'``, each pair being
``JSON.stringify(key) + ': ' + JSON.stringify(value)``, keys sorted by ``key.toLowerCase()`` then
the raw key, both by UTF-16 code units. :func:`serialize_messages` writes exactly those bytes, so
a file the desktop rewrites differs from the panel's only where a value was edited.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Callable, Iterable, Mapping
from json.encoder import encode_basestring
from typing import Any

from ereg_desktop.errors import BadInputError
from ereg_desktop.services.i18n.changes import Messages, Value

FILE_NAME = "i18n-messages.json"
EMPTY_FILE = b"{\n  \n}\n"

_escape_str: Callable[[str], str] = encode_basestring  # C speed-up: JSON.stringify's escaping
_SURROGATE = re.compile("[\ud800-\udfff]")
# a pair's line in any layout: optional indent, the key as a JSON string, a colon
_KEY_AT_LINE_START = re.compile(r'[ \t]*("(?:[^"\\\n]|\\.)*")\s*:')


class TranslationsFileInvalid(BadInputError):
    """A translations file (or the scan map) that cannot be read; names the file, line and why."""

    def __init__(
        self, name: str, problem: str, line: int | None = None, column: int | None = None
    ) -> None:
        self.name = name
        self.problem = problem
        self.line = line
        self.column = column
        where = name
        if line is not None:
            where += f", line {line}" + (f", column {column}" if column is not None else "")
        super().__init__(f"{where}: {problem}")


class _DuplicateKey(Exception):
    def __init__(self, key: str) -> None:
        self.key = key


def _pairs_to_dict(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    d = dict(pairs)
    if len(d) != len(pairs):
        seen: set[str] = set()
        for k, _ in pairs:
            if k in seen:
                raise _DuplicateKey(k)
            seen.add(k)
    return d


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _line_col(text: str, index: int) -> tuple[int, int]:
    line = text.count("\n", 0, index) + 1
    return line, index - (text.rfind("\n", 0, index) + 1) + 1


def parse_messages(data: bytes, name: str = FILE_NAME) -> Messages:
    """The key -> translation map of the file's bytes; raises :class:`TranslationsFileInvalid`.

    Strict as the server's JSON reader is (UTF-8, a JSON object, no duplicate keys, no NaN); a
    byte-order mark is accepted as Node's ``require`` accepts it (the layout check names it).
    Values of a wrong type are kept: the checks report them with the key.
    """
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        head = data[: exc.start].decode("utf-8", "replace")
        line, col = _line_col(head, len(head))
        raise TranslationsFileInvalid(
            name,
            f"byte 0x{data[exc.start]:02x} is not UTF-8; the file must be saved as UTF-8",
            line,
            col,
        ) from None
    if text.startswith("\ufeff"):
        text = " " + text[1:]  # keeps columns; JSON allows leading whitespace
    try:
        result = json.loads(text, object_pairs_hook=_pairs_to_dict, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        raise TranslationsFileInvalid(
            name, f"not valid JSON ({exc.msg})", exc.lineno, exc.colno
        ) from None
    except _DuplicateKey as exc:
        lines = [ln for k, ln, _ in _key_lines(text) if k == exc.key]
        raise TranslationsFileInvalid(
            name,
            f"the key {json.dumps(exc.key, ensure_ascii=False)} appears twice; "
            "a key may have only one translation",
            lines[1] if len(lines) > 1 else None,
        ) from None
    except (ValueError, RecursionError) as exc:
        raise TranslationsFileInvalid(name, f"not valid JSON ({exc})") from None
    if not isinstance(result, dict):
        raise TranslationsFileInvalid(
            name,
            f"the file holds a JSON {_json_kind(result)}, not an object of key: translation pairs",
            1,
        )
    return result


def _json_kind(value: object) -> str:
    if isinstance(value, list):
        return "array"
    if isinstance(value, str):
        return "string"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    return "number"


def _utf16(text: str) -> bytes:
    # big-endian UTF-16 bytes compare exactly as the code units do
    return text.encode("utf-16-be", "surrogatepass")


def panel_sort_key(key: str) -> tuple[bytes, bytes]:
    """The panel's order: ``key.toLowerCase()``, then the raw key, by UTF-16 code units."""
    return _utf16(key.lower()), _utf16(key)


def sorted_keys(keys: Iterable[str]) -> list[str]:
    """``keys`` in the panel's order.

    Two stable sorts (by the raw key, then by its lower case) give the order of the pair key;
    without astral characters, code points order as UTF-16 code units do, so ``str`` compares.
    """
    ordered = list(keys)
    joined = "".join(ordered)
    if len(joined.encode("utf-16-le", "surrogatepass")) != 2 * len(joined):  # astral ones
        ordered.sort(key=_utf16)
        ordered.sort(key=lambda k: _utf16(k.lower()))
    else:
        ordered.sort()
        ordered.sort(key=str.lower)
    return ordered


def _js_number(value: float) -> str:
    if not math.isfinite(value):
        return "null"  # JSON.stringify(NaN) === "null"
    if value.is_integer() and abs(value) < 1e21:
        return str(int(value))
    text = repr(value)
    if "e" in text:
        mantissa, exp = text.split("e")
        sign = "-" if exp.startswith("-") else "+"
        text = f"{mantissa}e{sign}{exp.lstrip('+-').lstrip('0') or '0'}"
    return text


def _stringify(value: object) -> str:
    """``JSON.stringify(value)`` (before the lone-surrogate pass of :func:`_finish`)."""
    if isinstance(value, str):
        return _escape_str(value)
    if value is True:
        return "true"
    if value is False:
        return "false"
    if value is None:
        return "null"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _js_number(value)
    if isinstance(value, list | tuple):
        return "[" + ",".join("null" if v is None else _stringify(v) for v in value) + "]"
    if isinstance(value, Mapping):
        return (
            "{" + ",".join(f"{_escape_str(str(k))}:{_stringify(v)}" for k, v in value.items()) + "}"
        )
    return "null"


def _escape_lone_surrogates(text: str) -> str:
    # a high+low pair held as two code points is one character to JavaScript: join it first
    joined = text.encode("utf-16-be", "surrogatepass").decode("utf-16-be", "surrogatepass")
    return _SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", joined)


def serialize_messages(messages: Mapping[str, Value]) -> bytes:
    """The panel's exact bytes for ``messages`` (any order in, the panel's order out)."""
    if not messages:
        return EMPTY_FILE
    keys = sorted_keys(messages)
    esc = _escape_str
    values = [messages[k] for k in keys]
    encoded = [esc(v) if v.__class__ is str else _stringify(v) for v in values]
    text = (
        "{\n  " + ",\n  ".join(map(": ".join, zip(map(esc, keys), encoded, strict=True))) + "\n}\n"
    )
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        # JSON.stringify (Node 12+) writes a lone surrogate as a \\udXXX escape
        return _escape_lone_surrogates(text).encode("utf-8")


def _key_lines(text: str) -> Iterable[tuple[str, int, str]]:
    """(key, 1-based line, line text) for every line that starts with ``"key":``."""
    for n, line in enumerate(text.split("\n"), 1):
        m = _KEY_AT_LINE_START.match(line)
        if m is None:
            continue
        try:
            key = json.loads(m.group(1))
        except ValueError:
            continue
        yield key, n, line


def pair_lines(data: bytes) -> dict[str, tuple[int, str]]:
    """key -> (1-based line, the raw JSON line) of each pair; best effort, never raises.

    Exact for the panel's layout (one pair a line); in another layout, the line where the key is.
    """
    text = data.decode("utf-8", "replace")
    found: dict[str, tuple[int, str]] = {}
    for key, n, line in _key_lines(text):
        found.setdefault(key, (n, line.rstrip("\r")))
    return found


def plural_parts(key: str) -> tuple[str, str] | None:
    """``(singular, plural)`` for a plural key ``"n\\0singular\\0plural"``, else None."""
    if not key.startswith("n\0"):
        return None
    parts = key.split("\0")
    if len(parts) != 3:
        return None
    return parts[1], parts[2]


def display_key(key: str) -> str:
    """The key as a person reads it: a plural as ``"singular | plural"``."""
    parts = plural_parts(key)
    return key if parts is None else f"{parts[0]} | {parts[1]}"


def blob_sha(data: bytes) -> str:
    """Git's blob id of ``data`` (what ``git hash-object`` prints)."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data, usedforsecurity=False).hexdigest()
