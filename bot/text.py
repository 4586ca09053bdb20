"""Text helpers shared by retrieval, the composer, ingestion and the draft checker.

Kept in one place so that a word means the same thing wherever Lines compares words:
the same tokens, stopwords and crude stemming for BM25, for the composer's overlap scores
and for matching terms in a member's draft.
"""

from __future__ import annotations

import re

from bot.answer import Question

_TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
STOPWORDS = frozenset(
    """
    a an and are as at be but by can do does for from has have how i if in is it its of on
    or our should so that the their them there these they this to us was we what when where
    which who why will with would you your about into any also been being more most not than
    then too very
    """.split()
)
_SUFFIXES = ("ings", "ing", "ers", "ies", "ied", "ed", "es", "er", "ly", "s")


def tokenize(text: str) -> list[str]:
    """Lower-case word tokens without stopwords (shared by BM25 and the composer)."""
    return [t for t in _TOKEN.findall(text.lower()) if t not in STOPWORDS]


def stem(token: str) -> str:
    """A crude suffix strip so "crossing", "crosses" and "crossed" match."""
    for suffix in _SUFFIXES:
        if len(token) > len(suffix) + 3 and token.endswith(suffix):
            return token[: -len(suffix)]
    return token


def search_text(question: Question) -> str:
    """The text to search with: the question, plus the member's previous turn for follow-ups."""
    earlier = [t.text for t in question.history if t.author == "member" and t.text != question.text]
    if earlier:
        return f"{earlier[-1]}\n{question.text}"
    return question.text
