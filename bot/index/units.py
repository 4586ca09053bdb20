"""The units an answer is made of, and the vectors stored for them at ingest.

A unit is a whole sentence, a whole list item or a whole table row of a chunk, never a line:
the offline composer chooses units and never cuts one. Ingestion embeds every unit of every
chunk and stores the vectors with the chunk (``unit_vectors``), so answering a question costs
no model call beyond the question's own vector. Units are recomputed from the chunk text at
answer time with the same function, so only their vectors are stored; a version number makes
an index written by an older splitter fall back to embedding at answer time.
"""

from __future__ import annotations

import base64
import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from langchain_core.embeddings import Embeddings

from bot.text import Block, blocks, sentences

UNITS_VERSION = 1
MAX_ITEM_CHARS = 450  # a longer list item is offered sentence by sentence

UnitKind = Literal["sentence", "item", "row"]


@dataclass(frozen=True)
class Unit:
    """One citable unit of a chunk.

    ``group`` numbers runs of units that belong together (the items of one list, the rows of
    one table, consecutive "Label:" lines), so a short list can be shown whole; ``section`` is
    the heading above the unit inside the chunk, or the chunk's own locator.
    """

    kind: UnitKind
    text: str
    section: str
    group: int
    position: int
    first_in_block: bool = True
    lead: str = ""  # the sentence introducing a list ("We are calling for:"), for its items


def units_of(text: str, locator: str = "") -> list[Unit]:
    """The units of a chunk's text, in document order."""
    return list(_units_of(text, locator))


@functools.lru_cache(maxsize=4096)
def _units_of(text: str, locator: str) -> tuple[Unit, ...]:
    # Cached: the same passages come back for question after question, and units are frozen.
    out: list[Unit] = []
    group = 0
    previous: Block | None = None
    lead = ""
    for block in blocks(text):
        if block.kind == "heading":
            previous = block
            continue
        section = block.section or _section_of(locator)
        labelled = block.kind == "paragraph" and is_labelled(block.text)
        same_run = previous is not None and (
            (block.kind in ("item", "row") and previous.kind == block.kind)
            or (labelled and previous.kind == "paragraph" and is_labelled(previous.text))
        )
        if not same_run:
            group += 1
            # A list right after a sentence ending in ":" continues that sentence.
            lead = ""
            if block.kind == "item" and previous is not None and previous.kind == "paragraph":
                last = (sentences(previous.text) or [""])[-1]
                lead = last if last.endswith(":") else ""
        previous = block
        whole = block.kind == "item" or _is_question_and_answer(block.text)
        if block.kind == "row" or (whole and len(block.text) <= MAX_ITEM_CHARS):
            kind = "item" if block.kind == "paragraph" else block.kind
            out.append(
                Unit(
                    kind, block.text, section, group, len(out), lead=lead if kind == "item" else ""
                )  # type: ignore[arg-type]
            )
            continue
        for index, sentence in enumerate(sentences(block.text)):
            out.append(Unit("sentence", sentence, section, group, len(out), index == 0))
    return tuple(out)


def _is_question_and_answer(text: str) -> bool:
    """ "Q: ... A: ..." — the question alone is not advice, so the pair stays one unit."""
    return text.startswith(("Q:", "Q.")) and " A:" in text


def _section_of(locator: str) -> str:
    return locator.rsplit("›", 1)[-1].strip()


def is_labelled(text: str) -> bool:
    """A "Label: text" line (at most three words before the colon): "Say: ...", "Avoid: ..."."""
    head = text.split(":", 1)[0]
    return ":" in text and 0 < len(head.split()) <= 3 and head[:1].isupper()


# -- stored vectors ---------------------------------------------------------------------------
# Each vector is stored as int8 with its own float16 scale: 386 bytes for 384 dimensions,
# about a quarter of float32, and cosine scores change by well under 0.01.


def encode_vectors(vectors: np.ndarray) -> str:
    """``vectors`` (n, d) as compact text for Chroma metadata (which holds only scalars)."""
    vectors = np.asarray(vectors, dtype=np.float32)
    if vectors.size == 0:
        return ""
    scale = np.abs(vectors).max(axis=1, keepdims=True) / 127.0
    scale[scale == 0] = 1.0
    quantised = np.round(vectors / scale).astype(np.int8)
    rows = [
        s.astype(np.float16).tobytes() + q.tobytes()
        for s, q in zip(scale[:, 0], quantised, strict=True)
    ]
    return base64.b64encode(b"".join(rows)).decode("ascii")


def decode_vectors(text: str, dimensions: int) -> np.ndarray:
    """The unit-length vectors ``encode_vectors`` stored; shape (0, d) for empty text."""
    if not text:
        return np.zeros((0, dimensions), dtype=np.float32)
    raw = np.frombuffer(base64.b64decode(text), dtype=np.uint8)
    width = 2 + dimensions
    if raw.size % width:
        raise ValueError("stored unit vectors do not match the model's dimensions")
    rows = raw.reshape(-1, width)
    scale = rows[:, :2].copy().view(np.float16).astype(np.float32)
    values = rows[:, 2:].copy().view(np.int8).astype(np.float32) * scale
    norms = np.linalg.norm(values, axis=1, keepdims=True)
    return values / np.clip(norms, 1e-12, None)


def embed_units(chunks: Sequence[tuple[str, str]], embeddings: Embeddings) -> list[dict[str, Any]]:
    """For each chunk (text, locator), the metadata that stores its units' vectors."""
    per_chunk = [[u.text for u in units_of(text, locator)] for text, locator in chunks]
    flat = [t for texts in per_chunk for t in texts]
    vectors = np.asarray(embeddings.embed_documents(flat), dtype=np.float32) if flat else None
    out: list[dict[str, Any]] = []
    start = 0
    for texts in per_chunk:
        rows = vectors[start : start + len(texts)] if vectors is not None else np.zeros((0, 0))
        start += len(texts)
        out.append({"unit_vectors": encode_vectors(rows), "units_version": UNITS_VERSION})
    return out


def stored_unit_vectors(
    encoded: str, version: int, units: Sequence[Unit], dimensions: int
) -> np.ndarray | None:
    """The vectors stored at ingest for ``units``, or None when they are missing or stale."""
    if version != UNITS_VERSION or not encoded:
        return None
    try:
        vectors = decode_vectors(encoded, dimensions)
    except (ValueError, TypeError):
        return None
    return vectors if len(vectors) == len(units) else None
