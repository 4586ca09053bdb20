"""Reading term rules and framing advice out of a guide's own sentences.

A rule is written in many ways, and another charity's guide will write it differently, so
nothing here knows any term. It reads the shapes guidance takes:

- labelled items: ``Avoid: "X" or "Y". Say instead: "Z". Why: ...``
- tables whose header names the columns: ``| Instead of | We say | Why |``, ``| Don't say |
  Do say | Because |`` and the like;
- prose and bullets, through the verbs around each quoted word: ``We never describe people as
  "X"; "Y" is accurate``, ``Don't write "X" — write "Y"``, ``Say "Y" rather than "X"``;
- bullets under a heading that says to avoid (``## Avoid``), where every quoted word is one.

Short quoted phrases become terms; long ones are examples (``Avoid: "Thousands more arrivals
this month"``) and feed the framing notes instead. Each rule keeps the sentence it came from,
and reads from that sentence when it applies: "as a label for people", "metaphors", "calling
them" decide how cautious matching must be (see ``bot.check.matching``).

Input is a section of a document as indexed: lines may be hard-wrapped, list items continue
on the next line without indentation, and a blank line is either missing or marked by two
trailing spaces (how the Markdown splitter keeps paragraph breaks).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from bot.check import lexicon
from bot.text import STOPWORDS, Block, Quote, blocks, find_quotes, mask_quotes, sentence_spans

log = logging.getLogger(__name__)

Sense = Literal["any", "context", "people_label", "people_metaphor"]
"""How sure a match must be that the term is used in the sense the rule means.

``any``: a match is a use. ``context``: one of the rule's ``anchors`` must be in the same
sentence ("facilities" only next to "detention"). ``people_label``: the term must be applied
to people ("small boats arrivals", "an illegal"). ``people_metaphor``: the term must describe
people or their movement ("a flood of migrants", "migrants swarming across").
"""


@dataclass(frozen=True)
class Origin:
    """Where a rule or piece of advice was written: what a citation shows."""

    source: str
    title: str
    locator: str
    kind: str = ""
    date: str = ""
    chunk_id: str = ""


@dataclass(frozen=True)
class TermRule:
    """One word or phrase the guidance says to avoid, with what to say instead and why."""

    term: str
    suggestion: str  # as the guide puts it; "" when it only says what to avoid
    reason: str  # the guide's reason; "" when it gives none
    quote: str  # the guide's own sentence(s) stating the rule, for the citation
    origin: Origin
    sense: Sense = "any"
    anchors: tuple[str, ...] = ()  # for sense "context": words that show the meant sense
    alternatives: tuple[str, ...] = ()  # the exact words to use, never flagged themselves
    style: str = "prose"  # labelled | table | prose | avoid-section (how it was written)


@dataclass(frozen=True)
class FramingAdvice:
    """A passage of framing advice, with the guide's own examples of what not to write."""

    advice: str  # the sentence that says what to do, shown in a note
    quote: str  # the passage as written, for the citation
    origin: Origin
    avoid_examples: tuple[str, ...] = ()
    use_examples: tuple[str, ...] = ()
    warns_against_opening_number: bool = False
    number_warning: str = ""  # the sentence warning against opening with a number


@dataclass(frozen=True)
class SectionText:
    """One section of a live document, reassembled from its chunks."""

    text: str
    origin: Origin


@dataclass(frozen=True)
class Guidance:
    """Everything the checker reads from the index: term rules and framing advice."""

    rules: tuple[TermRule, ...] = ()
    framing: tuple[FramingAdvice, ...] = ()


# -- units: a section as the text reader sees it, grouped for the checker ---------------------

_LEADING_LABEL = re.compile(
    rf"^\s*(?:{lexicon.AVOID_LABELS}|say|do say|use|we say|try|prefer)\s*:",
    re.IGNORECASE,
)
_CONTINUATION_LABEL = re.compile(
    rf"^\s*(?:{lexicon.REASON_LABELS}|say instead|use instead|write instead|instead)\s*:",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Unit:
    """A list item, paragraph, label line, heading or whole table of a section."""

    kind: Literal["item", "para", "label", "table", "heading"]
    text: str
    group: int  # framing examples ("Say:"/"Avoid:" lines) belong to the paragraph before
    rows: tuple[tuple[str, ...], ...] = ()  # table cells, header first


def logical_units(text: str) -> list[Unit]:
    """The section's blocks (``bot.text.blocks``) as the checker reads them.

    A paragraph that opens with a rule label (``Avoid:``, ``Say:``) is a label line and stays
    in the group of the paragraph before it, whose advice it illustrates; the rows of one
    table become one unit, its header first.
    """
    units: list[Unit] = []
    group = 0
    table: list[Block] = []

    def flush_table() -> None:
        if table:
            header = [table[0].header] if table[0].header else []
            rows = tuple(header + [row.cells for row in table])
            units.append(Unit("table", "\n".join(row.text for row in table), group, rows))
            table.clear()

    for block in blocks(text):
        if block.kind == "row":
            if table and block.header != table[0].header:
                flush_table()
            table.append(block)
            continue
        flush_table()
        if block.kind == "paragraph" and (
            _LEADING_LABEL.match(block.text) and not _CONTINUATION_LABEL.match(block.text)
        ):
            units.append(Unit("label", block.text, group))
            continue
        group += 1
        kind = {"heading": "heading", "item": "item"}.get(block.kind, "para")
        units.append(Unit(kind, block.text, group))  # type: ignore[arg-type]
    flush_table()
    return units


# -- roles of quoted words -------------------------------------------------------------------

_SAYING = re.compile(rf"\b(?:{lexicon.SAYING_VERBS})\b", re.IGNORECASE)
_NEGATION = re.compile(rf"\b(?:{lexicon.NEGATIONS})\b", re.IGNORECASE)
_STANDALONE_AVOID = re.compile(
    r"\b(?:avoid|avoiding|rather than|instead of|in place of|not|never)\s*[,:]?\s*"
    r"(?:the\s+(?:word|term|phrase)s?\s+)?(?:an?\s+)?$",
    re.IGNORECASE,
)
_CONNECTOR_ONLY = re.compile(
    r"^[\s,/–—-]*(?:(?:or|and|nor|an?|the|and other)[\s,/–—-]+)*$", re.IGNORECASE
)
_BUT_AFTER_NOT = re.compile(r"^[\s,]*but\s*$", re.IGNORECASE)
_POST_USE = re.compile(
    r"^[\s,]*(?:is|are|works|reads|sounds)\s+(?:\w+\s+)?(?:accurate|better|fine|correct|preferred|right|clearer|kinder|true|respectful)\b",
    re.IGNORECASE,
)
_POST_AVOID = re.compile(
    r"^[\s,]*(?:is|are)\s+(?:\w+\s+)?(?:offensive|wrong|outdated|loaded|inaccurate|dehumanising"
    r"|dehumanizing|a slur|not acceptable|unacceptable|misleading)\b",
    re.IGNORECASE,
)
_GERUND = re.compile(r"ing$", re.IGNORECASE)
_AVOID_HEADING = re.compile(
    r"\b(?:avoid|avoiding|never say|don't say|don’t say|do not say|not to say|words? to avoid|"
    r"terms? to avoid|what not to)\b",
    re.IGNORECASE,
)

Role = Literal["avoid", "use"]


def _cue_role(segment: str) -> Role | None:
    """The role a cue just before a quote gives it: avoid, use, or None when there is none."""
    standalone = _STANDALONE_AVOID.search(segment)
    verbs = list(_SAYING.finditer(segment))
    if verbs:
        verb = verbs[-1]
        if standalone and standalone.start() >= verb.end():
            return "avoid"
        before = segment[max(0, verb.start() - 40) : verb.start()]
        words_before = before.split()[-4:]
        if _NEGATION.search(" ".join(words_before)):
            return "avoid"
        word = verb.group(0).split()[0]
        if _GERUND.search(word) or (word.lower().endswith("s") and word.lower() != "use"):
            # "Calling people X" heads an item under "Avoid"; "a post that says X" describes.
            # Neither says which way on its own.
            return None
        return "use"
    if standalone:
        return "avoid"
    return None


@dataclass
class _Quoted:
    quote: Quote
    role: Role | None
    clause_start: int
    clause_end: int
    label_field: str | None = None  # "avoid" | "use" | "reason" when inside a labelled field


# -- term or example -------------------------------------------------------------------------

_FUNCTION_WORDS = STOPWORDS | {"don't", "don’t", "doesn't", "not", "no", "yes"}


def is_term(text: str) -> bool:
    """A quoted phrase that names a word or phrase (1-5 words), not an example sentence."""
    words = text.split()
    if not 1 <= len(words) <= 5:
        return False
    if re.search(r"[.!?:;…]", text.rstrip(".")) or text.rstrip().endswith(("...", "…")):
        return False
    # Guides quote terms in lower case mid-sentence ("small boats"); a capitalised phrase of
    # three or more words is a sentence given as an example ("Thousands more arrivals this
    # month"). Acronyms ("EU migrants") stay terms.
    first = words[0]
    if len(words) >= 3 and first[:1].isupper() and any(c.islower() for c in first):
        return False
    content = [w for w in re.findall(r"[\w'’-]+", text.lower()) if w not in _FUNCTION_WORDS]
    return any(len(w) >= 3 for w in content)


def is_example(text: str) -> bool:
    """A quoted passage that is an example sentence rather than a term."""
    return len(text.split()) >= 3 and not is_term(text)


# -- extraction ------------------------------------------------------------------------------

_LABEL = re.compile(
    rf"(?<![\w'’])(?P<label>{lexicon.AVOID_LABELS}|{lexicon.USE_LABELS}|{lexicon.REASON_LABELS})\s*:\s*",
    re.IGNORECASE,
)
_AVOID_LABEL = re.compile(rf"^(?:{lexicon.AVOID_LABELS})$", re.IGNORECASE)
_REASON_LABEL = re.compile(rf"^(?:{lexicon.REASON_LABELS})$", re.IGNORECASE)


def _label_kind(label: str) -> str:
    label = " ".join(label.lower().split())
    if _AVOID_LABEL.match(label):
        return "avoid"
    if _REASON_LABEL.match(label):
        return "reason"
    return "use"


def _fields(masked: str) -> list[tuple[str, int, int]]:
    """Labelled fields (kind, start, end of value) of a unit; empty when it has no labels.

    A label counts at the start of the unit or of a sentence: "Avoid: ... Say instead: ...
    Why: ...". Labels inside quotes were masked away.
    """
    marks = []
    for m in _LABEL.finditer(masked):
        before = masked[: m.start()].rstrip()
        if before and not before.endswith((".", ";", "!", "?", ")", '_"', "_”", "”", '"')):
            continue
        marks.append((_label_kind(m.group("label")), m.start(), m.end()))
    fields = []
    for i, (kind, _start, value_start) in enumerate(marks):
        end = marks[i + 1][1] if i + 1 < len(marks) else len(masked)
        fields.append((kind, value_start, end))
    return fields


def extract(sections: Iterable[SectionText]) -> Guidance:
    """All term rules and framing advice in ``sections``, duplicates removed.

    A rule found twice in one document (two overlapping chunks, or a table and a bullet
    saying the same) is kept once, first wins; the same term in two documents gives two
    rules, so a finding can cite both.
    """
    rules: list[TermRule] = []
    framing: list[FramingAdvice] = []
    seen: set[tuple[str, str]] = set()
    for section in sections:
        try:
            section_rules, section_framing = _extract_section(section)
        except Exception:  # one odd section must not cost the member every other rule
            log.exception(
                "could not read rules from %s (%s); skipping that section",
                section.origin.source,
                section.origin.locator,
            )
            continue
        for rule in section_rules:
            key = (normalise_term(rule.term), rule.origin.source)
            if key in seen:
                continue
            seen.add(key)
            rules.append(rule)
        framing.extend(section_framing)
    return Guidance(tuple(rules), tuple(framing))


def normalise_term(term: str) -> str:
    """A term's comparison key: lower case, hyphens and spaces alike, curly quotes plain."""
    return " ".join(re.split(r"[\s\-‐‑–]+", term.lower().replace("’", "'"))).strip(" .,'\"")


def _extract_section(section: SectionText) -> tuple[list[TermRule], list[FramingAdvice]]:
    units = logical_units(section.text)
    heading_avoids = bool(_AVOID_HEADING.search(section.origin.locator))
    rules: list[TermRule] = []
    groups: dict[int, _FramingDraft] = {}
    for unit in units:
        if unit.kind == "heading":
            heading_avoids = bool(_AVOID_HEADING.search(unit.text)) or bool(
                _AVOID_HEADING.search(section.origin.locator)
            )
            continue
        if unit.kind == "table":
            rules.extend(_table_rules(unit, section.origin))
            continue
        unit_rules, draft = _unit_rules(unit, section.origin, heading_avoids)
        rules.extend(unit_rules)
        group = groups.setdefault(unit.group, _FramingDraft())
        group.add(unit, draft)
    framing = [g.advice(section.origin) for g in groups.values()]
    return rules, [f for f in framing if f is not None]


def _unit_rules(
    unit: Unit, origin: Origin, heading_avoids: bool
) -> tuple[list[TermRule], _UnitFraming]:
    text = unit.text
    quotes = find_quotes(text)
    masked = mask_quotes(text, quotes)
    fields = _fields(masked)
    sentences = sentence_spans(text, masked)
    quoted = _roles(text, masked, quotes, fields, sentences, unit.kind == "item" and heading_avoids)

    avoid_terms = [q for q in quoted if q.role == "avoid" and is_term(q.quote.text)]
    use_terms = [q for q in quoted if q.role == "use" and is_term(q.quote.text)]
    framing = _UnitFraming(
        text=text,
        avoid_examples=[
            q.quote.text for q in quoted if q.role != "use" and is_example(q.quote.text)
        ],
        use_examples=[q.quote.text for q in quoted if q.role == "use" and is_example(q.quote.text)],
        avoid_cue=bool(_NEGATION.search(masked)) or heading_avoids,
    )

    # An unquoted pair of fields is a term too: "Avoid: illegal immigrant. Say instead: ...".
    unquoted_term = None if avoid_terms else _unquoted_avoid_term(text, masked, fields)
    if not avoid_terms and unquoted_term is None:
        return [], framing

    reason = _reason(text, masked, fields, sentences, quoted)
    alternatives = tuple(q.quote.text for q in use_terms)
    style = (
        "labelled"
        if fields
        else ("avoid-section" if heading_avoids and unit.kind == "item" else "prose")
    )
    rules = []
    items: list[tuple[str, int, int]] = [
        (q.quote.text, q.clause_start, q.clause_end) for q in avoid_terms
    ]
    if unquoted_term is not None:
        items.append(unquoted_term)
    all_terms = [t for t, _, _ in items]
    for term, clause_start, clause_end in items:
        clause = masked[clause_start:clause_end]
        sense, anchors = _sense(term, clause, masked, all_terms, alternatives)
        suggestion = _suggestion(text, masked, fields, quoted, clause_end)
        rules.append(
            TermRule(
                term=_clean_term(term),
                suggestion=suggestion,
                reason=reason,
                quote=_rule_quote(text, sentences, clause_start, clause_end, fields),
                origin=origin,
                sense=sense,
                anchors=anchors,
                alternatives=alternatives,
                style=style,
            )
        )
    return rules, framing


def _clean_term(term: str) -> str:
    # "a crisis at the border": the article is not part of the term ("this crisis at the
    # border" is the same words).
    term = term.strip().strip(".,;:").strip()
    return re.sub(r"^(?:a|an|the)\s+(?=\S+\s)", "", term, flags=re.IGNORECASE)


def _roles(
    text: str,
    masked: str,
    quotes: Sequence[Quote],
    fields: Sequence[tuple[str, int, int]],
    sentences: Sequence[tuple[int, int]],
    avoid_by_default: bool,
) -> list[_Quoted]:
    """Each quote with the role the guide gives it (avoid, use, or None)."""
    out: list[_Quoted] = []
    previous: _Quoted | None = None
    for q in quotes:
        field_kind = next((k for k, s, e in fields if s <= q.start < e), None)
        sentence = next(((s, e) for s, e in sentences if s <= q.start < e), (0, len(text)))
        clause_start, clause_end = _clause(masked, q, sentence)
        if field_kind == "reason":
            out.append(_Quoted(q, None, clause_start, clause_end, field_kind))
            continue
        if field_kind in ("avoid", "use"):
            field_start = next(s for k, s, e in fields if s <= q.start < e)
            segment = masked[max(field_start, previous.quote.end if previous else 0) : q.start]
            role: Role | None = field_kind  # type: ignore[assignment]
            cue = _cue_role(segment)
            if field_kind == "avoid" and cue == "use" and segment.strip():
                role = "use"  # "Avoid: X. Say Y." with the second label missing its colon
            current = _Quoted(q, role, max(clause_start, field_start), clause_end, field_kind)
            out.append(current)
            previous = current
            continue
        start = max(sentence[0], clause_start)
        if previous is not None and previous.quote.end > start:
            start = previous.quote.end
        segment = masked[start : q.start]
        role = _cue_role(segment)
        if role is None and previous is not None and previous.quote.end >= sentence[0]:
            between = masked[previous.quote.end : q.start]
            if _CONNECTOR_ONLY.match(between):
                role = previous.role
            elif previous.role == "avoid" and _BUT_AFTER_NOT.match(between):
                role = "use"
        if role is None:
            after = masked[
                q.end : next((o.start for o in quotes if o.start > q.start), len(masked))
            ]
            if _POST_USE.match(after):
                role = "use"
            elif _POST_AVOID.match(after):
                role = "avoid"
        if role is None and avoid_by_default:
            role = "avoid"
        current = _Quoted(q, role, clause_start, clause_end)
        out.append(current)
        previous = current
    return out


def _clause(masked: str, q: Quote, sentence: tuple[int, int]) -> tuple[int, int]:
    """The clause around a quote: within its sentence, between semicolons and dashes."""
    start, end = sentence
    before = masked[start : q.start]
    cut = max(before.rfind(";"), before.rfind(" — "), before.rfind(" – "), before.rfind(":"))
    clause_start = start + cut + 1 if cut >= 0 else start
    after = masked[q.end : end]
    stops = [
        i
        for i in (after.find(";"), after.find(":"), after.find(" — "), after.find(" – "))
        if i >= 0
    ]
    clause_end = q.end + min(stops) if stops else end
    return clause_start, clause_end


_PEOPLE_WORDS = (
    r"people|anyone|someone|a person|persons|somebody|anybody|nobody|no one|individuals|"
    r"a human being|human beings|an? \w+ person"
)
_PEOPLE_CUE = re.compile(
    r"\b(?:labels?|names?|words?|terms?)\s+for\s+"
    r"(?:people|a person|persons|someone|anyone|humans?|individuals)\b"
    r"|\b(?:describ\w*|call\w*|refer\w*(?:\s+to)?|writ\w*\s+about|talk\w*\s+about"
    rf"|speak\w*\s+(?:about|of)|label\w*|brand\w*)\s+(?:{_PEOPLE_WORDS})\b"
    r"|\b(?:as|about)\s+(?:people|a person|human beings)\b",
    re.IGNORECASE,
)
_METAPHOR_CUE = re.compile(r"\bmetaphor", re.IGNORECASE)
_REFERENT_PRONOUN = re.compile(
    r"\b(?:them|it|these|those|this|that)\b|\bas an?\s*$|\bas an?\b", re.IGNORECASE
)
_QUALIFIER_NOISE = re.compile(
    rf"\b(?:{lexicon.AVOID_LABELS}|{lexicon.SAYING_VERBS}|{lexicon.NEGATIONS}|other|such|any|every|word|words|term|terms|phrase|phrases)\b",
    re.IGNORECASE,
)


def _sense(
    term: str,
    clause: str,
    masked: str,
    all_terms: Sequence[str],
    alternatives: Sequence[str],
) -> tuple[Sense, tuple[str, ...]]:
    """How a term must be used to count, read from the words the guide puts around it."""
    single = len(re.split(r"[\s]+", term.strip())) == 1
    if _METAPHOR_CUE.search(clause) or _METAPHOR_CUE.search(masked):
        return "people_metaphor", ()
    if _PEOPLE_CUE.search(clause):
        return "people_label", ()
    if not single:
        return "any", ()
    remainder = _QUALIFIER_NOISE.sub(" ", clause.replace("_", " "))
    content = [
        w
        for w in re.findall(r"[a-z][a-z'’-]+", remainder.lower())
        if w not in _FUNCTION_WORDS and len(w) >= 3
    ]
    if not content and not _REFERENT_PRONOUN.search(clause):
        return "any", ()
    # The sense is given by the thing the term names: the rule's other terms and the words to
    # use instead ("holding centres", "immigration removal centres" for "facilities"), or the
    # words around it ("celebrating a fall or rise as a 'win'").
    anchors: list[str] = []
    for phrase in [*(t for t in all_terms if t != term), *alternatives]:
        anchors.extend(re.findall(r"[a-z][a-z'’-]+", phrase.lower()))
    anchors.extend(content)
    term_words = set(re.findall(r"[a-z]+", term.lower()))
    kept = []
    for word in anchors:
        if word in _FUNCTION_WORDS or word in term_words or len(word) < 3:
            continue
        if word in lexicon.PERSON_NOUNS:
            continue  # "people" is in every sentence about migration: it shows no sense
        if word not in kept:
            kept.append(word)
    if not kept:
        return "any", ()
    return "context", tuple(kept)


def _suggestion(
    text: str,
    masked: str,
    fields: Sequence[tuple[str, int, int]],
    quoted: Sequence[_Quoted],
    clause_end: int,
) -> str:
    """What the guide says to use instead, in its own words."""
    for kind, start, end in fields:
        if kind == "use":
            value = text[start:end].strip().rstrip(".;").strip()
            if value:
                return _trim(value, 160)
    uses = [q.quote.text for q in quoted if q.role == "use" and is_term(q.quote.text)]
    if uses:
        return " or ".join(f"“{u}”" for u in dict.fromkeys(uses))
    # An unquoted instruction after the avoided words: "...; say immigration removal centres."
    tail = masked[clause_end:]
    m = re.match(
        rf"^\s*[;:—–,]?\s*(?:(?:and|but|instead)\s+)?((?:{lexicon.SAYING_VERBS}|describe|explain|name)\b[^.;]*)",
        tail,
        re.IGNORECASE,
    )
    if m and len(m.group(1).split()) <= 12:
        start = clause_end + m.start(1)
        value = text[start : start + len(m.group(1))].strip().rstrip(".")
        return value
    return ""


_BECAUSE = re.compile(r"\b(?:because|as it|since|which|so that)\b|^\s*,?\s*so\b", re.IGNORECASE)
_CONNECTIVE = re.compile(r"^(?:because|since)\s+", re.IGNORECASE)


def _reason(
    text: str,
    masked: str,
    fields: Sequence[tuple[str, int, int]],
    sentences: Sequence[tuple[int, int]],
    quoted: Sequence[_Quoted],
) -> str:
    """Why, as the guide puts it: a "Why:" field, a "because" clause, what the words to use
    are said to be ("'Y' is accurate and ..."), or the sentence after or before the rule."""
    for kind, start, end in fields:
        if kind == "reason":
            return _trim(_capitalise(text[start:end].strip()), 240)
    placed = [q for q in quoted if q.role is not None]
    if not placed:
        return ""
    last = max(placed, key=lambda q: q.quote.end)
    index = next((i for i, (s, e) in enumerate(sentences) if s <= last.quote.end <= e), None)
    if index is None:
        return ""
    sentence_end = sentences[index][1]
    tail = masked[last.quote.end : sentence_end]
    m = _BECAUSE.search(tail)
    if m:
        start = last.quote.end + m.start()
        clause = text[start:sentence_end].strip(" ,").rstrip(".")
        # "..., which turns the boat into..." reads as a reason once it says what "which" is.
        clause = re.sub(r"^which\s+", "it ", _CONNECTIVE.sub("", clause), flags=re.IGNORECASE)
        return _trim(_capitalise(clause) + ".", 240)
    semicolon = tail.find(";")
    if semicolon >= 0:
        rest = text[last.quote.end + semicolon + 1 : sentence_end].strip()
        if rest and not _SAYING.match(rest) and not find_quotes(rest):
            return _trim(_capitalise(rest), 240)
    if last.role == "use" and _POST_USE.match(tail):
        return _trim(text[last.quote.start : sentence_end].strip(), 240)
    for other in (index + 1, index - 1):
        if 0 <= other < len(sentences):
            candidate = text[sentences[other][0] : sentences[other][1]].strip()
            if not find_quotes(candidate) and not _SAYING.match(candidate):
                return _trim(candidate, 240)
    return ""


def _rule_quote(
    text: str,
    sentences: Sequence[tuple[int, int]],
    clause_start: int,
    clause_end: int,
    fields: Sequence[tuple[str, int, int]],
) -> str:
    """The guide's words for the citation: the whole item, or the sentence and the next."""
    if fields or len(text) <= 320:
        return _trim(text, 480)
    index = next((i for i, (s, e) in enumerate(sentences) if s <= clause_start < e), 0)
    start = sentences[index][0]
    end = sentences[min(index + 1, len(sentences) - 1)][1]
    return _trim(text[start:end], 480)


def _unquoted_avoid_term(
    text: str, masked: str, fields: Sequence[tuple[str, int, int]]
) -> tuple[str, int, int] | None:
    """A term written without quotes in an ``Avoid:`` field that a use field answers.

    Only a short noun phrase counts ("Avoid: illegal immigrant. Say instead: ..."); an
    instruction ("Avoid: opening with a statistic") is advice, not a term.
    """
    kinds = [k for k, _, _ in fields]
    if "avoid" not in kinds or "use" not in kinds:
        return None
    _, start, end = next(f for f in fields if f[0] == "avoid")
    value = re.split(r"[.;(]|\s[—–-]\s", text[start:end], maxsplit=1)[0].strip()
    if not value or len(value.split()) > 4 or value.split()[0].lower().endswith("ing"):
        return None
    if not is_term(value):
        return None
    return value, start, start + len(value)


def _table_rules(unit: Unit, origin: Origin) -> list[TermRule]:
    """Rules from a table whose header names an avoid column (and a use or why column)."""
    if len(unit.rows) < 2:
        return []
    header = [" ".join(c.lower().split()) for c in unit.rows[0]]
    avoid_col = _column(header, lexicon.AVOID_HEADERS)
    if avoid_col is None:
        return []
    use_col = _column(header, lexicon.USE_HEADERS, exclude={avoid_col})
    why_col = _column(header, lexicon.REASON_HEADERS, exclude={avoid_col, use_col})
    if use_col is None and why_col is None:
        return []
    rules = []
    for row in unit.rows[1:]:
        if avoid_col >= len(row):
            continue
        cell = row[avoid_col]
        use = row[use_col].strip() if use_col is not None and use_col < len(row) else ""
        why = row[why_col].strip() if why_col is not None and why_col < len(row) else ""
        terms = _cell_terms(cell)
        alternatives = tuple(_cell_terms(use)) if use and not use.startswith("(") else ()
        quote = " | ".join(c for c in row if c)
        people = bool(
            _PEOPLE_CUE.search(cell) or re.search(r"\(as a noun\)|\bfor people\b", cell, re.I)
        )
        for term in terms:
            rules.append(
                TermRule(
                    term=term,
                    suggestion=_trim(use.strip("()").strip(), 160),
                    reason=_trim(_capitalise(why), 240),
                    quote=_trim(quote, 480),
                    origin=origin,
                    sense="people_label" if people else "any",
                    alternatives=alternatives,
                    style="table",
                )
            )
    return rules


def _column(
    header: Sequence[str], pattern: str, exclude: set[int | None] | None = None
) -> int | None:
    regex = re.compile(rf"\b(?:{pattern})\b", re.IGNORECASE)
    for index, name in enumerate(header):
        if exclude and index in exclude:
            continue
        if regex.search(name):
            return index
    return None


def _cell_terms(cell: str) -> list[str]:
    """The terms in a table cell: its quoted phrases, else its parts split on / , ; or."""
    quotes = find_quotes(cell)
    if quotes:
        return [q.text for q in quotes if is_term(q.text)]
    cell = re.sub(r"\([^)]*\)", " ", cell)
    parts = re.split(r"\s*(?:/|;|,|\bor\b)\s*", cell)
    return [p.strip().strip(".") for p in parts if p.strip() and is_term(p.strip())]


# -- framing advice --------------------------------------------------------------------------

# A guide warns against opening with a number in many words; this finds the sentence that
# does ("Avoid: opening with a statistic", "A post that opens with a count of arrivals...").
_NUMBER_OPENING_ADVICE = re.compile(
    r"\b(?:open|opens|opening|lead|leads|leading|start|starts|starting|begin|begins|beginning)"
    r"\s+(?:\w+\s+){0,2}?with\s+(?:an?\s+|the\s+|one\s+)?(?:\w+\s+)?"
    r"(?:statistics?|numbers?|figures?|counts?|data|percentages?)\b",
    re.IGNORECASE,
)


@dataclass
class _UnitFraming:
    text: str
    avoid_examples: list[str] = field(default_factory=list)
    use_examples: list[str] = field(default_factory=list)
    avoid_cue: bool = False


@dataclass
class _FramingDraft:
    units: list[tuple[Unit, _UnitFraming]] = field(default_factory=list)

    def add(self, unit: Unit, framing: _UnitFraming) -> None:
        self.units.append((unit, framing))

    def advice(self, origin: Origin) -> FramingAdvice | None:
        avoid: list[str] = []
        use: list[str] = []
        cue = any(f.avoid_cue for _, f in self.units)
        for unit, f in self.units:
            use.extend(f.use_examples)
            # A long quote with no cue of its own is an example of what not to write when the
            # passage around it says not to do something ("Don't repeat a myth...").
            avoid.extend(f.avoid_examples if (cue or unit.kind == "label") else [])
        text = " ".join(u.text for u, _ in self.units)
        warning = _NUMBER_OPENING_ADVICE.search(mask_quotes(text, find_quotes(text)))
        warning_sentence = ""
        if warning:
            for start, end in sentence_spans(text):
                if start <= warning.start() < end:
                    warning_sentence = text[start:end].strip()
        if not avoid and not warning:
            return None
        return FramingAdvice(
            advice=_advice_sentence(self.units),
            quote=_trim(text, 600),
            origin=origin,
            avoid_examples=tuple(dict.fromkeys(avoid)),
            use_examples=tuple(dict.fromkeys(use)),
            warns_against_opening_number=bool(warning),
            number_warning=_trim(warning_sentence, 300),
        )


def _advice_sentence(units: Sequence[tuple[Unit, _UnitFraming]]) -> str:
    """The sentence stating what to do: the first one opening with an imperative verb."""
    first = ""
    for unit, _ in units:
        if unit.kind == "label":
            continue
        for start, end in sentence_spans(unit.text):
            sentence = unit.text[start:end].strip()
            first = first or sentence
            word = re.match(r"[A-Za-z]+", sentence)
            if (
                word
                and word.group(0).lower() in lexicon.ADVICE_VERBS
                and not find_quotes(sentence[:20])
            ):
                return _trim(sentence, 240)
    return _trim(first, 240)


# -- small text helpers ----------------------------------------------------------------------


def _trim(text: str, limit: int) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0]
    return cut + "…"


def _capitalise(text: str) -> str:
    return text[:1].upper() + text[1:] if text else text
