"""The advisor: the one entry point every surface calls.

A ``Question`` goes in; an ``Answer`` comes out. The order is fixed and matters:

1. the escalation detector runs first, so a sensitive question never gets advice, and its
   queue item and holding reply never depend on the index (retrieval only adds a draft for
   staff, when it works);
2. retrieval finds passages;
3. an answerer (the LLM one when configured, else the offline composer) writes the reply;
4. when nothing relevant is found the member gets a plain "no guidance" reply and staff
   get a queue item showing the gap; when the guidance cannot be searched at all, the member
   is told so and staff get the item too.

Work per question is bounded: a message longer than ``max_question_chars`` is still checked
for a sensitive situation (linear time), then gets a polite request for a shorter question.

The advisor knows nothing of Slack or Discord.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Protocol

from bot.answer import Answer, Detection, Escalation, EscalationKind, Passage, Question, Reply
from bot.errors import LinesError

if TYPE_CHECKING:  # only for the type: the advisor itself never touches Chroma
    from bot.index.connection import IndexConnection

log = logging.getLogger(__name__)

NO_GUIDANCE_TEXT = (
    "I couldn't find anything in our guidance that answers this, so I won't guess. "
    "I've flagged the question to the staff team so they can see the gap and follow up."
)
UNAVAILABLE_TEXT = (
    "I can't search our guidance right now, so I can't answer this yet. "
    "I've passed your question to the staff team so it isn't lost."
)
CHECK_FAILED_TEXT = (
    "I couldn't check this message properly, so I haven't answered it myself. "
    "I've passed it to the staff team and a person will reply."
)
# What a surface says when its own handling of a message failed unexpectedly.
SORRY_TEXT = (
    "Sorry, something went wrong and I couldn't answer that. Please try again in a minute; "
    "if it keeps happening, tell the staff team."
)
TOO_LONG_TEXT = (
    "That message is longer than I can read ({length:,} characters; my limit is {limit:,}). "
    "Please send the question on its own, in a shorter message."
)
# The escalation check reads at most this much of an over-long message (its start and its
# end, where a disclosure is likeliest): Slack's longest message, so work stays bounded
# even for a megabyte pasted into the command line.
MAX_CHECKED_CHARS = 40_000


class Retriever(Protocol):
    def retrieve(self, question: Question) -> list[Passage]:
        """Relevant passages for the question, best first; empty when nothing is relevant."""
        ...


class Answerer(Protocol):
    def answer(self, question: Question, passages: Sequence[Passage]) -> Reply | None:
        """A cited reply from ``passages``, or None when they do not answer the question."""
        ...


class Detector(Protocol):
    def detect(self, question: Question, *, draft: bool = False) -> Detection | None:
        """A detection when staff must answer instead of the bot, else None.

        ``draft``: the text is a member's draft to check, not a question.
        """
        ...


class EscalationQueue(Protocol):
    def open_item(
        self,
        *,
        question: Question,
        kind: EscalationKind,
        category: str | None,
        reason: str,
        passages: Sequence[Passage],
    ) -> int:
        """Durably record an item for staff and return its id.

        Idempotent on ``question.origin`` (platform, event_id): the same event opens one item.
        """
        ...


class Advisor:
    """Question in, ``Answer`` out. Thread-safe as long as its parts are."""

    def __init__(
        self,
        retriever: Retriever,
        answerer: Answerer,
        detector: Detector | None = None,
        queue: EscalationQueue | None = None,
        *,
        max_question_chars: int,
        index: IndexConnection | None = None,
    ) -> None:
        self.retriever = retriever
        self.answerer = answerer
        self.detector = detector
        self.queue = queue
        self.max_question_chars = max_question_chars
        # The index the retriever reads, for the parts that read it beside the advisor (the
        # draft checker's rules, the corrections sweep): one connection per process.
        self.index = index

    def ask(self, question: Question) -> Answer:
        """Answer ``question``, or hand it to staff with a holding reply.

        Never raises for a failing index or answerer: the member is told the truth and the
        question is kept in the queue.
        """
        detection = self._detect(question)
        if detection is not None:
            return self._escalate(question, detection, self._draft(question))
        if len(question.text) > self.max_question_chars:
            return Answer(
                question=question.text,
                text=TOO_LONG_TEXT.format(length=len(question.text), limit=self.max_question_chars),
            )
        try:
            passages = self.retriever.retrieve(question)
            reply = self.answerer.answer(question, passages) if passages else None
        except Exception as exc:  # the index or answerer failed: say so, keep the question
            log.error("could not answer from the guidance (%s)", type(exc).__name__, exc_info=True)
            reason = f"The guidance could not be searched ({_describe(exc)})."
            item_id = self._open(question, "no_guidance", None, reason, ())
            return Answer(
                question=question.text,
                text=UNAVAILABLE_TEXT,
                escalation=Escalation(kind="no_guidance", reason=reason, id=item_id),
            )
        if reply is None or not reply.citations:
            reason = "No passage in the knowledge base was relevant enough to answer."
            item_id = self._open(question, "no_guidance", None, reason, passages)
            text = NO_GUIDANCE_TEXT
            if reply is not None and reply.text:  # a note with nothing to cite: an expired line
                text += "\n\n" + reply.text
            return Answer(
                question=question.text,
                text=text,
                escalation=Escalation(kind="no_guidance", reason=reason, id=item_id),
            )
        return Answer(question=question.text, text=reply.text, citations=reply.citations)

    def request_person(
        self, question: Question, reason: str = "The member asked for a person."
    ) -> Answer:
        """Escalate as ``requested`` (the "Ask a person" button), without running the detector."""
        detection = Detection(
            kind="requested",
            category="human_requested",
            reason=reason,
            holding_reply=(
                "Thanks, I've passed this to the staff team. A person will reply in this thread."
            ),
        )
        return self._escalate(question, detection, self._draft(question))

    def _detect(self, question: Question) -> Detection | None:
        return check_for_staff(self.detector, question)

    def _draft(self, question: Question) -> Sequence[Passage]:
        """Passages for staff to start from; nothing when the index cannot be searched."""
        try:
            return self.retriever.retrieve(question)
        except Exception as exc:  # a draft is a courtesy: never let it block the hand-over
            log.warning("no draft passages for staff (%s)", type(exc).__name__)
            return ()

    def _escalate(
        self, question: Question, detection: Detection, passages: Sequence[Passage]
    ) -> Answer:
        escalation = open_escalation(self.queue, question, detection, passages)
        return Answer(question=question.text, text=detection.holding_reply, escalation=escalation)

    def _open(
        self,
        question: Question,
        kind: EscalationKind,
        category: str | None,
        reason: str,
        passages: Sequence[Passage],
    ) -> int | None:
        if self.queue is None:
            return None
        return self.queue.open_item(
            question=question, kind=kind, category=category, reason=reason, passages=passages
        )


def open_escalation(
    queue: EscalationQueue | None,
    question: Question,
    detection: Detection,
    passages: Sequence[Passage],
) -> Escalation:
    """Hand ``question`` to staff: the queue item (when there is a queue), as an ``Escalation``.

    The item is written before the holding reply is shown, so nothing is lost.
    """
    item_id = None
    if queue is not None:
        item_id = queue.open_item(
            question=question,
            kind=detection.kind,
            category=detection.category,
            reason=detection.reason,
            passages=passages,
        )
    log.info("escalated as %s/%s (item %s)", detection.kind, detection.category, item_id)
    return Escalation(
        kind=detection.kind, reason=detection.reason, category=detection.category, id=item_id
    )


def check_for_staff(
    detector: Detector | None, question: Question, *, draft: bool = False
) -> Detection | None:
    """The detector's verdict on ``question``, read within bounds; never raises.

    An over-long message is read at its start and end (``MAX_CHECKED_CHARS``). A failing
    detector means nobody knows whether it is sensitive, so a person must look. ``draft``
    reads a member's draft rather than a question (``EscalationDetector.detect``).
    """
    if detector is None or not question.text.strip():
        return None
    if len(question.text) > MAX_CHECKED_CHARS:
        head, tail = MAX_CHECKED_CHARS * 3 // 4, MAX_CHECKED_CHARS // 4
        question = replace(question, text=f"{question.text[:head]}\n{question.text[-tail:]}")
    try:
        return detector.detect(question, draft=True) if draft else detector.detect(question)
    except Exception as exc:  # unsure whether it is sensitive: a person must look
        log.error("the escalation check failed (%s)", type(exc).__name__, exc_info=True)
        return Detection(
            kind="sensitive",
            category="unchecked",
            reason=f"The escalation check failed ({_describe(exc)}); a person must look.",
            holding_reply=CHECK_FAILED_TEXT,
        )


def _describe(exc: Exception) -> str:
    """A short, question-free description of an error, for staff and logs."""
    if isinstance(exc, LinesError):
        return str(exc).splitlines()[0][:200]
    return type(exc).__name__
