"""Text helpers shared by retrieval, the composer, ingestion and the draft checker.

Kept in one place so that a word means the same thing wherever Lines compares words:
the same tokens, stopwords and crude stemming for BM25, for the composer's overlap scores
and for matching terms in a member's draft.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Literal

import snowballstemmer

from bot.answer import Question

_TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
STOPWORDS = frozenset(
    """
    a an and are as at be but by can do does for from has have how i if in is it its of on
    or our should so that the their them there these they this to us was we what when where
    which who why will with would you your about into any also been being more most not than
    then too very after before over under up down out off all some such no nor only own same
    other each few both just now here again further once because until while during through
    above below between against its itself my me he she his her him they'd we'd i'm it's
    """.split()
)
# Words that say what kind of answer a member wants, not what it is about ("what does X stand
# for", "is it ok to say X"): they carry no evidence that a passage is on topic.
QUESTION_WORDS = frozenset(
    """
    mean means meaning meant stand stands define definition explain say saying said call
    calling called use using used word words term terms phrase phrases ok okay alright fine
    good bad best better right wrong talk talking describe describing write writing tell know
    need needs want anything something thing things way ways hi hello hey thanks thank please
    question questions advice suggest suggestions recommend could might must shall just really
    one ones get got put make made go going via re
    """.split()
)
_STEMMER = snowballstemmer.stemmer("english")


def tokenize(text: str) -> list[str]:
    """Lower-case word tokens without stopwords (shared by BM25 and the composer)."""
    return [t for t in _TOKEN.findall(text.lower()) if t not in STOPWORDS]


@functools.lru_cache(maxsize=200_000)
def stem(token: str) -> str:
    """The word's stem (Snowball English), so "value" and "values", "crossing" and "crossed"
    match. Cached: a corpus has far fewer distinct words than words."""
    return _STEMMER.stemWord(token)


def terms(text: str, *, drop: frozenset[str] = frozenset()) -> list[str]:
    """Stemmed tokens of ``text`` without stopwords (and without ``drop``, before stemming)."""
    return [stem(t) for t in tokenize(text) if t not in drop]


def search_text(question: Question) -> str:
    """The text to search with: the question, plus the member's previous turn for follow-ups."""
    earlier = [t.text for t in question.history if t.author == "member" and t.text != question.text]
    if earlier:
        return f"{earlier[-1]}\n{question.text}"
    return question.text


# -- document structure ---------------------------------------------------------------------
# Documents arrive hard-wrapped (Markdown written at 72-100 columns, every PDF), so a line is
# not a unit of meaning. ``blocks`` rebuilds the units a reader sees: headings, paragraphs,
# list items and table rows, each with its wrapped lines joined.

BlockKind = Literal["heading", "paragraph", "item", "row"]

_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_ITEM = re.compile(r"^\s*(?:[-*•+–]|\d{1,3}[.)])\s+(.*)$")
_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")
_EMPHASIS = re.compile(r"\*\*|__|`")
_LABEL_START = re.compile(r"^[A-Z][A-Za-z'’ ]{0,30}:\s")
_TERMINAL = re.compile(r"[.!?…:;]['\"”’)\]]*$")
_ENDS_SENTENCE = re.compile(r"[.!?…]['\"”’)\]]*$")
_OPENS = re.compile(r"^[\"“‘'(\[]?[A-Z0-9£$€]")


@dataclass(frozen=True)
class Block:
    """One unit of a document as a reader sees it, wrapped lines joined.

    ``section`` is the nearest heading above the block within the same text ("" when none);
    a table row's ``text`` is its cells, each prefixed with its column header when the table
    has one ("Instead of: X — We say: Y").
    """

    kind: BlockKind
    text: str
    section: str = ""


def _clean(line: str) -> str:
    return " ".join(_EMPHASIS.sub("", line).split())


def _looks_like_heading(line: str, previous: str | None, following: str | None) -> bool:
    """A plain-text heading (PDF, text files): a short line that ends no sentence, between
    the end of one sentence and the start of another."""
    words = line.split()
    if not words or len(words) > 10 or len(line) > 80:
        return False
    if _TERMINAL.search(line) or not _OPENS.match(line) or line.endswith((",", "-", "–")):
        return False
    if previous is not None and not _TERMINAL.search(previous):
        return False
    return following is not None and bool(_OPENS.match(following.lstrip()))


def _join(current: str, line: str) -> str:
    # A word broken at a hyphen at the line end keeps its hyphen ("asylum-" + "seeking").
    if current.endswith("-") and line[:1].islower():
        return current + line
    return f"{current} {line}"


def _cells(line: str) -> list[str]:
    return [_clean(c) for c in line.strip().strip("|").split("|")]


def blocks(text: str) -> list[Block]:
    """The headings, paragraphs, list items and table rows of ``text``, in order.

    A line continues the block above it unless a blank line, a list marker, a heading, a
    table row or a "Label:" line after a finished sentence starts a new one, so a sentence
    wrapped over several lines comes back whole.
    """
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    out: list[Block] = []
    section = ""
    current: list[str] = []  # [kind, text] of the open block
    header: list[str] | None = None  # the open table's column names

    def close() -> None:
        if current and current[1].strip():
            out.append(Block(current[0], _clean(current[1]), section))  # type: ignore[arg-type]
        current.clear()

    for index, raw in enumerate(lines):
        line = raw.strip()
        if not line:
            close()
            header = None
            continue
        if line.startswith("|"):
            close()
            if _TABLE_RULE.match(line):
                continue
            cells = _cells(line)
            following = lines[index + 1].strip() if index + 1 < len(lines) else ""
            if header is None and _TABLE_RULE.match(following):
                header = cells
                continue
            if header and len(header) == len(cells):
                parts = [f"{h}: {c}" if h else c for h, c in zip(header, cells, strict=True) if c]
            else:
                parts = [c for c in cells if c]
            if parts:
                out.append(Block("row", " — ".join(parts), section))
            continue
        header = None
        heading = _HEADING.match(line)
        if heading:
            close()
            section = _clean(heading.group(2))
            out.append(Block("heading", section, section))
            continue
        item = _ITEM.match(line)
        if item:
            close()
            current[:] = ["item", item.group(1).strip()]
            if raw.endswith("  "):
                close()
            continue
        previous = current[1] if current else (out[-1].text if out else None)
        following = next((x.strip() for x in lines[index + 1 :] if x.strip()), None)
        if (not current or current[0] != "item" or not raw[:1].isspace()) and _looks_like_heading(
            line, previous, following
        ):
            close()
            section = _clean(line)
            out.append(Block("heading", section, section))
            continue
        if current and _LABEL_START.match(line) and _ENDS_SENTENCE.search(current[1]):
            close()
        if current:
            current[1] = _join(current[1], line)
        else:
            current[:] = ["paragraph", line]
        if raw.endswith("  "):
            close()  # a Markdown hard line break ends the block (header splitting writes them)
    close()
    return out


def join_wrapped(text: str) -> str:
    """``text`` with each block on one line: wrapped lines joined, Markdown structure kept.

    Headings keep their ``#`` marks, list items their ``-`` and table rows their pipes, so the
    result still splits along headings; blocks are separated by blank lines, except
    consecutive list items and table rows, which stay together.
    """
    out: list[str] = []
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    heading_marks = {
        _clean(m.group(2)): m.group(1) for m in map(_HEADING.match, map(str.strip, lines)) if m
    }
    previous_kind = ""
    for block in _blocks_keeping_tables(text):
        if block.kind == "heading":
            rendered = f"{heading_marks.get(block.text, '')} {block.text}".strip()
        elif block.kind == "item":
            rendered = f"- {block.text}"
        else:
            rendered = block.text
        together = block.kind == previous_kind and block.kind in ("item", "row")
        if out and not together:
            out.append("")
        out.append(rendered)
        previous_kind = block.kind
    return "\n".join(out)


def _blocks_keeping_tables(text: str) -> list[Block]:
    """Like ``blocks``, but table lines stay verbatim (Markdown tables must survive joining)."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    out: list[Block] = []
    pending: list[str] = []
    for line in lines:
        if line.strip().startswith("|"):
            if pending:
                out.extend(blocks("\n".join(pending)))
                pending = []
            out.append(Block("row", line.strip()))
        else:
            pending.append(line)
    if pending:
        out.extend(blocks("\n".join(pending)))
    return out


# -- sentences --------------------------------------------------------------------------------
_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"”’)\]]*\s+(?=[\"“‘(\[]?[A-Z0-9£$€])")
_ABBREVIATIONS = frozenset(
    "e.g i.e etc mr mrs ms dr st no vs approx cf fig p pp ref dept govt inc ltd co".split()
)


def sentences(text: str) -> list[str]:
    """The sentences of one paragraph, whole.

    Splits after . ! ? or … followed by a capital (or a quote, bracket or digit), except after
    common abbreviations ("e.g.", "No.") and inside a quotation.
    """
    text = " ".join(text.split())
    out: list[str] = []
    start = 0
    for match in _SENTENCE_END.finditer(text):
        if _inside_quote(text, start, match.end()):
            continue  # 'Avoid: "Myth: X. Fact: Y."' is one sentence
        piece = text[start : match.start()].rstrip()
        last_word = piece.rsplit(" ", 1)[-1].rstrip(".").lower()
        if last_word in _ABBREVIATIONS or (len(last_word) == 1 and last_word.isalpha()):
            continue
        out.append(text[start : match.end()].strip())
        start = match.end()
    tail = text[start:].strip()
    if tail:
        out.append(tail)
    return out


def _inside_quote(text: str, start: int, end: int) -> bool:
    """True when a double quotation mark opened between ``start`` and ``end`` is still open."""
    piece = text[start:end]
    straight = piece.count('"') % 2 == 1
    curly = piece.count("“") > piece.count("”")
    return straight or curly


def is_whole_sentence(text: str) -> bool:
    """True when ``text`` starts as a sentence starts and ends as a sentence ends."""
    text = text.strip()
    return bool(text) and bool(_OPENS.match(text)) and bool(_ENDS_SENTENCE.search(text))
