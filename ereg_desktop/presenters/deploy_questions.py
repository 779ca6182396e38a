"""A question the update asks mid-run, as a prompt: what to show and which answers it offers.

The dialog renders a :class:`Prompt` inline (a text box when it takes typed text, one button per
:class:`Choice`) and hands the chosen value to the run's ``DecisionChannel``.
"""

from __future__ import annotations

from dataclasses import dataclass

from ereg_desktop.presenters.translation_review import review_summary
from ereg_desktop.services.deploy.decisions import (
    AcknowledgeWarnings,
    AnswerValue,
    MergeChoice,
    MergeOrWait,
    Question,
    ReasonNeeded,
    ReviewTranslations,
    ReviewVerdict,
)
from ereg_desktop.services.durations import age_text
from ereg_desktop.services.i18n.review import TranslationReview

STOP = "Stop the update"
REVIEW = "Review…"
MERGE_NOW, WAIT_FOR_MERGE = "Merge now", "Wait for a merge on GitHub"
REVIEWED_AGAIN = "The files changed on the server after your review: review them again."


@dataclass(frozen=True)
class Choice:
    label: str
    value: AnswerValue = None
    takes_text: bool = False  # the answer is the typed text (offered once some is typed)
    primary: bool = False  # the default button
    opens_review: bool = False  # opens the review window; its verdict is the answer


@dataclass(frozen=True)
class Prompt:
    question_id: str
    title: str
    text: str
    items: tuple[str, ...]  # the concerns or warnings it is about, one per line
    link: str  # a pull request to look at first, or ""
    text_box: str  # the text box's placeholder; "" when it takes no typed text
    choices: tuple[Choice, ...]
    deadline: str  # what happens without an answer
    review: TranslationReview | None = None  # what "Review…" opens
    again: bool = False  # the files changed after an earlier review


def prompt_for(question: Question) -> Prompt:
    deadline = f"No answer within {age_text(question.timeout_s)} counts as no."
    if isinstance(question, ReasonNeeded):
        return Prompt(
            question.id,
            question.title,
            question.text,
            tuple(message for _concern, message in question.concerns),
            "",
            "Why now? (recorded with the update)",
            (Choice("OK", takes_text=True, primary=True), Choice(STOP)),
            deadline,
        )
    if isinstance(question, AcknowledgeWarnings):
        choices = (Choice("Acknowledge", True, primary=True), Choice(STOP, False))
        return Prompt(
            question.id, question.title, question.text, question.warnings, "", "", choices,
            deadline,
        )  # fmt: skip
    if isinstance(question, MergeOrWait):
        choices = (
            Choice(MERGE_NOW, MergeChoice.MERGE, primary=True),
            Choice(WAIT_FOR_MERGE, MergeChoice.WAIT),
        )
        return Prompt(
            question.id, question.title, question.text, (), question.pull_url, "", choices,
            deadline,
        )  # fmt: skip
    if isinstance(question, ReviewTranslations) and isinstance(question.review, TranslationReview):
        return _review_prompt(question, question.review, deadline)
    # a kind this version does not know: it can only be declined, never answered by guessing
    return Prompt(question.id, question.title, question.text, (), "", "", (Choice(STOP),), deadline)


def _review_prompt(
    question: ReviewTranslations, review: TranslationReview, deadline: str
) -> Prompt:
    text = question.text
    if question.again:
        text = f"{REVIEWED_AGAIN} {text}".strip()
    choices = (
        Choice(REVIEW, primary=True, opens_review=True),
        Choice(STOP, ReviewVerdict(approved=False)),
    )
    return Prompt(
        question.id, question.title, text, (review_summary(review),), "", "", choices, deadline,
        review, question.again,
    )  # fmt: skip
