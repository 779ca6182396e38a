"""The review bundle: everything the viewer shows and the update checks against, built on a
worker from the server's files (or two local files for ``translations check``)."""

from __future__ import annotations

from dataclasses import dataclass, field

from ereg_desktop.services.i18n.changes import Change
from ereg_desktop.services.i18n.findings import Finding, Severity


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
