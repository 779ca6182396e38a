import threading

from PySide6.QtCore import QObject, QThread

from ereg_desktop.ui.tasks import (
    LONG,
    POLL,
    POLL_THREADS,
    SHORT,
    LatestRequest,
    run_task,
    wait_for_workers,
    worker_pools,
)


class Outcome:
    def __init__(self):
        self.results = []
        self.errors = []
        self.progress = []
        self.threads = []

    def result(self, value):
        self.threads.append(QThread.currentThread())
        self.results.append(value)

    def error(self, exc):
        self.threads.append(QThread.currentThread())
        self.errors.append(exc)

    def step(self, value):
        self.threads.append(QThread.currentThread())
        self.progress.append(value)


def test_result_and_progress_arrive_on_the_gui_thread(qtbot, qapp):
    out = Outcome()
    worker_threads = []
    owner = QObject()

    def count(progress):
        worker_threads.append(QThread.currentThread())
        for i in range(3):
            progress(i)
        return "done"

    task = run_task(
        count, receiver=owner, on_result=out.result, on_error=out.error, on_progress=out.step
    )
    qtbot.waitUntil(lambda: out.results == ["done"])
    assert task.finished
    assert out.progress == [0, 1, 2]
    assert out.errors == []
    assert worker_threads[0] is not qapp.thread()
    assert all(t is qapp.thread() for t in out.threads)


def test_exception_is_delivered_as_error(qtbot, qapp):
    out = Outcome()
    owner = QObject()

    def fail(progress):
        raise ConnectionError("eregistrations.org: connection refused")

    run_task(fail, receiver=owner, on_result=out.result, on_error=out.error)
    qtbot.waitUntil(lambda: len(out.errors) == 1)
    assert isinstance(out.errors[0], ConnectionError)
    assert str(out.errors[0]) == "eregistrations.org: connection refused"
    assert out.results == []
    assert out.threads == [qapp.thread()]


def test_answer_overtaken_by_a_newer_request_is_dropped(qtbot):
    out = Outcome()
    owner = QObject()
    latest = LatestRequest()
    release_first = threading.Event()

    def first(progress):
        release_first.wait(timeout=30)
        return "old poll"

    old = run_task(first, receiver=owner, on_result=out.result, on_error=out.error, latest=latest)
    new = run_task(
        lambda progress: "new poll",
        receiver=owner,
        on_result=out.result,
        on_error=out.error,
        latest=latest,
    )
    assert new.token > old.token
    qtbot.waitUntil(lambda: out.results == ["new poll"])
    release_first.set()
    qtbot.waitUntil(lambda: old.finished)
    assert out.results == ["new poll"]


def test_cancelled_task_delivers_nothing_and_the_pool_drains(qtbot):
    out = Outcome()
    owner = QObject()
    release = threading.Event()

    def slow(progress):
        release.wait(timeout=30)
        progress("late")
        return "late"

    task = run_task(
        slow, receiver=owner, on_result=out.result, on_error=out.error, on_progress=out.step
    )
    task.cancel()
    release.set()
    assert wait_for_workers(30_000)
    qtbot.waitUntil(lambda: task.finished)
    assert out.results == out.progress == out.errors == []


def test_a_deleted_receiver_gets_nothing_and_nothing_complains(qtbot):
    """A dialog closed while its task runs: Qt deletes it (and the task with it); the worker's
    late result and progress go nowhere, without a Python error or a Qt warning."""
    out = Outcome()
    started, release = threading.Event(), threading.Event()
    receiver = QObject()
    gone = []
    receiver.destroyed.connect(lambda: gone.append(True))

    def slow(progress):
        started.set()
        release.wait(timeout=30)
        progress("late step")
        return "late result"

    run_task(
        slow,
        kind=LONG,
        receiver=receiver,
        on_result=out.result,
        on_error=out.error,
        on_progress=out.step,
    )
    assert started.wait(10)
    receiver.deleteLater()
    qtbot.waitUntil(lambda: gone == [True])
    release.set()
    assert wait_for_workers(30_000)
    after = QObject()  # one more round trip through the event loop: anything queued is out
    done = []
    run_task(lambda _p: "flush", receiver=after, on_result=done.append, on_error=out.error)
    qtbot.waitUntil(lambda: done == ["flush"])
    assert out.results == out.progress == out.errors == []


def test_tasks_leave_no_children_behind_on_their_receiver(qtbot):
    """A controller that polls for hours gets one inbox, not one object per task."""
    owner = QObject()
    done = []
    for i in range(20):
        run_task(lambda _p, i=i: i, receiver=owner, on_result=done.append, on_error=print)
    qtbot.waitUntil(lambda: sorted(done) == list(range(20)))
    assert len(owner.children()) == 1


def test_each_kind_has_its_own_pool_and_blocked_work_does_not_starve_the_others(qtbot):
    """Every LONG and SHORT thread and more POLL calls than its start size all block; a short
    call of each kind still runs."""
    owner = QObject()
    pools = worker_pools()
    assert len({id(pools.pool(k)) for k in (LONG, POLL, SHORT)}) == 3
    release = threading.Event()
    blocked = {LONG: pools.pool(LONG).maxThreadCount(), SHORT: pools.pool(SHORT).maxThreadCount(),
               POLL: POLL_THREADS + 2}  # fmt: skip
    waiting = threading.Semaphore(0)

    def block(_p):
        waiting.release()
        release.wait(timeout=60)
        return "released"

    try:
        for kind, n in blocked.items():
            for _ in range(n):
                run_task(block, kind=kind, receiver=owner, on_result=print, on_error=print)
        for _ in range(blocked[POLL] + blocked[SHORT] + blocked[LONG]):
            assert waiting.acquire(timeout=10), "a POLL call queued behind blocked ones"
        answered = []
        run_task(lambda _p: "poll", kind=POLL, receiver=owner, on_result=answered.append,
                 on_error=print)  # fmt: skip
        qtbot.waitUntil(lambda: answered == ["poll"], timeout=10_000)
    finally:
        release.set()
        assert wait_for_workers(30_000)
