"""The translation review window: the translation changes and the global data changes in two
tabs, and the verdict: "Approve and go on" (impossible while an error remains; warnings need the
acknowledgement box) or "Stop the update". ``approved`` carries the
:class:`~ereg_desktop.services.deploy.decisions.ReviewVerdict`; closing the window is ``rejected``.

Built from bytes (:func:`open_review_from_bytes`), the review is parsed, diffed and checked on a
worker while the window says so: the GUI thread never waits on it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QPaintEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QStackedWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ereg_desktop.presenters.translation_review import TranslationReviewState
from ereg_desktop.services.i18n.review import DataFileDiff, TranslationReview, build_review
from ereg_desktop.services.i18n.scan_map import ScanMap
from ereg_desktop.ui.tasks import SHORT, run_task
from ereg_desktop.ui.translations.data_diff_view import DataDiffView
from ereg_desktop.ui.translations.review_view import TranslationReviewWidget

START_DELAY_MS = 15
START_BUILD_FALLBACK_MS = 200  # a window built from bytes but not shown still gets its review
APPROVE, STOP = "Approve and go on", "Stop the update"
AGAIN_TEXT = (
    "The files changed on the server after your earlier review: this is what is pending now."
)


def approximate_keys(data: bytes) -> int:
    """How many pairs a file in the panel's layout holds (one per line): for the waiting text."""
    return data.count(b'\n  "')


class TranslationReviewDialog(QDialog):
    approved = Signal(object)  # the ReviewVerdict

    def __init__(
        self,
        review: TranslationReview | None,
        parent: QWidget | None = None,
        editable: bool = True,
        *,
        scan_map: ScanMap | None = None,
        again: bool = False,
    ) -> None:
        super().__init__(parent)
        self.editable = editable
        self._build_start: Callable[[], None] | None = None
        self.state: TranslationReviewState | None = None
        self.review_widget: TranslationReviewWidget | None = None
        self.data_view: DataDiffView | None = None
        self.setWindowTitle("Review the translations")
        self.resize(1280, 820)
        layout = QVBoxLayout(self)
        self.heading = QLabel()
        self.heading.setTextFormat(Qt.TextFormat.PlainText)
        self.heading.setWordWrap(True)
        layout.addWidget(self.heading)
        self.again = QLabel(AGAIN_TEXT)
        self.again.setStyleSheet("color: #e65100; font-weight: bold;")
        self.again.setVisible(again)
        layout.addWidget(self.again)

        self.pages = QStackedWidget()
        self.loading = QWidget()
        loading = QVBoxLayout(self.loading)
        self.loading_text = QLabel("Checking the translations…")
        self.loading_text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        busy = QProgressBar()
        busy.setRange(0, 0)
        loading.addStretch(1)
        loading.addWidget(self.loading_text)
        loading.addWidget(busy)
        loading.addStretch(1)
        self.pages.addWidget(self.loading)
        self.tabs = QTabWidget()
        self.pages.addWidget(self.tabs)
        layout.addWidget(self.pages, 1)

        self.problem = QLabel()
        self.problem.setObjectName("approveProblem")
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet("color: #c62828;")
        layout.addWidget(self.problem)
        row = QHBoxLayout()
        self.acknowledge = QCheckBox()
        self.acknowledge.hide()
        self.acknowledge.toggled.connect(lambda _on: self.show_verdict())
        self.stop_button = QPushButton(STOP)
        self.approve_button = QPushButton(APPROVE)
        self.approve_button.setEnabled(False)
        self.stop_button.setAutoDefault(False)
        self.approve_button.setAutoDefault(False)
        self.stop_button.clicked.connect(self.reject)
        self.approve_button.clicked.connect(self.approve)
        row.addWidget(self.acknowledge)
        row.addStretch(1)  # the buttons keep their size while the box is hidden
        row.addWidget(self.stop_button)
        row.addWidget(self.approve_button)
        layout.addLayout(row)
        if review is not None:
            self.show_review(review, scan_map)

    # --- loading ---------------------------------------------------------------------------

    def load(self, build: Callable[[], TranslationReviewState], *, app: str, keys: int) -> None:
        """Build the review with ``build`` on a worker; the window shows the waiting state."""
        self.heading.setText(f"Translations of {app}")
        self.loading_text.setText(f"Checking {keys:,} keys…")
        self.pages.setCurrentWidget(self.loading)

        def start() -> None:
            run_task(
                lambda _progress: build(),
                kind=SHORT,
                receiver=self,
                on_result=lambda state: self.show_state(state, stepwise=True),
                on_error=self._failed,
            )

        # the worker starts once the window has painted: while it runs Python, the GUI thread
        # waits for the interpreter's lock at each call into Python (a first show makes many),
        # so the window's own first steps come first (or after a moment, if it is not shown)
        self._build_start = start
        QTimer.singleShot(START_BUILD_FALLBACK_MS, self, self._start_build)

    def _start_build(self) -> None:
        start, self._build_start = self._build_start, None
        if start is not None:
            start()

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        if self._build_start is not None:
            QTimer.singleShot(0, self, self._start_build)  # once this paint is on screen

    def _failed(self, error: BaseException) -> None:
        self.loading_text.setText(f"The translations could not be checked:\n{error}")
        self.loading_text.setStyleSheet("color: #c62828;")
        self.loading.findChild(QProgressBar).hide()  # type: ignore[union-attr]
        self.problem.setText("Nothing can be approved: stop the update and fix the file.")

    def show_review(self, review: TranslationReview, scan_map: ScanMap | None = None) -> None:
        self.show_state(TranslationReviewState(review, scan_map))

    def show_state(self, state: TranslationReviewState, *, stepwise: bool = False) -> None:
        """Show a review (its state built, perhaps warmed, on a worker). ``stepwise``: in
        steps, one turn of the event loop each (the window is on screen and keeps painting)."""
        self.state = state
        review = state.review
        self.heading.setText(f"Translations of {review.app}: check every flagged change, "
                             "then approve or stop the update.")  # fmt: skip
        self.review_widget = TranslationReviewWidget(self.state, editable=self.editable)
        self.review_widget.changed.connect(self.show_verdict)
        self.data_view = DataDiffView(review.data_diffs)
        self.tabs.addTab(self.review_widget, f"Translations ({len(review.changes):,})")
        self.tabs.addTab(self.data_view, f"Global data ({len(review.data_diffs):,})")
        if stepwise:
            QTimer.singleShot(0, self, self._show_tabs)
        else:
            self._show_tabs()

    def _show_tabs(self) -> None:
        self.pages.setCurrentWidget(self.tabs)
        self.show_verdict()
        # where to start, a moment later: the rows paint first, and the GUI thread never
        # holds on for the two at once
        QTimer.singleShot(START_DELAY_MS, self, self._start)

    def _start(self) -> None:
        if self.review_widget is not None:
            self.review_widget.go_to_first_problem()
            self.review_widget.table.setFocus()

    # --- the verdict -----------------------------------------------------------------------

    def show_verdict(self) -> None:
        state = self.state
        if state is None:
            return
        warnings = state.warnings_left
        noun = "warning" if warnings == 1 else f"{warnings} warnings"
        self.acknowledge.setText(f"I have read the {noun} and want to go on with them")
        self.acknowledge.setVisible(warnings > 0)
        problem = state.approve_problem(self.acknowledge.isChecked())
        self.problem.setText(problem)
        self.problem.setVisible(bool(problem))
        self.approve_button.setEnabled(not problem)
        if self.review_widget is not None:
            self.review_widget.show_counts()

    def approve(self) -> None:
        state = self.state
        if state is None or not state.can_approve(self.acknowledge.isChecked()):
            return
        verdict = state.verdict(self.acknowledge.isChecked())
        self.approved.emit(verdict)
        self.accept()


def open_review_from_bytes(
    app: str,
    old_bytes: bytes,
    new_bytes: bytes,
    *,
    data_diffs: Sequence[DataFileDiff] = (),
    scan_map_bytes: bytes | None = None,
    reviewed_blobs: dict[str, str | None] | None = None,
    parent: QWidget | None = None,
    editable: bool = True,
    again: bool = False,
) -> TranslationReviewDialog:
    """A review window for two versions of ``i18n-messages.json``, built on a worker; the window
    (not shown yet) says "Checking N keys…" until it is ready."""

    def build() -> TranslationReviewState:
        review = build_review(
            app,
            old_bytes,
            new_bytes,
            data_diffs=tuple(data_diffs),
            scan_map_bytes=scan_map_bytes,
            reviewed_blobs=reviewed_blobs,
        )
        state = TranslationReviewState(review)  # the re-check's scan map: the review's usage
        state.warm()  # the first screen's cells, here rather than on the GUI thread
        return state

    dialog = TranslationReviewDialog(None, parent, editable, again=again)
    dialog.load(build, app=app, keys=approximate_keys(new_bytes))
    return dialog
