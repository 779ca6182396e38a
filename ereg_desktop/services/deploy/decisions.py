"""The decision channel: a phase asks the operator a typed question in the middle of a run.

A phase calls ``decider.decide(question)`` on the worker thread that runs the update and gets an
:class:`Answer` back. Who answers depends on the front end, never on the phase:

- the GUI passes a :class:`DecisionChannel`: the question goes out as a :class:`QuestionAsked`
  event on the run's event sink (the GUI's task channel queues it to the GUI thread), a dialog
  shows it, and the answer comes back through :meth:`DecisionChannel.answer` (any thread);
- the CLI passes a :class:`PresetDecider`: answers from flags (``--reason``, ``--accept-warnings``,
  ``--wait-for-merge``), else from a terminal prompt, else ``unasked`` (the phase says which
  flag answers it).

Every question has a time limit. An unanswered question is answered ``timed_out`` and the phase
treats it as "no": before the point of no return that means stopping with the app running.
Services stay Qt-free: this module only uses ``threading``.
"""

from __future__ import annotations

import enum
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import ClassVar, Protocol

DEFAULT_TIMEOUT_S = 15 * 60.0  # an operator away from the desk for a while, not for the day


class AnswerSource(enum.StrEnum):
    OPERATOR = "operator"  # typed or clicked just now
    PRESET = "preset"  # given in advance (a CLI flag, reasons collected before the run)
    TIMED_OUT = "timed-out"
    WITHDRAWN = "withdrawn"  # the run was cancelled or closed while the question was open
    UNASKED = "unasked"  # nobody could be asked (no preset, no terminal, no decider)


@dataclass(frozen=True)
class Question:
    """One question. ``id`` is unique within a run; ``kind`` says which answer it takes."""

    kind: ClassVar[str] = "question"
    id: str
    title: str
    text: str
    timeout_s: float = DEFAULT_TIMEOUT_S


@dataclass(frozen=True)
class ReasonNeeded(Question):
    """A typed reason (owner mismatch, production outside its low-traffic window). The answer's
    ``value`` is the reason as text; empty or ``None`` means no reason: the phase stops."""

    kind: ClassVar[str] = "reason"
    concerns: tuple[tuple[str, str], ...] = ()  # (concern id, message) pairs


@dataclass(frozen=True)
class AcknowledgeWarnings(Question):
    """The operator acknowledges these warnings: ``value`` True goes on, anything else stops."""

    kind: ClassVar[str] = "acknowledge"
    warnings: tuple[str, ...] = ()


class MergeChoice(enum.StrEnum):
    MERGE = "merge"  # merge the pull request now, from the app
    WAIT = "wait"  # wait until someone merges it on GitHub (polled)


@dataclass(frozen=True)
class MergeOrWait(Question):
    """Merge the pull request now, or wait for someone on GitHub: ``value`` is a MergeChoice."""

    kind: ClassVar[str] = "merge-or-wait"
    pull_url: str = ""


@dataclass(frozen=True)
class ReviewVerdict:
    """The operator's verdict on a translation review: approved (with the warnings
    acknowledged) or not, and the values edited in the viewer (key -> new value; an empty
    string removes the pair, so English is shown again)."""

    approved: bool
    edits: dict[str, str | list[str]] = field(default_factory=dict)
    acknowledged_warnings: bool = False


@dataclass(frozen=True)
class ReviewTranslations(Question):
    """The pending translation and global-data changes, before anything stops: ``review`` is the
    :class:`~ereg_desktop.services.i18n.review.TranslationReview` (typed loosely here so this
    module stays free of the i18n package). ``value`` is a :class:`ReviewVerdict`; anything else
    (no answer, timed out, withdrawn) stops the run with the app running. ``again`` is set when
    the files changed after an earlier review (the operator reviews what changed meanwhile)."""

    kind: ClassVar[str] = "review"
    review: object = None
    again: bool = False


AnswerValue = str | bool | ReviewVerdict | None


@dataclass(frozen=True)
class Answer:
    question_id: str
    value: AnswerValue
    source: AnswerSource

    @property
    def given(self) -> bool:
        """Answered by someone (now or in advance), not by the clock or a cancel."""
        return self.source in (AnswerSource.OPERATOR, AnswerSource.PRESET)

    @property
    def yes(self) -> bool:
        return self.given and self.value is True

    @property
    def text(self) -> str:
        return self.value.strip() if self.given and isinstance(self.value, str) else ""


class Decider(Protocol):
    def decide(self, question: Question) -> Answer: ...


@dataclass(frozen=True)
class QuestionAsked:
    """Event: the run waits for an answer to ``question`` (until its time limit)."""

    question: Question


@dataclass(frozen=True)
class QuestionSettled:
    """Event: the question is no longer open (answered, timed out or withdrawn)."""

    answer: Answer


QuestionSink = Callable[[QuestionAsked | QuestionSettled], None]


class DecisionChannel:
    """A :class:`Decider` answered from another thread (the GUI). Thread-safe.

    ``emit`` is the run's event sink: :class:`QuestionAsked` and :class:`QuestionSettled` go out
    there. ``decide`` blocks the calling (worker) thread until :meth:`answer`, the question's time
    limit, or :meth:`withdraw`.
    """

    def __init__(self, emit: QuestionSink | None = None) -> None:
        self._emit = emit or (lambda e: None)
        self._cond = threading.Condition()
        self._open: dict[str, Question] = {}
        self._answers: dict[str, Answer] = {}
        self._withdrawn = False

    def bind(self, emit: QuestionSink) -> None:
        """Set the event sink (the run binds its own before its first question)."""
        self._emit = emit

    @property
    def pending(self) -> list[Question]:
        with self._cond:
            return list(self._open.values())

    def decide(self, question: Question) -> Answer:
        with self._cond:
            if self._withdrawn:
                answer = Answer(question.id, None, AnswerSource.WITHDRAWN)
                self._emit(QuestionSettled(answer))
                return answer
            self._open[question.id] = question
        self._emit(QuestionAsked(question))
        with self._cond:
            done = self._cond.wait_for(
                lambda: question.id in self._answers or self._withdrawn, question.timeout_s
            )
            self._open.pop(question.id, None)
            if question.id in self._answers:
                answer = self._answers.pop(question.id)
            elif done:
                answer = Answer(question.id, None, AnswerSource.WITHDRAWN)
            else:
                answer = Answer(question.id, None, AnswerSource.TIMED_OUT)
        self._emit(QuestionSettled(answer))
        return answer

    def answer(self, question_id: str, value: AnswerValue) -> bool:
        """Answer an open question (from any thread). False when it is not open any more."""
        with self._cond:
            if question_id not in self._open:
                return False
            self._answers[question_id] = Answer(question_id, value, AnswerSource.OPERATOR)
            self._cond.notify_all()
            return True

    def withdraw(self) -> None:
        """Cancel: every open and later question is answered ``withdrawn`` at once."""
        with self._cond:
            self._withdrawn = True
            self._cond.notify_all()


# A terminal prompt: returns what the operator typed; raises TimeoutError past the question's
# limit, InterruptedError when the run is cancelled while it waits
TerminalAsk = Callable[[Question], AnswerValue]


@dataclass
class PresetDecider:
    """A :class:`Decider` for the CLI: answers given in advance by question kind (from flags),
    else ``ask`` (a terminal prompt, when there is a terminal), else ``unasked``."""

    presets: dict[str, AnswerValue] = field(default_factory=dict)
    ask: TerminalAsk | None = None
    asked: list[Question] = field(default_factory=list)

    def decide(self, question: Question) -> Answer:
        self.asked.append(question)
        if question.kind in self.presets:
            return Answer(question.id, self.presets[question.kind], AnswerSource.PRESET)
        if self.ask is None:
            return Answer(question.id, None, AnswerSource.UNASKED)
        try:
            return Answer(question.id, self.ask(question), AnswerSource.OPERATOR)
        except TimeoutError:
            return Answer(question.id, None, AnswerSource.TIMED_OUT)
        except InterruptedError:  # the run was cancelled while the prompt waited
            return Answer(question.id, None, AnswerSource.WITHDRAWN)
