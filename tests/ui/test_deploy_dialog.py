"""The progress dialog driven by scripted event sequences (no server)."""

from __future__ import annotations

import time

from deploy_fixtures import FakeNotifier, ScriptedRun, make_ref, result

from ereg_desktop.services.deploy.actions import ActionResult
from ereg_desktop.services.deploy.events import (
    AppStateChanged,
    CancelAvailability,
    DowntimeStarted,
    JobStarted,
    Step,
    StepFinished,
    StepLog,
    StepProgress,
    StepStarted,
    StepState,
)
from ereg_desktop.services.deploy.inspect import Inspection, LocalChanges
from ereg_desktop.services.deploy.workflow import AppState, Block, Outcome
from ereg_desktop.ui.deploy_dialog import DeployDialog

T0 = time.time()


def started(step: Step) -> StepStarted:
    return StepStarted(step, time.time())


BEFORE_DOWNTIME = [
    CancelAvailability("cancel"),
    started(Step.PREFLIGHT),
    StepLog(Step.PREFLIGHT, "locked gt on eregistrations@eregistrations.org"),
    StepFinished(Step.PREFLIGHT, StepState.OK, "locked", 0.2),
    started(Step.INSPECT),
    StepLog(Step.INSPECT, "pending 1a2b3c4d Fix the form (Ann)"),
    StepFinished(Step.INSPECT, StepState.OK, "", 0.5),
    started(Step.DEPLOY),
    JobStarted("20260101T000000Z-gt-abc123", reattached=False),
    CancelAvailability("detach"),
    StepLog(Step.DEPLOY, "Already on 'master'"),
    StepProgress(Step.DEPLOY, "[##------] 25%"),
]
DOWN = [
    AppStateChanged("stopped", 0),
    DowntimeStarted(time.time() - 3),
    StepProgress(Step.DEPLOY, "[######--] 75%"),
    StepLog(Step.DEPLOY, "npm ERR! setup failed"),
    StepFinished(Step.DEPLOY, StepState.FAILED, "pm2-deploy gt exited with code 1.", 4.0),
    started(Step.FINISH),
    StepFinished(Step.FINISH, StepState.OK, "recorded", 0.1),
]


def dialog(qtbot, run, front: bool = True):
    notifier = FakeNotifier()
    d = DeployDialog(make_ref("production"), run, notifier=notifier, is_in_front=lambda: front)
    qtbot.addWidget(d)
    d.show()
    return d, notifier


def failed_down():
    return result(Outcome.FAILED, AppState.DOWN,
                  "pm2-deploy gt exited with code 1. gt is DOWN: start it again (code now on disk).",
                  downtime_s=3.0, job_id="20260101T000000Z-gt-abc123", before="1a2b3c4d5e")  # fmt: skip


def test_states_elapsed_and_cancel_becomes_detach(qtbot) -> None:
    run = ScriptedRun(BEFORE_DOWNTIME, failed_down(), after_gate=DOWN)
    run.mode = "detach"
    d, _ = dialog(qtbot, run)
    assert d.cancel_button.text() == "Cancel"
    d.start()
    qtbot.waitUntil(lambda: d.cancel_button.text() == "Detach")
    assert "goes on" in d.cancel_button.toolTip()
    s = d.steps
    assert s.states[Step.PREFLIGHT] == StepState.OK and s.items[Step.PREFLIGHT].text(2) == "0.2 s"
    assert s.states[Step.DEPLOY] == StepState.RUNNING and s.states[Step.VERIFY] == StepState.PENDING
    # the running step's elapsed time ticks without any event
    qtbot.waitUntil(lambda: s.items[Step.DEPLOY].text(2).endswith(" s"))
    first = s.items[Step.DEPLOY].text(2)
    qtbot.waitUntil(lambda: s.items[Step.DEPLOY].text(2) != first, timeout=3000)
    # the log of the current step, with the progress line last
    qtbot.waitUntil(lambda: d.log_view.toPlainText().endswith("[##------] 25%"))
    assert d.log_view.toPlainText() == "Already on 'master'\n[##------] 25%"
    assert d.job_id == "20260101T000000Z-gt-abc123"
    d.cancel_or_detach()
    assert run.cancelled == ["detach"] and d.cancel_button.text().startswith("Detaching")
    qtbot.waitUntil(lambda: d.deploy_result is not None)


def test_progress_line_is_replaced_not_appended(qtbot) -> None:
    d, _ = dialog(qtbot, ScriptedRun([], failed_down()))
    d.handle_event(started(Step.DEPLOY))
    d.handle_event(StepLog(Step.DEPLOY, "line 1"))
    for pct in range(0, 101, 10):
        d.handle_event(StepProgress(Step.DEPLOY, f"progress {pct}%"))
        d._flush()
    d.handle_event(StepLog(Step.DEPLOY, "line 2"))
    d.handle_event(StepProgress(Step.DEPLOY, ""))
    d._flush()
    assert d.log_view.toPlainText() == "line 1\nline 2"


def test_selecting_a_step_shows_its_log(qtbot) -> None:
    d, _ = dialog(qtbot, ScriptedRun([], failed_down()))
    for e in BEFORE_DOWNTIME:
        d.handle_event(e)
    d._flush()
    d.steps.setCurrentItem(d.steps.items[Step.INSPECT])
    assert d.log_view.toPlainText() == "pending 1a2b3c4d Fix the form (Ann)"
    d.handle_event(StepLog(Step.DEPLOY, "more deploy output"))
    d._flush()
    assert "more deploy output" not in d.log_view.toPlainText()  # stays on the chosen step
    d.steps.setCurrentItem(d.steps.items[Step.DEPLOY])
    assert "more deploy output" in d.log_view.toPlainText()


def test_failure_with_app_down(qtbot) -> None:
    again = ActionResult(
        "start", "gt", True, "online", 0.4, "gt: start done in 0.40 s; now online.", ""
    )
    run = ScriptedRun(BEFORE_DOWNTIME + DOWN, failed_down(), again=again)
    d, notifier = dialog(qtbot, run, front=False)
    d.start()
    qtbot.waitUntil(lambda: d.deploy_result is not None)
    assert d.steps.states[Step.DEPLOY] == StepState.FAILED
    assert d.start_again_button.isVisible() and not d.cancel_button.isVisible()
    assert "DOWN" in d.summary.text() and "1a2b3c4d" in d.summary.text()
    # the downtime counter is red and keeps counting while the app is down
    assert d.downtime_label.property("down") is True and "#c62828" in d.downtime_label.styleSheet()
    assert d.downtime_label.text().startswith("App DOWN for ")
    # the window is not in front: the operator is told
    assert notifier.shown and "gt is DOWN" == notifier.shown[0][0]
    d.start_again()
    qtbot.waitUntil(lambda: not d.start_again_button.isVisible())
    assert "running again" in d.summary.text()
    assert d.downtime_label.property("down") is False
    assert d.downtime_label.text().startswith("Downtime: ")


def test_no_notification_when_in_front(qtbot) -> None:
    d, notifier = dialog(qtbot, ScriptedRun(BEFORE_DOWNTIME + DOWN, failed_down()), front=True)
    d.start()
    qtbot.waitUntil(lambda: d.deploy_result is not None)
    assert notifier.shown == []


def test_review_needed_lists_files_and_no_downtime(qtbot) -> None:
    insp = Inspection("a" * 40, "b" * 40, "master",
                      changes=LocalChanges(("i18n-messages.json",), ("data/countries.json",)))  # fmt: skip
    res = result(Outcome.BLOCKED, AppState.UP, "Pending translations and global data changes "
                 "need a review before the update.", block=Block.REVIEW_NEEDED, inspection=insp)  # fmt: skip
    events = BEFORE_DOWNTIME[:6] + [StepFinished(Step.INSPECT, StepState.BLOCKED, res.message, 0.3)]
    d, notifier = dialog(qtbot, ScriptedRun(events, res), front=False)
    d.start()
    qtbot.waitUntil(lambda: d.deploy_result is not None)
    text = d.summary.text()
    assert "a review is needed" in text and "i18n-messages.json" in text
    assert "data/countries.json" in text and "not stopped" in text
    assert d.steps.states[Step.INSPECT] == StepState.BLOCKED
    assert d.downtime_label.text() == "No downtime: the app stayed online"
    assert not d.start_again_button.isVisible() and notifier.shown == []


def test_nothing_pending_offers_restart(qtbot) -> None:
    res = result(Outcome.NOTHING_PENDING, AppState.UP, "Nothing pending.")
    d, _ = dialog(qtbot, ScriptedRun([], res))
    d.start()
    qtbot.waitUntil(lambda: d.deploy_result is not None)
    assert d.restart_button.isVisible()
    with qtbot.waitSignal(d.restart_requested, timeout=2000) as sig:
        d.restart_button.click()
    assert sig.args[0].app == "gt"


def test_close_while_job_runs_asks_then_detaches(qtbot) -> None:
    run = ScriptedRun(BEFORE_DOWNTIME, result(Outcome.DETACHED, AppState.UNKNOWN, "Detached"),
                      after_gate=[])  # fmt: skip
    run.gate.clear()
    d, _ = dialog(qtbot, run)
    d.start()
    qtbot.waitUntil(lambda: d.cancel_mode == "detach")
    d.close()
    assert d.isVisible() and d.close_question is not None  # asked first, nothing detached yet
    assert run.cancelled == []
    box = d.close_question
    go = next(b for b in box.buttons() if b.text() == "Detach and close")
    go.click()
    assert run.cancelled == ["detach"] and not d.isVisible()
    qtbot.waitUntil(lambda: d.deploy_result is not None)


def test_cancel_before_downtime(qtbot) -> None:
    run = ScriptedRun(BEFORE_DOWNTIME[:4], result(Outcome.CANCELLED, AppState.UP, "Cancelled"),
                      after_gate=[])  # fmt: skip
    run.gate.clear()
    d, _ = dialog(qtbot, run)
    d.start()
    qtbot.waitUntil(lambda: d.steps.states[Step.PREFLIGHT] == StepState.OK)
    d.cancel_button.click()
    assert run.cancelled == ["cancel"]
    qtbot.waitUntil(lambda: d.deploy_result is not None)
    assert "nothing changed" in d.summary.text()
