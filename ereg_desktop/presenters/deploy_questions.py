"""A question the update asks mid-run, as a prompt: what to show and which answers it offers.

The dialog renders a :class:`Prompt` inline (a text box when it takes typed text, one button per
:class:`Choice`) and hands the chosen value to the run's ``DecisionChannel``.
"""

from __future__ import annotations

from dataclasses import dataclass

from ereg_desktop.services.deploy.decisions import (
    AcknowledgeWarnings,
    AnswerValue,
    MergeChoice,
    MergeOrWait,
    Question,
    ReasonNeeded,
)
from ereg_desktop.services.durations import age_text

STOP = "Stop the update"


@dataclass(frozen=True)
class Choice:
    label: str
    value: AnswerValue = None
    takes_text: bool = False  # the answer is the typed text (offered once some is typed)
    primary: bool = False  # the default button


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
            Choice("Merge now", MergeChoice.MERGE, primary=True),
            Choice("Wait for GitHub", MergeChoice.WAIT),
        )
        return Prompt(
            question.id, question.title, question.text, (), question.pull_url, "", choices,
            deadline,
        )  # fmt: skip
    # a kind this version does not know: it can only be declined, never answered by guessing
    return Prompt(question.id, question.title, question.text, (), "", "", (Choice(STOP),), deadline)
