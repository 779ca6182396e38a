"""``ereg-desktop translations diff APP [--json]``: the pending translation and global-data
changes on the server, checked, without changing anything there.

One read (the committed and the working tree's ``i18n-messages.json``, the changed ``data/``
files, the scan map), the offline checks, and, when the setting says so (production: on;
otherwise off unless ``--model-check``), the server's model loaded with the new file. Exit 1 when
any finding is an error, 0 otherwise (nothing pending included).
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from ereg_desktop.commands._deploy_common import find_deployment, open_shell
from ereg_desktop.context import AppContext
from ereg_desktop.errors import EXIT_FAILED, EXIT_OK
from ereg_desktop.services.deploy.model_check import (
    DEFAULT_TIMEOUT_S,
    ModelCheck,
    model_check,
    model_check_wanted,
)
from ereg_desktop.services.deploy.translations_read import (
    TRANSLATIONS_FILE,
    PendingTranslations,
    read_pending,
    review_of,
)
from ereg_desktop.services.i18n.changes import Change, ChangeStatus, Value
from ereg_desktop.services.i18n.findings import Finding, Severity
from ereg_desktop.services.i18n.review import DataFileDiff
from ereg_desktop.services.shown_text import printable


def add_diff_arguments(parser: argparse.ArgumentParser) -> None:
    """The ``diff`` subcommand's arguments (``translations.py`` defines the subparser)."""
    parser.add_argument("app", metavar="APP", help="the pm2 app name (its folder on the server)")
    parser.add_argument("--server", metavar="ID", help="when the app name is on several servers")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.add_argument(
        "--model-check",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="load the server's model with the new file (default: on for production only)",
    )
    parser.add_argument(
        "--model-timeout",
        type=float,
        default=DEFAULT_TIMEOUT_S,
        metavar="S",
        help=f"time limit of the model check (default {DEFAULT_TIMEOUT_S:g} s)",
    )


def run_diff(args: argparse.Namespace, paths: Any) -> int:
    ctx = AppContext.for_cli(paths)
    ref = find_deployment(ctx, args.app, getattr(args, "server", None))
    app = ref.deployment.app
    wanted = model_check_wanted(ref.deployment.environment, getattr(args, "model_check", None))
    pool, shell = open_shell(ctx, ref)
    check: ModelCheck | None = None
    try:
        pending = read_pending(shell, app)
        if pending.nothing_pending:
            return _nothing(app, args.json)
        review = review_of(pending)
        findings = list(review.findings)
        if wanted and TRANSLATIONS_FILE in pending.blobs and pending.current is not None:
            timeout_s = float(getattr(args, "model_timeout", DEFAULT_TIMEOUT_S))
            check = model_check(shell, app, pending.current, timeout_s=timeout_s)
            found = check.finding()
            if found is not None:
                findings.append(found)
    finally:
        pool.close()
    changes = list(review.changes)
    if args.json:
        print(json.dumps(as_json(app, changes, findings, pending, check), indent=2,
                         ensure_ascii=False))  # fmt: skip
    else:
        print(human(app, changes, findings, pending, check, wanted=wanted))
    return EXIT_FAILED if any(f.blocks for f in findings) else EXIT_OK


def _nothing(app: str, as_json_output: bool) -> int:
    if as_json_output:
        empty = {"app": app, "changes": [], "findings": [], "data": []}
        print(json.dumps(empty, indent=2))
    else:
        print(f"{app}: no pending changes in {TRANSLATIONS_FILE} or data/.")
    return EXIT_OK


def data_json(diff: DataFileDiff) -> dict[str, object]:
    return {"path": diff.path, "status": diff.status, "binary": diff.binary, "diff": diff.unified}


def as_json(
    app: str,
    changes: list[Change],
    findings: list[Finding],
    pending: PendingTranslations,
    check: ModelCheck | None,
) -> dict[str, object]:
    out: dict[str, object] = {
        "app": app,
        "changes": [c.as_json() for c in changes],
        "findings": [f.as_json() for f in findings],
        "data": [data_json(d) for d in pending.data_diffs],
    }
    if check is not None:
        out["model_check"] = {
            "ran": check.ran,
            "ok": check.ok,
            "timed_out": check.timed_out,
            "message": check.message,
            "seconds": round(check.seconds, 3),
        }
    return out


def _value(value: Value | None) -> str:
    """A value on one line: JSON escapes line breaks and control characters; what else is
    invisible or reorders text (U+2028, bidi controls) is shown as a space."""
    return printable(json.dumps(value, ensure_ascii=False))


_STATUS_WORDS = {
    ChangeStatus.ADDED: "added  ",
    ChangeStatus.CHANGED: "changed",
    ChangeStatus.REMOVED: "removed",
}


def _change_line(change: Change) -> str:
    key = _value(change.key)
    word = _STATUS_WORDS[change.status]
    if change.status == ChangeStatus.ADDED:
        return f"  {word} {key}: {_value(change.new)}"
    if change.status == ChangeStatus.REMOVED:
        return f"  {word} {key} (was {_value(change.old)}; English is shown again)"
    return f"  {word} {key}: {_value(change.old)} -> {_value(change.new)}"


def _finding_line(finding: Finding) -> str:
    where = f" ({printable(finding.where)})" if finding.where else ""
    key = f" {_value(finding.key)}" if finding.key is not None else ""
    return f"  {finding.severity:<7} [{finding.check}]{key}: {printable(finding.message)}{where}"


def human(
    app: str,
    changes: list[Change],
    findings: list[Finding],
    pending: PendingTranslations,
    check: ModelCheck | None,
    *,
    wanted: bool,
) -> str:
    counts = ", ".join(
        f"{sum(1 for f in findings if f.severity == s)} {s}" for s in Severity
    )  # fmt: skip
    lines = [f"{app}: {len(changes)} translation change(s), {counts}"]
    lines += [_change_line(c) for c in changes]
    if findings:
        lines.append("Findings:")
        lines += [_finding_line(f) for f in sorted(findings, key=lambda f: f.severity.rank)]
    if pending.data_diffs:
        lines.append("Changed files under data/:")
        for diff in pending.data_diffs:
            kind = " (binary)" if diff.binary else ""
            lines.append(f"  {diff.status} {printable(diff.path)}{kind}")
            lines += [
                "    " + printable(line, keep="\t") for line in diff.unified.splitlines()
            ]  # fmt: skip
    if check is not None:
        lines.append(f"Model check: {printable(check.message)} ({check.seconds:.1f} s)")
    elif not wanted and TRANSLATIONS_FILE in pending.blobs:
        lines.append("Model check: not run (off for this environment; --model-check runs it)")
    return "\n".join(lines)
