"""Splitting sections into citable chunks: along headings first, then by size.

Each chunk keeps its place (the section heading, or the page) so a citation can name it.
"""

from __future__ import annotations

from dataclasses import dataclass

from langchain_text_splitters import MarkdownHeaderTextSplitter, RecursiveCharacterTextSplitter

from bot.ingest.loaders import Section
from bot.text import is_table_rule, join_wrapped

CHUNK_SIZE = 900
CHUNK_OVERLAP = 120
_HEADERS = [("#", "h1"), ("##", "h2"), ("###", "h3")]


@dataclass(frozen=True)
class Chunk:
    locator: str
    text: str


_header_splitter = MarkdownHeaderTextSplitter(headers_to_split_on=_HEADERS, strip_headers=True)
# Wrapped lines are joined first (``join_wrapped``), so every line is a whole paragraph, list
# item or table row: splitting at line ends then never cuts a sentence, and an over-long
# paragraph is cut after a sentence (the separator stays with the sentence it ends).
_size_splitter = RecursiveCharacterTextSplitter(
    chunk_size=CHUNK_SIZE,
    chunk_overlap=CHUNK_OVERLAP,
    separators=["\n\n", "\n", ". ", "; ", ", ", " ", ""],
    keep_separator="end",
)


def chunk_sections(sections: tuple[Section, ...] | list[Section]) -> list[Chunk]:
    """Chunks in document order, none empty, each at most about ``CHUNK_SIZE`` characters."""
    chunks: list[Chunk] = []
    for section in sections:
        text = join_wrapped(section.text)
        if section.markdown:
            for piece in _header_splitter.split_text(text):
                locator = _locator(piece.metadata) or section.locator
                chunks.extend(_sized(locator, piece.page_content))
        else:
            chunks.extend(_sized(section.locator, text))
    return chunks


def _locator(headers: dict[str, str]) -> str:
    # The document title is usually the lone h1; name the section by h2 (and h3 within it).
    if headers.get("h2"):
        return f"{headers['h2']} › {headers['h3']}" if headers.get("h3") else headers["h2"]
    return headers.get("h3") or headers.get("h1") or ""


def _sized(locator: str, text: str) -> list[Chunk]:
    text = text.strip()
    if not text:
        return []
    parts = [part.strip() for part in _size_splitter.split_text(text)]
    return [Chunk(locator or "Introduction", part) for part in _with_table_headers(text, parts)]


def _with_table_headers(text: str, parts: list[str]) -> list[str]:
    """Parts that begin inside a Markdown table get the table's header rows again.

    A long table is split between chunks; without its header, a later chunk's rows lose the
    column names ("Instead of", "We say", "Why") that say which cell is which.
    """
    lines = text.split("\n")
    headers: dict[str, str] = {}  # row -> the header (and rule) of the table it belongs to
    header: str | None = None
    for index, line in enumerate(lines):
        stripped = line.strip()
        if not stripped.startswith("|"):
            header = None
            continue
        following = lines[index + 1].strip() if index + 1 < len(lines) else ""
        if header is None and is_table_rule(following):
            header = f"{stripped}\n{following}"
        elif header is not None and not is_table_rule(stripped):
            headers.setdefault(stripped, header)
    out = []
    for part in parts:
        first = part.split("\n", 1)[0].strip()
        out.append(f"{headers[first]}\n{part}" if first in headers else part)
    return out
