"""The offline answerer: a short, practical answer made of sentences chosen from the passages.

Nothing is invented. Each bullet is a sentence (or table row) from a retrieved passage, marked
with the number of the citation it came from. Sentences that share words with the question
and that give advice ("Say...", "Avoid...") are preferred; at most two come from one passage.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from bot.answer import Citation, Passage, Question, Reply
from bot.text import search_text, stem, tokenize

MAX_POINTS = 4
PER_PASSAGE = 2
MIN_WORDS = 4
MAX_CHARS = 400
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"”’)]?\s+(?=[\"“‘(A-Z0-9])")
_LIST_MARK = re.compile(r"^\s*(?:[-*•+]|\d+[.)])\s+")
_EMPHASIS = re.compile(r"(\*\*|__|`)")
_ADVICE = re.compile(
    r"^(?:say|use|avoid|don't|do not|never|always|try|lead|talk|describe|focus|keep|ask|check|"
    r"offer|make|start|open|explain|name|remember|refer|instead|prefer|choose|frame|show|tell)\b",
    re.IGNORECASE,
)
_AVOID_START = re.compile(r"^(?:avoid|don't|do not|never|not)\b", re.IGNORECASE)


@dataclass(frozen=True)
class _Candidate:
    passage_rank: int
    position: int
    sentence: str  # as shown to the member
    score: float
    original: str  # verbatim from the passage, for the citation's quote


def _keep_warning(locator: str, sentence: str) -> str:
    """A sentence from an "Avoid" section keeps its meaning when lifted out of it."""
    section = locator.rsplit("›", 1)[-1].strip().lower()
    if section.startswith(("avoid", "don't", "do not")) and not _AVOID_START.match(sentence):
        return f"Avoid: {sentence[0].lower()}{sentence[1:]}"
    return sentence


def split_sentences(text: str) -> list[str]:
    """Sentences and list items of a chunk, with Markdown marks removed."""
    out: list[str] = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line or set(line) <= set("|-: "):
            continue
        if line.startswith("|"):
            cells = [c.strip() for c in line.strip("|").split("|") if c.strip()]
            out.append(" — ".join(cells))
            continue
        line = _EMPHASIS.sub("", _LIST_MARK.sub("", line))
        out.extend(s.strip() for s in _SENTENCE_END.split(line) if s.strip())
    return out


class ExtractiveComposer:
    """Implements ``bot.advisor.Answerer`` without any model."""

    def __init__(self, max_points: int = MAX_POINTS, per_passage: int = PER_PASSAGE) -> None:
        self.max_points = max_points
        self.per_passage = per_passage

    def answer(self, question: Question, passages: Sequence[Passage]) -> Reply | None:
        """Bullets of chosen sentences with [n] markers, or None when there are no passages."""
        if not passages:
            return None
        query = {stem(t) for t in tokenize(search_text(question))}
        chosen = self._choose(query, passages)
        if not chosen:
            return None

        numbers: dict[int, int] = {}
        quotes: dict[int, list[str]] = {}
        lines = []
        for candidate in chosen:
            number = numbers.setdefault(candidate.passage_rank, len(numbers) + 1)
            quotes.setdefault(candidate.passage_rank, []).append(candidate.original)
            lines.append(f"• {candidate.sentence} [{number}]")

        citations = tuple(
            Citation.from_passage(number, passages[rank], quote=" … ".join(quotes[rank]))
            for rank, number in sorted(numbers.items(), key=lambda kv: kv[1])
        )
        text = "\n".join(lines)
        notes = [
            f"Note: {passages[rank].replaces} has been superseded; this uses its replacement [{n}]."
            for rank, n in numbers.items()
            if passages[rank].replaces
        ]
        if notes:
            text += "\n\n" + "\n".join(notes)
        return Reply(text=text, citations=citations)

    def _choose(self, query: set[str], passages: Sequence[Passage]) -> list[_Candidate]:
        candidates: list[_Candidate] = []
        for rank, passage in enumerate(passages):
            for position, sentence in enumerate(split_sentences(passage.text)):
                if len(sentence.split()) < MIN_WORDS:
                    continue
                if len(sentence) > MAX_CHARS:
                    sentence = sentence[:MAX_CHARS].rsplit(" ", 1)[0] + "…"
                original = sentence
                sentence = _keep_warning(passage.locator, sentence)
                words = {stem(t) for t in tokenize(sentence)}
                overlap = len(words & query) / (len(query) or 1)
                score = (
                    2.0 * overlap
                    + 0.6 * passage.score
                    + 0.5 / (1 + rank)
                    + (0.25 if _ADVICE.match(sentence) else 0.0)
                    - 0.02 * position
                )
                candidates.append(_Candidate(rank, position, sentence, score, original))

        picked: list[_Candidate] = []
        per_passage: dict[int, int] = {}
        seen: list[set[str]] = []
        for candidate in sorted(candidates, key=lambda c: c.score, reverse=True):
            if per_passage.get(candidate.passage_rank, 0) >= self.per_passage:
                continue
            words = set(tokenize(candidate.sentence))
            if any(len(words & s) / (len(words | s) or 1) > 0.6 for s in seen):
                continue  # near-duplicate of a sentence already chosen (chunk overlap)
            picked.append(candidate)
            seen.append(words)
            per_passage[candidate.passage_rank] = per_passage.get(candidate.passage_rank, 0) + 1
            if len(picked) == self.max_points:
                break
        # Read in the order of the sources, and within a source in document order.
        return sorted(picked, key=lambda c: (c.passage_rank, c.position))
