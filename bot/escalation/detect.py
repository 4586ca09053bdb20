"""Deciding whether a question goes to staff: patterns, then similarity, then (optionally) an LLM.

1. Patterns: a category's regular expressions; a match always escalates.
2. Similarity: the question, and each of its sentences, is embedded with the project's model
   and compared with every category's examples. A sentence escalates when it is very close to
   a category, or close to it and clearly closer than to any ordinary messaging question.
   Checking sentences one by one catches a sensitive clause inside a long message.
3. Thread: a short follow-up in a thread (a few words, such as "she's only 16") is also read
   together with the member's previous message. It escalates only when the pair is sensitive,
   more sensitive than the previous message alone, and the follow-up leans the same way on its
   own: the current message decides, the history only gives it context. Bot and staff turns are
   never read (a holding reply mentions 999, which would colour everything after it).
4. Judge: when an LLM is configured, it is asked last, only about questions the first two
   passed; it can add an escalation, never remove one. A failing judge is logged and ignored.

Questions about words are the bot's core use ("is it OK to say bogus asylum seekers?"), and
they name loaded topics without any real situation. A sentence matching the policy's
``wording_questions`` is therefore escalated only when it also matches ``situations`` (a real
person or a live moment) or is all but identical to a category's example; any other sentence
of the same message is judged as usual.

Work per message is bounded: patterns run over windows of the text (a match may span up to
``WINDOW - STEP`` characters), so a 40,000-character message costs linear time however staff
write their patterns, and similarity reads at most ``MAX_SEGMENTS`` pieces.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from langchain_core.embeddings import Embeddings

from bot.answer import Detection, Question
from bot.escalation.policy import Category, Policy

log = logging.getLogger(__name__)

Judge = Callable[[Question, Sequence[Category]], Detection | None]
"""An optional extra opinion (``bot.escalation.judge``): asked last, it can only add one."""

HIGH = 0.85  # this close to a sensitive example escalates whatever else it resembles
LOW = 0.45  # from here, escalate if clearly closer to a category than to ordinary questions
MARGIN = 0.04
MAX_SEGMENTS = 6
FOLLOW_UP_WORDS = 15  # a message this short in a thread is read with the previous one too
WINDOW, STEP = 600, 400  # pattern windows: a match up to 200 characters long is always seen
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
        self._lock = threading.Lock()

    def warm(self) -> None:
        """Embed the policy's examples now, so the first questions don't wait (or race)."""
        self._load()

    def detect(self, question: Question, *, draft: bool = False) -> Detection | None:
        """A ``Detection`` when staff must answer, else None.

        ``draft``: the text is a member's draft to check, not a question. A draft is about
        words by nature, so every sentence of it is read as a wording question: it escalates
        when it shows a real person or a live moment (the policy's situations), or is all but
        identical to a category's example.
        """
        text = question.text.strip()
        if not text:
            return None
        detection = (
            self._by_pattern(text, draft)
            or self._by_similarity(text, draft)
            or (None if draft else self._by_thread(question))
        )
        if detection is not None or self.judge is None:
            return detection
        try:
            return self.judge(question, self.policy.categories)
        except Exception:  # the judge is optional; it must never break answering
            log.exception("the LLM escalation judge failed; continuing without it")
            return None

    def score(self, text: str, draft: bool = False) -> Score:
        """The most sensitive-looking segment of ``text`` (whole or a sentence), with its scores."""
        return max(self._scores(segments_of(text)), key=lambda s: self._rank(s, draft))

    def about_wording(self, text: str) -> bool:
        """True when ``text`` asks about words or framing and describes no real situation."""
        wording = any(p.search(text) for p in self.policy.wording_questions)
        return wording and not self.in_situation(text)

    def _wording(self, text: str, draft: bool) -> bool:
        if draft and self.policy.situations:
            return not self.in_situation(text)
        # A policy without situations cannot tell a draft's story from a disclosure, so a
        # draft is read like any message.
        return self.about_wording(text)

    def _by_pattern(self, text: str, draft: bool = False) -> Detection | None:
        # Read every sentence unless the message only asks about words; then skip the sentences
        # that do (a situation anywhere in the message means the whole message is read).
        if self._wording(text, draft):
            situation = "\n".join(s for s in _sentences(text) if not self._wording(s, draft))
        else:
            situation = text
        for category in self.policy.categories:
            # Asking for a person is a request, not a topic: it counts in any sentence.
            read = text if category.kind == "requested" else situation
            if not read:
                continue
            for pattern in category.patterns:
                match = search_bounded(pattern, read)
                if match is not None:
                    return self._detection(category, f"matched the pattern {match!r}")
        return None

    def _by_similarity(self, text: str, draft: bool = False) -> Detection | None:
        best = self.score(text, draft)
        if not self._escalates(best, draft):
            return None
        category = self.policy.category(best.category)
        if category.needs_situation and not self.in_situation(text):
            return None
        return self._detection(category, _closeness(best))

    def in_situation(self, text: str) -> bool:
        """True when ``text`` shows a real person or a live moment (the policy's situations)."""
        return any(p.search(text) for p in self.policy.situations)

    def _by_thread(self, question: Question) -> Detection | None:
        text = question.text.strip()
        earlier = _previous_member_message(question)
        if earlier is None or len(text.split()) > FOLLOW_UP_WORDS:
            return None
        combined = f"{earlier} {text}"
        spanning = self._pattern_only_in(combined, earlier)
        if spanning is not None:
            category, matched = spanning
            reason = f"with the member's previous message, matched the pattern {matched!r}"
            return self._detection(category, reason)
        alone, before, together = self._scores([text, earlier, combined])
        if (
            self._escalates(together)
            and together.category == alone.category
            and together.similarity - together.ordinary > before.similarity - before.ordinary
        ):
            reason = (
                f"a follow-up that, with the member's previous message, is {_closeness(together)}"
            )
            return self._detection(self.policy.category(together.category), reason)
        return None

    def _pattern_only_in(self, combined: str, earlier: str) -> tuple[Category, str] | None:
        # A pattern spanning both messages counts; one the earlier message matched alone was
        # already handled when that message was asked.
        for category in self.policy.categories:
            for pattern in category.patterns:
                match = search_bounded(pattern, combined)
                if match is not None and search_bounded(pattern, earlier) is None:
                    return category, match
        return None

    def _scores(self, texts: list[str]) -> list[Score]:
        examples, ordinary = self._load()
        vectors = np.asarray(self.embeddings.embed_documents(texts), dtype=np.float32)
        similarity = vectors @ examples.T  # (texts, examples)
        ordinary_best = (
            (vectors @ ordinary.T).max(axis=1) if len(ordinary) else np.zeros(len(texts))
        )
        scores = []
        for row, text in enumerate(texts):
            column = int(similarity[row].argmax())
            scores.append(
                Score(
                    self._labels[column],
                    float(similarity[row, column]),
                    float(ordinary_best[row]),
                    text,
                )
            )
        return scores

    def _escalates(self, score: Score, draft: bool = False) -> bool:
        if score.similarity >= self.high:
            return True
        if self._wording(score.text, draft):
            return False  # a question about words needs a near-identical example
        return score.similarity >= self.low and score.similarity - score.ordinary >= self.margin

    def _rank(self, score: Score, draft: bool = False) -> tuple[bool, float]:
        return (self._escalates(score, draft), score.similarity - score.ordinary)

    def _load(self) -> tuple[np.ndarray, np.ndarray]:
        examples, ordinary = self._examples, self._ordinary
        if examples is not None and ordinary is not None:
            return examples, ordinary
        with self._lock:  # two first questions at once must not both half-build the arrays
            if self._examples is None or self._ordinary is None:
                texts, labels = [], []
                for category in self.policy.categories:
                    texts.extend(category.examples)
                    labels.extend([category.name] * len(category.examples))
                vectors = np.asarray(self.embeddings.embed_documents(texts), dtype=np.float32)
                ordinary_texts = list(self.policy.ordinary_examples)
                anchors = (
                    np.asarray(self.embeddings.embed_documents(ordinary_texts), dtype=np.float32)
                    if ordinary_texts
                    else np.zeros((0, vectors.shape[1]), dtype=np.float32)
                )
                self._labels = labels
                self._ordinary = anchors
                self._examples = vectors  # set last: its presence means everything is ready
            return self._examples, self._ordinary

    @staticmethod
    def _detection(category: Category, reason: str) -> Detection:
        kind = "requested" if category.kind == "requested" else "sensitive"
        return Detection(
            kind=kind, category=category.name, reason=reason, holding_reply=category.holding_reply
        )


def _closeness(score: Score) -> str:
    return (
        f"close to {score.category} examples (similarity {score.similarity:.2f}"
        f" vs {score.ordinary:.2f} for ordinary questions)"
    )


def _previous_member_message(question: Question) -> str | None:
    current = question.text.strip()
    for turn in reversed(question.history):
        text = turn.text.strip()
        if turn.author == "member" and text and text != current:
            return text
    return None


def search_bounded(pattern: re.Pattern[str], text: str) -> str | None:
    """The first match of ``pattern`` in ``text``, in linear time whatever the pattern.

    Staff write patterns such as ``\\b(riot|mob)\\b.*\\b(now|tonight)\\b``, which backtrack
    quadratically on a long message. Searching overlapping windows bounds the work per
    character; a match shorter than ``WINDOW - STEP`` characters is always found.
    """
    if len(text) <= WINDOW:
        match = pattern.search(text)
        return match.group(0) if match else None
    for start in range(0, len(text), STEP):
        match = pattern.search(text, start, min(start + WINDOW, len(text)))
        if match:
            return match.group(0)
        if start + WINDOW >= len(text):
            break
    return None


def _sentences(text: str) -> list[str]:
    return [s for s in (p.strip() for p in _SENTENCES.split(text)) if s] or [text]


def segments_of(text: str) -> list[str]:
    """The whole text, plus its sentences when there are several (long ones only)."""
    sentences = [s.strip() for s in _SENTENCES.split(text) if len(s.split()) >= 4]
    if len(sentences) <= 1:
        return [text]
    return [text, *sentences[: MAX_SEGMENTS - 1]]
