"""Framing notes: when a draft clearly does what the guide's framing advice says not to do.

Two signals, both cautious (no note is better than a wrong one), at most two notes a draft:

- **The guide's own examples.** Framing advice usually shows what not to write
  (``Avoid: "Myth: migrants are a drain on services. Fact: ..."``, ``not "Refugees are
  hard-working taxpayers..."``). A draft sentence, or two sentences together, that shares at
  least half of such an example's distinctive words, and at least two of them, reads like that
  example; it gets the advice that goes with it, cited to that passage.
- **Opening with a number.** Checked only when a passage in the index warns against opening
  with a statistic, number, figure or count (``rules._NUMBER_OPENING_ADVICE`` finds it, e.g.
  the sample messaging guide's "Avoid: opening with a statistic or a correction"); the note
  cites that sentence. The heuristic is generic and explained here: the draft's first sentence
  counts people or their movement (a number or "thousands" next to a word for people, or a
  share of migration: "Net migration has fallen by a third"). Years, dates, times, money and
  compound units ("28-day") are not statistics about people.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from bot.check import lexicon
from bot.check.matching import Draft, root_of
from bot.check.rules import FramingAdvice
from bot.text import STOPWORDS

MAX_NOTES = 2
MIN_SHARED = 2  # distinctive words an example and a draft passage must share
MIN_SHARE = 0.5  # of the example's words

_PEOPLE_OR_MOVEMENT = lexicon.PERSON_NOUNS | lexicon.MOVEMENT_NOUNS
_WORD = re.compile(r"[^\W_]+(?:['’\-][^\W_]+)*")
# Everyday verbs and fillers: sharing them with an example says nothing about framing.
_WEAK = frozenset(
    "get gets got give gives gave take takes took make makes made come comes go goes back "
    "way want need put like just one all new now here much many every day week year".split()
)
_NUMBER = re.compile(
    r"(?<![\w£$€.,:/-])(?:\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)(?:\s?(?:%|per ?cent))?"
    r"(?![\w£$€/:-]|[.,]\d)"
)
_BIG_NUMBER_WORD = re.compile(
    r"\b(?:hundreds|thousands|millions|tens of thousands|dozens|record numbers)\b",
    re.IGNORECASE,
)
_SHARE = re.compile(
    r"(?:\d+(?:\.\d+)?\s?(?:%|per ?cent)"
    r"|\bby (?:a |one )?(?:third|quarter|half|fifth|tenth)\b"
    r"|\b(?:doubled|halved|tripled)\b)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Note:
    """A framing note before citations are numbered: what to say, where, and from which advice."""

    text: str
    start: int
    end: int
    advice: FramingAdvice
    quote: str  # the part of the passage to cite
    strength: float


def framing_notes(draft: Draft, advice: Sequence[FramingAdvice]) -> list[Note]:
    """At most ``MAX_NOTES`` notes in draft order: the strongest per passage of advice and
    per stretch of the draft."""
    notes: list[Note] = []
    opening = _opening_number_note(draft, advice)
    if opening is not None:
        notes.append(opening)
    notes.extend(_example_notes(draft, advice))
    chosen: list[Note] = []
    seen: set[tuple[str, str]] = set()
    for note in sorted(notes, key=lambda n: -n.strength):
        key = (note.advice.origin.source, note.advice.origin.locator)
        if key in seen or any(c.start < note.end and note.start < c.end for c in chosen):
            continue  # one note per passage of advice, and one per stretch of the draft
        seen.add(key)
        chosen.append(note)
        if len(chosen) == MAX_NOTES:
            break
    return sorted(chosen, key=lambda n: n.start)


# -- the guide's own examples ------------------------------------------------------------------


def _distinctive(text: str) -> frozenset[str]:
    """Roots of the words that carry a passage's meaning: no stopwords, no words for people
    (every sentence about migration has those)."""
    words = set()
    for w in _WORD.findall(text.lower()):
        if w in STOPWORDS or len(w) < 3 or w in _PEOPLE_OR_MOVEMENT:
            continue
        words.add(root_of(w))
    return frozenset(words)


# The guide's examples recur on every check; drafts are seen once.
_example_words = lru_cache(maxsize=4096)(_distinctive)


def _example_notes(draft: Draft, advice: Sequence[FramingAdvice]) -> list[Note]:
    notes = []
    spans = draft.sentences
    sentence_words = [_distinctive(draft.text[s:e]) for s, e in spans]
    window_words = [(w, s, e) for w, (s, e) in zip(sentence_words, spans, strict=True)] + [
        (sentence_words[i] | sentence_words[i + 1], spans[i][0], spans[i + 1][1])
        for i in range(len(spans) - 1)
    ]
    for item in advice:
        best: tuple[float, int, int, str] | None = None
        for example in item.avoid_examples:
            words = _example_words(example)
            if len(words) < MIN_SHARED:
                continue
            for found, start, end in window_words:
                shared = words & found
                strong = {w for w in shared if w not in _WEAK}
                share = len(shared) / len(words)
                if len(strong) < MIN_SHARED or share < MIN_SHARE:
                    continue
                # A passage closer to the guide's "say this" example is following the advice.
                if any(
                    len(_example_words(u) & found) / max(len(_example_words(u)), 1) >= share
                    for u in item.use_examples
                ):
                    continue
                if (
                    best is None
                    or share > best[0]
                    or (share == best[0] and end - start < best[2] - best[1])
                ):
                    best = (share, start, end, example)
        if best is not None:
            share, start, end, example = best
            text = (
                f"This reads like the guide's example of what not to write (“{example}”). "
                f"{item.advice}"
            )
            notes.append(Note(text, start, end, item, item.quote, share))
    return notes


# -- opening with a number -----------------------------------------------------------------------


def _opening_number_note(draft: Draft, advice: Sequence[FramingAdvice]) -> Note | None:
    warnings = [a for a in advice if a.warns_against_opening_number]
    if not warnings or not draft.sentences:
        return None
    start, end = draft.sentences[0]
    if not _counts_people(draft, start, end):
        return None
    # Guidance outranks training material as the passage to cite.
    item = sorted(warnings, key=lambda a: (a.origin.kind != "guidance", a.origin.source))[0]
    text = f"The draft opens with a number. {item.advice}"
    return Note(text, start, end, item, item.number_warning or item.quote, 0.75)


def _counts_people(draft: Draft, start: int, end: int) -> bool:
    """The sentence puts a number on people or their movement."""
    sentence = draft.text[start:end]
    words = draft.words_in(start, end)
    if _SHARE.search(sentence) and any(_is_people_word(t.word) for t in words):
        return True
    for m in list(_NUMBER.finditer(sentence)) + list(_BIG_NUMBER_WORD.finditer(sentence)):
        value = m.group(0).replace(",", "")
        if re.fullmatch(r"(?:19|20)\d\d", value):
            continue  # a year
        following = [t for t in words if t.start >= start + m.end()][:3]
        if any(_is_people_word(t.word) for t in following):
            return True
    return False


def _is_people_word(word: str) -> bool:
    singular = word[:-1] if word.endswith("s") else word
    return word in _PEOPLE_OR_MOVEMENT or singular in _PEOPLE_OR_MOVEMENT
