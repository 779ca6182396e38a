"""The update with translations pending, end to end against the real sshd, pm2, git and the
GitHub stand-in: review while the app runs, stop, the files as reviewed, update-translations,
the pull request checked and merged (or waited for), pm2-deploy, verify; and every way it can
go wrong, with the app up or down said plainly."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from deploy_helpers import Recorder, lock_dir, server_audit, shell, wait_until
from translations_flow_helpers import (
    APPROVE,
    MERGE,
    OWNER,
    Operator,
    access,
    approving,
    change_messages,
    github_standin,
    jlist_pid,
    master_file,
    new_run,
    parents,
    push_to_branch,
    repo_ref,
    restore_app,
    serialize_messages,
    server_messages,
)

from ereg_desktop.remote.connection import ConnectionPool
from ereg_desktop.services.deploy.decisions import MergeChoice, ReviewVerdict
from ereg_desktop.services.deploy.events import DowntimeStarted, JobStarted, StepFinished
from ereg_desktop.services.deploy.workflow import (
    AppState,
    Block,
    DeployRun,
    Outcome,
    Step,
    StepState,
)
from ereg_desktop.services.github.errors import TokenMissing
from ereg_desktop.services.i18n.changes import ChangeStatus
from ereg_desktop.services.i18n.findings import CheckId
from ereg_desktop.services.i18n.messages_file import parse_messages

APP = "gt-dev"


@pytest.fixture(scope="module")
def github(sandbox: Any) -> Iterator[Any]:
    with github_standin(sandbox) as standin:
        yield standin


@pytest.fixture
def app(sandbox: Any) -> Iterator[str]:
    restore_app(sandbox, APP)
    yield APP
    restore_app(sandbox, APP)


def branch_head(box: Any, app: str, branch: str = "server-translations") -> str:
    return box.git(box.bare_repo(app), "rev-parse", "--verify", "-q", f"refs/heads/{branch}",
                   check=False)  # fmt: skip


def test_reviewed_translations_are_submitted_merged_and_deployed(
    sandbox: Any, pool: ConnectionPool, tmp_path: Path, github: Any, app: str
) -> None:
    ref = repo_ref(sandbox, app)
    wanted = change_messages(sandbox, app, {"Submit": "Enviar ahora", "Nuevo": "Nuevo texto"})
    sandbox.write_app_file(app, "data/global.json", '{"system": "gt-dev", "currency": "GTQ"}\n')
    events = Recorder()
    purposes: list[str] = []

    def approve_seeing_the_lock(question: Any) -> ReviewVerdict:
        # while the operator reviews, others see the lock held for a review, the app running
        owner = json.loads((lock_dir(sandbox, app) / "owner.json").read_text())
        purposes.append(owner["purpose"])
        assert sandbox.pm2_status(app) == "online"
        return APPROVE

    operator = approving(review=approve_seeing_the_lock)
    run = new_run(pool, ref, tmp_path, github, operator)
    result = run.run(events)
    assert result.outcome == Outcome.DEPLOYED, result.message
    assert result.ok and result.app_state == AppState.UP
    assert purposes == ["review"]
    assert operator.kinds() == ["review", "merge-or-wait"]
    review = operator.asked[0].review
    changed = {c.key: c for c in review.changes}
    assert changed["Submit"].status == ChangeStatus.CHANGED
    assert changed["Submit"].new == "Enviar ahora"
    assert changed["Nuevo"].status == ChangeStatus.ADDED
    assert [d.path for d in review.data_diffs] == ["data/global.json"]
    # the merge is a real merge commit on master, the branch kept, and ~/APP runs it
    assert len(parents(sandbox, app)) == 2
    assert branch_head(sandbox, app)
    assert parse_messages(master_file(sandbox, app)) == wanted
    assert sandbox.head(app) == sandbox.origin_head(app)
    assert sandbox.git(app, "status", "--porcelain") == ""
    assert server_messages(sandbox, app) == wanted
    # the review happened while the app ran: the downtime starts after it
    seen = events.snapshot()
    reviewed = next(i for i, e in enumerate(seen)
                    if isinstance(e, StepFinished) and e.step == Step.REVIEW)  # fmt: skip
    down = next(i for i, e in enumerate(seen) if isinstance(e, DowntimeStarted))
    assert reviewed < down
    finished = {e.step: e.state for e in seen if isinstance(e, StepFinished)}
    for step in (Step.REVIEW, Step.STOP, Step.SUBMIT, Step.PULL_REQUEST, Step.DEPLOY, Step.VERIFY):
        assert finished[step] == StepState.OK, step
    # both server jobs recorded once, the lock released
    assert DeployRun.find_jobs(shell(pool, ref), app) == []
    record = server_audit(sandbox, app)[-1]
    assert record["result"] == "deployed" and record["job"] == result.job_id
    assert not lock_dir(sandbox, app).exists()


def test_an_error_in_the_translations_stops_the_update_before_any_downtime(
    sandbox: Any, pool: ConnectionPool, tmp_path: Path, github: Any, app: str
) -> None:
    ref = repo_ref(sandbox, app)
    change_messages(sandbox, app, {"I'm ${ fullName }": "Soy ${ process.version }"})
    pid, before = jlist_pid(sandbox, app), branch_head(sandbox, app)
    operator = approving()
    result = new_run(pool, ref, tmp_path, github, operator).run()
    assert result.outcome == Outcome.BLOCKED and result.block == Block.CHECKS_FAILED
    assert "es_format" in result.message and "Nothing was stopped" in result.message
    assert result.app_state == AppState.UP and jlist_pid(sandbox, app) == pid
    assert branch_head(sandbox, app) == before  # nothing submitted
    assert operator.kinds() == ["review"]
    assert not lock_dir(sandbox, app).exists()


def test_a_warning_not_acknowledged_stops_the_update_with_the_app_running(
    sandbox: Any, pool: ConnectionPool, tmp_path: Path, github: Any, app: str
) -> None:
    ref = repo_ref(sandbox, app)
    change_messages(sandbox, app, {"Welcome to ${ systemName }": "Bienvenido"})
    pid = jlist_pid(sandbox, app)
    operator = approving(review=ReviewVerdict(approved=True, acknowledged_warnings=False))
    result = new_run(pool, ref, tmp_path, github, operator).run()
    assert result.outcome == Outcome.BLOCKED and result.block == Block.CHECKS_FAILED
    assert "warning" in result.message and jlist_pid(sandbox, app) == pid
    review = operator.asked[0].review
    assert any(f.check == CheckId.PLACEHOLDERS and f.key == "Welcome to ${ systemName }"
               for f in review.findings)  # fmt: skip


def test_the_operator_rejecting_the_review_stops_before_any_downtime(
    sandbox: Any, pool: ConnectionPool, tmp_path: Path, github: Any, app: str
) -> None:
    ref = repo_ref(sandbox, app)
    change_messages(sandbox, app, {"Submit": "Mandar"})
    pid = jlist_pid(sandbox, app)
    operator = approving(review=ReviewVerdict(approved=False))
    result = new_run(pool, ref, tmp_path, github, operator).run()
    assert result.outcome == Outcome.BLOCKED and result.block == Block.REVIEW_REJECTED
    assert jlist_pid(sandbox, app) == pid and result.app_state == AppState.UP


def test_a_fix_made_in_the_review_is_written_after_the_stop_and_submitted(
    sandbox: Any, pool: ConnectionPool, tmp_path: Path, github: Any, app: str
) -> None:
    ref = repo_ref(sandbox, app)
    key = "I'm ${ fullName }"
    change_messages(sandbox, app, {key: "Soy ${ primerNombre }", "Submit": "Enviar ya"})
    fixed = ReviewVerdict(approved=True, edits={key: "Soy ${ fullName }, hola"},
                          acknowledged_warnings=True)  # fmt: skip
    operator = approving(review=fixed)
    result = new_run(pool, ref, tmp_path, github, operator).run()
    assert result.outcome == Outcome.DEPLOYED, result.message
    assert any(f.check == CheckId.PLACEHOLDERS for f in operator.asked[0].review.findings)
    merged = parse_messages(master_file(sandbox, app))
    assert merged[key] == "Soy ${ fullName }, hola" and merged["Submit"] == "Enviar ya"
    assert server_messages(sandbox, app)[key] == "Soy ${ fullName }, hola"


def test_files_changed_after_the_review_are_reviewed_again(
    sandbox: Any, pool: ConnectionPool, tmp_path: Path, github: Any, app: str
) -> None:
    ref = repo_ref(sandbox, app)
    change_messages(sandbox, app, {"Submit": "Enviar (1)"})

    def first_approve_then_the_panel_writes(question: Any) -> ReviewVerdict:
        if not question.again:  # the Meta Admin panel writes while the operator approves
            change_messages(sandbox, app, {"Submit": "Enviar (2)", "legend": "Leyenda nueva"})
        return APPROVE

    operator = approving(review=first_approve_then_the_panel_writes)
    result = new_run(pool, ref, tmp_path, github, operator).run()
    assert result.outcome == Outcome.DEPLOYED, result.message
    assert operator.kinds() == ["review", "review", "merge-or-wait"]
    again = operator.asked[1]
    assert again.again
    meanwhile = {c.key: c.new for c in again.review.changes}
    assert meanwhile == {"Submit": "Enviar (2)", "legend": "Leyenda nueva"}
    merged = parse_messages(master_file(sandbox, app))
    assert merged["Submit"] == "Enviar (2)" and merged["legend"] == "Leyenda nueva"


def test_no_token_stops_before_any_downtime_and_says_how_to_add_one(
    sandbox: Any, pool: ConnectionPool, tmp_path: Path, github: Any, app: str
) -> None:
    ref = repo_ref(sandbox, app)
    change_messages(sandbox, app, {"Submit": "Enviar sin token"})
    pid = jlist_pid(sandbox, app)

    def no_token(repo: str) -> Any:
        raise TokenMissing()

    operator = approving()
    result = new_run(pool, ref, tmp_path, github, operator, github=no_token).run()
    assert result.outcome == Outcome.BLOCKED and result.block == Block.GITHUB
    assert "github login" in result.message and "Nothing was stopped" in result.message
    assert jlist_pid(sandbox, app) == pid and operator.asked == []


def test_a_token_github_refuses_stops_before_any_downtime(
    sandbox: Any, pool: ConnectionPool, tmp_path: Path, github: Any, app: str
) -> None:
    ref = repo_ref(sandbox, app)
    change_messages(sandbox, app, {"Submit": "Enviar con token malo"})
    pid = jlist_pid(sandbox, app)
    run = new_run(pool, ref, tmp_path, github, approving(), github=access(github, "ghp_WRONG"))
    result = run.run()
    assert result.outcome == Outcome.BLOCKED and result.block == Block.GITHUB
    assert "token" in result.message.lower() and jlist_pid(sandbox, app) == pid
    assert "ghp_WRONG" not in result.message


def test_github_not_answering_after_the_stop_says_the_app_is_down_and_start_again_works(
    sandbox: Any, pool: ConnectionPool, tmp_path: Path, github: Any, app: str
) -> None:
    ref = repo_ref(sandbox, app)
    change_messages(sandbox, app, {"Submit": "Enviar sin GitHub"})

    def approve_then_github_goes_away(question: Any) -> ReviewVerdict:
        github.down = True
        return APPROVE

    run = new_run(pool, ref, tmp_path, github, approving(review=approve_then_github_goes_away))
    try:
        result = run.run()
    finally:
        github.down = False
    assert result.outcome == Outcome.FAILED and result.app_state == AppState.DOWN
    assert result.can_start_again
    assert "server-translations" in result.message and "DOWN" in result.message
    again = run.start_again()
    assert again.ok, again.message
    assert sandbox.pm2_status(app) == "online"


def test_a_refused_merge_leaves_a_clear_way_on(
    sandbox: Any, pool: ConnectionPool, tmp_path: Path, github: Any, app: str
) -> None:
    ref = repo_ref(sandbox, app)
    change_messages(sandbox, app, {"Submit": "Enviar rechazado"})
    github.refuse_merge = 405
    try:
        run = new_run(pool, ref, tmp_path, github, approving())
        result = run.run()
    finally:
        github.refuse_merge = None
    assert result.outcome == Outcome.FAILED and result.app_state == AppState.DOWN
    assert "/pull/" in result.message and "server-translations" in result.message
    assert run.start_again().ok


def test_a_conflict_with_master_is_said_and_nothing_is_merged(
    sandbox: Any, pool: ConnectionPool, tmp_path: Path, github: Any, app: str
) -> None:
    ref = repo_ref(sandbox, app)
    change_messages(sandbox, app, {"Submit": "Enviar aqui"})
    # someone changed the same line on master meanwhile (the server has not pulled it)
    theirs = server_messages(sandbox, app)
    theirs["Submit"] = "Enviar alla"
    sandbox.push_commit(app, {"i18n-messages.json": serialize_messages(theirs).decode()},
                        "translations edited on master")  # fmt: skip
    master = sandbox.origin_head(app)
    run = new_run(pool, ref, tmp_path, github, approving())
    result = run.run()
    assert result.outcome == Outcome.FAILED and result.app_state == AppState.DOWN
    assert "conflict" in result.message
    assert sandbox.origin_head(app) == master  # nothing merged
    assert run.start_again().ok


def test_a_head_that_moved_after_the_review_is_refused(
    sandbox: Any, pool: ConnectionPool, tmp_path: Path, github: Any, app: str
) -> None:
    ref = repo_ref(sandbox, app)
    change_messages(sandbox, app, {"Submit": "Enviar movido"})

    def someone_pushes_then_merge(question: Any) -> str:
        push_to_branch(sandbox, app, "server-translations", "late.txt", "pushed late\n")
        return MERGE

    master = sandbox.origin_head(app)
    run = new_run(pool, ref, tmp_path, github, approving(merge_or_wait=someone_pushes_then_merge))
    result = run.run()
    assert result.outcome == Outcome.FAILED and result.app_state == AppState.DOWN
    assert "new commits after it was reviewed" in result.message
    assert sandbox.origin_head(app) == master
    assert run.start_again().ok


def test_waiting_for_a_merge_on_github_goes_on_once_someone_merges(
    sandbox: Any, pool: ConnectionPool, tmp_path: Path, github: Any, app: str
) -> None:
    ref = repo_ref(sandbox, app)
    wanted = change_messages(sandbox, app, {"Submit": "Enviar tras esperar"})
    events = Recorder()
    merged = threading.Event()

    def wait_and_have_someone_merge(question: Any) -> str:
        number = int(question.pull_url.rstrip("/").rsplit("/", 1)[1])

        def someone() -> None:
            wait_until(lambda: any("waiting for someone" in ln for ln in events.lines()), 30,
                       "the run waiting for the merge")  # fmt: skip
            github.merged_by_someone(f"{OWNER}/{app}", number)
            merged.set()

        threading.Thread(target=someone, daemon=True).start()
        return str(MergeChoice.WAIT)

    operator = approving(merge_or_wait=wait_and_have_someone_merge)
    result = new_run(pool, ref, tmp_path, github, operator).run(events)
    assert merged.is_set()
    assert result.outcome == Outcome.DEPLOYED, result.message
    assert parse_messages(master_file(sandbox, app)) == wanted


def test_a_desktop_that_lets_go_during_update_translations_is_taken_over_by_a_reattach(
    sandbox: Any, pool: ConnectionPool, tmp_path: Path, github: Any, app: str
) -> None:
    ref = repo_ref(sandbox, app)
    wanted = change_messages(sandbox, app, {"Submit": "Enviar retomado"})
    run = new_run(pool, ref, tmp_path, github, approving())

    def let_go_when_submit_starts(event: Any) -> None:
        if isinstance(event, JobStarted) and not event.reattached:
            run.cancel()  # past the point of no return: a detach

    first = run.run(let_go_when_submit_starts)
    assert first.outcome == Outcome.DETACHED, first.message
    jobs = DeployRun.find_jobs(shell(pool, ref), app)
    assert [j.record.kind for j in jobs] == ["update-translations"]
    operator = Operator(merge_or_wait=MERGE)
    again = DeployRun.reattach(ref, shell(pool, ref), jobs[0], guard=run.state.guard,
                               settings=run.state.settings, decider=operator,
                               github=access(github))  # fmt: skip
    result = again.run()
    assert result.outcome == Outcome.DEPLOYED, result.message
    assert operator.kinds() == ["merge-or-wait"]
    assert parse_messages(master_file(sandbox, app)) == wanted
    assert DeployRun.find_jobs(shell(pool, ref), app) == []
    assert not lock_dir(sandbox, app).exists()


def test_production_runs_the_model_load_check_while_the_app_runs(
    sandbox: Any, pool: ConnectionPool, tmp_path: Path, github: Any, app: str
) -> None:
    ref = repo_ref(sandbox, app, environment="production")
    # a line break in a label: the model throws at load, the server would not start
    change_messages(sandbox, app, {"Business registration": "Registro\nde empresas"})
    pid = jlist_pid(sandbox, app)
    operator = approving()
    result = new_run(pool, ref, tmp_path, github, operator).run()
    assert result.outcome == Outcome.BLOCKED and result.block == Block.CHECKS_FAILED
    findings = operator.asked[0].review.findings
    model = [f for f in findings if f.check == CheckId.MODEL_LOAD]
    assert model and "match" in model[0].message, findings
    assert any(f.check == CheckId.STRINGLINE for f in findings)
    assert jlist_pid(sandbox, app) == pid and result.app_state == AppState.UP


def test_development_skips_the_model_load_check_by_default(
    sandbox: Any, pool: ConnectionPool, tmp_path: Path, github: Any, app: str
) -> None:
    ref = repo_ref(sandbox, app)
    change_messages(sandbox, app, {"Business registration": "Registro\nde empresas"})
    operator = approving()
    result = new_run(pool, ref, tmp_path, github, operator).run()
    assert result.block == Block.CHECKS_FAILED  # the offline StringLine rule still stops it
    checks = {f.check for f in operator.asked[0].review.findings}
    assert CheckId.STRINGLINE in checks and CheckId.MODEL_LOAD not in checks


def test_github_not_answering_before_the_stop_leaves_the_app_running(
    sandbox: Any, pool: ConnectionPool, tmp_path: Path, github: Any, app: str
) -> None:
    ref = repo_ref(sandbox, app)
    change_messages(sandbox, app, {"Submit": "Enviar sin respuesta"})
    pid = jlist_pid(sandbox, app)
    github.down = True
    try:
        result = new_run(pool, ref, tmp_path, github, approving()).run()
    finally:
        github.down = False
    assert result.outcome == Outcome.BLOCKED and result.block == Block.GITHUB
    assert github.url in result.message and "Nothing was stopped" in result.message
    assert jlist_pid(sandbox, app) == pid and result.app_state == AppState.UP
    assert not lock_dir(sandbox, app).exists()
