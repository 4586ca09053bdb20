"""The offline answerer: a short answer made of whole units chosen from the passages.

Nothing is invented and nothing is cut. A unit is a whole sentence, a whole list item, a
whole table row (``bot.index.units``), or a whole short list shown with its section name; each
bullet is one of them, marked with the number of the citation it came from.

Units are scored against the question by meaning (the question's vector against each unit's
vector, stored at ingest), by the question's informative words they contain (IDF-weighted,
acronyms counted in either form) and by how relevant their passage was. The best unit leads;
weak units and near-duplicates are dropped; the answer stays within a few bullets.

Labels ("Our lines:", "Avoid:") come only from the document's own structure: a short section
heading above a list item, never added to a unit that already says what it is ("Say: ...",
"Avoid: ...", "Use ...").
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from langchain_core.embeddings import Embeddings

from bot.answer import Citation, Passage, Question, Reply
from bot.answering.glossary import Vocabulary, weight_held
from bot.answering.lifecycle import EXPIRED, answer_notes, today
from bot.index.units import Unit, is_labelled, stored_unit_vectors, units_of
from bot.text import QUESTION_WORDS, is_whole_sentence, search_text, terms, tokenize

log = logging.getLogger(__name__)

MAX_POINTS = 4
MAX_CHARS = 700  # the advice's length budget; the best unit is always shown
MIN_WORDS = 4  # shorter prose is a heading or a fragment, not advice
LIST_MAX_ITEMS = 5  # a list this short is shown whole when it answers the question
LIST_MAX_CHARS = 600
PARAGRAPH_MAX_SENTENCES = 4  # a paragraph this short is shown whole when it answers
RELATIVE_FLOOR = 0.6  # units scoring below this share of the best one are left out
ABSOLUTE_FLOOR = 0.15
ANSWER_FLOOR = 0.3  # when even the best unit scores below this, the passages don't answer
# An answer whose cited passages hold less than this share of the question's information
# (IDF-weighted words) is on the topic's edge, not on its subject ("Homes for Ukraine" answered
# from hotel lines) unless the passages are close in meaning anyway.
TOPIC_COVERAGE = 0.25
CONFIDENT_MEANING = 0.5
NEAR_DUPLICATE = 0.6  # word overlap (Jaccard) above which a unit repeats one already shown

# Weights of the unit score; meaning and informative words count about equally.
W_MEANING, W_WORDS, W_PASSAGE, W_RANK, W_DEFINES, W_ROLE = 0.45, 0.45, 0.10, 0.04, 0.12, 0.15

# A unit that already says what it is: a "Label:" prefix or an instruction.
_SAYS_WHAT_IT_IS = re.compile(
    r"^(?:[A-Z][\w'’]*(?: [\w'’]+){0,2}:\s|(?:say|use|avoid|don't|do not|never|always|try|lead|"
    r"talk|describe|call|write|ask|check|offer|make|start|open|explain|name|remember|refer|"
    r"instead|prefer|choose|frame|show|tell|spell|keep|give|pay|reply|thank|share|agree|"
    r"prepare|answer|slow|stop|put|let|think|treat|focus|acknowledge|state|be|don’t)\b)",
    re.IGNORECASE,
)
# How English guidance names what its sections are for. The documents name their sections
# ("Our lines", "Key messages", "What happened", "Background"); these words only recognise the
# role, whatever the charity or topic. A member asking what to say wants the messages, and the
# account of the news they already know is context, not advice.
_MESSAGE_SECTION = re.compile(
    r"\b(lines?|messages?|messaging|say|saying|talking points?|position|instead|try|respond|"
    r"response|key points?)\b",
    re.IGNORECASE,
)
_AVOID_SECTION = re.compile(r"\b(avoid|don't|don’t|do not|never|instead of)\b", re.IGNORECASE)
_ASKS_MEANING = re.compile(
    r"\b(what('s| is| are| does| do)|meaning|means?|stand for|stands for|define|definition|"
    r"difference between)\b",
    re.IGNORECASE,
)
_CONTEXT_SECTION = re.compile(
    r"\b(what happened|background|context|summary|overview|the story|the news)\b", re.IGNORECASE
)
_ASKS_WHAT_TO_SAY = re.compile(
    r"\b(what (do|should|can|would|shall) (we|i) say|what to say|lines?|respond|response|reply|"
    r"react|position|statement|messages?|messaging|say about|talk about|"
    r"how (do|should|can) (we|i) (talk|respond|react|answer|handle|frame))\b",
    re.IGNORECASE,
)
_LOCATOR_ONLY = re.compile(r"^(?:page \d+|slide \d+|introduction)$", re.IGNORECASE)
_DEFINED_TERM = re.compile(r"^([^:()]{1,60}?)\s*(?::|\(| means | is a | is an | is the )")


@dataclass(frozen=True)
class _Scored:
    rank: int  # the passage's position in the retrieval
    unit: Unit
    score: float


@dataclass(frozen=True)
class _Choice:
    rank: int
    units: tuple[Unit, ...]  # one unit, or a whole short list
    score: float
    label: str  # shown before the unit(s), from the document's structure; may be ""
    listed: bool  # several units shown as one list

    @property
    def chars(self) -> int:
        return len(self.label) + sum(len(u.text) + 4 for u in self.units)


class ExtractiveComposer:
    """Implements ``bot.advisor.Answerer`` without a language model.

    ``embeddings`` gives the question's vector (a cache hit when retrieval already embedded
    it); ``vocabulary`` gives the index's word weights and acronyms. Both are optional: without
    them units are scored on plain word overlap.
    """

    def __init__(
        self,
        embeddings: Embeddings | None = None,
        vocabulary: Callable[[], Vocabulary] | None = None,
        max_points: int = MAX_POINTS,
        max_chars: int = MAX_CHARS,
    ) -> None:
        self.embeddings = embeddings
        self.vocabulary = vocabulary
        self.max_points = max_points
        self.max_chars = max_chars

    def answer(self, question: Question, passages: Sequence[Passage]) -> Reply | None:
        """Bullets of whole units with [n] markers, or None when nothing answers the question."""
        if not passages:
            return None
        # An expired document is returned only alone, to be named, never cited.
        citable = passages[0].status != EXPIRED
        query = search_text(question)
        vocabulary = self._vocabulary() if citable else Vocabulary()
        scored = self._score(question, query, vocabulary, passages) if citable else []
        choices = self._choose(question, scored, passages) if scored else []
        if not choices or not _on_subject(query, vocabulary, choices, passages):
            # Nothing to cite; if the best match has expired, the member still hears why.
            notes = answer_notes((), passages, today())
            return Reply(text="\n".join(notes), citations=()) if notes else None
        return _render(choices, passages)

    # -- scoring -------------------------------------------------------------------------------
    def _score(
        self,
        question: Question,
        query: str,
        vocabulary: Vocabulary,
        passages: Sequence[Passage],
    ) -> list[_Scored]:
        weights = vocabulary.asked(query)
        alternatives = vocabulary.alternatives(query)
        total = sum(weights.values()) or 1.0
        question_vector = self._vector(query)
        wants_messages = bool(_ASKS_WHAT_TO_SAY.search(question.text))
        wants_meaning = bool(_ASKS_MEANING.search(question.text)) or len(weights) <= 2

        scored: list[_Scored] = []
        for rank, passage in enumerate(passages):
            units = [u for u in units_of(passage.text, passage.locator) if _usable(u)]
            if not units:
                continue
            meanings = self._meanings(question_vector, passage, units)
            for unit, meaning in zip(units, meanings, strict=True):
                # A unit is read under its heading: "Our lines" answers "any lines on X?".
                words = set(terms(unit.text)) | set(terms(unit.section))
                score = (
                    W_MEANING * meaning
                    + W_WORDS * weight_held(weights, words, alternatives) / total
                    + W_PASSAGE * passage.score
                    + W_RANK / (1 + rank)
                    + (W_DEFINES if wants_meaning and _defines(unit, weights, alternatives) else 0)
                    + (W_ROLE * _role(unit) if wants_messages else 0.0)
                    - 0.002 * unit.position
                )
                scored.append(_Scored(rank, unit, score))
        return scored

    def _vocabulary(self) -> Vocabulary:
        if self.vocabulary is None:
            return Vocabulary()
        try:
            return self.vocabulary()
        except Exception:  # word weights only refine the score; never fail an answer on them
            log.warning("could not read the index vocabulary; scoring without it", exc_info=True)
            return Vocabulary()

    def _vector(self, text: str) -> np.ndarray | None:
        if self.embeddings is None:
            return None
        return np.asarray(self.embeddings.embed_query(text), dtype=np.float32)

    def _meanings(
        self, question_vector: np.ndarray | None, passage: Passage, units: list[Unit]
    ) -> list[float]:
        if question_vector is None:
            return [0.0] * len(units)
        every = units_of(passage.text, passage.locator)
        stored = stored_unit_vectors(
            passage.unit_vectors, passage.units_version, every, len(question_vector)
        )
        if stored is not None:
            by_position = {u.position: stored[i] for i, u in enumerate(every)}
            vectors = np.asarray([by_position[u.position] for u in units])
        else:  # an index written before unit vectors existed: embed them now
            vectors = np.asarray(self.embeddings.embed_documents([u.text for u in units]))
        return [float(v) for v in vectors @ question_vector]

    # -- choosing ------------------------------------------------------------------------------
    def _choose(
        self, question: Question, scored: list[_Scored], passages: Sequence[Passage]
    ) -> list[_Choice]:
        if not scored:
            return []
        ranked = sorted(scored, key=lambda s: s.score, reverse=True)
        best = ranked[0].score
        if best < ANSWER_FLOOR:
            return []  # on the topic's edge but answering nothing: say so honestly
        floor = max(RELATIVE_FLOOR * best, ABSOLUTE_FLOOR)
        strong = [s for s in ranked if s.score >= floor]
        if _ASKS_WHAT_TO_SAY.search(question.text):
            strong = _messages_first(ranked[0], scored, passages) + strong
        query_words = set(terms(search_text(question)))

        chosen: list[_Choice] = []
        shown: list[set[str]] = []
        used = 0
        for candidate in strong:
            choice = self._as_choice(candidate, scored, strong, query_words)
            if choice is None:
                continue
            words = [set(tokenize(u.text)) for u in choice.units]
            if any(_similar(w, s) for w in words for s in shown):
                continue
            if chosen and used + choice.chars > self.max_chars:
                continue
            chosen.append(choice)
            shown.extend(words)
            used += choice.chars
            if len(chosen) == self.max_points:
                break
        return chosen

    def _as_choice(
        self,
        candidate: _Scored,
        scored: list[_Scored],
        strong: list[_Scored],
        query_words: set[str],
    ) -> _Choice | None:
        unit = candidate.unit
        group = [s.unit for s in scored if s.rank == candidate.rank and s.unit.group == unit.group]
        group.sort(key=lambda u: u.position)
        if _continues(unit):
            # Clauses of one sentence: the lead-in and every item, or nothing.
            if sum(len(u.text) for u in group) + len(unit.lead) > LIST_MAX_CHARS:
                return None
            lead = unit.lead.rstrip(":").strip()
            return _Choice(candidate.rank, tuple(group), candidate.score, lead, listed=True)
        short = (
            2 <= len(group) <= LIST_MAX_ITEMS and sum(len(u.text) for u in group) <= LIST_MAX_CHARS
        )
        if short and all(u.kind == "sentence" and is_labelled(u.text) for u in group):
            # "Say: ... / Avoid: ..." lines read as one piece of advice: never split them.
            return _Choice(candidate.rank, tuple(group), candidate.score, "", listed=False)
        if short:
            members = sum(
                1 for s in strong if s.rank == candidate.rank and s.unit.group == unit.group
            )
            heading = set(terms(unit.section, drop=QUESTION_WORDS))
            on_topic = bool(heading) and len(heading & query_words) * 2 >= len(heading)
            role = unit.kind == "item" and (
                _MESSAGE_SECTION.search(unit.section) or _AVOID_SECTION.search(unit.section)
            )
            if members >= 2 or on_topic or role:
                if unit.kind in ("item", "row"):
                    label = unit.section if _usable_heading(unit.section) else ""
                    return _Choice(candidate.rank, tuple(group), candidate.score, label, True)
                if len(group) <= PARAGRAPH_MAX_SENTENCES and all(
                    u.kind == "sentence" for u in group
                ):
                    # A short paragraph reads better whole than as one sentence out of it.
                    return _Choice(candidate.rank, tuple(group), candidate.score, "", False)
        return _Choice(candidate.rank, (unit,), candidate.score, _label(unit), listed=False)


def _on_subject(
    query: str, vocabulary: Vocabulary, choices: list[_Choice], passages: Sequence[Passage]
) -> bool:
    """Do the cited documents speak to what the question is about?"""
    if max(p.score for p in passages) >= CONFIDENT_MEANING:
        return True
    # As in retrieval's keyword gate, a word the index has never seen counts half.
    weights = vocabulary.asked(query, unseen=0.5)
    if not weights:
        return True
    cited = {passages[c.rank].source for c in choices}
    words: set[str] = set()
    for passage in passages:
        if passage.source in cited:
            words |= set(terms(f"{passage.title} {passage.locator} {passage.text}"))
    held = weight_held(weights, words, vocabulary.alternatives(query))
    return held / sum(weights.values()) >= TOPIC_COVERAGE


def _messages_first(
    best: _Scored, scored: list[_Scored], passages: Sequence[Passage]
) -> list[_Scored]:
    """For "what do we say about X?": the messages of the best-matching document lead.

    The unit closest to the question is often the document's account of the news, which
    repeats the question's words; the member wants what to say, which may share none of them.
    """
    source = passages[best.rank].source
    messages = [
        s
        for s in scored
        if passages[s.rank].source == source
        and s.unit.kind == "item"
        and _MESSAGE_SECTION.search(s.unit.section)
    ]
    if not messages:
        return []
    lead = max(messages, key=lambda s: s.score)
    return [_Scored(lead.rank, lead.unit, best.score + 0.01)]


def _role(unit: Unit) -> int:
    """+1 for a unit in a section of messages, -1 in a section of context, else 0."""
    if _MESSAGE_SECTION.search(unit.section):
        return 1
    if _CONTEXT_SECTION.search(unit.section):
        return -1
    return 0


def _usable(unit: Unit) -> bool:
    """Whole, and long enough to be advice rather than a heading or a stray label.

    An item that continues its list's lead-in ("We are calling for:" / "- an end to ...")
    is usable only with it: ``_as_choice`` shows the whole list under the lead-in.
    """
    if unit.kind == "sentence":
        return len(unit.text.split()) >= MIN_WORDS and is_whole_sentence(unit.text)
    if _continues(unit):
        return bool(unit.lead)
    return len(unit.text.split()) >= 2


def _continues(unit: Unit) -> bool:
    return unit.kind == "item" and unit.text[:1].islower()


def _defines(unit: Unit, weights: dict[str, float], alternatives: dict) -> bool:
    """The unit defines a term the question asks about ("UASC: unaccompanied ...")."""
    match = _DEFINED_TERM.match(unit.text)
    if not match:
        return False
    term = set(terms(match.group(1)))
    if not term or len(term) > 4:
        return False
    asked = set(weights) | {w for other in alternatives.values() for w in other}
    return term <= asked


def _usable_heading(heading: str) -> bool:
    return bool(heading) and not _LOCATOR_ONLY.match(heading) and len(heading.split()) <= 4


def _label(unit: Unit) -> str:
    """The section name a lone unit needs to keep its meaning, or "".

    Only short headings name a role ("Our lines", "Avoid", "Key facts"); longer ones are
    titles and are left out. Prose gets a label only from a heading of one or two words.
    Nothing is labelled that already says what it is, so a "Say" line is never marked
    "Avoid".
    """
    heading = unit.section
    if not _usable_heading(heading) or _SAYS_WHAT_IT_IS.match(unit.text):
        return ""
    if unit.text.lower().startswith(heading.lower()):
        return ""  # "Bridging phrases help you..." names its section already
    if unit.kind == "sentence" and len(heading.split()) > 2:
        return ""
    return heading


def _similar(a: set[str], b: set[str]) -> bool:
    return bool(a and b) and len(a & b) / len(a | b) > NEAR_DUPLICATE


def _render(choices: list[_Choice], passages: Sequence[Passage]) -> Reply:
    numbers: dict[int, int] = {}
    quotes: dict[int, list[str]] = {}
    lines: list[str] = []
    for choice in choices:
        number = numbers.setdefault(choice.rank, len(numbers) + 1)
        quotes.setdefault(choice.rank, []).extend(u.text for u in choice.units)
        if choice.listed:
            head = f"• {choice.label}:" if choice.label else "•"
            items = [f"   – {u.text}" for u in choice.units]
            items[-1] += f" [{number}]"
            lines.append("\n".join([head, *items]) if choice.label else _inline(items))
        else:
            text = " ".join(u.text for u in choice.units)
            label = f"{choice.label}: " if choice.label else ""
            lines.append(f"• {label}{text} [{number}]")
    citations = tuple(
        Citation.from_passage(number, passages[rank], quote=" … ".join(quotes[rank]))
        for rank, number in sorted(numbers.items(), key=lambda kv: kv[1])
    )
    text = "\n".join(lines)
    notes = answer_notes(((n, passages[rank]) for rank, n in numbers.items()), passages, today())
    if notes:
        text += "\n\n" + "\n".join(notes)
    return Reply(text=text, citations=citations)


def _inline(items: list[str]) -> str:
    first, *rest = (i.strip().removeprefix("– ") for i in items)
    return "\n".join([f"• {first}", *(f"   – {r}" for r in rest)]) if rest else f"• {first}"
