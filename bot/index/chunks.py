"""The chunk record in Chroma: what ingestion writes and retrieval reads, defined once.

Ingestion turns a document's metadata and one chunk's place into ``chunk_metadata``;
retrieval turns a stored record back into a ``Passage`` with ``passage_from``. Neither side
needs to know how the other works, only this schema. Chroma metadata values must be
scalars, so lists are stored as comma-separated text and absent values as "".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from bot.answer import Passage


def chunk_metadata(
    *,
    source: str,
    source_root: str,
    title: str,
    kind: str,
    date: str,
    status: str,
    superseded_by: str | None,
    topics: Sequence[str],
    locator: str,
    chunk_index: int,
    **extra: str | int | float | bool,
) -> dict[str, Any]:
    """The metadata stored with one chunk. ``extra`` keys are kept as they are (scalars only)."""
    return {
        "source": source,
        "source_root": source_root,
        "title": title,
        "kind": kind,
        "date": date,
        "status": status,
        "superseded_by": superseded_by or "",
        "topics": ", ".join(topics),
        "locator": locator,
        "chunk_index": chunk_index,
        **extra,
    }


def passage_from(chunk_id: str, text: str, meta: Mapping[str, Any], score: float) -> Passage:
    """The ``Passage`` for a stored chunk; ``score`` is its relevance to the current question."""
    return Passage(
        chunk_id=chunk_id,
        text=text,
        source=str(meta.get("source", "")),
        title=str(meta.get("title", "")),
        kind=str(meta.get("kind", "")),
        locator=str(meta.get("locator", "")),
        date=str(meta.get("date", "")),
        status=str(meta.get("status", "current")),
        superseded_by=str(meta.get("superseded_by") or "") or None,
        score=float(score),
        unit_vectors=str(meta.get("unit_vectors") or ""),
        units_version=int(meta.get("units_version") or 0),
        review_by=str(meta.get("review_by") or ""),
        expires=str(meta.get("expires") or ""),
    )


def keyword_text(text: str, meta: Mapping[str, Any]) -> str:
    """What keyword search indexes for a chunk: its title, section and topics with its text."""
    return f"{meta.get('title', '')} {meta.get('locator', '')} {meta.get('topics', '')} {text}"
