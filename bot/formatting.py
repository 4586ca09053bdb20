"""Platform-neutral text shaping shared by the Slack and Discord surfaces and the terminal.

Platforms limit text by length, and the length they count is not always Python's: Slack and
Discord run JavaScript-style string code, where a character outside the Basic Multilingual
Plane (most emoji) counts twice. Everything here measures in UTF-16 code units, which is
never less than what either platform counts, so text trimmed here always fits.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

ELLIPSIS = "…"


def measure(text: str) -> int:
    """The length a platform counts: UTF-16 code units (an emoji counts 2)."""
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def cut(text: str, limit: int) -> tuple[str, str]:
    """Split ``text`` so the head measures at most ``limit``; never inside a character."""
    if measure(text) <= limit:
        return text, ""
    size = 0
    for index, ch in enumerate(text):
        size += 2 if ord(ch) > 0xFFFF else 1
        if size > limit:
            return text[:index], text[index:]
    return text, ""


def trim(text: str, limit: int, note: str = "") -> str:
    """``text`` if it fits ``limit``, else its start, "…" and ``note`` within ``limit``.

    ``note`` says where the rest is (e.g. a queue item to open); it is dropped if even it
    does not fit.
    """
    if measure(text) <= limit:
        return text
    tail = ELLIPSIS + note
    if measure(tail) >= limit:
        tail = ELLIPSIS
    head, _ = cut(text, max(0, limit - measure(tail)))
    return head.rstrip() + tail


def split_to_fit(text: str, limit: int) -> list[str]:
    """Pieces measuring at most ``limit``, split on line ends where possible.

    A single line longer than ``limit`` is cut hard. Empty pieces are dropped and each piece
    is stripped of surrounding whitespace, so every piece can be posted as it is.
    """
    pieces: list[str] = []
    current = ""
    for line in text.splitlines(keepends=True):
        while measure(line) > limit:
            if current:
                pieces.append(current)
                current = ""
            head, line = cut(line, limit)
            pieces.append(head)
        if measure(current) + measure(line) > limit:
            pieces.append(current)
            current = ""
        current += line
    pieces.append(current)
    return [p.strip() for p in pieces if p.strip()]


def fit_marked(
    parts: Sequence[tuple[str, bool]],
    limit: int,
    render: Callable[[str, bool], str],
) -> list[str]:
    """Text made of plain and marked ``parts``, rendered and split into pieces of ``limit``.

    ``render(text, marked)`` escapes a stretch of text for a platform and wraps marked ones
    in its markup. Pieces break only between words, so no escape sequence or markup is ever
    cut in two; whitespace at a break is dropped. A single word too long for ``limit`` is
    split before rendering, so its pieces are still escaped whole.
    """
    tokens: list[tuple[str, bool]] = []  # (raw text, marked): words and whitespace runs
    for text, marked in parts:
        if marked and measure(render(text, True)) <= limit // 2:
            tokens.append((text, True))  # a flagged phrase stays one stretch of markup
            continue
        tokens.extend((word, marked) for word in _WORDS.findall(text))
    pieces: list[str] = []
    current: list[str] = []
    size = 0  # measure of ``current``, kept as it grows (re-measuring would be quadratic)
    pending = ""  # rendered whitespace waiting for the next word
    for raw, marked in tokens:
        if raw.isspace():
            pending = render(raw, False) if current else ""
            continue
        for chunk in _rendered_chunks(raw, marked, limit, render):
            grown = measure(pending) + measure(chunk)
            if current and size + grown > limit:
                pieces.append("".join(current))
                current, size, pending, grown = [], 0, "", measure(chunk)
            current += [pending, chunk]
            size += grown
            pending = ""
    pieces.append("".join(current))
    return [piece for piece in pieces if piece.strip()]


_WORDS = re.compile(r"\s+|\S+")


def _rendered_chunks(
    raw: str, marked: bool, limit: int, render: Callable[[str, bool], str]
) -> list[str]:
    """``raw`` rendered, in as few chunks as fit ``limit`` (each rendered on its own)."""
    chunks: list[str] = []
    while raw:
        size = min(len(raw), limit)  # rendering never makes text shorter
        while size > 1 and measure(render(raw[:size], marked)) > limit:
            size = max(1, size // 2) if size > 64 else size - 1
        chunks.append(render(raw[:size], marked))
        raw = raw[size:]
    return chunks


# Terminal: control characters and bidirectional overrides would let a member's text
# recolour, clear or reorder what staff see; they are shown as escapes instead.
_UNPRINTABLE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def printable(text: str | None, *, one_line: bool = False) -> str:
    """``text`` safe to print to a terminal: control characters shown as ``\\x1b``-style escapes.

    ``one_line`` also shows newlines and tabs as ``\\n`` and ``\\t``, for table cells.
    """
    if text is None:
        return ""

    def shown(match: re.Match[str]) -> str:
        code = ord(match.group(0))
        return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"

    text = _UNPRINTABLE.sub(shown, text)
    if one_line:
        text = text.replace("\n", "\\n").replace("\t", "\\t")
    return text
