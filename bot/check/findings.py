"""The values a draft check returns to every surface: findings, framing notes, the escalation.

Frozen, like ``bot.answer``'s types, and platform-neutral: offsets are into ``DraftCheck.text``
(Python string indices, i.e. code points), citations are ``bot.answer.Citation`` numbered once
per check so a surface can print "[n]" after each finding and a numbered list of sources.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.answer import Answer, Citation, Escalation


@dataclass(frozen=True)
class Finding:
    """Words in the draft the guidance says to avoid, what to say instead and why."""

    start: int
    end: int
    found: str  # the draft's own text[start:end]
    suggestion: str  # "" when the guide only says what to avoid
    reason: str  # "" when the guide gives no reason
    citations: tuple[Citation, ...]


@dataclass(frozen=True)
class FramingNote:
    """Advice about how the draft frames its story, for the sentence(s) at [start, end)."""

    text: str
    start: int
    end: int
    citations: tuple[Citation, ...]


@dataclass(frozen=True)
class DraftCheck:
    """The result of checking one draft.

    When ``escalation`` is set, staff take over: ``reply`` is the holding reply to show and
    there are no findings or notes (a sensitive draft gets a person, not wording advice).
    """

    text: str
    findings: tuple[Finding, ...] = ()
    framing: tuple[FramingNote, ...] = ()
    escalation: Escalation | None = None
    reply: str = ""

    @property
    def escalated(self) -> bool:
        """True when the draft went to staff instead of being checked."""
        return self.escalation is not None

    def as_answer(self) -> Answer:
        """The check as the staff desk sees an escalated question (it reads ``escalation``)."""
        return Answer(question=self.text, text=self.reply, escalation=self.escalation)

    @property
    def citations(self) -> tuple[Citation, ...]:
        """Every source cited by a finding or note, once, in number order."""
        seen: dict[int, Citation] = {}
        for item in (*self.findings, *self.framing):
            for citation in item.citations:
                seen.setdefault(citation.number, citation)
        return tuple(seen[n] for n in sorted(seen))

    def to_json(self) -> dict[str, Any]:
        """The stable JSON shape of ``lines check --json``."""
        escalation = None
        if self.escalation is not None:
            escalation = {
                "kind": self.escalation.kind,
                "category": self.escalation.category,
                "reason": self.escalation.reason,
                "id": self.escalation.id,
                "reply": self.reply,
            }
        return {
            "text": self.text,
            "findings": [
                {
                    "start": f.start,
                    "end": f.end,
                    "found": f.found,
                    "suggestion": f.suggestion,
                    "reason": f.reason,
                    "citations": [_citation_json(c) for c in f.citations],
                }
                for f in self.findings
            ],
            "framing": [
                {
                    "start": n.start,
                    "end": n.end,
                    "note": n.text,
                    "citations": [_citation_json(c) for c in n.citations],
                }
                for n in self.framing
            ],
            "escalation": escalation,
        }


def _citation_json(citation: Citation) -> dict[str, Any]:
    return {
        "number": citation.number,
        "source": citation.source,
        "title": citation.title,
        "locator": citation.locator,
        "quote": citation.quote,
    }
