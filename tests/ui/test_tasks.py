import threading

from PySide6.QtCore import QThread, QThreadPool

from ereg_desktop.ui.tasks import LatestRequest, run_task


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

    def count(progress):
        worker_threads.append(QThread.currentThread())
        for i in range(3):
            progress(i)
        return "done"

    task = run_task(count, on_result=out.result, on_error=out.error, on_progress=out.step)
    qtbot.waitUntil(lambda: out.results == ["done"])
    assert task.finished
    assert out.progress == [0, 1, 2]
    assert out.errors == []
    assert worker_threads[0] is not qapp.thread()
    assert all(t is qapp.thread() for t in out.threads)


def test_exception_is_delivered_as_error(qtbot, qapp):
    out = Outcome()

    def fail(progress):
        raise ConnectionError("eregistrations.org: connection refused")

    run_task(fail, on_result=out.result, on_error=out.error)
    qtbot.waitUntil(lambda: len(out.errors) == 1)
    assert isinstance(out.errors[0], ConnectionError)
    assert str(out.errors[0]) == "eregistrations.org: connection refused"
    assert out.results == []
    assert out.threads == [qapp.thread()]


def test_answer_overtaken_by_a_newer_request_is_dropped(qtbot):
    out = Outcome()
    latest = LatestRequest()
    release_first = threading.Event()

    def first(progress):
        release_first.wait(timeout=30)
        return "old poll"

    old = run_task(first, on_result=out.result, on_error=out.error, latest=latest)
    new = run_task(
        lambda progress: "new poll", on_result=out.result, on_error=out.error, latest=latest
    )
    assert new.token > old.token
    qtbot.waitUntil(lambda: out.results == ["new poll"])
    release_first.set()
    qtbot.waitUntil(lambda: old.finished)
    assert out.results == ["new poll"]


def test_cancelled_task_delivers_nothing_and_the_pool_drains(qtbot):
    out = Outcome()
    release = threading.Event()
    pool = QThreadPool()

    def slow(progress):
        release.wait(timeout=30)
        progress("late")
        return "late"

    task = run_task(slow, on_result=out.result, on_error=out.error, on_progress=out.step, pool=pool)
    task.cancel()
    release.set()
    assert pool.waitForDone(30_000)
    qtbot.waitUntil(lambda: task.finished)
    assert out.results == out.progress == out.errors == []
