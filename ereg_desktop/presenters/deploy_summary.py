"""The update's outcome in words (HTML for the dialog's summary): what happened, the facts, what
to do next."""

from __future__ import annotations

import html

from ereg_desktop.services.deploy.result import AppState, Block, DeployResult, Outcome
from ereg_desktop.services.durations import seconds_text

RED, GREEN, ORANGE, PURPLE, GREY = "#c62828", "#2e7d32", "#ef6c00", "#6a1b9a", "#444"
MAX_FILES = 30  # the summary lists this many changed files, then says how many more

_BLOCKS = {
    Block.REVIEW_NEEDED: "Stopped before any downtime: a review is needed",
    Block.LOCAL_CHANGES: "Stopped before any downtime: unexpected local changes",
    Block.LOCK_HELD: "Not started: someone else holds the lock",
    Block.PINNED: "Not updatable: it runs a tag",
    Block.NEEDS_REASON: "Not started: a reason is needed",
}


def _headline(app: str, r: DeployResult) -> tuple[str, str]:
    if r.outcome == Outcome.DEPLOYED:
        return f"\u2713 Updated: {app} is online at the new code", GREEN
    if r.outcome == Outcome.NOTHING_PENDING:
        return f"Nothing to update: {app} is already up to date", GREEN
    if r.outcome == Outcome.BLOCKED:
        return _BLOCKS.get(r.block or Block.PINNED, "Stopped before any downtime"), ORANGE
    if r.outcome == Outcome.CANCELLED:
        return "Cancelled before any downtime: nothing changed", ORANGE
    if r.outcome == Outcome.DETACHED:
        return "Detached: the server job goes on", PURPLE
    if r.app_state == AppState.DOWN:
        return f"\u2715 The update failed and {app} is DOWN", RED
    return f"\u2715 The update failed; {app} is {r.app_state.value}", RED


def _facts(r: DeployResult) -> str:
    facts = []
    rec = r.record
    if rec.commit_before:
        after = rec.commit_after[:8] if rec.commit_after else "\u2014"
        facts.append(f"commits: {rec.commit_before[:8]} \u2192 {after}")
    if rec.pending_commits:
        facts.append(f"{rec.pending_commits} pending commit(s)")
    if r.downtime_s is not None:
        still = r.app_state == AppState.DOWN or r.outcome == Outcome.DETACHED
        facts.append(f"downtime {seconds_text(r.downtime_s)}{' so far' if still else ''}")
    state_colour = {AppState.UP: GREEN, AppState.DOWN: RED}.get(r.app_state, GREY)
    facts.append(f'app <b style="color:{state_colour}">{r.app_state.value.upper()}</b>')
    if r.job_id:
        facts.append(f"server job {html.escape(r.job_id)}")
    return " \u00b7 ".join(facts)


def _files(r: DeployResult) -> list[str]:
    if r.inspection is None:
        return []
    if r.block == Block.REVIEW_NEEDED:
        ch = r.inspection.changes
        intro = (
            "These files changed on the server (Meta Admin edits). They must go through "
            "update-translations and a reviewed pull request before the update; the app "
            "was not stopped:"
        )
        files = ch.translations + ch.global_data
    elif r.block == Block.LOCAL_CHANGES:
        intro = "Fix these on the server first (git pull would fail or take them):"
        files = r.inspection.changes.other
    else:
        return []
    if not files:
        return [intro]
    items = "".join(f"<li><code>{html.escape(f)}</code></li>" for f in files[:MAX_FILES])
    more = f"<li>\u2026 and {len(files) - MAX_FILES} more</li>" if len(files) > MAX_FILES else ""
    return [intro, f"<ul>{items}{more}</ul>"]


def result_html(app: str, r: DeployResult) -> str:
    safe = html.escape(app)
    head, colour = _headline(safe, r)
    parts = [f'<span style="color:{colour}; font-size:large"><b>{head}</b></span>']
    parts += [html.escape(r.message), _facts(r), *_files(r)]
    if r.can_start_again:
        parts.append(
            "<b>Users cannot reach it.</b> \u201cStart it again\u201d runs "
            f"<code>pm2 start {safe}</code> with the code now on disk; see the log of the "
            "failed step for what went wrong."
        )
    if r.outcome == Outcome.DETACHED:
        parts.append(
            "The app follows the job again, verifies and records its outcome when it "
            "reconnects to the server or starts next time."
        )
    return "<br>".join(parts)


def unexpected_error_html(error: str) -> str:
    return (
        f'<span style="color:{RED}"><b>The update stopped on an unexpected error.</b></span>'
        f"<br>{html.escape(error)}<br>Check the app's state in the main window."
    )


def running_again_html(app: str, message: str) -> str:
    """Put before the run's own summary once "Start it again" brought the app back."""
    return (
        f'<span style="color:{GREEN}"><b>\u2713 {html.escape(app)} is running again</b></span>'
        f" (the code now on disk). {html.escape(message)}"
    )


def start_again_failed_html(app: str, message: str) -> str:
    return (
        f'<span style="color:{RED}"><b>Start it again failed: {html.escape(app)} is still '
        f"DOWN.</b></span> {html.escape(message)}"
    )
