"""Read what the translations review needs from the server, in one round trip.

In ``~/APP``: the committed ``i18n-messages.json`` (HEAD), the working tree's, every pending path
under ``i18n-messages.json`` and ``data/`` (untracked ones too) with the git blob sha of its
working-tree content, a unified diff per changed ``data/`` file, and the scan map
(``i18n-scan-map.generated.json``) when ``npm run setup`` wrote one. Every value crosses as
base64 on a line after a marker, so file contents and names (spaces, newlines, ``$(...)``) arrive
byte for byte; the reply is parsed strictly, anything unexpected is an error naming the app.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from ereg_desktop.errors import BadInputError, ConnectionProblem, OperationFailed
from ereg_desktop.services.deploy.steps import (
    CommandKind,
    RemoteCommand,
    Shell,
    check_app,
    script,
)
from ereg_desktop.services.i18n.messages_file import EMPTY_FILE
from ereg_desktop.services.i18n.review import DataFileDiff, TranslationReview
from ereg_desktop.services.shown_text import printable

TRANSLATIONS_FILE = "i18n-messages.json"
SCAN_MAP_FILE = "i18n-scan-map.generated.json"
DATA_DIR = "data/"
EMPTY_MESSAGES = EMPTY_FILE  # the panel's empty map: what a missing file means
MARK = "@@ereg-desktop:"
_VERSION = "1"
_SHA_RE = re.compile(r"[0-9a-f]{40}([0-9a-f]{24})?\Z")  # sha1, or sha256 repositories
_XY_RE = re.compile(r"[ .MTADRCU?!]{2}\Z")
_B64_RE = re.compile(r"[A-Za-z0-9+/]*={0,2}\Z")
_SHOWN = 200  # characters of an unexpected line quoted in the error

# Shared by the read and the recheck: $p's blob (as `git add` would store it) or "deleted".
_BLOB_LINES = (
    'blob() { if [ -e "$1" ] || [ -L "$1" ]; then',
    f'  printf "{MARK}blob %s\\n" "$(git hash-object -- "$1")"',
    f'  else echo "{MARK}blob-deleted"; fi; }}',
)


@dataclass(frozen=True)
class PendingTranslations:
    """The server's pending translation and global-data changes, as read."""

    app: str
    committed: bytes | None  # HEAD:i18n-messages.json; None when HEAD has none
    current: bytes | None  # the working tree's; None when deleted
    # every pending path (i18n-messages.json, data/...) -> blob sha of its working-tree
    # content; None = deleted
    blobs: dict[str, str | None] = field(default_factory=dict)
    data_diffs: tuple[DataFileDiff, ...] = ()
    scan_map: bytes | None = None  # i18n-scan-map.generated.json at the app root

    @property
    def paths(self) -> tuple[str, ...]:
        return tuple(self.blobs)

    @property
    def nothing_pending(self) -> bool:
        return not self.blobs


def read_command(app: str) -> RemoteCommand:
    """$1 the app's folder. Reads only: ``git status`` / ``show`` / ``diff`` / ``hash-object``
    (which, given no ``-w``, writes nothing)."""
    return script(
        f"read the pending translations of {app}",
        [
            "set -euo pipefail",
            "export GIT_LITERAL_PATHSPECS=1 LC_ALL=C",  # a name with `*` or `[` is just a name
            "cd",
            'cd -- "$1"',
            "b64() { base64 -w0; echo; }",
            *_BLOB_LINES,
            "diff_of() {",  # exit 1 of --no-index means "differs"; anything above fails
            '  if [ "$2" = "??" ]; then',
            "    { git diff --no-color --no-ext-diff --no-textconv --no-index -- /dev/null"
            ' "$1" || [ $? -eq 1 ]; } | b64',
            '  else git diff --no-color --no-ext-diff --no-textconv HEAD -- "$1" | b64; fi; }',
            "emit() {",
            f'  printf "{MARK}path %s " "${{2// /.}}"; printf %s "$1" | b64',
            '  blob "$1"',
            f'  case $1 in {DATA_DIR}*) printf "{MARK}diff "; diff_of "$1" "$2";; esac; }}',
            f"echo '{MARK}translations-read {_VERSION}'",
            f"if git cat-file -e HEAD:{TRANSLATIONS_FILE} 2>/dev/null; then",
            f"  printf '{MARK}committed '; git show HEAD:{TRANSLATIONS_FILE} | b64",
            f"else echo '{MARK}committed-absent'; fi",
            f"if [ -f {TRANSLATIONS_FILE} ]; then printf '{MARK}current '; b64 < {TRANSLATIONS_FILE}",
            f"else echo '{MARK}current-absent'; fi",
            "mapfile -d '' -t entries < <(",
            f"  git status --porcelain=v1 -z -uall -- {TRANSLATIONS_FILE} {DATA_DIR.rstrip('/')}",
            "  printf 'exit:%s' $?)",
            '[ "${entries[-1]:-}" = exit:0 ] || { echo "git status failed" >&2; exit 3; }',
            "i=0",
            "while [ $i -lt $((${#entries[@]} - 1)) ]; do",
            "  e=${entries[$i]}; i=$((i + 1)); xy=${e:0:2}",
            '  emit "${e:3}" "$xy"',
            '  case $xy in R*) emit "${entries[$i]}" "D "; i=$((i + 1));; C*) i=$((i + 1));; esac',
            "done",
            f"if [ -f {SCAN_MAP_FILE} ]; then printf '{MARK}scan-map '; b64 < {SCAN_MAP_FILE}",
            f"else echo '{MARK}scan-map-absent'; fi",
            f"echo '{MARK}end'",
        ],
        check_app(app),
        kind=CommandKind.READ,
        timeout=120,
    )


def blobs_command(app: str, paths: Sequence[str]) -> RemoteCommand:
    """$1 the app's folder, then the paths: one ``blob SHA`` / ``blob-deleted`` line each."""
    return script(
        f"recheck the pending translation files of {app}",
        [
            "set -euo pipefail",
            "cd",
            'cd -- "$1"',
            "shift",
            *_BLOB_LINES,
            f"echo '{MARK}blobs {_VERSION}'",
            'for p in "$@"; do blob "$p"; done',
            f"echo '{MARK}end'",
        ],
        check_app(app),
        *(check_pending_path(p) for p in paths),
        kind=CommandKind.READ,
        timeout=60,
    )


def stop_then_blobs_command(app: str, paths: Sequence[str]) -> RemoteCommand:
    """``pm2 stop APP``, then the recheck of the pending files, in one round trip (the update's
    stop: every round trip here is downtime). Exit 3 when the stop failed (its output's end on
    stderr)."""
    return script(
        f"stop {app}, then recheck its pending translation files",
        [
            "set -uo pipefail",
            "cd",
            'a="$1"',
            "shift",
            'out=$(pm2 stop "$a" 2>&1) || { printf \'%s\\n\' "$out" | tail -n 5 >&2; exit 3; }',
            "set -e",
            'cd -- "$a"',
            *_BLOB_LINES,
            f"echo '{MARK}blobs {_VERSION}'",
            'for p in "$@"; do blob "$p"; done',
            f"echo '{MARK}end'",
        ],
        check_app(app),
        *(check_pending_path(p) for p in paths),
        kind=CommandKind.APP,
        timeout=90,
    )


def stop_then_blobs(shell: Shell, app: str, paths: Sequence[str]) -> dict[str, str | None]:
    """Stop the app, then the blob of each path (None: deleted). Raises OperationFailed when
    the stop failed (the app may still run)."""
    cmd = stop_then_blobs_command(app, paths)
    res = cmd.run(shell)
    if res.exit_code == 3:
        raise OperationFailed(f"`pm2 stop {app}` failed: {printable(res.stderr.strip())[-300:]}")
    _ran(cmd, app, res.exit_code, res.stderr)
    return parse_blobs(app, paths, res.stdout)


def check_pending_path(path: str) -> str:
    """A path the review may name: the translations file or a file under ``data/``, relative,
    without ``.``/``..`` parts (so never an option and never outside the app's folder)."""
    parts = path.split("/")
    ok = path == TRANSLATIONS_FILE or (
        path.startswith(DATA_DIR)
        and len(parts) > 1
        and all(part not in ("", ".", "..") for part in parts)
        and "\0" not in path
    )
    if not ok:
        raise BadInputError(f"{printable(path)!r} is not a translations or data/ file path")
    return path


class _Garbage(Exception):
    pass


def _fail(app: str, what: str) -> OperationFailed:
    return OperationFailed(
        f"The translation files read from {app} are not what the app expects ({what}); "
        f"nothing was changed. Run `git status` in ~/{app} on the server to see its state."
    )


def _b64(text: str, what: str) -> bytes:
    if not _B64_RE.match(text):
        raise _Garbage(f"{what} is not base64")
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise _Garbage(f"{what} is not base64") from None


def _quote(line: str) -> str:
    shown = printable(line[:_SHOWN])
    return repr(shown + ("..." if len(line) > _SHOWN else ""))


class _Reader:
    """The marker lines after the start marker, one at a time."""

    def __init__(self, lines: list[str]) -> None:
        self._lines: Iterator[str] = iter(lines)

    def next(self, expected: str) -> tuple[str, str]:
        line = next(self._lines, None)
        if line is None:
            raise _Garbage(f"the reply ends before {expected}")
        if not line.startswith(MARK):
            raise _Garbage(f"unexpected line {_quote(line)} where {expected} should be")
        name, _, value = line[len(MARK) :].partition(" ")
        return name, value

    def rest(self) -> list[str]:
        return [line for line in self._lines if line.strip()]


def _after_start(stdout: str, start: str) -> list[str]:
    """The lines after the start marker (a login shell may print before it); the last "\\n"
    ends the reply."""
    lines = stdout.split("\n")
    try:
        at = lines.index(start)
    except ValueError:
        first = next((ln for ln in lines if ln.strip()), "")
        raise _Garbage(
            f"no start marker; the reply begins {_quote(first)}" if first else "an empty reply"
        ) from None
    body = lines[at + 1 :]
    if body and body[-1] == "":
        body.pop()
    return body


def _optional_file(reader: _Reader, name: str, what: str) -> bytes | None:
    got, value = reader.next(f"the {what}")
    if got == f"{name}-absent" and not value:
        return None
    if got != name:
        raise _Garbage(f"{got!r} where the {what} should be")
    return _b64(value, f"the {what}")


def _path(value: str) -> tuple[str, str]:
    xy, sep, encoded = value.partition(" ")
    if not sep or not _XY_RE.match(xy):
        raise _Garbage(f"a path record {_quote(value)} without a git status code")
    raw = _b64(encoded, "a file name")
    try:
        path = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise _Garbage(f"a file name that is not UTF-8 ({raw[:80]!r})") from None
    try:
        check_pending_path(path)
    except BadInputError:
        raise _Garbage(f"a path outside i18n-messages.json and data/: {_quote(path)}") from None
    return xy.replace(".", " "), path


def _blob(reader: _Reader, path: str) -> str | None:
    name, value = reader.next(f"the blob of {path!r}")
    if name == "blob-deleted" and not value:
        return None
    if name != "blob" or not _SHA_RE.match(value):
        raise _Garbage(f"{_quote(name + ' ' + value)} where the blob of {path!r} should be")
    return value


def _is_binary(diff: str) -> bool:
    """git names a binary file in the header ("Binary files a/x and b/x differ"); a text
    diff's content lines all start with ' ', '+' or '-' after the first '@@'."""
    for line in diff.split("\n"):
        if line.startswith("@@"):
            return False
        if (line.startswith("Binary files ") and line.endswith(" differ")) or (
            line == "GIT binary patch"
        ):
            return True
    return False


def _status(xy: str, blob: str | None) -> str:
    if blob is None:
        return "deleted"
    if xy[0] in "?A":
        return "added"
    return "modified"


def parse_pending(app: str, stdout: str) -> PendingTranslations:
    """The reply of :func:`read_command`; raises OperationFailed naming ``app`` on garbage."""
    try:
        return _parse(app, stdout)
    except _Garbage as exc:
        raise _fail(app, str(exc)) from None


def _parse(app: str, stdout: str) -> PendingTranslations:
    reader = _Reader(_after_start(stdout, f"{MARK}translations-read {_VERSION}"))
    committed = _optional_file(reader, "committed", "committed i18n-messages.json")
    current = _optional_file(reader, "current", "working tree's i18n-messages.json")
    blobs: dict[str, str | None] = {}
    diffs: list[DataFileDiff] = []
    while True:
        name, value = reader.next("a path, the scan map or the end")
        if name != "path":
            break
        xy, path = _path(value)
        blob = _blob(reader, path)
        if path in blobs:
            raise _Garbage(f"the path {path!r} twice")
        blobs[path] = blob
        if path.startswith(DATA_DIR):
            got, encoded = reader.next(f"the diff of {path!r}")
            if got != "diff":
                raise _Garbage(f"{got!r} where the diff of {path!r} should be")
            text = _b64(encoded, f"the diff of {path!r}").decode("utf-8", "replace")
            binary = _is_binary(text)
            diffs.append(DataFileDiff(path, _status(xy, blob), binary, "" if binary else text))
    if name == "scan-map" or name == "scan-map-absent":
        scan_map = None if name == "scan-map-absent" else _b64(value, "the scan map")
        if name == "scan-map-absent" and value:
            raise _Garbage(f"unexpected text after scan-map-absent: {_quote(value)}")
    else:
        raise _Garbage(f"{name!r} where the scan map should be")
    end, value = reader.next("the end marker")
    if end != "end" or value:
        raise _Garbage(f"{_quote(end + ' ' + value)} where the end marker should be")
    extra = reader.rest()
    if extra:
        raise _Garbage(f"text after the end marker: {_quote(extra[0])}")
    return PendingTranslations(app, committed, current, blobs, tuple(diffs), scan_map)


def parse_blobs(app: str, paths: Sequence[str], stdout: str) -> dict[str, str | None]:
    try:
        reader = _Reader(_after_start(stdout, f"{MARK}blobs {_VERSION}"))
        found = {path: _blob(reader, path) for path in paths}
        end, value = reader.next("the end marker")
        if end != "end" or value or reader.rest():
            raise _Garbage("more blobs than paths asked for")
    except _Garbage as exc:
        raise _fail(app, str(exc)) from None
    return found


def _ran(cmd: RemoteCommand, app: str, exit_code: int, stderr: str) -> None:
    if exit_code == -1:
        raise ConnectionProblem(f"{cmd.title}: the connection dropped while it ran")
    if exit_code != 0:
        detail = printable(stderr.strip()[-1000:]) or "no message"
        raise OperationFailed(f"{cmd.title} failed (exit {exit_code}): {detail}")


def read_pending(shell: Shell, app: str) -> PendingTranslations:
    cmd = read_command(app)
    res = cmd.run(shell)
    _ran(cmd, app, res.exit_code, res.stderr)
    return parse_pending(app, res.stdout)


def current_blobs(shell: Shell, app: str, paths: Sequence[str]) -> dict[str, str | None]:
    """The blob sha of each path's working-tree content now (None: deleted): the cheap recheck
    that the files are still the reviewed ones."""
    if not paths:
        return {}
    cmd = blobs_command(app, paths)
    res = cmd.run(shell)
    _ran(cmd, app, res.exit_code, res.stderr)
    return parse_blobs(app, paths, res.stdout)


def review_of(pending: PendingTranslations) -> TranslationReview:
    """The review of the pending files (a missing or empty file is the panel's empty map). Raises
    ``TranslationsFileInvalid`` when either file is not a translations file."""
    from ereg_desktop.services.i18n.review import build_review

    return build_review(
        pending.app,
        pending.committed or EMPTY_MESSAGES,
        pending.current or EMPTY_MESSAGES,
        data_diffs=pending.data_diffs,
        scan_map_bytes=pending.scan_map,
        reviewed_blobs=dict(pending.blobs),
    )
