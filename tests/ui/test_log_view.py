"""The Logs tab: the last lines read on a worker, error lines marked, hostile text shown safely,
searched and copied; followed from the agent when it runs, else through tail -F on a worker that
stops with the toggle, the selection and the window; the view scrolls along until the operator
scrolls up; the buffer is bounded."""

from __future__ import annotations

import os
import queue
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import QItemSelectionModel
from PySide6.QtGui import QGuiApplication

from ereg_desktop.presenters.log_lines import MAX_KEPT
from ereg_desktop.services.app_logs import LogLine, LogRead
from ereg_desktop.services.pm2_events import LogLine as AgentLine
from ereg_desktop.services.pm2_events import ModeChanged
from ereg_desktop.services.pm2_parse import LogPaths
from ereg_desktop.ui.details_pane import DetailsPane
from ereg_desktop.ui.log_view import LogView

PATHS = LogPaths("/home/ereg/.pm2/logs/gt-out.log", "/home/ereg/.pm2/logs/gt-error.log")


class Agent:
    def __init__(self) -> None:
        self.live = True
        self.calls: list[tuple[str, str]] = []
        self.lock = threading.Lock()

    def follow(self, app: str) -> None:
        with self.lock:
            self.calls.append(("follow", app))

    def unfollow(self, app: str) -> None:
        with self.lock:
            self.calls.append(("unfollow", app))

    def seen(self, call: tuple[str, str]) -> bool:
        with self.lock:
            return call in self.calls


class Source:
    """Stands in for the server: a read gives ``out``/``err``; a follow hands over what the
    test puts in ``feed`` until its stop is set."""

    def __init__(self, agent: Agent | None = None) -> None:
        self.out = [f"GET /services/{i} 200 {i} ms" for i in range(180)]
        self.err = ["\x1b[31mError: ECONNREFUSED 127.0.0.1:5432\x1b[0m", "  at \x00 TCP \x07"]
        self.reads: list[tuple[str, str, int]] = []
        self.feed: queue.Queue[LogLine] = queue.Queue()
        self.following = threading.Event()
        self.stopped = threading.Event()
        self.agent_ = agent

    def read(self, server_id: str, app: str, n: int) -> LogRead:
        self.reads.append((server_id, app, n))
        return LogRead(PATHS, tuple(self.out[-n:]), tuple(self.err[-n:]))

    def paths(self, server_id: str, app: str) -> LogPaths:
        return PATHS

    def follow(self, server_id: str, paths: LogPaths, on_line: Callable[[LogLine], None],
               stop: threading.Event) -> None:  # fmt: skip
        self.stopped.clear()
        self.following.set()
        try:
            while not stop.is_set():
                try:
                    on_line(self.feed.get(timeout=0.02))
                except queue.Empty:
                    pass
        finally:
            self.following.clear()
            self.stopped.set()

    def agent(self, server_id: str) -> Agent | None:
        return self.agent_


def texts(view: LogView) -> list[str]:
    return [line.text for line in view.model.rows]


def shown(qtbot, source: Source) -> LogView:
    view = LogView(source)
    qtbot.addWidget(view)
    view.resize(900, 300)
    view.show()
    qtbot.waitExposed(view)
    view.show_app("unctad", "gt")
    qtbot.waitUntil(lambda: view.model.rowCount() == 182, timeout=5000)
    STARTED.append(view)
    return view


STARTED: list[LogView] = []


@pytest.fixture(autouse=True)
def nothing_followed_after_a_test():
    yield
    while STARTED:  # a failed test must not leave a follow worker behind
        STARTED.pop().stop_following()


def test_the_last_lines_are_read_marked_searched_and_copied(qtbot, tmp_path) -> None:
    source = Source()
    pane = DetailsPane(lambda: None, logs=source)
    qtbot.addWidget(pane)
    pane.resize(1100, 360)
    pane.show()
    qtbot.waitExposed(pane)
    pane.show_app("unctad", "gt", ["gt"])
    assert source.reads == []  # the Chart tab is in front: no log is read
    view = pane.show_tab("Logs")
    assert isinstance(view, LogView)
    qtbot.waitUntil(lambda: view.model.rowCount() == 182, timeout=5000)
    assert source.reads == [("unctad", "gt", 200)]
    rows = view.model.rows
    assert rows[-2].is_err and rows[-2].text == "Error: ECONNREFUSED 127.0.0.1:5432"
    assert rows[-1].text == "  at   TCP  " and not rows[0].is_err
    assert "182 lines (2 from the error log)" in view.status.text()
    assert PATHS.out in view.source_label.text()
    view.count_box.setValue(50)
    view.reload_button.click()
    qtbot.waitUntil(lambda: view.model.rowCount() == 52, timeout=5000)
    assert source.reads[-1] == ("unctad", "gt", 50)

    view.search.setText("services/17")
    assert texts(view) == [f"GET /services/{i} 200 {i} ms" for i in (170, 171, 172, 173, 174, 175,
                                                                       176, 177, 178, 179)]  # fmt: skip
    assert "10 of 52 lines match" in view.status.text()
    folder = Path(os.environ.get("EREG_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    view.search.setText("e")
    view.view.scrollToBottom()
    assert pane.grab().save(str(folder / "details-logs.png"))
    view.search.setText("services/17")
    assert view.copy() == "".join(f"{t}\n" for t in texts(view))
    select = view.view.selectionModel()
    flags = QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows
    select.select(view.model.index(1), flags)
    select.select(view.model.index(3), flags)
    assert view.copy() == "GET /services/171 200 171 ms\nGET /services/173 200 173 ms\n"
    assert QGuiApplication.clipboard().text() == view.copy()
    view.search.clear()
    assert view.model.rowCount() == 52


def test_following_with_tail_appends_scrolls_along_and_stops(qtbot) -> None:
    source = Source()
    view = shown(qtbot, source)
    bar = view.view.verticalScrollBar()
    assert bar.value() == bar.maximum() > 0
    view.follow_button.click()
    qtbot.waitUntil(source.following.is_set, timeout=5000)
    assert view.mode == "tail"
    source.feed.put(LogLine("out", "new line 1"))
    source.feed.put(LogLine("err", "\x1b]0;title\x07crash \x1b[2J"))
    qtbot.waitUntil(lambda: texts(view)[-1] == "crash ", timeout=5000)
    assert view.model.rows[-1].is_err and texts(view)[-2] == "new line 1"
    qtbot.waitUntil(lambda: bar.value() == bar.maximum(), timeout=2000)
    bar.setValue(0)  # the operator scrolls up to read: new lines do not pull the view down
    source.feed.put(LogLine("out", "new line 2"))
    qtbot.waitUntil(lambda: texts(view)[-1] == "new line 2", timeout=5000)
    assert bar.value() == 0 < bar.maximum()
    bar.setValue(bar.maximum())  # back at the end: it follows again
    source.feed.put(LogLine("out", "new line 3"))
    qtbot.waitUntil(lambda: texts(view)[-1] == "new line 3", timeout=5000)
    qtbot.waitUntil(lambda: bar.value() == bar.maximum(), timeout=2000)
    view.follow_button.click()  # off: the worker ends
    qtbot.waitUntil(source.stopped.is_set, timeout=5000)
    assert view.mode == ""
    # on again, then another app is selected: that ends it too
    view.follow_button.click()
    qtbot.waitUntil(source.following.is_set, timeout=5000)
    view.show_app("unctad", "els")
    qtbot.waitUntil(source.stopped.is_set, timeout=5000)
    assert not view.follow_button.isChecked() and view.mode == ""


def test_the_buffer_is_bounded(qtbot) -> None:
    source = Source()
    view = shown(qtbot, source)
    view.follow_button.click()
    qtbot.waitUntil(source.following.is_set, timeout=5000)
    for i in range(MAX_KEPT + 500):
        source.feed.put(LogLine("out", f"flood {i}"))
    last = f"flood {MAX_KEPT + 499}"
    qtbot.waitUntil(lambda: view.model.rowCount() > 0 and texts(view)[-1] == last, timeout=20_000)
    assert view.model.rowCount() == MAX_KEPT and texts(view)[0] == "flood 500"
    view.stop_following()
    qtbot.waitUntil(source.stopped.is_set, timeout=5000)


def test_following_through_the_agent_and_back_to_tail_when_it_goes(qtbot) -> None:
    agent = Agent()
    source = Source(agent)
    view = shown(qtbot, source)
    view.follow_button.click()
    qtbot.waitUntil(lambda: view.mode == "agent", timeout=5000)
    assert agent.seen(("follow", "gt")) and not source.following.is_set()
    assert "following (agent)" in view.status.text()
    view.agent_event(AgentLine("unctad", "els", "out", "another app's line", 0.0))
    view.agent_event(AgentLine("other", "gt", "out", "another server's line", 0.0))
    view.agent_event(AgentLine("unctad", "gt", "err", "from the agent", 0.0))
    qtbot.waitUntil(lambda: texts(view)[-1] == "from the agent", timeout=5000)
    assert "another app's line" not in texts(view) and "another server's line" not in texts(view)
    view.agent_event(ModeChanged("unctad", "polling", "the agent's channel failed"))
    qtbot.waitUntil(source.following.is_set, timeout=5000) and view.mode == "tail"
    view.follow_button.click()
    qtbot.waitUntil(source.stopped.is_set, timeout=5000)
    # an agent follow stopped by the toggle tells the agent
    view.follow_button.click()
    qtbot.waitUntil(lambda: view.mode == "agent", timeout=5000)
    with agent.lock:
        agent.calls.clear()
    view.follow_button.click()
    qtbot.waitUntil(lambda: agent.seen(("unfollow", "gt")), timeout=5000)
