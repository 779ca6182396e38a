"""The question the update asks mid-run, inline in its dialog: the text, what it is about, a text
box when it takes a reason, one button per answer. It only renders a
:class:`~ereg_desktop.presenters.deploy_questions.Prompt` and says which answer was chosen."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ereg_desktop.presenters.deploy_questions import Choice, Prompt
from ereg_desktop.services.deploy.decisions import AnswerValue, ReviewVerdict
from ereg_desktop.services.text_input import reason_problem

if TYPE_CHECKING:
    from ereg_desktop.ui.translations.review_dialog import TranslationReviewDialog


class QuestionPanel(QFrame):
    answered = Signal(str, object)  # question id, the answer's value

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("deployQuestion")
        self.setStyleSheet(
            "#deployQuestion { background: #e3f2fd; border: 1px solid #64b5f6; border-radius: 3px; }"
        )
        self.prompt: Prompt | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 8, 10, 8)
        self.title = QLabel()
        self.text = QLabel()
        self.items = QLabel()
        self.deadline = QLabel()
        self.deadline.setStyleSheet("color: #555;")
        for label in (self.title, self.text, self.items):
            label.setTextFormat(Qt.TextFormat.RichText)  # escaped text: "Olga's" stays Olga's
        for label in (self.text, self.items):
            label.setWordWrap(True)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
        self.text.setOpenExternalLinks(True)
        self.reason = QLineEdit()
        # text that cannot be sent (a control character, too long) is said here, before OK
        self.problem = QLabel()
        self.problem.setStyleSheet("color: #c62828;")
        self.problem.setWordWrap(True)
        self.problem.hide()
        self.reason.textChanged.connect(self._text_changed)
        self.reason.returnPressed.connect(self._return_pressed)
        self.buttons = QHBoxLayout()
        self.buttons.addWidget(self.deadline, 1)
        for widget in (self.title, self.text, self.items, self.reason, self.problem):
            layout.addWidget(widget)
        layout.addLayout(self.buttons)
        self._choices: list[tuple[QPushButton, Choice]] = []
        self.review_dialog: TranslationReviewDialog | None = (
            None  # the translation review, while open
        )
        self.hide()

    def show_prompt(self, prompt: Prompt | None) -> None:
        """Show ``prompt`` (None: no question open, the panel hides)."""
        if prompt == self.prompt:
            return
        self._close_review()
        self.prompt = prompt
        for button, _choice in self._choices:
            self.buttons.removeWidget(button)
            button.deleteLater()
        self._choices = []
        if prompt is None:
            self.hide()
            return
        self.title.setText(f"<b>{html.escape(prompt.title)}</b>")
        text = html.escape(prompt.text)
        if prompt.link:
            link = html.escape(prompt.link)
            text += f'<br><a href="{link}">{link}</a>'
        self.text.setText(text)
        # one concern is the text itself: listed again below it, it would read twice
        listed = prompt.items if " ".join(prompt.items) != prompt.text else ()
        items = "".join(f"<li>{html.escape(i)}</li>" for i in listed)
        self.items.setText(f"<ul>{items}</ul>" if items else "")
        self.items.setVisible(bool(items))
        self.reason.clear()
        self.reason.setPlaceholderText(prompt.text_box)
        self.reason.setVisible(bool(prompt.text_box))
        self.deadline.setText(prompt.deadline)
        for choice in prompt.choices:
            button = QPushButton(choice.label)
            button.setAutoDefault(False)
            button.clicked.connect(lambda _checked=False, c=choice: self._chosen(c))
            self.buttons.addWidget(button)
            self._choices.append((button, choice))
        self._text_changed(self.reason.text())
        self.show()
        if prompt.text_box:
            self.reason.setFocus()

    def button(self, label: str) -> QPushButton:
        """The button of the answer called ``label`` (tests and keyboard focus)."""
        return next(b for b, c in self._choices if c.label == label)

    def _text_changed(self, text: str) -> None:
        problem = reason_problem(text.strip()) if text.strip() else None
        self.problem.setText(problem or "")
        self.problem.setVisible(problem is not None)
        for button, choice in self._choices:
            if choice.takes_text:
                button.setEnabled(bool(text.strip()) and problem is None)

    def _return_pressed(self) -> None:
        for button, choice in self._choices:
            if choice.takes_text and button.isEnabled():
                button.click()

    def _chosen(self, choice: Choice) -> None:
        if self.prompt is None:
            return
        if choice.opens_review:
            self.open_review()
            return
        value: AnswerValue = self.reason.text().strip() if choice.takes_text else choice.value
        for button, _choice in self._choices:
            button.setEnabled(False)  # one answer; the panel goes when the run settles it
        self.answered.emit(self.prompt.question_id, value)

    # --- the translation review -------------------------------------------------------------

    def open_review(self) -> TranslationReviewDialog | None:
        """Open the review window of the prompt's review; its verdict answers the question."""
        prompt = self.prompt
        if prompt is None or prompt.review is None:
            return None
        if self.review_dialog is not None:
            self.review_dialog.raise_()
            return self.review_dialog
        from ereg_desktop.ui.translations.review_dialog import TranslationReviewDialog

        dialog = TranslationReviewDialog(prompt.review, self.window(), again=prompt.again)
        question_id = prompt.question_id
        dialog.approved.connect(lambda verdict: self._reviewed(question_id, verdict))
        dialog.rejected.connect(lambda: self._reviewed(question_id, ReviewVerdict(approved=False)))
        self.review_dialog = dialog
        dialog.open()
        return dialog

    def _reviewed(self, question_id: str, verdict: ReviewVerdict) -> None:
        dialog, self.review_dialog = self.review_dialog, None
        if dialog is not None:
            dialog.deleteLater()
        if self.prompt is None or self.prompt.question_id != question_id:
            return
        for button, _choice in self._choices:
            button.setEnabled(False)
        self.answered.emit(question_id, verdict)

    def _close_review(self) -> None:
        """The question went (settled, withdrawn): its review window goes without answering."""
        dialog, self.review_dialog = self.review_dialog, None
        if dialog is not None:
            dialog.approved.disconnect()
            dialog.rejected.disconnect()
            dialog.close()
            dialog.deleteLater()
