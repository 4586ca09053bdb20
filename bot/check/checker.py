"""Checking a draft: the one entry point every surface calls for "Check my draft".

``DraftChecker.check(text)`` runs, in this order:

1. the escalation detector, exactly as for a question: a draft that carries a sensitive
   situation (a person at risk, someone's own case, a live crisis...) goes to staff with a
   holding reply and gets no wording advice;
2. the term rules of the live index (``RuleBook``), matched with ``TermMatcher``;
3. the framing advice, for at most two notes.

It returns a ``DraftCheck`` and knows nothing of Slack, Discord or the terminal.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence

from bot.advisor import (
    Detection,
    Detector,
    EscalationQueue,
    check_for_staff,
    open_escalation,
)
from bot.answer import Citation, Origin, Passage, Question
from bot.check.findings import DraftCheck, Finding, FramingNote
from bot.check.framing import Note, framing_notes
from bot.check.matching import Draft, Match, TermMatcher
from bot.check.rulebook import RuleBook
from bot.check.rules import Guidance
from bot.check.rules import Origin as RuleOrigin
from bot.inbound import clean_text

log = logging.getLogger(__name__)

MAX_CITATIONS_PER_FINDING = 3


class DraftChecker:
    """Draft in, ``DraftCheck`` out. Thread-safe."""

    def __init__(
        self,
        rulebook: RuleBook,
        detector: Detector | None = None,
        queue: EscalationQueue | None = None,
    ) -> None:
        self.rulebook = rulebook
        self.detector = detector
        self.queue = queue
        self._matcher: tuple[Guidance, TermMatcher] | None = None
        self._lock = threading.Lock()

    def check(self, text: str, origin: Origin | None = None) -> DraftCheck:
        """Findings and framing notes for ``text``, or an escalation when staff must see it.

        Raises ``IndexEmpty`` when nothing has been ingested yet, but only after the
        escalation check: a sensitive draft goes to staff whatever state the index is in,
        and a failing detector hands the draft to staff rather than guessing (as the
        advisor does for a question).
        """
        text = clean_text(text)
        origin = origin or Origin()
        question = Question(text=text, origin=origin)
        # Detection comes before the rules are read, as it comes before retrieval for a
        # question: a sensitive draft reaches staff even when the index is missing or broken.
        detection = self._detect(question)
        if detection is not None:
            # Staff see the guidance the draft touches, as they see passages for a question.
            passages = self._touched(text)
            escalation = open_escalation(self.queue, question, detection, passages)
            return DraftCheck(text=text, escalation=escalation, reply=detection.holding_reply)
        return self.check_wording(text)

    def _detect(self, question: Question) -> Detection | None:
        return check_for_staff(self.detector, question, draft=True)

    def _touched(self, text: str) -> list[Passage]:
        """The guidance a draft touches, for staff; nothing when the rules cannot be read."""
        try:
            return _passages(self._matches(self.rulebook.guidance(), Draft(text)))
        except Exception as exc:  # a courtesy for staff: never let it block the hand-over
            log.warning("no guidance passages for staff (%s)", type(exc).__name__)
            return []

    def check_wording(self, text: str, guidance: Guidance | None = None) -> DraftCheck:
        """Findings and framing notes only, without the escalation check (for evaluation)."""
        guidance = guidance if guidance is not None else self.rulebook.guidance()
        text = clean_text(text)
        draft = Draft(text)
        matches = self._matches(guidance, draft)
        notes = framing_notes(draft, guidance.framing)
        return _numbered(text, matches, notes)

    def _matches(self, guidance: Guidance, draft: Draft) -> list[Match]:
        with self._lock:
            if self._matcher is None or self._matcher[0] is not guidance:
                self._matcher = (guidance, TermMatcher(guidance.rules))
            matcher = self._matcher[1]
        return matcher.find(draft)


# -- numbering ---------------------------------------------------------------------------------


class _Numbers:
    """Numbers citations in order of first use, the same passage always the same number."""

    def __init__(self) -> None:
        self._numbers: dict[tuple[str, str, str], int] = {}

    def cite(self, origin: RuleOrigin, quote: str) -> Citation:
        key = (origin.source, origin.locator, quote)
        number = self._numbers.setdefault(key, len(self._numbers) + 1)
        return Citation(
            number=number,
            source=origin.source,
            title=origin.title,
            locator=origin.locator,
            quote=quote,
            kind=origin.kind,
            date=origin.date,
        )


def _numbered(text: str, matches: Sequence[Match], notes: Sequence[Note]) -> DraftCheck:
    numbers = _Numbers()
    findings = []
    for match in matches:
        citations: list[Citation] = []
        for rule in match.rules:
            citation = numbers.cite(rule.origin, rule.quote)
            if citation not in citations and len(citations) < MAX_CITATIONS_PER_FINDING:
                citations.append(citation)
        first = match.rules[0]
        suggestion = first.suggestion or next(
            (r.suggestion for r in match.rules if r.suggestion), ""
        )
        reason = first.reason or next((r.reason for r in match.rules if r.reason), "")
        findings.append(
            Finding(
                start=match.start,
                end=match.end,
                found=text[match.start : match.end],
                suggestion=suggestion,
                reason=reason,
                citations=tuple(citations),
            )
        )
    framing = [
        FramingNote(
            text=note.text,
            start=note.start,
            end=note.end,
            citations=(numbers.cite(note.advice.origin, note.quote),),
        )
        for note in notes
    ]
    return DraftCheck(text=text, findings=tuple(findings), framing=tuple(framing))


def _passages(matches: Sequence[Match]) -> list[Passage]:
    passages: dict[tuple[str, str], Passage] = {}
    for match in matches:
        for rule in match.rules:
            o = rule.origin
            passages.setdefault(
                (o.source, o.locator),
                Passage(
                    chunk_id=o.chunk_id,
                    text=rule.quote,
                    source=o.source,
                    title=o.title,
                    kind=o.kind,
                    locator=o.locator,
                    date=o.date,
                ),
            )
    return list(passages.values())
