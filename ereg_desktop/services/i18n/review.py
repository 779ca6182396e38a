"""The review bundle: everything the viewer shows and the update checks against, built on a
worker from the server's files (or two local files for ``translations check``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from ereg_desktop.services.i18n.changes import Change, Messages, Value
from ereg_desktop.services.i18n.findings import CheckId, Finding, Severity


@dataclass(frozen=True)
class KeyUsage:
    """Where a key is used in the app's code, from ``i18n-scan-map.generated.json``."""

    file: str
    line: int
    column: int = 0
    context: str = ""

    @property
    def model_bound(self) -> bool:
        return "/model/" in f"/{self.file.lstrip('./')}"


@dataclass(frozen=True)
class DataFileDiff:
    """One changed file under ``data/``: an ordinary unified diff (binary files named only)."""

    path: str
    status: str  # "modified", "added", "deleted"
    binary: bool = False
    unified: str = ""


@dataclass(frozen=True)
class TranslationReview:
    app: str
    old_bytes: bytes  # the committed file (HEAD)
    new_bytes: bytes  # the working tree's file, as the panel wrote it
    changes: tuple[Change, ...]
    findings: tuple[Finding, ...]
    data_diffs: tuple[DataFileDiff, ...] = ()
    usage: dict[str, tuple[KeyUsage, ...]] = field(default_factory=dict)
    has_scan_map: bool = False
    # the reviewed state of every pending file: path -> git blob sha (None: deleted), so the
    # update can tell whether the files changed after the review and whether the pull request
    # holds exactly them
    reviewed_blobs: dict[str, str | None] = field(default_factory=dict)

    def count(self, severity: Severity) -> int:
        return sum(1 for f in self.findings if f.severity == severity)

    @property
    def blocked(self) -> bool:
        return any(f.blocks for f in self.findings)


def _parse_side(data: bytes | None, name: str) -> Messages:
    from ereg_desktop.services.i18n.messages_file import parse_messages

    return {} if data is None else parse_messages(data, name)


def build_review(
    app: str,
    old_bytes: bytes | None,
    new_bytes: bytes,
    *,
    data_diffs: Sequence[DataFileDiff] = (),
    scan_map_bytes: bytes | None = None,
    reviewed_blobs: Mapping[str, str | None] | None = None,
) -> TranslationReview:
    """The review of ``old_bytes`` (committed; None: no file yet) -> ``new_bytes``.

    Raises :class:`~ereg_desktop.services.i18n.messages_file.TranslationsFileInvalid` when either
    file is not a valid translations file. A scan map that cannot be read is named in an info
    finding and the checks run without it.
    """
    from ereg_desktop.services.i18n.checks import check_changes, check_layout
    from ereg_desktop.services.i18n.diff import diff_messages
    from ereg_desktop.services.i18n.messages_file import (
        FILE_NAME,
        TranslationsFileInvalid,
        blob_sha,
    )
    from ereg_desktop.services.i18n.scan_map import ScanMap, parse_scan_map

    old = _parse_side(old_bytes, f"{FILE_NAME} (committed)")
    new = _parse_side(new_bytes, FILE_NAME)
    changes = diff_messages(old, new)
    findings: list[Finding] = []
    scan_map: ScanMap | None = None
    if scan_map_bytes is not None:
        try:
            scan_map = parse_scan_map(scan_map_bytes)
        except TranslationsFileInvalid as exc:
            findings.append(
                Finding(
                    None,
                    CheckId.JSON,
                    Severity.INFO,
                    f"{exc}: the checks ran without knowing where the keys are used",
                )
            )
    layout = check_layout(new_bytes, new)
    if layout is not None:
        findings.append(layout)
    findings.extend(check_changes(changes, scan_map))
    usage: dict[str, tuple[KeyUsage, ...]] = {}
    if scan_map is not None:
        usage = {c.key: scan_map.usage(c.key) for c in changes if scan_map.usage(c.key)}
    blobs: dict[str, str | None] = {FILE_NAME: blob_sha(new_bytes)}
    if reviewed_blobs is not None:
        blobs = dict(reviewed_blobs)
    return TranslationReview(
        app=app,
        old_bytes=old_bytes if old_bytes is not None else b"",
        new_bytes=new_bytes,
        changes=tuple(changes),
        findings=tuple(findings),
        data_diffs=tuple(data_diffs),
        usage=usage,
        has_scan_map=scan_map is not None,
        reviewed_blobs=blobs,
    )


def _is_empty(value: Value) -> bool:
    if isinstance(value, str):
        return value == ""
    return isinstance(value, list) and all(v == "" for v in value)


def apply_edits(review: TranslationReview, edits: Mapping[str, Value]) -> bytes:
    """The new file (the panel's layout) with ``edits`` applied; an edit to "" removes the pair.

    An edit of a removed key puts the pair back.
    """
    from ereg_desktop.services.i18n.messages_file import FILE_NAME, serialize_messages

    messages = dict(_parse_side(review.new_bytes, FILE_NAME))
    for key, value in edits.items():
        if _is_empty(value):
            messages.pop(key, None)
        else:
            messages[key] = value
    return serialize_messages(messages)
