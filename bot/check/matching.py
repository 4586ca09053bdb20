"""Finding a guide's terms in a member's draft, the way a careful comms officer would.

A false flag costs more trust than a missed one, so a match must survive four questions:

1. **Is it the term?** Case, plural, possessive and hyphen or space variants all count
   ("Small-boat arrivals", "illegal immigrants"), inside word boundaries. A plural noun made
   from an adjective ("illegals") is not shortened to the adjective ("illegal for employers").
2. **Is it a use, or a mention?** A term in short quotation marks (`talk of a "swarm"`),
   after "so-called", or next to "the word", "the label", "the phrase" is being talked about,
   not used. A term inside a longer quotation is someone's speech, and is flagged unless the
   sentence condemns it ("... is dehumanising").
3. **Is it the meaning the rule is about?** The rule's own sentence says (``TermRule.sense``):
   a metaphor for people must describe people or their movement ("a flood of migrants", not
   "flood warnings" or "a wave of support"); a label for people must be applied to people
   ("small boats arrivals", not "people who came in small boats"); a common word named in a
   particular context ("facilities", next to "detention") needs a word of that context nearby.
4. **Is it the advice itself?** Words the guide says to use are never flagged.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

from bot.check import lexicon
from bot.check.rules import TermRule
from bot.text import STOPWORDS, find_quotes, mask_quotes, sentence_spans, stem

_WORD = re.compile(r"[^\W_]+(?:['’\-‐‑][^\W_]+)*")
_HYPHENS = r"\-‐‑"  # inside a [character class]
_HYPHEN_CHARS = ("-", "‐", "‑")
_PEOPLE_OR_MOVEMENT = lexicon.PERSON_NOUNS | lexicon.MOVEMENT_NOUNS
_ARTICLES = frozenset({"a", "an", "the", "more", "so", "many", "these", "those"})


@dataclass(frozen=True)
class Match:
    """Where a term was found in the draft, and every rule that flags that text."""

    start: int
    end: int
    rules: tuple[TermRule, ...]


@dataclass(frozen=True)
class _Token:
    start: int
    end: int
    word: str  # lower case


class Draft:
    """A member's text, read once: words, sentences and quoted passages with their offsets."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = [_Token(m.start(), m.end(), m.group(0).lower()) for m in _WORD.finditer(text)]
        self._starts = [t.start for t in self.tokens]
        self.quotes = find_quotes(text)
        self.masked = mask_quotes(text, self.quotes)

    @cached_property
    def sentences(self) -> list[tuple[int, int]]:
        """(start, end) of each sentence."""
        return sentence_spans(self.text, self.masked) or [(0, len(self.text))]

    def sentence_of(self, offset: int) -> tuple[int, int]:
        """The sentence holding ``offset``."""
        for start, end in self.sentences:
            if start <= offset < end:
                return start, end
        return 0, len(self.text)

    def token_range(self, start: int, end: int) -> tuple[int, int]:
        """Indices of the first token at or after ``start`` and the first at or after ``end``."""
        import bisect

        return bisect.bisect_left(self._starts, start), bisect.bisect_left(self._starts, end)

    def words_in(self, start: int, end: int) -> list[_Token]:
        """The tokens that lie within [start, end)."""
        first, last = self.token_range(start, end)
        return self.tokens[first:last]


class TermMatcher:
    """Compiled patterns for a set of rules; ``find`` returns the trusted matches in a draft."""

    def __init__(self, rules: Sequence[TermRule]) -> None:
        self.rules = tuple(rules)
        self._patterns = [(rule, term_pattern(rule)) for rule in self.rules]
        self._alternatives = [
            (rule, [_phrase_pattern(a) for a in rule.alternatives]) for rule in self.rules
        ]

    def find(self, draft: Draft) -> list[Match]:
        """Matches in ``draft``, in order, overlapping ones merged (the longest span wins)."""
        hits: list[tuple[int, int, TermRule]] = []
        advised = self._advised_spans(draft)
        for rule, pattern in self._patterns:
            for m in pattern.finditer(draft.text):
                # A plural possessive's apostrophe ("illegals’") may be a closing quote.
                start, end = m.start(), m.end() - m.group(0).endswith(("'", "’"))
                if any(s < end and start < e for s, e in advised):
                    continue
                if _mentioned(draft, start, end, rule):
                    continue
                if not _in_sense(draft, start, end, rule, draft.text[start:end]):
                    continue
                hits.append((start, end, rule))
        return _merge(hits)

    def _advised_spans(self, draft: Draft) -> list[tuple[int, int]]:
        spans = []
        for _, patterns in self._alternatives:
            for pattern in patterns:
                spans.extend(m.span() for m in pattern.finditer(draft.text))
        return spans


# -- patterns --------------------------------------------------------------------------------


def term_pattern(rule: TermRule) -> re.Pattern[str]:
    """A case-insensitive pattern for the term and its inflections, within word boundaries."""
    words = rule.term.split()
    pieces = []
    single = len(words) == 1 and not any(h in rule.term for h in _HYPHEN_CHARS)
    for w_index, word in enumerate(words):
        parts = [p for p in re.split(rf"[{_HYPHENS}]", word) if p]
        part_patterns = []
        for p_index, part in enumerate(parts):
            last = w_index == len(words) - 1 and p_index == len(parts) - 1
            forms = _forms(part.lower(), last=last, single=single, rule=rule)
            part_patterns.append(_alternation(forms))
        pieces.append(rf"[{_HYPHENS}\s]?".join(part_patterns))
    body = rf"(?:\s+|[{_HYPHENS}])".join(pieces)
    return re.compile(
        rf"(?<![\w'’{_HYPHENS}])(?:{body})(?:['’]s|s['’])?(?![\w'’]|[{_HYPHENS}]\w)", re.IGNORECASE
    )


def _phrase_pattern(phrase: str) -> re.Pattern[str]:
    words = [re.escape(w) for w in re.split(rf"[\s{_HYPHENS}]+", phrase.strip()) if w]
    body = rf"(?:\s+|[{_HYPHENS}])".join(words)
    return re.compile(rf"(?<![\w])(?:{body})s?(?![\w])", re.IGNORECASE)


def _alternation(forms: Sequence[str]) -> str:
    escaped = sorted(
        {re.sub(r"['’]", "['’]", re.escape(f)) for f in forms},
        key=len,
        reverse=True,
    )
    return "(?:" + "|".join(escaped) + ")"


def _forms(word: str, *, last: bool, single: bool, rule: TermRule) -> list[str]:
    """Spellings of one word of a term: singular and plural, and for a single-word metaphor
    its verb forms ("swarming", "flooded")."""
    forms = [word]
    singular = _singular(word)
    if singular != word:
        # "illegals" is a noun made from the adjective "illegal"; the adjective alone is a
        # different word ("illegal for employers"), so a plural like this is never shortened.
        if not (last and single and singular.endswith(lexicon.ADJECTIVE_ENDINGS)):
            forms.append(singular)
    else:
        forms.append(_plural(word))
    if last and single and rule.sense == "people_metaphor":
        base = word[:-1] if word.endswith("e") else word
        forms.extend([base + "ing", base + "ed" if base != word else word + "d", word + "s"])
    return forms


def _singular(word: str) -> str:
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith(("ches", "shes", "sses", "xes", "zes")):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def _plural(word: str) -> str:
    if len(word) > 2 and word.endswith("y") and word[-2] not in "aeiou":
        return word[:-1] + "ies"
    if word.endswith(("s", "x", "z", "ch", "sh")):
        return word + "es"
    return word + "s"


# -- use or mention ----------------------------------------------------------------------------


def _mentioned(draft: Draft, start: int, end: int, rule: TermRule) -> bool:
    """True when the draft talks about the term rather than using it."""
    sentence = draft.sentence_of(start)
    for q in draft.quotes:
        if q.inner_start <= start and end <= q.inner_end:
            quoted_words = len(q.text.split())
            term_words = len(draft.text[start:end].split())
            if quoted_words <= term_words + 2:
                return True  # scare quotes around the word itself
            outside = draft.masked[sentence[0] : q.start] + draft.masked[q.end : sentence[1]]
            if any(w.lower() in lexicon.CRITICISM_WORDS for w in _WORD.findall(outside)):
                return True  # someone's speech, quoted to condemn it
    first, last = draft.token_range(start, end)
    window = [
        t
        for t in draft.tokens[max(0, first - 3) : first] + draft.tokens[last : last + 4]
        if sentence[0] <= t.start < sentence[1]
    ]
    words = [t.word for t in window]
    if any(w in lexicon.MENTION_NOUNS for w in words):
        return True
    before = [t.word for t in draft.tokens[max(0, first - 2) : first]]
    return before == ["so", "called"]


# -- sense ---------------------------------------------------------------------------------------


def _in_sense(draft: Draft, start: int, end: int, rule: TermRule, found: str) -> bool:
    """True when the match carries the meaning the rule is about."""
    multi = len(found.split()) > 1 or any(h in found for h in _HYPHEN_CHARS)
    if rule.sense == "any":
        return True
    if rule.sense == "context":
        return _anchored(draft, start, end, rule.anchors)
    if rule.sense == "people_label":
        return _applied_to_people(draft, start, end, found, multi)
    if rule.sense == "people_metaphor":
        return multi or _describes_people(draft, start, end, found, rule)
    return True


def root_of(word: str) -> str:
    """A word's root for matching: stemmed, typographic apostrophes straightened, final e gone."""
    return stem(word.lower().replace("’", "'")).rstrip("e")


def _anchored(draft: Draft, start: int, end: int, anchors: Sequence[str]) -> bool:
    """A word of the rule's context ("detention" for "facilities") is in the same sentence."""
    s_start, s_end = draft.sentence_of(start)
    roots = [root_of(a) for a in anchors]
    for token in draft.words_in(s_start, s_end):
        if start <= token.start < end:
            continue
        root = root_of(token.word)
        for anchor in roots:
            if root == anchor or (
                min(len(root), len(anchor)) >= 4
                and (root.startswith(anchor) or anchor.startswith(root))
            ):
                return True
    return False


def _neighbours(
    draft: Draft, start: int, end: int
) -> tuple[_Token | None, _Token | None, int, int]:
    first, last = draft.token_range(start, end)
    before = draft.tokens[first - 1] if first > 0 else None
    after = draft.tokens[last] if last < len(draft.tokens) else None
    # A neighbour across punctuation is not a neighbour: "the flood. Migrants..."
    if before is not None and draft.text[before.end : start].strip(" "):
        before = None
    if after is not None and draft.text[end : after.start].strip(" "):
        after = None
    return before, after, first, last


def _is_people_word(word: str) -> bool:
    return word in _PEOPLE_OR_MOVEMENT or _singular(word) in _PEOPLE_OR_MOVEMENT


def _applied_to_people(draft: Draft, start: int, end: int, found: str, multi: bool) -> bool:
    """A label is applied to people: it names them, or it qualifies a word for them."""
    before, after, _, _ = _neighbours(draft, start, end)
    head = re.split(rf"[\s{_HYPHENS}]+", found.lower().rstrip("'’s"))[-1]
    if multi:
        return (
            _is_people_word(head)
            or _is_people_word(found.lower().split()[-1])
            or (after is not None and _is_people_word(after.word))
        )
    if after is not None and _is_people_word(after.word):
        return True  # "illegal migrants", "alien workers"
    word = found.lower().rstrip("'’")
    base = _singular(word)
    adjective = base.endswith(lexicon.ADJECTIVE_ENDINGS)
    if adjective and base != word:
        return True  # a plural noun made from an adjective names people: "illegals"
    if adjective and before is not None and before.word in lexicon.DETERMINERS:
        following = draft.text[end : end + 2].strip()
        if (after is None or after.word in lexicon.PERSON_PRONOUNS) and not following[:1].isalnum():
            return True  # "an illegal.", "an illegal who"
        if after is not None and after.word in lexicon.PERSON_PRONOUNS:
            return True
    if base != word or word.endswith("s"):
        # A plural label with people in the same sentence: "aliens", said of the refugees.
        s_start, s_end = draft.sentence_of(start)
        return any(
            _is_people_word(t.word)
            for t in draft.words_in(s_start, s_end)
            if not start <= t.start < end
        )
    return False


def _describes_people(draft: Draft, start: int, end: int, found: str, rule: TermRule) -> bool:
    """A metaphor describes people or their movement: "a flood of migrants", "migrant wave",
    "refugees swarming across"; never "flood warnings" or "a wave of support"."""
    before, after, first, last = _neighbours(draft, start, end)
    word = found.lower().rstrip("'’")
    term = rule.term.lower()
    noun_form = word in (term, _plural(term), _singular(term))
    if after is not None and _is_people_word(after.word) and noun_form and after.word != "asylum":
        return True
    if before is not None and noun_form and _is_people_word(before.word):
        return True  # "migrant wave", "refugee influx"
    if after is not None and after.word == "of":
        for token in draft.tokens[last + 1 : last + 5]:
            if _is_people_word(token.word):
                return True
            if token.word in STOPWORDS and token.word not in _ARTICLES:
                break
        return False
    if not noun_form or word.endswith("s"):
        # As a verb: "migrants swarming across", "people flooding into".
        if after is None or after.word not in lexicon.MOTION_PARTICLES:
            return False
        for token in reversed(draft.tokens[max(0, first - 4) : first]):
            if _is_people_word(token.word):
                return True
            if token.word not in lexicon.AUXILIARIES and token.word not in _ARTICLES:
                break
    return False


# -- merging -----------------------------------------------------------------------------------


def _merge(hits: list[tuple[int, int, TermRule]]) -> list[Match]:
    """One match per stretch of text: the longest span, citing every rule that flags it."""
    hits.sort(key=lambda h: (h[0], -(h[1] - h[0])))
    merged: list[list] = []
    for start, end, rule in sorted(hits, key=lambda h: -(h[1] - h[0])):
        for entry in merged:
            if entry[0] < end and start < entry[1]:
                if start >= entry[0] and end <= entry[1] and rule not in entry[2]:
                    entry[2].append(rule)  # "small boats" inside "small boats arrivals"
                break
        else:
            merged.append([start, end, [rule]])
    merged.sort(key=lambda e: e[0])
    return [Match(s, e, tuple(rules)) for s, e, rules in merged]
