"""The deploy dialog's state driven by event sequences: no Qt, no server."""

from __future__ import annotations

from typing import Any

from ereg_desktop.presenters.deploy_progress import (
    CANCEL,
    DETACH,
    DETACH_TIP,
    LOG_MAX_LINES,
    NO_CANCEL,
    DeployProgress,
)
from ereg_desktop.presenters.deploy_questions import prompt_for
from ereg_desktop.services.deploy.actions import ActionResult
from ereg_desktop.services.deploy.audit import AuditRecord
from ereg_desktop.services.deploy.decisions import (
    AcknowledgeWarnings,
    Answer,
    AnswerSource,
    MergeChoice,
    MergeOrWait,
    QuestionAsked,
    QuestionSettled,
    ReasonNeeded,
)
from ereg_desktop.services.deploy.events import (
    AppStateChanged,
    CancelAvailability,
    ConnectionLost,
    DowntimeEnded,
    DowntimeStarted,
    JobStarted,
    Reconnected,
    Step,
    StepFinished,
    StepLog,
    StepProgress,
    StepStarted,
    StepState,
)
from ereg_desktop.services.deploy.result import AppState, DeployResult, Outcome
from ereg_desktop.store.inventory import Deployment, DeploymentRef, Server, System


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def ref(environment: str = "production") -> DeploymentRef:
    dep = Deployment(environment, "main", "gt", "https://gt.example.org", "master")
    return DeploymentRef(System("Guatemala", deployments=[dep]), dep, Server("main", "example.org"))


def result(outcome: Outcome, app_state: AppState, **kw: Any) -> DeployResult:
    record = AuditRecord("deploy", "gt", "main", "production", "Ann", "pc", "2026-01-01T00:00:00")
    record.commit_before = "1a2b3c4d5e6f"
    return DeployResult(outcome, app_state, f"{outcome} message", record, **kw)


def progress(env: str = "production") -> tuple[DeployProgress, Clock, Clock]:
    wall, mono = Clock(1_000.0), Clock(50.0)
    p = DeployProgress(ref(env), clock=wall, monotonic=mono)
    p.begin()
    return p, wall, mono


def test_events_fold_into_steps_with_times_logs_and_progress() -> None:
    p, _wall, mono = progress()
    change = p.apply(StepStarted(Step.PREFLIGHT, 1_000.0))
    assert change.state == change.started == Step.PREFLIGHT
    assert p.steps[Step.PREFLIGHT].state == StepState.RUNNING and p.current == Step.PREFLIGHT
    mono.now += 1.5
    assert p.elapsed(Step.PREFLIGHT) == 1.5  # ticks while running
    assert p.apply(StepLog(Step.PREFLIGHT, "locked")).line == Step.PREFLIGHT
    p.apply(StepProgress(Step.PREFLIGHT, "[##--] 50%"))
    assert p.steps[Step.PREFLIGHT].progress == "[##--] 50%"
    change = p.apply(StepFinished(Step.PREFLIGHT, StepState.OK, "locked", 0.2))
    record = p.steps[Step.PREFLIGHT]
    assert record.state == StepState.OK and p.elapsed(Step.PREFLIGHT) == 0.2
    assert record.progress == "" and record.log == ["locked"]  # an OK message is not logged
    assert change.line is None
    p.apply(StepStarted(Step.DEPLOY, 1_001.0))
    p.apply(StepFinished(Step.DEPLOY, StepState.FAILED, "exit code 1", 4.0))
    assert p.steps[Step.DEPLOY].log == ["failed: exit code 1"]
    assert p.apply(JobStarted("job-1", reattached=False)).status is False
    assert p.job_id == "job-1"


def test_a_step_log_keeps_only_the_newest_lines() -> None:
    p, _, _ = progress()
    for n in range(LOG_MAX_LINES + 5):
        p.apply(StepLog(Step.DEPLOY, f"line {n}"))
    log = p.steps[Step.DEPLOY].log
    assert len(log) == LOG_MAX_LINES and log[0] == "line 5"


def test_downtime_counts_while_down_and_ends_with_its_total() -> None:
    p, wall, _ = progress()
    assert p.downtime_text() == "No downtime so far: the app is online"
    p.apply(DowntimeStarted(997.0))
    assert p.down_now and p.downtime_text() == "App DOWN for 3.0 s"
    wall.now += 62
    assert p.downtime_text() == "App DOWN for 1:05 min"
    p.apply(DowntimeEnded(1_060.0, 63.0))
    assert not p.down_now and p.downtime_text() == "Downtime: 1:03 min (back online)"


def test_a_failed_run_leaves_the_counter_running_then_start_again_stops_it() -> None:
    p, wall, _ = progress()
    p.apply(StepStarted(Step.PREFLIGHT, 1_000.0))
    p.apply(StepFinished(Step.PREFLIGHT, StepState.OK, "", 0.1))
    # the result knows the app is down (3 s so far), the events never said when it went down
    skipped = p.finished(result(Outcome.FAILED, AppState.DOWN, downtime_s=3.0))
    assert skipped == [Step.INSPECT, Step.REVIEW, Step.STOP, Step.SUBMIT, Step.PULL_REQUEST,
                       Step.DEPLOY, Step.VERIFY, Step.FINISH]  # fmt: skip
    assert all(p.steps[s].state == StepState.SKIPPED for s in skipped)
    assert p.down_now and p.ticking and p.downtime_text() == "App DOWN for 3.0 s"
    assert p.offers_start_again and not p.offers_restart
    title, text = p.notification() or ("", "")
    assert title == "gt is DOWN" and "Start it again" in text
    assert "DOWN" in p.summary_html and "1a2b3c4d" in p.summary_html
    p.begin_start_again()
    assert p.busy and p.steps[Step.VERIFY].log == ["Start it again: pm2 start gt"]
    wall.now += 7
    p.started_again(ActionResult("start", "gt", True, "online", 0.4, "gt: started", ""))
    assert not p.busy and not p.offers_start_again and p.notification() is None
    assert p.downtime_text() == "Downtime: 10.0 s (back online)"
    assert p.app_status == "pm2: online"
    assert p.summary_html.index("running again") < p.summary_html.index("DOWN")


def test_start_again_that_fails_says_the_app_is_still_down() -> None:
    p, _, _ = progress()
    p.finished(result(Outcome.FAILED, AppState.DOWN, downtime_s=3.0))
    p.begin_start_again()
    p.started_again(ActionResult("start", "gt", False, "errored", 0.4, "gt: errored", ""))
    assert p.offers_start_again and p.down_now
    assert "still DOWN" in p.summary_html and "gt: errored" in p.summary_html


def test_the_result_figure_wins_once_the_app_is_up() -> None:
    p, _, _ = progress()
    p.apply(DowntimeStarted(990.0))
    p.finished(result(Outcome.DEPLOYED, AppState.UP, downtime_s=4.5))
    assert not p.ticking and p.downtime_text() == "Downtime: 4.5 s (back online)"
    assert "Updated" in p.summary_html and "downtime 4.5 s" in p.summary_html


def test_cancel_button_follows_the_point_of_no_return() -> None:
    p = DeployProgress(ref())
    assert p.cancel_button().visible is False  # nothing runs yet
    p.begin()
    assert (p.cancel_button().text, p.cancel_button().enabled) == ("Cancel", True)
    p.apply(CancelAvailability(DETACH))
    button = p.cancel_button()
    assert button.text == "Detach" and button.tip == DETACH_TIP and button.enabled
    p.apply(CancelAvailability(NO_CANCEL))
    assert p.cancel_button().enabled is False and "Verifying" in p.cancel_button().tip
    p.apply(CancelAvailability(DETACH))
    p.cancel_pressed = DETACH
    assert (p.cancel_button().text, p.cancel_button().enabled) == ("Detaching\u2026", False)
    p.finished(result(Outcome.DETACHED, AppState.UNKNOWN))
    assert p.cancel_button().visible is False


def test_waiting_for_a_merge_on_github_offers_stop_waiting_with_the_app_down() -> None:
    from ereg_desktop.presenters.deploy_progress import STOP_WAITING, STOP_WAITING_TIP

    p = DeployProgress(ref())
    p.begin()
    p.apply(CancelAvailability(STOP_WAITING))
    button = p.cancel_button()
    assert button.text == "Stop waiting" and button.tip == STOP_WAITING_TIP and button.enabled
    ask = p.close_question()
    assert ask is not None and ask.then == STOP_WAITING and "stays down" in ask.text
    p.cancel_pressed = DETACH  # what DeployRun.cancel() answers past the point of no return
    assert p.cancel_button().text == "Stopping the wait\u2026"


def test_close_policy_before_and_after_the_point_of_no_return() -> None:
    p = DeployProgress(ref())
    assert p.close_question() is None  # not started
    p.begin()
    before = p.close_question()
    assert (
        before is not None and before.then == CANCEL and "Nothing has been stopped" in before.text
    )
    p.apply(QuestionAsked(ReasonNeeded("q1", "Reason", "Outside the window")))
    withdrawn = p.close_question()
    assert withdrawn is not None and "withdrawn" in withdrawn.text
    p.apply(CancelAvailability(DETACH))
    after = p.close_question()
    assert after is not None and after.then == DETACH and after.verb == "Detach and close"
    p.apply(CancelAvailability(NO_CANCEL))
    verifying = p.close_question()
    assert verifying is not None and verifying.then == NO_CANCEL
    p.finished(result(Outcome.DETACHED, AppState.UNKNOWN))
    assert p.close_question() is None  # detached: closing changes nothing any more
    assert "Detached" in p.summary_html and p.questions == {}


def test_status_labels_and_follow_again() -> None:
    p, _, _ = progress()
    assert p.apply(AppStateChanged("stopped", 2)).status
    assert p.app_status == "pm2: stopped (restarts 2)"
    p.apply(ConnectionLost("timed out", retrying=True))
    assert p.connection_note == "Connection lost, retrying: timed out"
    p.apply(Reconnected(2.25))
    assert p.connection_note == "Reconnected after 2.2 s"
    p.apply(StepStarted(Step.PREFLIGHT, 1.0))
    p.apply(StepFinished(Step.PREFLIGHT, StepState.OK, "", 0.1))
    p.apply(StepLog(Step.DEPLOY, "old output"))
    p.finished(result(Outcome.DETACHED, AppState.UNKNOWN))
    p.follow_again()
    p.begin()
    assert p.steps[Step.DEPLOY].log == [] and p.steps[Step.DEPLOY].state == StepState.PENDING
    assert p.steps[Step.PREFLIGHT].state == StepState.OK  # not replayed: kept
    assert p.result is None and p.summary_html == "" and p.running


def test_questions_open_and_settle_in_order() -> None:
    p, _, _ = progress()
    first = ReasonNeeded(
        "q1",
        "A reason is needed",
        "Ann owns Guatemala",
        concerns=(("owner", "You are not the owner"),),
    )
    second = AcknowledgeWarnings("q2", "Warnings", "Acknowledge them", warnings=("w1", "w2"))
    assert p.apply(QuestionAsked(first)).questions
    p.apply(QuestionAsked(second))
    assert p.open_question == first
    assert p.apply(QuestionSettled(Answer("q1", "hotfix", AnswerSource.OPERATOR))).questions
    assert p.open_question == second
    assert not p.apply(QuestionSettled(Answer("nope", None, AnswerSource.TIMED_OUT))).questions
    p.finished(result(Outcome.CANCELLED, AppState.UP))
    assert p.open_question is None


def test_prompts_offer_the_answers_each_question_takes() -> None:
    reason = prompt_for(ReasonNeeded("q1", "Reason", "Why?", concerns=(("owner", "not yours"),)))
    assert reason.items == ("not yours",) and reason.text_box
    assert [c.label for c in reason.choices] == ["OK", "Stop the update"]
    assert reason.choices[0].takes_text and reason.choices[1].value is None
    assert reason.deadline == "No answer within 15 min counts as no."
    ack = prompt_for(AcknowledgeWarnings("q2", "W", "t", warnings=("disk 91 % full",)))
    assert [(c.label, c.value) for c in ack.choices] == [
        ("Acknowledge", True),
        ("Stop the update", False),
    ]
    assert not ack.text_box and ack.items == ("disk 91 % full",)
    merge = prompt_for(MergeOrWait("q3", "PR", "t", pull_url="https://github.com/o/r/pull/7"))
    assert [c.value for c in merge.choices] == [MergeChoice.MERGE, MergeChoice.WAIT]
    assert merge.link == "https://github.com/o/r/pull/7"


def test_titles_name_production_loudly() -> None:
    prod = DeployProgress(ref("production"))
    assert prod.title == "Update gt \u2014 Guatemala PRODUCTION"
    assert "PRODUCTION" in prod.header_html and "origin/master" in prod.header_html
    dev = DeployProgress(ref("development"), reattached=True)
    assert dev.title == "Update gt \u2014 Guatemala development"
    assert "PRODUCTION" not in dev.header_html and "re-attached" in dev.header_html
