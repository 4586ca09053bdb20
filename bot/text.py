"""Text helpers shared by retrieval, the composer, ingestion and the draft checker.

Kept in one place so that a word means the same thing wherever Lines compares words:
the same tokens, stopwords and crude stemming for BM25, for the composer's overlap scores
and for matching terms in a member's draft.
"""

from __future__ import annotations

import functools
import re
import threading
from collections.abc import Sequence
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
# A Snowball stemmer keeps the word it is working on in the object, so one shared between
# threads mixes words up ("volunteers" -> "deterreded") and the cache below keeps the wrong
# stem for good. Each thread gets its own.
_STEMMERS = threading.local()


def tokenize(text: str) -> list[str]:
    """Lower-case word tokens without stopwords (shared by BM25 and the composer)."""
    return [t for t in _TOKEN.findall(text.lower()) if t not in STOPWORDS]


@functools.lru_cache(maxsize=200_000)
def stem(token: str) -> str:
    """The word's stem (Snowball English), so "value" and "values", "crossing" and "crossed"
    match. Cached: a corpus has far fewer distinct words than words. Safe to call from any
    number of threads at once."""
    stemmer = getattr(_STEMMERS, "english", None)
    if stemmer is None:
        stemmer = _STEMMERS.english = snowballstemmer.stemmer("english")
    return stemmer.stemWord(token)


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
_ITEM = re.compile(r"^\s*(?:[-*•+–▪‣◦]|\d{1,3}[.)])\s+(.*)$")
_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")
# Markdown emphasis: a pair of single or double * or _ around words ("*never*", "__Why__"),
# only where it cannot be part of a word (file_name) or arithmetic (2 * 3); then any leftover
# ** __ or backtick.
_EMPHASIS_PAIR = re.compile(
    r"(?<![\w*_])(?:\*\*|__|\*|_)(?=\S)([^*_\n]+?)(?<=\S)(?:\*\*|__|\*|_)(?![\w*_])"
)
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
    has one ("Instead of: X — We say: Y"). A row also keeps its ``cells`` and the table's
    ``header`` (the column names; empty when the table has no ``|---|`` line under a header).
    """

    kind: BlockKind
    text: str
    section: str = ""
    cells: tuple[str, ...] = ()
    header: tuple[str, ...] = ()


def is_table_rule(line: str) -> bool:
    """True for the ``| --- | :---: |`` line under a Markdown table's header."""
    return bool(_TABLE_RULE.match(line))


def _clean(line: str) -> str:
    return " ".join(_EMPHASIS.sub("", _EMPHASIS_PAIR.sub(r"\1", line)).split())


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
                out.append(
                    Block("row", " — ".join(parts), section, tuple(cells), tuple(header or ()))
                )
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


# -- quotations -------------------------------------------------------------------------------
# Guides quote the words they rule on, and members quote what others said; a quotation is never
# cut by a sentence end inside it ('Avoid: "Myth: X. Fact: Y."' is one sentence).

_QUOTE_PATTERNS = (
    re.compile(r"“([^”\n]{1,400})”"),
    re.compile(r"\"([^\"\n]{1,400})\""),
    re.compile(r"«\s?([^»\n]{1,400}?)\s?»"),
    # Single quotes only where they cannot be apostrophes: after a non-letter, before one.
    re.compile(r"(?<![\w’'])‘([^‘’\n]{1,400}?)’(?![\w])"),
    re.compile(r"(?<![\w’'])'([^'\n]{1,400}?)'(?![\w])"),
)


@dataclass(frozen=True)
class Quote:
    """A quoted passage: offsets of its marks and of its inner text, and that text stripped."""

    start: int  # of the opening mark
    end: int  # after the closing mark
    inner_start: int
    inner_end: int
    text: str


def find_quotes(text: str) -> list[Quote]:
    """Quoted spans in ``text`` (curly, straight, guillemets, single), earliest first.

    Where two kinds overlap the first kind listed wins, so an apostrophe inside a double-quoted
    passage never opens a single-quoted one.
    """
    found: list[Quote] = []
    taken: list[tuple[int, int]] = []
    for pattern in _QUOTE_PATTERNS:
        for m in pattern.finditer(text):
            if any(m.start() < e and s < m.end() for s, e in taken):
                continue
            inner = m.group(1)
            if not inner.strip():
                continue
            found.append(Quote(m.start(), m.end(), m.start(1), m.end(1), inner.strip()))
            taken.append((m.start(), m.end()))
    return sorted(found, key=lambda q: q.start)


def mask_quotes(text: str, quotes: Sequence[Quote] | None = None) -> str:
    """``text`` with every quoted passage replaced by ``_`` of the same length.

    Offsets stay the same, and nothing inside a quote can look like a label, a cue or a
    sentence end ("Myth: ... Fact: ..."), except the quote's own final full stop.
    """
    quotes = find_quotes(text) if quotes is None else quotes
    chars = list(text)
    for q in quotes:
        for i in range(q.inner_start, q.inner_end):
            chars[i] = "_"
        # A quoted sentence still ends the sentence around it: keep its final stop.
        last = text[q.inner_start : q.inner_end].rstrip()
        if last.endswith((".", "!", "?", "…")):
            chars[q.inner_start + len(last) - 1] = last[-1]
    return "".join(chars)


# -- sentences --------------------------------------------------------------------------------
# A stop, any closing quotes or brackets, then space before something that opens a sentence.
_STOP = re.compile(r"(?<=[.!?…])([\"”’'»)\]]*)\s+")
_SENTENCE_OPENS = re.compile(r"[\"“‘'«(\[]?[A-Z0-9£$€]")
_ABBREVIATIONS = frozenset(
    "e.g i.e etc mr mrs ms dr st no vs approx cf fig p pp ref dept govt inc ltd co".split()
)


def sentence_spans(text: str, masked: str | None = None) -> list[tuple[int, int]]:
    """(start, end) of each sentence of ``text``, closing quotes and brackets included.

    A sentence ends after . ! ? or … followed by space and a capital (or an opening quote,
    bracket, digit or currency sign), except after common abbreviations ("e.g.", "No."), a
    single letter ("Plan B.") or inside a quotation. ``masked`` is ``mask_quotes(text)``
    when the caller already has it.
    """
    masked = mask_quotes(text) if masked is None else masked
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _STOP.finditer(masked):
        if not _SENTENCE_OPENS.match(text, match.end()):
            continue
        stop = match.start()
        if masked[stop - 1] == "." and _abbreviation_before(masked, stop - 1):
            continue
        spans.append((start, match.end(1)))
        start = match.end()
    spans.append((start, len(text)))
    return [(s, e) for s, e in spans if text[s:e].strip()]


def _abbreviation_before(text: str, stop: int) -> bool:
    """True when the full stop at ``stop`` ends an abbreviation or a lone letter."""
    word = text[:stop].rsplit(None, 1)[-1] if text[:stop].strip() else ""
    word = word.lstrip('"“‘«([').lower()
    return word in _ABBREVIATIONS or (len(word) == 1 and word.isalpha())


def sentences(text: str) -> list[str]:
    """The sentences of one paragraph, whole, with runs of white space made single spaces."""
    text = " ".join(text.split())
    return [text[s:e].strip() for s, e in sentence_spans(text)]


def is_whole_sentence(text: str) -> bool:
    """True when ``text`` starts as a sentence starts and ends as a sentence ends."""
    text = text.strip()
    return bool(text) and bool(_OPENS.match(text)) and bool(_ENDS_SENTENCE.search(text))
