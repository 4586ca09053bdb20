"""Acronyms the documents define themselves, found when the index is loaded.

Guidance spells acronyms out ("UASC: unaccompanied asylum-seeking children", "No Recourse to
Public Funds (NRPF)", "immigration removal centres (IRC)"). Members ask with the short form
("what's UASC?") or the long one; retrieval and the composer use this table to treat both as
the same words. Nothing here knows any particular acronym: another charity's documents bring
their own.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field

from bot.text import QUESTION_WORDS, stem, terms

_ACRONYM = r"[A-Z][A-Z0-9]{1,7}"
# "UASC: unaccompanied asylum-seeking children, ..." at the start of a line or list item
_DEFINED = re.compile(
    rf"(?m)^\s*(?:[-*•+]\s+)?\**(?P<acr>{_ACRONYM})s?\**\s*(?::|–|—| - | = )\s*(?:the\s+)?"
    r"(?P<exp>[^\n.;:,()]{3,100})"
)
# "... immigration removal centres (IRC)" / "No Recourse to Public Funds (NRPF)"
_BEFORE = re.compile(rf"(?P<before>[^\n()]{{3,160}}?)[\"”’']?\s*\((?P<acr>{_ACRONYM})s?\)")
# "NRPF (No Recourse to Public Funds)"
_AFTER = re.compile(rf"\b(?P<acr>{_ACRONYM})s?\s*\((?P<exp>[^\n()]{{3,100}})\)")
_SMALL = frozenset("a an and the of to for in on at by with from or".split())


def _initials(words: list[str]) -> list[str]:
    """Initials, reading an all-capitals word such as "EU" as its letters."""
    out: list[str] = []
    for word in words:
        for part in re.split(r"[-/]", word):
            if not part:
                continue
            if part.isupper() and len(part) > 1:
                out.extend(part.lower())
            else:
                out.append(part[0].lower())
    return out


def _matches(acronym: str, words: list[str]) -> bool:
    """True when the acronym's letters are the words' initials, small words optional."""
    letters = [c for c in acronym.lower() if c.isalpha()]
    initials = _initials(words)
    if not words or not initials or not letters or initials[0] != letters[0]:
        return False
    # Every initial must be used, except those of small words ("No Recourse to Public Funds").
    i = 0
    for word, initial in zip(_expand_words(words), initials, strict=True):
        if i < len(letters) and initial == letters[i]:
            i += 1
        elif word.lower() not in _SMALL:
            return False
    return i == len(letters)


def _expand_words(words: list[str]) -> list[str]:
    out: list[str] = []
    for word in words:
        for part in re.split(r"[-/]", word):
            if not part:
                continue
            out.extend(part if part.isupper() and len(part) > 1 else [part])
    return out


def _suffix_matching(acronym: str, text: str) -> str | None:
    """The shortest run of words ending ``text`` whose initials spell ``acronym``."""
    tokens = re.findall(r"[A-Za-z][A-Za-z'’-]*", text)
    for size in range(1, min(len(tokens), len(acronym) + 4) + 1):
        candidate = tokens[-size:]
        if _matches(acronym, candidate):
            return " ".join(candidate)
    return None


def find_acronyms(texts: Iterable[str]) -> dict[str, str]:
    """Acronym -> its expansion, as the documents define them (the commonest wins)."""
    seen: dict[str, Counter[str]] = {}

    def add(acronym: str, expansion: str) -> None:
        expansion = " ".join(expansion.strip(" \"'“”‘’").split())
        if expansion and expansion.upper() != acronym:
            seen.setdefault(acronym, Counter())[expansion] += 1

    for text in texts:
        for match in _DEFINED.finditer(text):
            acronym, expansion = match.group("acr"), match.group("exp")
            words = re.findall(r"[A-Za-z][A-Za-z'’-]*", expansion)
            for size in range(len(words), 0, -1):
                if _matches(acronym, words[:size]):
                    add(acronym, " ".join(words[:size]))
                    break
        for match in _BEFORE.finditer(text):
            expansion = _suffix_matching(match.group("acr"), match.group("before"))
            if expansion:
                add(match.group("acr"), expansion)
        for match in _AFTER.finditer(text):
            words = re.findall(r"[A-Za-z][A-Za-z'’-]*", match.group("exp"))
            if _matches(match.group("acr"), words):
                add(match.group("acr"), " ".join(words))
    return {acronym: counts.most_common(1)[0][0] for acronym, counts in seen.items()}


@dataclass(frozen=True)
class Vocabulary:
    """What the current index says about words: how informative each is, and its acronyms.

    ``idf`` holds every indexed word's inverse document frequency; words the index has never
    seen weigh ``unseen_idf``. Built by retrieval whenever it loads a new view of the index.
    """

    idf: Mapping[str, float] = field(default_factory=dict)
    unseen_idf: float = 1.0
    acronyms: Mapping[str, str] = field(default_factory=dict)

    def weight(self, term: str) -> float:
        """How much a (stemmed) word tells about a question: rare words much more."""
        return self.idf.get(term, self.unseen_idf)

    def asked(self, text: str, *, unseen: float = 1.0) -> dict[str, float]:
        """The informative (stemmed) words of a question with their weights.

        Words that only say what kind of answer is wanted ("what does X mean") are left out;
        a word the index has never seen weighs ``unseen`` times ``unseen_idf``.
        """
        return {
            term: self.idf.get(term, self.unseen_idf * unseen)
            for term in terms(text, drop=QUESTION_WORDS)
        }

    def expansions(self, text: str) -> list[str]:
        """The other form of every acronym ``text`` uses, either way round.

        "what is UASC" gives ["unaccompanied asylum-seeking children"]; a question spelling
        out "no recourse to public funds" gives ["NRPF"].
        """
        return [
            expansion if short else acronym for acronym, expansion, short in self._pairs_in(text)
        ]

    def alternatives(self, text: str) -> dict[str, frozenset[str]]:
        """For each (stemmed) word of ``text`` that is part of an acronym pair, the stemmed
        words of the other form: a passage holding all of them holds that word too ("uasc" ->
        {"unaccompani", "asylum", "seek", "children"}, and "recours" -> {"nrpf"})."""
        out: dict[str, frozenset[str]] = {}
        for acronym, expansion, short in self._pairs_in(text):
            if short:
                out[stem(acronym.lower())] = frozenset(terms(expansion))
            else:
                for word in terms(expansion):
                    out[word] = frozenset({stem(acronym.lower())})
        return out

    def _pairs_in(self, text: str) -> list[tuple[str, str, bool]]:
        """(acronym, expansion, True when ``text`` uses the short form) for each pair it uses."""
        out: list[tuple[str, str, bool]] = []
        words = set(re.findall(r"[A-Za-z0-9]+", text))
        lowered = " ".join(re.findall(r"[a-z0-9]+", text.lower()))
        for acronym, expansion in self.acronyms.items():
            if acronym in words or f"{acronym}s" in words:
                out.append((acronym, expansion, True))
            elif " ".join(re.findall(r"[a-z0-9]+", expansion.lower())) in lowered:
                out.append((acronym, expansion, False))
        return out


def weight_held(
    weights: Mapping[str, float],
    words: AbstractSet[str],
    alternatives: Mapping[str, frozenset[str]],
) -> float:
    """The summed weight of the asked words that ``words`` holds; a word of an acronym pair
    is held when every word of its other form is (``Vocabulary.alternatives``)."""
    held = 0.0
    for term, weight in weights.items():
        other = alternatives.get(term)
        if term in words or (other and other <= words):
            held += weight
    return held
