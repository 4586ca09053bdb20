"""The advisor: the one entry point every surface calls.

A ``Question`` goes in; an ``Answer`` comes out. The order is fixed and matters:

1. the escalation detector runs first, so a sensitive question never gets advice;
2. retrieval finds passages (kept as a draft for staff even when escalating);
3. an answerer (the LLM one when configured, else the offline composer) writes the reply;
4. when nothing relevant is found the member gets a plain "no guidance" reply and staff
   get a queue item showing the gap.

The advisor knows nothing of Slack or Discord.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from bot.answer import Answer, Escalation, EscalationKind, Passage, Question, Reply

log = logging.getLogger(__name__)

NO_GUIDANCE_TEXT = (
    "I couldn't find anything in our guidance that answers this, so I won't guess. "
    "I've flagged the question to the staff team so they can see the gap and follow up."
)


@dataclass(frozen=True)
class Detection:
    """The detector's verdict that staff must take over."""

    kind: EscalationKind  # "sensitive" or "requested"
    category: str
    reason: str
    holding_reply: str


class Retriever(Protocol):
    def retrieve(self, question: Question) -> list[Passage]:
        """Relevant passages for the question, best first; empty when nothing is relevant."""
        ...


class Answerer(Protocol):
    def answer(self, question: Question, passages: Sequence[Passage]) -> Reply | None:
        """A cited reply from ``passages``, or None when they do not answer the question."""
        ...


class Detector(Protocol):
    def detect(self, question: Question) -> Detection | None:
        """A detection when staff must answer instead of the bot, else None."""
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
    ) -> None:
        self.retriever = retriever
        self.answerer = answerer
        self.detector = detector
        self.queue = queue

    def ask(self, question: Question) -> Answer:
        """Answer ``question``, or hand it to staff with a holding reply."""
        detection = self.detector.detect(question) if self.detector else None
        passages = self.retriever.retrieve(question)
        if detection is not None:
            return self._escalate(question, detection, passages)

        reply = self.answerer.answer(question, passages) if passages else None
        if reply is None or not reply.citations:
            reason = "No passage in the knowledge base was relevant enough to answer."
            item_id = self._open(question, "no_guidance", None, reason, passages)
            return Answer(
                question=question.text,
                text=NO_GUIDANCE_TEXT,
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
        return self._escalate(question, detection, self.retriever.retrieve(question))

    def _escalate(
        self, question: Question, detection: Detection, passages: Sequence[Passage]
    ) -> Answer:
        # The queue item is written before the holding reply exists, so nothing is lost.
        item_id = self._open(
            question, detection.kind, detection.category, detection.reason, passages
        )
        log.info(
            "escalated question as %s/%s (item %s)", detection.kind, detection.category, item_id
        )
        return Answer(
            question=question.text,
            text=detection.holding_reply,
            escalation=Escalation(
                kind=detection.kind,
                reason=detection.reason,
                category=detection.category,
                id=item_id,
            ),
        )

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
