"""Turning a ``DraftCheck`` into words, without any platform's markup.

Surfaces escape and format; this module only decides what is said and in what order:

- ``segments`` splits the draft into plain and flagged pieces, so a surface can escape each
  piece and wrap the flagged ones in its own markup (bold in Slack and in Discord);
- ``excerpts`` gives only the stretches around flagged words, for drafts too long to show;
- ``finding_line`` and ``note_line`` are the one-line summaries ("found → suggestion. Why [n]"),
  and ``finding_lines`` lists each distinct finding once, saying how often it appears;
- ``render_text`` puts it all together for a terminal, marking flagged words «like this».
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass

from bot.check.findings import DraftCheck, Finding, FramingNote

NOTHING_FOUND = "Nothing in this draft matches the words our guidance says to avoid."
# What a chat surface says when there is no draft to check, no index, or the check failed.
NO_TEXT = "That message has no text for me to check."
NOT_READY = (
    "I can't check drafts yet: our guidance has not been loaded. Please tell the staff team "
    "(they run `python -m bot ingest`)."
)
FAILED = (
    "Sorry, something went wrong and I couldn't check that draft. Please try again in a "
    "minute; if it keeps happening, tell the staff team."
)


@dataclass(frozen=True)
class Segment:
    """A piece of the draft: plain text, or the text of finding number ``finding`` (1-based)."""

    text: str
    finding: int | None = None


def segments(check: DraftCheck) -> list[Segment]:
    """The draft as consecutive pieces; joined, their texts give back ``check.text`` exactly."""
    out: list[Segment] = []
    position = 0
    for number, finding in enumerate(check.findings, start=1):
        if finding.start < position:
            continue  # findings never overlap; this guards against a malformed check
        if finding.start > position:
            out.append(Segment(check.text[position : finding.start]))
        out.append(Segment(check.text[finding.start : finding.end], number))
        position = finding.end
    if position < len(check.text):
        out.append(Segment(check.text[position:]))
    return out


@dataclass(frozen=True)
class Excerpt:
    """A stretch of a long draft around flagged words, whitespace runs shown as one space.

    ``cut_before`` and ``cut_after`` say whether the draft goes on before or after it, so a
    surface can show "…" there.
    """

    segments: tuple[Segment, ...]
    cut_before: bool
    cut_after: bool


_SPACE = re.compile(r"\s+")


def excerpts(check: DraftCheck, context: int = 60) -> list[Excerpt]:
    """The flagged stretches of the draft, each with about ``context`` characters either side.

    Windows start and end on whole words and overlapping ones are merged, so every finding
    appears exactly once, in order. For drafts too long to show whole on a chat platform.
    """
    text = check.text
    windows: list[list[int]] = []
    for finding in check.findings:
        start = max(0, finding.start - context)
        if start > 0 and not text[start - 1].isspace():  # no word shown cut in half
            space = _SPACE.search(text, start, finding.start)
            start = space.end() if space else finding.start
        end = min(len(text), finding.end + context)
        if end < len(text):
            spaces = list(_SPACE.finditer(text, finding.end, end))
            end = spaces[-1].start() if spaces else finding.end
        if windows and start <= windows[-1][1]:
            windows[-1][1] = max(windows[-1][1], end)
        else:
            windows.append([start, end])
    out: list[Excerpt] = []
    pieces = segments(check)
    for start, end in windows:
        clipped: list[Segment] = []
        position = 0
        for piece in pieces:
            piece_end = position + len(piece.text)
            lo, hi = max(start, position), min(end, piece_end)
            if lo < hi:
                words = _SPACE.sub(" ", piece.text[lo - position : hi - position])
                clipped.append(Segment(words, piece.finding))
            position = piece_end
        if clipped and clipped[0].finding is None:
            clipped[0] = Segment(clipped[0].text.lstrip())
        if clipped and clipped[-1].finding is None:
            clipped[-1] = Segment(clipped[-1].text.rstrip())
        out.append(
            Excerpt(
                tuple(c for c in clipped if c.text),
                cut_before=bool(text[:start].strip()),
                cut_after=bool(text[end:].strip()),
            )
        )
    return out


def marked_parts(check: DraftCheck, context: int = 60) -> list[tuple[str, bool]]:
    """The flagged stretches of a long draft as (text, flagged) parts, for a surface to mark.

    Excerpts are separated by a line break, and "…" shows where the draft was cut.
    """
    parts: list[tuple[str, bool]] = []
    for n, excerpt in enumerate(excerpts(check, context)):
        if n:
            parts.append(("\n", False))
        if excerpt.cut_before:
            parts.append(("… ", False))
        parts.extend((seg.text, seg.finding is not None) for seg in excerpt.segments)
        if excerpt.cut_after:
            parts.append((" …", False))
    return parts


def marked_text(check: DraftCheck, before: str = "«", after: str = "»") -> str:
    """The draft with every flagged stretch wrapped in ``before`` and ``after``."""
    return "".join(
        f"{before}{s.text}{after}" if s.finding is not None else s.text for s in segments(check)
    )


def _refs(citations) -> str:
    return "".join(f"[{c.number}]" for c in citations)


def finding_line(finding: Finding) -> str:
    """One line: “found” → suggestion. Reason [n]."""
    line = f"“{finding.found}”"
    if finding.suggestion:
        line += f" → {finding.suggestion}"
    line = line.rstrip(".") + "."
    if finding.reason:
        line += f" {finding.reason.rstrip('.')}."
    refs = _refs(finding.citations)
    return f"{line} {refs}" if refs else line


def finding_lines(check: DraftCheck) -> list[str]:
    """One ``finding_line`` per distinct finding, in order of first appearance.

    The same words with the same advice are listed once, with how often they appear ("…
    [1] (3 times)"), so a long draft repeating a word gets one line for it, not dozens.
    """
    counts: dict[tuple[str, str, str, tuple[int, ...]], list[Finding]] = {}
    for finding in check.findings:
        key = (
            " ".join(finding.found.lower().split()),
            finding.suggestion,
            finding.reason,
            tuple(c.number for c in finding.citations),
        )
        counts.setdefault(key, []).append(finding)
    lines = []
    for same in counts.values():
        line = finding_line(same[0])
        lines.append(f"{line} ({len(same)} times)" if len(same) > 1 else line)
    return lines


def note_line(note: FramingNote) -> str:
    """One line: the framing note and its citation."""
    refs = _refs(note.citations)
    return f"{note.text} {refs}" if refs else note.text


def render_text(check: DraftCheck, width: int = 88) -> str:
    """The check as a person reads it in a terminal."""
    if check.escalation is not None:
        e = check.escalation
        item = f", item #{e.id}" if e.id is not None else ""
        category = f" ({e.category})" if e.category else ""
        return f"{check.reply}\n\n[handed to staff{category}{item}: {e.reason}]"
    lines = ["Draft:"]
    lines.extend(_wrap(marked_text(check), width, "  ", "  "))
    lines.append("")
    if not check.findings and not check.framing:
        lines.append(NOTHING_FOUND)
        return "\n".join(lines)
    if check.findings:
        lines.append("Words to change:")
        for number, finding in enumerate(check.findings, start=1):
            lines.extend(_wrap(finding_line(finding), width, f"  {number}. ", "     "))
    if check.framing:
        if check.findings:
            lines.append("")
        lines.append("Framing:")
        for note in check.framing:
            lines.extend(_wrap(note_line(note), width, "  • ", "    "))
    lines += ["", "Sources:"]
    for c in check.citations:
        where = f" — {c.locator}" if c.locator else ""
        lines.append(f"  [{c.number}] {c.title}{where}")
        lines.append(f"      {c.source}")
        lines.extend(_wrap(f"“{c.quote}”", width, "      ", "       "))
    return "\n".join(lines)


def _wrap(text: str, width: int, first: str, rest: str) -> list[str]:
    out: list[str] = []
    for i, paragraph in enumerate(text.splitlines() or [""]):
        out.extend(
            textwrap.wrap(
                paragraph,
                width=width,
                initial_indent=first if i == 0 else rest,
                subsequent_indent=rest,
                break_long_words=False,
                break_on_hyphens=False,
            )
            or [rest.rstrip()]
        )
    return out
