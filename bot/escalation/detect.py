"""Deciding whether a question goes to staff: patterns, then similarity, then (optionally) an LLM.

1. Patterns: a category's regular expressions; a match always escalates.
2. Similarity: the question, and each of its sentences, is embedded with the project's model
   and compared with every category's examples. A sentence escalates when it is very close to
   a category, or close to it and clearly closer than to any ordinary messaging question.
   Checking sentences one by one catches a sensitive clause inside a long message.
3. Judge: when an LLM is configured, it is asked last, only about questions the first two
   passed; it can add an escalation, never remove one. A failing judge is logged and ignored.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from langchain_core.embeddings import Embeddings

from bot.advisor import Detection
from bot.answer import Question
from bot.escalation.policy import Category, Policy

log = logging.getLogger(__name__)

Judge = Callable[[Question, Sequence[Category]], Detection | None]

HIGH = 0.85  # this close to a sensitive example escalates whatever else it resembles
LOW = 0.45  # from here, escalate if clearly closer to a category than to ordinary questions
MARGIN = 0.04
MAX_SEGMENTS = 6
_SENTENCES = re.compile(r"(?<=[.!?])\s+|\n+")


@dataclass(frozen=True)
class Score:
    """The best category for a piece of text and how sure the detector is."""

    category: str
    similarity: float
    ordinary: float
    text: str


class EscalationDetector:
    """Implements ``bot.advisor.Detector`` from a ``Policy``."""

    def __init__(
        self,
        policy: Policy,
        embeddings: Embeddings,
        judge: Judge | None = None,
        high: float = HIGH,
        low: float = LOW,
        margin: float = MARGIN,
    ) -> None:
        self.policy = policy
        self.embeddings = embeddings
        self.judge = judge
        self.high, self.low, self.margin = high, low, margin
        self._examples: np.ndarray | None = None
        self._labels: list[str] = []
        self._ordinary: np.ndarray | None = None

    def detect(self, question: Question) -> Detection | None:
        """A ``Detection`` when staff must answer, else None."""
        text = question.text.strip()
        if not text:
            return None
        for category in self.policy.categories:
            for pattern in category.patterns:
                match = pattern.search(text)
                if match:
                    return self._detection(category, f"matched the pattern {match.group(0)!r}")
        best = self.score(text)
        if best is not None and self._escalates(best):
            reason = (
                f"close to {best.category} examples (similarity {best.similarity:.2f}"
                f" vs {best.ordinary:.2f} for ordinary questions)"
            )
            return self._detection(self.policy.category(best.category), reason)
        if self.judge is not None:
            try:
                return self.judge(question, self.policy.categories)
            except Exception:  # the judge is optional; it must never break answering
                log.exception("the LLM escalation judge failed; continuing without it")
        return None

    def score(self, text: str) -> Score | None:
        """The most sensitive-looking segment of ``text`` and its scores."""
        examples, ordinary = self._load()
        segments = segments_of(text)
        vectors = np.asarray(self.embeddings.embed_documents(segments), dtype=np.float32)
        similarity = vectors @ examples.T  # (segments, examples)
        ordinary_best = (
            (vectors @ ordinary.T).max(axis=1) if len(ordinary) else np.zeros(len(segments))
        )
        best: Score | None = None
        for row, segment in enumerate(segments):
            column = int(similarity[row].argmax())
            candidate = Score(
                self._labels[column],
                float(similarity[row, column]),
                float(ordinary_best[row]),
                segment,
            )
            if best is None or self._rank(candidate) > self._rank(best):
                best = candidate
        return best

    def _escalates(self, score: Score) -> bool:
        if score.similarity >= self.high:
            return True
        return score.similarity >= self.low and score.similarity - score.ordinary >= self.margin

    def _rank(self, score: Score) -> tuple[bool, float]:
        return (self._escalates(score), score.similarity - score.ordinary)

    def _load(self) -> tuple[np.ndarray, np.ndarray]:
        if self._examples is None:
            texts, labels = [], []
            for category in self.policy.categories:
                texts.extend(category.examples)
                labels.extend([category.name] * len(category.examples))
            self._labels = labels
            self._examples = np.asarray(self.embeddings.embed_documents(texts), dtype=np.float32)
            ordinary = list(self.policy.ordinary_examples)
            self._ordinary = (
                np.asarray(self.embeddings.embed_documents(ordinary), dtype=np.float32)
                if ordinary
                else np.zeros((0, self._examples.shape[1]), dtype=np.float32)
            )
        return self._examples, self._ordinary

    @staticmethod
    def _detection(category: Category, reason: str) -> Detection:
        kind = "requested" if category.kind == "requested" else "sensitive"
        return Detection(
            kind=kind, category=category.name, reason=reason, holding_reply=category.holding_reply
        )


def segments_of(text: str) -> list[str]:
    """The whole text, plus its sentences when there are several (long ones only)."""
    sentences = [s.strip() for s in _SENTENCES.split(text) if len(s.split()) >= 4]
    if len(sentences) <= 1:
        return [text]
    return [text, *sentences[: MAX_SEGMENTS - 1]]
