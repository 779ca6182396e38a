"""The update as data (its phases, their commands, the point of no return) and the run that reads
it: cancel on each side of the point of no return, questions asked mid-run, re-attach by kind."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from deploy_fakes import FAST, FakeServer, Probe, R, holder, listing, new_run, ref

from ereg_desktop.services.deploy.decisions import (
    AnswerSource,
    DecisionChannel,
    MergeOrWait,
    PresetDecider,
    QuestionAsked,
    QuestionSettled,
    ReasonNeeded,
    ReviewTranslations,
)
from ereg_desktop.services.deploy.events import (
    CancelAvailability,
    Step,
    StepFinished,
    StepStarted,
)
from ereg_desktop.services.deploy.heartbeat import LockHeartbeat
from ereg_desktop.services.deploy.inspect import inspect_command
from ereg_desktop.services.deploy.jobs import JobKind, start_command
from ereg_desktop.services.deploy.lock import LockHeld, LockOwner, acquire_command
from ereg_desktop.services.deploy.phases import (
    POINT_OF_NO_RETURN,
    POINT_OF_NO_RETURN_PLAIN,
    UPDATE,
    Phase,
    Plan,
    phase_of,
    point_of_no_return,
    resumed_phases,
    submit_argv,
)
from ereg_desktop.services.deploy.workflow import STEPS, Block, DeployRun, Outcome

# ---- the phases as data ------------------------------------------------------------------------


def test_the_update_is_declared_as_data() -> None:
    assert [p.step for p in UPDATE] == list(STEPS)
    down = [Step.STOP, Step.SUBMIT, Step.PULL_REQUEST, Step.DEPLOY]
    assert [p.step for p in UPDATE if p.takes_app_down] == down
    # with translations pending the stop is the point of no return; without, the deploy
    assert POINT_OF_NO_RETURN == Step.STOP == point_of_no_return(UPDATE)
    assert POINT_OF_NO_RETURN_PLAIN == Step.DEPLOY == point_of_no_return(UPDATE, review=False)
    review = [Step.REVIEW, Step.STOP, Step.SUBMIT, Step.PULL_REQUEST]
    assert [p.step for p in UPDATE if p.needs_review] == review
    assert phase_of(Step.PREFLIGHT).asks == (ReasonNeeded.kind,)
    assert ReviewTranslations.kind in phase_of(Step.REVIEW).asks
    assert phase_of(Step.PULL_REQUEST).asks == (MergeOrWait.kind,)
    assert phase_of(Step.PULL_REQUEST).cancel_mode == "stop-waiting"
    assert [p.step for p in UPDATE if p.job_kind] == [Step.SUBMIT, Step.DEPLOY]
    assert phase_of(Step.SUBMIT).job_kind == JobKind.UPDATE_TRANSLATIONS
    assert [p.step for p in UPDATE if p.always] == [Step.FINISH]
    assert phase_of(Step.INSPECT).label.startswith("Inspect")


def test_the_point_of_no_return_is_the_first_phase_that_takes_the_app_down() -> None:
    def none(plan: Plan) -> tuple[()]:
        return ()

    # a phase before the deploy that takes the app down moves the point of no return there
    stop_first = (UPDATE[0], Phase(Step.INSPECT, True, none), *UPDATE[2:])
    assert point_of_no_return(stop_first) == Step.INSPECT
    with pytest.raises(ValueError, match="nothing to update"):
        point_of_no_return((UPDATE[0], UPDATE[1]))


def test_a_run_sends_exactly_the_commands_its_phases_prepare() -> None:
    server = FakeServer()
    run = new_run(server)
    events: list[Any] = []
    result = run.run(events.append)
    assert result.outcome == Outcome.DEPLOYED, result.message
    job = run.state.job
    assert job is not None
    owner = job.context.lock
    assert owner is not None and owner.job is None  # as it was when the job started
    plan = Plan(ref(), owner, job)
    assert phase_of(Step.PREFLIGHT).prepare(plan) == (acquire_command("gt", owner),)
    assert phase_of(Step.INSPECT).prepare(plan) == (inspect_command("gt", "master"),)
    sent = set(server.argvs)
    for step in (Step.PREFLIGHT, Step.INSPECT):
        assert all(c.argv in sent for c in phase_of(step).prepare(plan)), step
    assert start_command(job).argv in sent
    assert job.argv == ("pm2-deploy", "gt")
    assert submit_argv(ref()) == ("env", "-C", "gt", "update-translations")
    # without translations pending the translation phases are skipped, said so
    skipped = [e for e in events if isinstance(e, StepFinished) and e.state == "skipped"]
    assert [e.step for e in skipped] == [Step.REVIEW, Step.STOP, Step.SUBMIT, Step.PULL_REQUEST]
    with pytest.raises(ValueError, match="plan it first"):
        phase_of(Step.DEPLOY).prepare(Plan(ref(), owner))


# ---- cancel against the point of no return -----------------------------------------------------


def test_cancel_and_the_dialog_read_the_point_of_no_return() -> None:
    server = FakeServer(["running\nsize 0\n", "exit 0\nsize 0\n"])
    run = new_run(server)
    seen: list[tuple[str, bool]] = []

    def inspect(body: str) -> R:
        seen.append(("inspect", run.past_point_of_no_return))
        from deploy_fakes import INSPECTION

        return R(0, INSPECTION)

    def start(body: str) -> R:
        seen.append(("start", run.past_point_of_no_return))
        return R(0, "started 42\n")

    server.answers["inspect"] = inspect
    server.answers["start"] = start
    events: list[Any] = []
    result = run.run(events.append)
    assert result.outcome == Outcome.DEPLOYED
    assert seen == [("inspect", False), ("start", True)]
    modes = [e.mode for e in events if isinstance(e, CancelAvailability)]
    assert modes == ["cancel", "detach", "none"]
    deploy_at = next(i for i, e in enumerate(events)
                     if isinstance(e, StepStarted) and e.step == Step.DEPLOY)  # fmt: skip
    assert isinstance(events[deploy_at - 1], CancelAvailability)
    assert events[deploy_at - 1].mode == "detach"


# ---- questions asked mid-run -------------------------------------------------------------------


def test_a_reason_is_asked_mid_run_and_answered_from_another_thread() -> None:
    server = FakeServer()
    channel = DecisionChannel()
    events: list[Any] = []
    asked = threading.Event()

    def sink(event: Any) -> None:
        events.append(event)
        if isinstance(event, QuestionAsked):
            asked.set()

    run = new_run(server, ref=ref(owner="Zed"), decider=channel)
    outcome: dict[str, Any] = {}
    worker = threading.Thread(target=lambda: outcome.setdefault("r", run.run(sink)))
    worker.start()
    assert asked.wait(10)
    question = next(e.question for e in events if isinstance(e, QuestionAsked))
    assert isinstance(question, ReasonNeeded) and "Zed" in question.text
    assert question.concerns[0][0] == "owner-mismatch"
    assert server.ran == []  # nothing on the server waits while the operator types
    assert channel.pending == [question]
    assert channel.answer(question.id, "covering for Zed")
    worker.join(10)
    result = outcome["r"]
    assert result.outcome == Outcome.DEPLOYED, result.message
    assert result.record.reasons == {"owner-mismatch": "covering for Zed"}
    settled = [e.answer for e in events if isinstance(e, QuestionSettled)]
    assert [a.source for a in settled] == [AnswerSource.OPERATOR]
    assert server.ran[0] == "acquire" and "release" in server.ran
    assert not channel.answer(question.id, "too late")


def test_reasons_given_in_advance_answer_the_question_as_preset() -> None:
    server = FakeServer()
    decider = PresetDecider({ReasonNeeded.kind: "covering"})
    result = new_run(server, ref=ref(owner="Zed"), decider=decider).run()
    assert result.outcome == Outcome.DEPLOYED and result.record.reasons["owner-mismatch"]
    assert [q.kind for q in decider.asked] == [ReasonNeeded.kind]
    from ereg_desktop.services.deploy.preflight import Concern

    asked_nothing = PresetDecider()
    run = new_run(FakeServer(), ref=ref(owner="Zed"), decider=asked_nothing,
                  reasons={Concern.OWNER_MISMATCH: "in advance"})  # fmt: skip
    assert run.run().outcome == Outcome.DEPLOYED and asked_nothing.asked == []


def test_an_unanswered_question_times_out_before_anything_changes() -> None:
    server = FakeServer()
    channel = DecisionChannel()
    settings = FAST.__class__(**{**FAST.__dict__, "question_timeout_s": 0.05})
    result = new_run(server, ref=ref(owner="Zed"), decider=channel, settings=settings).run()
    assert result.outcome == Outcome.BLOCKED and result.block == Block.NEEDS_REASON
    assert "no answer within 0.05 s" in result.message
    assert server.ran == ["audit"]  # never locked, never stopped; the refusal is recorded


def test_cancel_withdraws_an_open_question() -> None:
    server = FakeServer()
    channel = DecisionChannel()
    run = new_run(server, ref=ref(owner="Zed"), decider=channel)
    asked = threading.Event()

    def sink(event: Any) -> None:
        if isinstance(event, QuestionAsked):
            asked.set()

    outcome: dict[str, Any] = {}
    worker = threading.Thread(target=lambda: outcome.setdefault("r", run.run(sink)))
    worker.start()
    assert asked.wait(10)
    assert run.cancel() == "cancel"
    worker.join(10)
    assert outcome["r"].outcome == Outcome.CANCELLED
    assert "start" not in server.ran and "acquire" not in server.ran


# ---- re-attach by the job's kind ---------------------------------------------------------------


def test_reattach_of_an_update_translations_job_goes_on_with_the_pull_request() -> None:
    server = FakeServer(["running\nsize 0\n", "exit 0\nsize 0\n"])
    blob = "a" * 40
    job = listing({"lock": holder().to_json(), "operator": "Bob",
                   "reviewed": {"i18n-messages.json": blob}},
                  kind="update-translations", argv=("env", "-C", "gt", "update-translations"))  # fmt: skip
    run = DeployRun.reattach(ref(), server, job, guard=_guard(), probe=Probe(), settings=FAST)
    steps = [Step.SUBMIT, Step.PULL_REQUEST, Step.DEPLOY, Step.VERIFY]
    assert [p.step for p in run.phases] == steps
    assert run.state.translations_pending
    assert run.state.reviewed_blobs == {"i18n-messages.json": blob}  # from job.json
    assert run.past_point_of_no_return and run.cancel() == "detach"
    run = DeployRun.reattach(ref(), server, job, guard=_guard(), probe=Probe(), settings=FAST)
    result = run.run()  # no GitHub access given: the pull request cannot be checked
    assert result.outcome == Outcome.FAILED
    assert "No GitHub access" in result.message and "server-translations" in result.message
    assert result.record.job == job.record.id and result.record.operator == "Bob"
    assert server.ran.index("audit") < server.ran.index("release")
    assert "head" not in server.ran  # nothing verified a pm2-deploy that did not run


def test_reattach_of_an_unknown_kind_says_so_and_does_not_block() -> None:
    server = FakeServer(["exit 0\nsize 0\n"])
    job = listing({"lock": holder().to_json()}, kind="make-coffee", argv=("make-coffee", "gt"))
    assert [p.step for p in resumed_phases("make-coffee")] == [Step.DEPLOY]
    result = DeployRun.reattach(ref(), server, job, guard=_guard(), probe=Probe(),
                                settings=FAST).run()  # fmt: skip
    assert "kind 'make-coffee', which this version does not know" in result.message
    assert "audit" in server.ran and "release" in server.ran  # recorded, the lock freed
    # a version-1 job.json of a command this version does not know names no kind at all
    server = FakeServer(["exit 0\nsize 0\n"])
    old = listing({"lock": holder().to_json()}, argv=("make-tea", "gt"))
    result = DeployRun.reattach(ref(), server, old, guard=_guard(), probe=Probe(),
                                settings=FAST).run()  # fmt: skip
    assert "kind none (it runs 'make-tea gt')" in result.message and "release" in server.ran


def _guard() -> Any:
    from ereg_desktop.services.deploy.actions import WriteGuard

    return WriteGuard()


# ---- the lock's heartbeat ----------------------------------------------------------------------


def test_heartbeat_renews_until_stopped_and_counts_failures() -> None:
    from ereg_desktop.errors import ConnectionProblem

    calls: list[int] = []
    twice = threading.Event()

    def renew() -> None:
        calls.append(1)
        if len(calls) == 1:
            raise ConnectionProblem("no route to host")
        if len(calls) >= 3:
            twice.set()

    beat = LockHeartbeat(renew, 0.01, "gt")
    beat.start()
    assert twice.wait(10)
    beat.stop()
    n = len(calls)
    assert beat.broken is None and "failed once (last: no route to host)" in beat.problem
    assert beat.renewals >= 2 and len(calls) == n  # nothing renews after stop()


def test_heartbeat_stops_when_someone_broke_the_lock() -> None:
    other = LockOwner("Bob", "bob-pc", 7, "2026-01-01T00:00:00+00:00", "tok2")

    refused = threading.Event()
    calls: list[int] = []

    def renew() -> None:
        calls.append(1)
        refused.set()
        raise LockHeld("gt", other)

    beat = LockHeartbeat(renew, 0.01, "gt")
    beat.start()
    assert refused.wait(10)
    beat.stop()  # returns once the beat that was refused has ended
    assert beat.broken is not None and beat.broken.holder == other
    assert calls == [1] and beat.problem == ""  # it stopped renewing a lock that is not ours


def test_a_run_whose_lock_was_broken_stops_before_the_point_of_no_return() -> None:
    from deploy_fakes import INSPECTION

    server = FakeServer()
    settings = FAST.__class__(**{**FAST.__dict__, "heartbeat_s": 0.01})
    run = new_run(server, settings=settings)
    renewed_refused = threading.Event()

    def renew(body: str) -> R:
        renewed_refused.set()
        return R(0, f"other\n{holder().to_json()}\n")  # Bob broke it and took it

    def inspect(body: str) -> R:
        assert renewed_refused.wait(10), "the lock was never renewed"
        beat = run.state.heartbeat
        assert beat is not None
        beat.stop()  # returns once the refused beat has ended
        return R(0, INSPECTION)

    server.answers["renew"] = renew
    server.answers["inspect"] = inspect
    result = run.run()
    assert result.outcome == Outcome.BLOCKED and result.block == Block.LOCK_HELD
    assert "no longer this run's" in result.message and "Bob on bob-pc" in result.message
    assert result.lock_holder is not None and result.lock_holder.operator == "Bob"
    assert "start" not in server.ran
    assert "release" not in server.ran  # the lock is Bob's now: never removed by this run
