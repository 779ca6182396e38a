"""Write the corrected ``i18n-messages.json`` back to ``~/APP`` (after the app is stopped).

The content goes through stdin into a temp file beside the real one (same folder, so the move
is atomic), is checked whole (size and sha256), and replaces the file with ``mv -f`` only when
the file still has the blob the review was made of: a file changed meanwhile (the panel saved
again) is refused and nothing is written. The file keeps its mode; a symlinked file is replaced
where the link points.
"""

from __future__ import annotations

import re

from ereg_desktop.errors import BadInputError, ConnectionProblem, OperationFailed
from ereg_desktop.services.deploy.steps import (
    CommandKind,
    RemoteCommand,
    UploadShell,
    check_app,
    script,
)
from ereg_desktop.services.deploy.upload import MARK, framed, receive_lines
from ereg_desktop.services.shown_text import printable

TRANSLATIONS_FILE = "i18n-messages.json"
_SHA_RE = re.compile(r"[0-9a-f]{40}([0-9a-f]{24})?\Z")


class FilesChangedMeanwhile(OperationFailed):
    """A pending file is not the reviewed one any more: nothing was written."""

    def __init__(self, app: str, path: str, expected: str | None, found: str | None) -> None:
        self.app = app
        self.path = path
        self.expected = expected
        self.found = found
        super().__init__(
            f"{path} on {app} changed after the review (expected blob "
            f"{_blob_text(expected)}, found {_blob_text(found)}): nothing was written. "
            "Review the translations again."
        )


def _blob_text(blob: str | None) -> str:
    return blob[:12] if blob else "none: the file is gone"


def check_blob(blob: str) -> str:
    if not _SHA_RE.match(blob):
        raise BadInputError(f"{printable(blob)!r} is not a git blob sha")
    return blob


def write_back_command(app: str, expected_blob: str) -> RemoteCommand:
    """$1 the app's folder, $2 the blob the file must still have; the new content on stdin
    (:func:`~.upload.framed`)."""
    return script(
        f"write the reviewed translations to {app}",
        [
            "set -u",
            "cd || exit 3",
            'cd -- "$1" || exit 3',
            f'f=$(readlink -f -- {TRANSLATIONS_FILE}) && [ -n "$f" ] || exit 4',
            f'tmp=$(mktemp "$(dirname -- "$f")/.{TRANSLATIONS_FILE}.XXXXXX") || exit 5',
            "trap 'rm -f -- \"$tmp\"' EXIT",
            "trap 'rm -f -- \"$tmp\"; exit 1' HUP INT PIPE TERM",
            *receive_lines("tmp"),
            f'if [ -e "$f" ]; then found=$(git hash-object -- {TRANSLATIONS_FILE}) || exit 6',
            "else found=deleted; fi",
            f'[ "$found" = "$2" ] || {{ echo "{MARK}write-refused $found"; exit 0; }}',
            'chmod --reference="$f" -- "$tmp" 2>/dev/null || chmod 644 -- "$tmp"',
            'mv -f -- "$tmp" "$f" || exit 7',
            f'echo "{MARK}written $(git hash-object -- {TRANSLATIONS_FILE})"',
        ],
        check_app(app),
        check_blob(expected_blob),
        kind=CommandKind.WRITE,
        timeout=120,
    )


def write_back(shell: UploadShell, app: str, content: bytes, expected_blob: str) -> str:
    """Replace ``~/APP/i18n-messages.json`` with ``content`` if its blob is still
    ``expected_blob``; returns the new blob sha. Raises :class:`FilesChangedMeanwhile` when the
    file changed, OperationFailed when the write did not happen."""
    cmd = write_back_command(app, expected_blob)
    res = cmd.run_input(shell, framed(content))
    if res.exit_code == -1:
        raise ConnectionProblem(f"{cmd.title}: the connection dropped while it ran")
    marks = [ln[len(MARK) :].split(" ") for ln in res.stdout.split("\n") if ln.startswith(MARK)]
    if res.exit_code == 0 and len(marks) == 1:
        mark = marks[0]
        if mark[0] == "written" and len(mark) == 2 and _SHA_RE.match(mark[1]):
            return mark[1]
        if mark[0] == "write-refused" and len(mark) == 2:
            found = mark[1]
            if found == "deleted" or _SHA_RE.match(found):
                raise FilesChangedMeanwhile(
                    app, TRANSLATIONS_FILE, expected_blob, None if found == "deleted" else found
                )
        if mark == ["upload-damaged"]:
            raise OperationFailed(
                f"{cmd.title}: the file arrived damaged (the connection may have dropped); "
                "nothing was written"
            )
    detail = printable((res.stderr.strip() or res.stdout.strip())[-1000:]) or "no message"
    raise OperationFailed(
        f"{cmd.title} failed (exit {res.exit_code}): {detail}. The file was either replaced "
        "whole or not at all: read it again before going on."
    )
