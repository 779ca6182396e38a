"""``ereg-desktop translations diff APP [--json]``: the pending translation and global-data
changes on the server, checked, without changing anything there.

One read (the committed and the working tree's ``i18n-messages.json``, the changed ``data/``
files, the scan map), the offline checks, and, when the setting says so (production: on;
otherwise off unless ``--model-check``), the server's model loaded with the new file. The lines
and the JSON are ``translations check``'s (its formatter), plus the data/ files. Exit 1 when any
finding is an error, 0 otherwise (nothing pending included).
"""

from __future__ import annotations

import argparse
from dataclasses import replace
from typing import Any

from ereg_desktop.commands._deploy_common import find_deployment, open_shell
from ereg_desktop.commands.translations import json_text, review_json, review_text, shown
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
    read_pending,
    review_of,
)
from ereg_desktop.services.i18n.review import DataFileDiff, TranslationReview
from ereg_desktop.services.shown_text import printable


def run_diff(args: argparse.Namespace, paths: Any) -> int:
    """``args``: app, json; optional (``translations.py`` defines them): server, model_check
    (None: the setting), model_timeout."""
    ctx = AppContext.for_cli(paths)
    ref = find_deployment(ctx, args.app, getattr(args, "server", None))
    app = ref.deployment.app
    wanted = model_check_wanted(ref.deployment.environment, getattr(args, "model_check", None))
    timeout_s = float(getattr(args, "model_timeout", None) or DEFAULT_TIMEOUT_S)
    pool, shell = open_shell(ctx, ref)
    check: ModelCheck | None = None
    try:
        pending = read_pending(shell, app)
        if pending.nothing_pending:
            if args.json:
                print(json_text({"app": app, "changes": [], "findings": [], "data": []}))
            else:
                print(f"{app}: nothing pending (no changes in {TRANSLATIONS_FILE} or data/).")
            return EXIT_OK
        review = review_of(pending)
        if wanted and TRANSLATIONS_FILE in pending.blobs and pending.current is not None:
            check = model_check(shell, app, pending.current, timeout_s=timeout_s)
            found = check.finding()
            if found is not None:
                review = replace(review, findings=(found, *review.findings))
    finally:
        pool.close()
    if args.json:
        print(json_text(as_json(review, check)))
    else:
        print(human(review, check, wanted=wanted), end="")
    return EXIT_FAILED if review.blocked else EXIT_OK


def data_json(diff: DataFileDiff) -> dict[str, object]:
    return {"path": diff.path, "status": diff.status, "binary": diff.binary, "diff": diff.unified}


def as_json(review: TranslationReview, check: ModelCheck | None) -> dict[str, object]:
    """``translations check``'s shape with the app and the data/ files; ``model_check`` when
    it was asked for."""
    out: dict[str, object] = {"app": review.app, **review_json(review)}
    out["data"] = [data_json(d) for d in review.data_diffs]
    if check is not None:
        out["model_check"] = {
            "ran": check.ran,
            "ok": check.ok,
            "timed_out": check.timed_out,
            "message": check.message,
            "seconds": round(check.seconds, 3),
        }
    return out


def human(review: TranslationReview, check: ModelCheck | None, *, wanted: bool) -> str:
    """``translations check``'s lines, then the changed data/ files with their diffs, then how
    the model check went."""
    rows = [review_text(review, f"{review.app}: HEAD:{TRANSLATIONS_FILE}", "working tree")]
    if review.data_diffs:
        rows.append(f"\n{len(review.data_diffs)} changed file(s) under data/:\n")
        for diff in review.data_diffs:
            rows.append(f"{diff.status:<9}{shown(diff.path)}{' (binary)' if diff.binary else ''}\n")
            rows.extend(
                f"    {printable(line, keep=chr(9))}\n" for line in diff.unified.splitlines()
            )
    if check is not None:
        rows.append(f"\nModel check: {printable(check.message)} ({check.seconds:.1f} s)\n")
    elif not wanted and TRANSLATIONS_FILE in review.reviewed_blobs:
        rows.append("\nModel check: not run (off for this environment; --model-check runs it)\n")
    return "".join(rows)
