"""What every format reader returns: a document's text in citable sections.

Kept apart from ``bot.ingest.loaders`` so the format readers (``office``, ``webpage``) and the
loader that dispatches to them share these types without importing each other.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.ingest.metadata import Hints

# About 2,500 pages of prose: far beyond any guidance document, small enough to embed.
MAX_TEXT_CHARS = 5_000_000


class LoadError(Exception):
    """A file could not be read; the message says why and what to do."""


@dataclass(frozen=True)
class Section:
    """A stretch of a document with its place: a heading, ``page N`` or ``slide N``.

    ``markdown`` sections are split further along their own headings by the chunker.
    """

    locator: str
    text: str
    markdown: bool = False


@dataclass(frozen=True)
class Extracted:
    """What a format reader found: the text in sections, and what the file says about itself."""

    sections: tuple[Section, ...]
    hints: Hints = field(default_factory=Hints)
    front: dict | None = None
