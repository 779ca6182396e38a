"""``ereg-desktop translations check OLD.json NEW.json [--json]`` and ``translations diff APP``.

``check`` compares two local ``i18n-messages.json`` files with the same checks as the review in
the window: exit 1 when any finding is an error (it would block the submission), 0 otherwise,
2 when a file cannot be read or is not a valid translations file. ``diff`` reads the pending
translations of an app on its server (``commands/translations_diff.py``).
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from collections.abc import Iterable
from pathlib import Path

from ereg_desktop.errors import EXIT_FAILED, EXIT_OK, BadInputError
from ereg_desktop.services.i18n.changes import Change, ChangeStatus, Value
from ereg_desktop.services.i18n.findings import Finding, Severity
from ereg_desktop.services.i18n.messages_file import display_key, parse_messages
from ereg_desktop.services.i18n.review import TranslationReview, build_review
from ereg_desktop.store.paths import AppPaths

_DIFF_MODULE = "ereg_desktop.commands.translations_diff"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    check = sub.add_parser(
        "check",
        help="compare two i18n-messages.json files and run the checks (exit 1 on an error)",
        description="Compare two i18n-messages.json files and run the translation checks. "
        "Exit codes: 0 no error, 1 an error finding (it would block the submission), "
        "2 a file cannot be read or is not a valid translations file.",
    )
    check.add_argument("old", metavar="OLD.json", help="the file before (e.g. the committed one)")
    check.add_argument("new", metavar="NEW.json", help="the file after (e.g. the panel's)")
    check.add_argument("--json", action="store_true", help="print machine-readable JSON")
    diff = sub.add_parser(
        "diff",
        help="review the pending translations of an app on its server",
        description="Read the pending translations of an app on its server and run the checks.",
    )
    diff.add_argument("app", metavar="APP", help="the pm2 app name")
    diff.add_argument("--json", action="store_true", help="print machine-readable JSON")


def run(args: argparse.Namespace, paths: AppPaths) -> int:
    if args.action == "diff":
        try:
            module = importlib.import_module(_DIFF_MODULE)
        except ModuleNotFoundError as exc:
            if exc.name != _DIFF_MODULE:
                raise
            print("ereg-desktop: translations diff is not part of this build", file=sys.stderr)
            return EXIT_FAILED
        code: int = module.run_diff(args, paths)
        return code
    review = check_files(Path(args.old), Path(args.new))
    if args.json:
        print(json_text(review_json(review)))
    else:
        print(review_text(review, args.old, args.new), end="")
    return EXIT_FAILED if review.blocked else EXIT_OK


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise BadInputError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise BadInputError(f"{path}: is a folder, not an i18n-messages.json file") from None
    except OSError as exc:
        raise BadInputError(f"{path}: cannot be read ({exc.strerror or exc})") from None


def check_files(old_path: Path, new_path: Path) -> TranslationReview:
    """The review of two local files; a problem with either names that file (and its line)."""
    old, new = _read(old_path), _read(new_path)
    parse_messages(old, str(old_path))  # so that an invalid file is named as given
    parse_messages(new, str(new_path))
    return build_review(new_path.stem, old, new)


def review_json(review: TranslationReview) -> dict[str, object]:
    return {
        "changes": [c.as_json() for c in review.changes],
        "findings": [f.as_json() for f in review.findings],
    }


def json_text(data: object) -> str:
    text = json.dumps(data, ensure_ascii=False, indent=2)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate (from a \\udXXX escape) has no UTF-8 form
        text = json.dumps(data, ensure_ascii=True, indent=2)
    return text


def shown(text: str) -> str:
    """``text`` safe on a terminal: what cannot be seen or would move the cursor as ``\\uXXXX``."""
    if text.isascii() and text.isprintable():
        return text
    return "".join(c if c.isprintable() else _escape(c) for c in text)


def _escape(ch: str) -> str:
    return {"\n": "\\n", "\t": "\\t", "\r": "\\r"}.get(ch) or f"\\u{ord(ch):04x}"


def _value(value: Value | None) -> str:
    if isinstance(value, str):
        return shown(json.dumps(value, ensure_ascii=False))
    return shown(json.dumps(value, ensure_ascii=False, separators=(", ", ": ")))


_LABEL = {Severity.ERROR: "ERROR", Severity.WARNING: "warning", Severity.INFO: "info"}


def _finding_line(finding: Finding, lead: str = "    ") -> str:
    item = "" if finding.item is None else f" [{('singular', 'plural')[finding.item]}]"
    where = f" ({finding.where})" if finding.where else ""
    return f"{lead}{_LABEL[finding.severity]:<7}  {finding.check}{item}{where}: {shown(finding.message)}\n"


def _change_line(change: Change) -> str:
    key = shown(display_key(change.key))
    if change.status is ChangeStatus.ADDED:
        return f"added    {key}: {_value(change.new)}\n"
    if change.status is ChangeStatus.REMOVED:
        return f"removed  {key}: was {_value(change.old)} (the English is shown again)\n"
    return f"changed  {key}: {_value(change.old)} -> {_value(change.new)}\n"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'s' * (n != 1)}"


def review_text(review: TranslationReview, old_name: str, new_name: str) -> str:
    """One line a change, its findings beneath it; findings about the whole file first."""
    by_key: dict[str | None, list[Finding]] = {}
    for finding in review.findings:
        by_key.setdefault(finding.key, []).append(finding)
    rows: list[str] = [f"{shown(old_name)} -> {shown(new_name)}\n"]
    # a key's findings under its change; the file's (layout, scan map) first, as "file"
    for finding in _ranked(by_key.get(None, ())):
        rows.append(_finding_line(finding, "file "))
    for change in review.changes:
        rows.append(_change_line(change))
        rows.extend(_finding_line(f) for f in _ranked(by_key.get(change.key, ())))
    counts = {s: 0 for s in ChangeStatus}
    for change in review.changes:
        counts[change.status] += 1
    errors, warnings, infos = (review.count(s) for s in Severity)
    rows.append(
        f"\n{_plural(len(review.changes), 'change')} ({counts[ChangeStatus.CHANGED]} changed, "
        f"{counts[ChangeStatus.ADDED]} added, {counts[ChangeStatus.REMOVED]} removed); "
        f"{_plural(errors, 'error')}, {_plural(warnings, 'warning')}, {infos} info"
        + (" — the errors block the submission\n" if errors else "\n")
    )
    return "".join(rows)


def _ranked(findings: Iterable[Finding]) -> list[Finding]:
    return sorted(findings, key=lambda f: f.severity.rank)
