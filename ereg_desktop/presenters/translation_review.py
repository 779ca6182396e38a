"""The translation review as the viewer shows it: one row per changed key, the filter, the counts,
the next and previous problem, the operator's edits (re-checked) and the verdict.

Plain Python over a :class:`~ereg_desktop.services.i18n.review.TranslationReview`. The segments
of a cell are computed when a row is first painted and cached, so a review of 2,000 changes opens
as fast as one of ten. ``ui/translations/`` renders it; unit tests drive it.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from ereg_desktop.presenters.translation_segments import (
    Segment,
    Side,
    display_segments,
    key_segments,
    plain_text,
    with_glyphs,
)
from ereg_desktop.services.deploy.decisions import ReviewVerdict
from ereg_desktop.services.i18n.changes import Change, ChangeStatus, Value
from ereg_desktop.services.i18n.checks import check_value
from ereg_desktop.services.i18n.findings import CheckId, Finding, Severity
from ereg_desktop.services.i18n.messages_file import display_key, pair_lines
from ereg_desktop.services.i18n.review import KeyUsage, TranslationReview
from ereg_desktop.services.i18n.scan_map import ScanMap

_WORDS = {
    Severity.ERROR: ("error", "errors"),
    Severity.WARNING: ("warning", "warnings"),
    Severity.INFO: ("note", "notes"),
}
SEVERITY_LABELS = {Severity.ERROR: "Error", Severity.WARNING: "Warning", Severity.INFO: "Note"}
JsonLines = dict[str, tuple[int, str]]


class Column(enum.IntEnum):
    STATUS = 0
    KEY = 1
    OLD = 2
    NEW = 3


COLUMN_TITLES = {
    Column.STATUS: "Status",
    Column.KEY: "Key (English)",
    Column.OLD: "Old translation",
    Column.NEW: "New translation",
}
STATUS_WORDS = {ChangeStatus.ADDED: "added", ChangeStatus.CHANGED: "changed",
                ChangeStatus.REMOVED: "removed"}  # fmt: skip
STATUS_TIPS = {
    ChangeStatus.ADDED: "A new translation",
    ChangeStatus.CHANGED: "The translation changed",
    ChangeStatus.REMOVED: "The translation was removed: users see the English key again",
}


@dataclass(frozen=True)
class ReviewRow:
    change: Change
    key: str  # as shown: a plural as "singular | plural"
    usage: tuple[KeyUsage, ...]

    @property
    def status(self) -> ChangeStatus:
        return self.change.status

    @property
    def old(self) -> Value | None:
        return self.change.old

    @property
    def new(self) -> Value | None:
        return self.change.new

    @property
    def where(self) -> str:
        """Where the key is used, "file:line" each, or "" without a scan map."""
        return with_glyphs(", ".join(f"{u.file}:{u.line}" for u in self.usage))


def count_text(counts: Mapping[Severity, int]) -> str:
    """ "3 errors · 5 warnings · 2 notes" (only the severities found), or "No problems found"."""
    parts = [f"{n} {_WORDS[s][n != 1]}" for s in Severity if (n := counts.get(s, 0))]
    return " · ".join(parts) if parts else "No problems found"


def review_summary(review: TranslationReview) -> str:
    """ "12 translation changes, 2 data files: 3 errors, 5 warnings" (the update's question)."""
    changes, files = len(review.changes), len(review.data_diffs)
    errors, warnings = review.count(Severity.ERROR), review.count(Severity.WARNING)
    return (
        f"{changes:,} translation {'change' if changes == 1 else 'changes'}, "
        f"{files} data {'file' if files == 1 else 'files'}: "
        f"{errors} {'error' if errors == 1 else 'errors'}, "
        f"{warnings} {'warning' if warnings == 1 else 'warnings'}"
    )


def worst(findings: tuple[Finding, ...]) -> Severity | None:
    return min((f.severity for f in findings), key=lambda s: s.rank, default=None)


def finding_text(finding: Finding, key: str | None = None) -> str:
    """A finding as one text to paste into a chat or a ticket."""
    about = f" ({('singular', 'plural')[finding.item]})" if finding.item in (0, 1) else ""
    where = f"\nUsed in: {finding.where}" if finding.where else ""
    subject = f"{key}{about}: " if key else ""
    text = (
        f"{SEVERITY_LABELS[finding.severity]} [{finding.check}]: {subject}{finding.message}{where}"
    )
    return with_glyphs(text)


def _empty(value: Value) -> bool:
    return value == "" or (isinstance(value, list) and all(v == "" for v in value))


class TranslationReviewState:
    """The rows of a review and what the operator did with them. GUI thread only, except
    :meth:`recheck`, which is pure and meant for a worker."""

    def __init__(self, review: TranslationReview, scan_map: ScanMap | None = None) -> None:
        self.review = review
        # the re-check of an edit needs to know where its key is used: the review holds that
        if scan_map is None and review.has_scan_map:
            scan_map = ScanMap(dict(review.usage))
        self.scan_map = scan_map
        self.rows = [
            ReviewRow(c, with_glyphs(display_key(c.key)), review.usage.get(c.key, ()))
            for c in review.changes
        ]
        self._index = {row.change.key: i for i, row in enumerate(self.rows)}
        by_key: dict[str, list[Finding]] = {}
        file_level: list[Finding] = []
        for finding in review.findings:
            if finding.key is not None and finding.key in self._index:
                by_key.setdefault(finding.key, []).append(finding)
            else:
                file_level.append(finding)
        self.file_findings = tuple(file_level)
        self._checked: dict[str, tuple[Finding, ...]] = {k: tuple(v) for k, v in by_key.items()}
        self.edits: dict[str, Value] = {}
        self._rechecked: dict[str, tuple[Finding, ...]] = {}  # findings of the edited values
        self.pending: set[str] = set()  # edited, the re-check not back yet
        self._segments: dict[tuple[int, Column], list[Segment]] = {}
        self._haystack: dict[int, str] = {}
        self.filter_text = ""
        self.problems_only = False
        self.visible: list[int] = list(range(len(self.rows)))
        self.json_lines: tuple[JsonLines, JsonLines] | None = None  # (new, old), on demand
        self._counts: dict[Severity, int] | None = None

    # --- rows ------------------------------------------------------------------------------

    def row_of(self, key: str) -> int | None:
        return self._index.get(key)

    def findings(self, row: int) -> tuple[Finding, ...]:
        key = self.rows[row].change.key
        if key in self.edits:
            return self._rechecked.get(key, ())
        return self._checked.get(key, ())

    def worst(self, row: int) -> Severity | None:
        return worst(self.findings(row))

    def has_problem(self, row: int) -> bool:
        return bool(self.findings(row))

    def value(self, row: int, side: Side) -> Value | None:
        r = self.rows[row]
        if side is Side.OLD:
            return r.old
        return self.edits.get(r.change.key, r.new)

    def edited(self, row: int) -> bool:
        return self.rows[row].change.key in self.edits

    def editable(self, row: int) -> bool:
        """A flagged value (or one already edited) may be edited; a removed pair may not."""
        r = self.rows[row]
        return r.status is not ChangeStatus.REMOVED and (
            self.edited(row) or bool(self._checked.get(r.change.key))
        )

    def segments(self, row: int, column: Column) -> list[Segment]:
        """What to draw in a cell; computed the first time it is asked for, then cached."""
        cached = self._segments.get((row, column))
        if cached is None:
            cached = self._make_segments(row, column)
            self._segments[(row, column)] = cached
        return cached

    def warm(self, first_rows: int = 60) -> None:
        """Compute ahead what the first screen shows (the first rows, and around the first
        problem): a worker calls this before handing the state to the window."""
        start = self.first_problem() or 0
        rows = {*range(min(first_rows, len(self.rows)))}
        rows |= {*range(max(0, start - 10), min(start + first_rows, len(self.rows)))}
        for row in sorted(rows):
            for column in Column:
                self.text(row, column)

    def _make_segments(self, row: int, column: Column) -> list[Segment]:
        r = self.rows[row]
        if column is Column.KEY:
            return key_segments(r.change.key)
        if column is Column.STATUS:
            return [Segment(STATUS_WORDS[r.status])]
        side = Side.OLD if column is Column.OLD else Side.NEW
        value = self.value(row, side)
        if value is None or (side is Side.NEW and self.edited(row) and _empty(value)):
            return []
        other = self.value(row, Side.NEW if side is Side.OLD else Side.OLD)
        # only a changed pair has a diff; an added or removed one is all new or all old
        diff_with = other if r.status is ChangeStatus.CHANGED or self.edited(row) else None
        return display_segments(value, other=diff_with, side=side, key=r.change.key)

    def text(self, row: int, column: Column) -> str:
        """The cell as one line of plain text (the display role)."""
        if column is Column.STATUS:
            edited = ", edited" if self.edited(row) else ""
            return STATUS_WORDS[self.rows[row].status] + edited
        return plain_text(self.segments(row, column))

    # --- filter and navigation -------------------------------------------------------------

    def set_filter(self, text: str = "", problems_only: bool = False) -> list[int]:
        """Rows whose key or text holds ``text`` (any case), with a problem if asked."""
        self.filter_text, self.problems_only = text, problems_only
        needle = text.strip().casefold()
        self.visible = [
            i
            for i in range(len(self.rows))
            if (not problems_only or self.has_problem(i))
            and (not needle or needle in self._haystack_of(i))
        ]
        return self.visible

    def _haystack_of(self, row: int) -> str:
        found = self._haystack.get(row)
        if found is None:
            r = self.rows[row]
            values = [r.key, r.change.key, *_texts(r.old), *_texts(r.new)]
            found = "\n".join(values).casefold()
            self._haystack[row] = found
        return found

    def next_problem(self, after: int | None, *, backwards: bool = False) -> int | None:
        """The next (previous) visible row with a problem after row ``after`` (None: from the
        start, or the end), wrapping around; None when no visible row has one."""
        order = self.visible[::-1] if backwards else self.visible
        if after is not None and after in self.visible:
            start = order.index(after) + 1
            order = order[start:] + order[:start]
        return next((i for i in order if self.has_problem(i)), None)

    def first_problem(self) -> int | None:
        """Where to start: the first visible row of the worst severity there is."""
        ranked = [(s.rank, i) for i in self.visible if (s := self.worst(i)) is not None]
        return min(ranked)[1] if ranked else None

    # --- counts ----------------------------------------------------------------------------

    def all_findings(self) -> list[Finding]:
        found = list(self.file_findings)
        if self.edits:
            # the update checks the fixed file again before anything stops: the model-load check
            # runs on it anew, and the rewrite is in the panel's layout
            found = [f for f in found if f.check not in _RECHECKED_BY_THE_UPDATE]
        for row in range(len(self.rows)):
            found += self.findings(row)
        return found

    def counts(self) -> dict[Severity, int]:
        """Findings per severity, after the edits (kept until the next edit or re-check)."""
        if self._counts is None:
            self._counts = dict.fromkeys(Severity, 0)
            for finding in self.all_findings():
                self._counts[finding.severity] += 1
        return dict(self._counts)

    def counts_text(self) -> str:
        return count_text(self.counts())

    def finding_text(self, finding: Finding) -> str:
        row = self.row_of(finding.key) if finding.key is not None else None
        return finding_text(finding, self.rows[row].key if row is not None else finding.key)

    # --- edits -----------------------------------------------------------------------------

    def edit(self, row: int, value: Value) -> bool:
        """The operator typed ``value`` for a row: kept as an edit (an edit back to the file's
        value is dropped). True when a re-check must run (:meth:`recheck` on a worker, then
        :meth:`rechecked`)."""
        r = self.rows[row]
        key = r.change.key
        self._counts = None
        self._forget_segments(row)
        self._haystack.pop(row, None)
        if value == r.new:
            self.edits.pop(key, None)
            self._rechecked.pop(key, None)
            self.pending.discard(key)
            return False
        self.edits[key] = value
        if _empty(value):  # the pair goes: English is shown again, nothing to check
            self._rechecked[key] = ()
            self.pending.discard(key)
            return False
        self.pending.add(key)
        return True

    def recheck(self, key: str, value: Value) -> Callable[[], list[Finding]]:
        """The check of an edited value, to run on a worker."""
        scan_map = self.scan_map
        return lambda: check_value(key, value, scan_map)

    def rechecked(self, key: str, value: Value, findings: list[Finding]) -> bool:
        """A re-check's result; False (dropped) when the edit changed meanwhile."""
        if self.edits.get(key) != value:
            return False
        self._rechecked[key] = tuple(findings)
        self.pending.discard(key)
        self._counts = None
        return True

    def _forget_segments(self, row: int) -> None:
        for column in (Column.OLD, Column.NEW):
            self._segments.pop((row, column), None)

    # --- the verdict -----------------------------------------------------------------------

    @property
    def errors_left(self) -> int:
        return self.counts()[Severity.ERROR]

    @property
    def warnings_left(self) -> int:
        return self.counts()[Severity.WARNING]

    def approve_problem(self, acknowledged: bool) -> str:
        """Why approving is not possible now, or "" when it is."""
        if self.pending:
            return "Checking the edited value…"
        errors = self.errors_left
        if errors:
            what = "error blocks" if errors == 1 else "errors block"
            return f"{errors} {what} the update: fix the value here, or stop the update."
        warnings = self.warnings_left
        if warnings and not acknowledged:
            what = "warning needs" if warnings == 1 else "warnings need"
            return f"{warnings} {what} your acknowledgement."
        return ""

    def can_approve(self, acknowledged: bool) -> bool:
        return not self.approve_problem(acknowledged)

    def verdict(self, acknowledged: bool) -> ReviewVerdict:
        problem = self.approve_problem(acknowledged)
        if problem:
            raise ValueError(problem)
        return ReviewVerdict(
            approved=True,
            edits=dict(self.edits),
            acknowledged_warnings=acknowledged and self.warnings_left > 0,
        )

    # --- the raw JSON lines ----------------------------------------------------------------

    def json_lines_job(self) -> Callable[[], tuple[JsonLines, JsonLines]]:
        """Where each pair is in the new and the old file, to run on a worker (a parse)."""
        new, old = self.review.new_bytes, self.review.old_bytes
        return lambda: (pair_lines(new), pair_lines(old))

    def raw_lines(self, row: int) -> tuple[tuple[int, str] | None, tuple[int, str] | None]:
        """(new file's line, old file's line) of a row, once :attr:`json_lines` is set."""
        if self.json_lines is None:
            return None, None
        key = self.rows[row].change.key
        new, old = self.json_lines
        return _shown_line(new.get(key)), _shown_line(old.get(key))


_RECHECKED_BY_THE_UPDATE = (CheckId.MODEL_LOAD, CheckId.LAYOUT)


def _texts(value: Value | None) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)]
    return []


def _shown_line(line: tuple[int, str] | None) -> tuple[int, str] | None:
    # JSON escapes control characters but not U+2028/U+2029 or the bidirectional controls
    return None if line is None else (line[0], with_glyphs(line[1]))
